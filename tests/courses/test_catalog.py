"""Catalog pages: themes, course list/detail, editing scope, query budgets."""

import pytest
from django.urls import reverse

from courses.models import Course, Session, Theme
from tests.factories_courses import (
    CourseFactory,
    CourseRequestFactory,
    InstructorFactory,
    SessionFactory,
    TagFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["county", "township_a", "instructor", "trainee"])
def test_every_role_can_browse_the_catalog_and_theme_calendar(client_as, role):
    course = CourseFactory(title="三扛精神宣讲")
    theme = ThemeFactory(year=2026, month=5, title="五月主题")
    theme.recommended_courses.add(course)
    client = client_as(role)
    assert "三扛精神宣讲" in client.get(reverse("courses:course-list")).text
    assert client.get(course.get_absolute_url()).status_code == 200
    assert "五月主题" in client.get(reverse("courses:theme-list") + "?year=2026").text
    assert "三扛精神宣讲" in client.get(theme.get_absolute_url()).text


def test_the_catalog_filters_by_search_category_premium_and_theme(client_as):
    hardware = CourseFactory(
        title="五金产业链党建", category=Course.Category.INDUSTRY_HARDWARE, stage="premium"
    )
    CourseFactory(title="家具电商", category=Course.Category.INDUSTRY_FURNITURE)
    theme = ThemeFactory()
    theme.recommended_courses.add(hardware)
    client = client_as("trainee")
    url = reverse("courses:course-list")

    def titles(query):
        return [c.title for c in client.get(url, query).context["page"]]

    assert titles({"q": "五金"}) == ["五金产业链党建"]
    assert titles({"category": "industry_furniture"}) == ["家具电商"]
    assert titles({"premium": "on"}) == ["五金产业链党建"]
    assert titles({"theme": theme.pk}) == ["五金产业链党建"]


def test_only_county_staff_maintain_themes(client_as):
    assert client_as("township_a").get(reverse("courses:theme-create")).status_code == 403
    response = client_as("county").post(
        reverse("courses:theme-create"), {"year": 2026, "month": 7, "title": "七一主题", "description": ""}
    )
    assert response.status_code == 302
    duplicate = client_as("county").post(
        reverse("courses:theme-create"), {"year": 2026, "month": 7, "title": "重复", "description": ""}
    )
    assert duplicate.status_code == 200
    assert Theme.objects.filter(year=2026, month=7).count() == 1


def test_a_township_admin_creates_a_township_course_of_their_own_township(client_as, cast):
    response = client_as("township_a").post(
        reverse("courses:course-create"),
        {
            "title": "甲镇特色课",
            "summary": "",
            "category": "practical_skills",
            "format": "classroom",
            "hours": "2",
        },
    )
    assert response.status_code == 302
    course = Course.objects.get(title="甲镇特色课")
    assert (course.township, course.level) == (cast.township_a, Course.Level.TOWNSHIP)


def test_another_townships_course_cannot_be_edited(client_as, cast):
    course = CourseFactory(township=cast.township_b, level=Course.Level.TOWNSHIP)
    county_course = CourseFactory()
    client = client_as("township_a")
    assert client.get(reverse("courses:course-edit", args=[course.pk])).status_code == 404
    assert client.get(reverse("courses:course-edit", args=[county_course.pk])).status_code == 404
    assert client_as("trainee").get(reverse("courses:course-create")).status_code == 403


def test_the_detail_shows_where_when_and_by_whom_it_was_taught(client_as, cast):
    course = CourseFactory()
    teacher = InstructorFactory(name="李明华")
    session = SessionFactory(township=cast.township_a, course=course, status=Session.Status.HELD)
    session.instructors.add(teacher)
    SessionFactory(township=cast.township_b, course=course, status=Session.Status.CANCELLED)
    page = client_as("trainee").get(course.get_absolute_url()).text
    assert "李明华" in page and "甲镇" in page and "乙镇" not in page


def _catalog(n, township):
    tags = [TagFactory(name=f"标签{i}") for i in range(3)]
    for i in range(n):
        course = CourseFactory(
            stage="premium" if i % 3 == 0 else "standard", township=township if i % 2 else None
        )
        course.tags.set(tags)
        SessionFactory(township=township, course=course).instructors.add(InstructorFactory())
        course.instructors.add(InstructorFactory())
        CourseRequestFactory(township=township, course=course, instructor=InstructorFactory())


@pytest.mark.parametrize("size", [3, 30])
def test_course_list_and_detail_keep_a_constant_query_count(
    client_as, cast, django_assert_max_num_queries, size
):
    _catalog(size, cast.township_a)
    client = client_as("county")
    course = Course.objects.filter(stage="standard").first()  # shows the stage form too
    with django_assert_max_num_queries(9):
        assert client.get(reverse("courses:course-list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(course.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(reverse("courses:course-board")).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(reverse("courses:instructor-list")).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(reverse("courses:base-list")).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(reverse("courses:request-list")).status_code == 200


def test_the_board_groups_courses_by_stage_for_staff_only(client_as):
    CourseFactory(title="试讲中的课", stage="trial")
    assert "试讲中的课" in client_as("township_a").get(reverse("courses:course-board")).text
    assert client_as("trainee").get(reverse("courses:course-board")).status_code == 403
