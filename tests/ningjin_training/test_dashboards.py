import pytest
from django.urls import reverse

from courses.models import Course, CourseRequest, Session
from tests.factories_courses import CourseFactory, CourseRequestFactory, InstructorFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_an_instructor_sees_their_coming_sessions_and_the_requests_dispatched_to_them(cast, client_as):
    me = InstructorFactory(user=cast.users["instructor"], name="王老师")
    other = InstructorFactory(name="李老师")
    mine = SessionFactory(township=cast.township_a, title="我讲的课", status=Session.Status.PUBLISHED)
    mine.instructors.add(me)
    theirs = SessionFactory(township=cast.township_a, title="别人讲的课", status=Session.Status.PUBLISHED)
    theirs.instructors.add(other)
    CourseRequestFactory(
        township=cast.township_a,
        course=CourseFactory(title="派给我的课"),
        instructor=me,
        status=CourseRequest.Status.DISPATCHED,
    )
    CourseRequestFactory(
        township=cast.township_a,
        course=CourseFactory(title="派给别人的课"),
        instructor=other,
        status=CourseRequest.Status.DISPATCHED,
    )
    page = client_as("instructor").get(reverse("home")).text
    assert "我讲的课" in page
    assert "别人讲的课" not in page
    assert "派给我的课" in page
    assert "派给别人的课" not in page


def test_the_county_dashboard_counts_premium_courses(cast, client_as):
    CourseFactory.create_batch(3, stage=Course.Stage.PREMIUM)
    CourseFactory(stage=Course.Stage.TRIAL)
    response = client_as("county").get(reverse("home"))
    assert response.context["course_counts"]["premium_courses"] == 3
    assert "县级精品课程" in response.text
