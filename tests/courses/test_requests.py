"""On-demand delivery: order → dispatch → accept → schedule → deliver → close, by the right roles."""

import pytest
from django.urls import reverse

from courses.models import CourseRequest, Session
from courses.selectors import county_course_counts
from tests.factories import DepartmentFactory
from tests.factories_courses import CourseFactory, CourseRequestFactory, InstructorFactory

pytestmark = pytest.mark.django_db


def _act(client, req, action, data=None):
    return client.post(reverse("courses:request-action", args=[req.pk, action]), data or {}, follow=True)


@pytest.fixture
def teacher(cast):
    return InstructorFactory(name="王老师", user=cast.users["instructor"], is_star=True)


def test_a_request_walks_from_order_to_close_with_each_party_acting(client_as, cast, teacher):
    course = CourseFactory(title="三扛精神")
    department = DepartmentFactory()
    township = client_as("township_a")
    township.post(
        reverse("courses:request-create"),
        {
            "course": course.pk,
            "branch": cast.branch_a.pk,
            "preferred_month": "2026-06",
            "audience": "全体党员",
            "expected_size": 40,
        },
    )
    req = CourseRequest.objects.get()
    assert (req.township, str(req.preferred_month)) == (cast.township_a, "2026-06-01")

    _act(client_as("county"), req, "dispatch", {"department": department.pk, "instructor": teacher.pk})
    instructor = client_as("instructor")
    assert "三扛精神" in instructor.get(reverse("courses:request-list")).text
    _act(instructor, req, "accept")
    _act(
        client_as("township_a"),
        req,
        "schedule",
        {
            "starts_at": "2026-06-10T09:00",
            "ends_at": "2026-06-10T11:00",
            "hours": "2",
            "venue": "党群服务中心",
        },
    )
    req.refresh_from_db()
    assert req.status == CourseRequest.Status.SCHEDULED
    session = req.session
    assert (session.kind, session.status, session.township, session.course) == (
        Session.Kind.DELIVERY,
        Session.Status.PUBLISHED,
        cast.township_a,
        course,
    )
    assert list(session.instructors.all()) == [teacher]
    _act(client_as("instructor"), req, "deliver")
    _act(client_as("county"), req, "close")
    req.refresh_from_db()
    assert req.status == CourseRequest.Status.CLOSED
    session.refresh_from_db()
    assert session.status == Session.Status.HELD
    steps = list(req.events.values_list("to_status", "by__username"))
    assert steps == [
        ("dispatched", "county"),
        ("accepted", "instructor"),
        ("scheduled", "township_a"),
        ("delivered", "instructor"),
        ("closed", "county"),
    ]


def test_a_declined_request_keeps_its_reason_and_goes_back_to_the_county(client_as, cast, teacher):
    req = CourseRequestFactory(township=cast.township_a, status="dispatched", instructor=teacher)
    response = _act(client_as("instructor"), req, "decline", {"reason": ""})
    assert "拒单原因" in response.text
    req.refresh_from_db()
    assert req.status == "dispatched"
    _act(client_as("instructor"), req, "decline", {"reason": "当月已满"})
    req.refresh_from_db()
    assert (req.status, req.decline_reason) == ("declined", "当月已满")


def test_wrong_roles_are_refused(client_as, cast, teacher):
    req = CourseRequestFactory(township=cast.township_a)
    assert (
        _act(client_as("township_a"), req, "dispatch", {"department": DepartmentFactory().pk}).status_code
        == 403
    )
    assert client_as("trainee").get(reverse("courses:request-list")).status_code == 403
    assert client_as("county").get(reverse("courses:request-create")).status_code == 403
    req.refresh_from_db()
    assert req.status == "ordered"


def test_other_townships_and_other_instructors_get_404(client_as, cast, teacher):
    req = CourseRequestFactory(township=cast.township_a, status="dispatched", instructor=InstructorFactory())
    assert client_as("township_b").get(req.get_absolute_url()).status_code == 404
    assert _act(client_as("township_b"), req, "cancel").status_code == 404
    assert client_as("instructor").get(req.get_absolute_url()).status_code == 404
    assert _act(client_as("instructor"), req, "accept").status_code == 404
    req.refresh_from_db()
    assert req.status == "dispatched"


def test_an_illegal_move_is_refused_with_a_message_and_changes_nothing(client_as, cast):
    req = CourseRequestFactory(township=cast.township_a)
    response = _act(client_as("county"), req, "close")
    assert "当前状态为“已点单”，不能变更为“已办结”" in response.text
    req.refresh_from_db()
    assert req.status == "ordered"
    assert not req.events.exists()


def test_a_schedule_ending_before_it_starts_is_refused(client_as, cast):
    req = CourseRequestFactory(township=cast.township_a, status="accepted")
    response = _act(
        client_as("township_a"),
        req,
        "schedule",
        {"starts_at": "2026-06-10T11:00", "ends_at": "2026-06-10T09:00", "hours": "2"},
    )
    assert "结束时间须晚于开始时间" in response.text
    req.refresh_from_db()
    assert req.status == "accepted" and req.session is None
    assert not Session.objects.exists()


def test_each_party_sees_what_waits_on_them(client_as, cast, teacher):
    CourseRequestFactory(township=cast.township_a, course=CourseFactory(title="待派单课"))
    CourseRequestFactory(township=cast.township_a, status="accepted", course=CourseFactory(title="待排课课"))
    county_waiting = [
        r.course.title for r in client_as("county").get(reverse("courses:request-list")).context["waiting"]
    ]
    township_waiting = [
        r.course.title
        for r in client_as("township_a").get(reverse("courses:request-list")).context["waiting"]
    ]
    assert county_waiting == ["待派单课"]
    assert township_waiting == ["待排课课"]
    assert list(client_as("township_b").get(reverse("courses:request-list")).context["waiting"]) == []


def test_county_course_counts(cast, teacher):
    CourseFactory(stage="premium")
    CourseFactory(stage="trial")
    counts = county_course_counts()
    assert counts["premium_courses"] == 1
    assert counts["star_instructors"] == 1
    assert counts["deliveries_this_year"] == 0
