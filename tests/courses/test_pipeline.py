"""The premium-course development pipeline through the portal."""

import pytest
from django.urls import reverse

from courses.models import Course
from tests.factories_courses import CourseFactory, InstructorFactory

pytestmark = pytest.mark.django_db


def _step(client, course, to, **extra):
    data = {"to": to, "date": "2026-03-01", "participants": "县委党校、组织部", "notes": "", **extra}
    return client.post(reverse("courses:course-stage", args=[course.pk]), data, follow=True)


def test_county_staff_take_a_course_from_proposed_to_premium_with_dated_records(client_as):
    course = CourseFactory(stage=Course.Stage.PROPOSED)
    teacher = InstructorFactory()
    client = client_as("county")
    for stage in ["selected", "discussion", "preparation", "trial", "premium"]:
        _step(client, course, stage, instructors=[teacher.pk])
    course.refresh_from_db()
    assert course.is_premium
    record = course.stage_records.get(stage="premium")
    assert str(record.date) == "2026-03-01"
    assert list(record.instructors.all()) == [teacher]


def test_a_grassroots_unit_may_select_a_topic_but_never_approve(client_as):
    course = CourseFactory(stage=Course.Stage.PROPOSED)
    client = client_as("township_a")
    _step(client, course, "selected")
    course.refresh_from_db()
    assert course.stage == Course.Stage.SELECTED

    trial = CourseFactory(stage=Course.Stage.TRIAL)
    response = client.post(
        reverse("courses:course-stage", args=[trial.pk]), {"to": "premium", "date": "2026-03-01"}
    )
    assert response.status_code == 403
    trial.refresh_from_db()
    assert trial.stage == Course.Stage.TRIAL
    assert (
        client_as("trainee")
        .post(reverse("courses:course-stage", args=[trial.pk]), {"to": "premium"})
        .status_code
        == 403
    )


def test_an_illegal_step_is_refused_with_a_clear_message_and_changes_nothing(client_as):
    course = CourseFactory(stage=Course.Stage.PROPOSED)
    response = _step(client_as("county"), course, "premium")
    assert "当前状态为“组织点题”，不能变更为“精品课程”" in response.text
    course.refresh_from_db()
    assert course.stage == Course.Stage.PROPOSED
    assert not course.stage_records.exists()


def test_returning_a_course_needs_a_reason(client_as):
    course = CourseFactory(stage=Course.Stage.TRIAL)
    response = _step(client_as("county"), course, "returned")
    assert "须填写原因" in response.text
    course.refresh_from_db()
    assert course.stage == Course.Stage.TRIAL
    _step(client_as("county"), course, "returned", notes="试讲案例需更新")
    course.refresh_from_db()
    assert course.stage == Course.Stage.RETURNED


def test_stage_changes_need_post(client_as):
    course = CourseFactory(stage=Course.Stage.PROPOSED)
    assert client_as("county").get(reverse("courses:course-stage", args=[course.pk])).status_code == 405


def test_another_townships_admin_cannot_move_a_township_course(client_as, cast):
    course = CourseFactory(stage=Course.Stage.PROPOSED, township=cast.township_a, level="township")
    response = client_as("township_b").post(
        reverse("courses:course-stage", args=[course.pk]), {"to": "selected", "date": "2026-03-01"}
    )
    assert response.status_code == 403
    course.refresh_from_db()
    assert course.stage == Course.Stage.PROPOSED and not course.stage_records.exists()
    # Nor is a stage form offered to them on the (readable) detail page.
    page = client_as("township_b").get(reverse("courses:course-detail", args=[course.pk]))
    assert page.status_code == 200 and page.context["stage_form"] is None
    # Its own township's admin still may.
    _step(client_as("township_a"), course, "selected")
    course.refresh_from_db()
    assert course.stage == Course.Stage.SELECTED
