"""The scheduled jobs of the monthly cycle: plans opened and closed, townships and instructors chased, absentees flagged."""

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine

from courses.models import Attendance, CourseRequest, Enrollment, MonthlyPlan, Session
from courses.tasks import close_previous_month, open_month_plans
from evaluations.models import AnnualReport, ImprovementItem, QuarterlyReview
from notifications.models import Kind, Notification
from notifications.tasks import (
    alert_absent_members,
    beat_heartbeat,
    chase_overdue_improvement_items,
    remind_annual_report,
    remind_instructors_of_requests,
    remind_townships_without_session,
)
from tests.factories import MemberFactory
from tests.factories_courses import (
    CourseRequestFactory,
    InstructorFactory,
    MonthlyPlanFactory,
    SessionFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def session_in(township, starts_at, status=Session.Status.PUBLISHED, **kwargs):
    return SessionFactory(
        township=township,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        status=status,
        **kwargs,
    )


def test_the_first_of_the_month_opens_plans_for_every_township_with_the_theme(cast):
    theme = ThemeFactory(year=2027, month=1, title="新春第一课")
    with time_machine.travel(at(2027, 1, 1, 0, 10), tick=False):
        open_month_plans.delay()
        open_month_plans.delay()
    january = MonthlyPlan.objects.filter(month=datetime.date(2027, 1, 1))
    assert set(january.values_list("township", flat=True)) == {cast.township_a.pk, cast.township_b.pk}
    assert set(january.values_list("theme", flat=True)) == {theme.pk}
    assert MonthlyPlan.objects.filter(month=datetime.date(2027, 2, 1), theme=None).count() == 2


def test_a_theme_entered_late_is_filled_into_open_plans(cast):
    with time_machine.travel(at(2026, 12, 1, 0, 10), tick=False):
        open_month_plans.delay()
    theme = ThemeFactory(year=2027, month=1)
    with time_machine.travel(at(2027, 1, 1, 0, 10), tick=False):
        open_month_plans.delay()
    assert set(
        MonthlyPlan.objects.filter(month=datetime.date(2027, 1, 1)).values_list("theme", flat=True)
    ) == {theme.pk}


def test_closing_the_month_marks_plans_without_a_held_session_missed(cast):
    november = datetime.date(2026, 11, 1)
    held_plan = MonthlyPlanFactory(
        township=cast.township_a, month=november, status=MonthlyPlan.Status.SCHEDULED
    )
    missed_plan = MonthlyPlanFactory(
        township=cast.township_b, month=november, status=MonthlyPlan.Status.SCHEDULED
    )
    session_in(cast.township_a, at(2026, 11, 20, 9, 0), status=Session.Status.HELD, plan=held_plan)
    session_in(cast.township_b, at(2026, 11, 25, 9, 0), status=Session.Status.CANCELLED, plan=missed_plan)
    with time_machine.travel(at(2026, 12, 1, 0, 5), tick=False):
        assert close_previous_month.delay().get() == 1
        assert close_previous_month.delay().get() == 0
    held_plan.refresh_from_db()
    missed_plan.refresh_from_db()
    assert held_plan.status == MonthlyPlan.Status.SCHEDULED
    assert missed_plan.status == MonthlyPlan.Status.MISSED
    event = missed_plan.events.get()
    assert event.by.username == "system" and not event.by.is_active


def test_township_admins_without_a_published_session_are_reminded_once_a_day(
    cast, django_capture_on_commit_callbacks
):
    session_in(cast.township_a, at(2026, 11, 20, 9, 0))
    session_in(cast.township_b, at(2026, 11, 21, 9, 0), status=Session.Status.DRAFT)
    with time_machine.travel(at(2026, 11, 10, 9, 0), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            remind_townships_without_session.delay()
            remind_townships_without_session.delay()
    assert not Notification.objects.filter(recipient=cast.users["township_a"]).exists()
    notice = Notification.objects.get(recipient=cast.users["township_b"])
    assert notice.kind == Kind.PLAN_NO_SESSION
    assert "2026" in notice.title and "11" in notice.title
    with time_machine.travel(at(2026, 11, 13, 9, 0), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            remind_townships_without_session.delay()
    assert Notification.objects.filter(recipient=cast.users["township_b"]).count() == 2


def test_instructors_are_reminded_of_dispatched_requests_waiting_for_them(
    cast, django_capture_on_commit_callbacks
):
    instructor = InstructorFactory(user=cast.users["instructor"])
    CourseRequestFactory(
        township=cast.township_a, instructor=instructor, status=CourseRequest.Status.DISPATCHED
    )
    CourseRequestFactory(
        township=cast.township_a, instructor=instructor, status=CourseRequest.Status.ACCEPTED
    )
    with django_capture_on_commit_callbacks(execute=True):
        remind_instructors_of_requests.delay()
        remind_instructors_of_requests.delay()
    notice = Notification.objects.get(recipient=cast.users["instructor"])
    assert notice.kind == Kind.REQUEST_AWAITING


def enrol_in_held_session(member, township, starts_at, attendance=None):
    session = session_in(township, starts_at, status=Session.Status.HELD)
    Enrollment.objects.create(session=session, member=member)
    if attendance:
        Attendance.objects.create(session=session, member=member, status=attendance)
    return session


def test_a_member_absent_three_months_in_a_row_alerts_the_township_and_the_county(
    cast, django_capture_on_commit_callbacks
):
    absent, present_once, new = (
        cast.member_a,
        MemberFactory(branch=cast.branch_a),
        MemberFactory(branch=cast.branch_a),
    )
    for month in (8, 9, 10):
        enrol_in_held_session(absent, cast.township_a, at(2026, month, 15, 9, 0), Attendance.Status.ABSENT)
        enrol_in_held_session(
            present_once,
            cast.township_a,
            at(2026, month, 16, 9, 0),
            Attendance.Status.LATE if month == 9 else None,
        )
    enrol_in_held_session(new, cast.township_a, at(2026, 10, 15, 9, 0))
    with time_machine.travel(at(2026, 11, 2, 8, 0), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            alert_absent_members.delay(months=3)
            alert_absent_members.delay(months=3)
    alerts = Notification.objects.filter(kind=Kind.MEMBER_ABSENT)
    assert set(alerts.values_list("recipient__username", flat=True)) == {"township_a", "county"}
    assert alerts.count() == 2
    assert all(absent.name in n.title for n in alerts)


def test_the_absence_rule_is_data_in_the_schedule():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="notifications.tasks.alert_absent_members")
    assert json.loads(task.kwargs) == {"months": 3}


def test_overdue_improvement_items_are_chased_weekly(cast, django_capture_on_commit_callbacks):
    review = QuarterlyReview.objects.create(
        district=cast.township_a.district,
        year=2026,
        quarter=3,
        held_on=datetime.date(2026, 9, 20),
        venue="县委党校",
        created_by=cast.users["county"],
    )
    ImprovementItem.objects.create(
        review=review,
        township=cast.township_a,
        problem="备课记录不全",
        owner="张三",
        due_date=datetime.date(2026, 11, 1),
        evidence_required="备课记录",
        created_by=cast.users["county"],
    )
    with time_machine.travel(at(2026, 11, 9, 9, 0), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            chase_overdue_improvement_items.delay()
    assert Notification.objects.get(recipient=cast.users["township_a"]).kind == Kind.IMPROVEMENT_OVERDUE


def test_townships_without_a_submitted_annual_report_are_reminded_in_december(
    cast, django_capture_on_commit_callbacks
):
    AnnualReport.objects.create(
        township=cast.township_a, year=2026, status="submitted", created_by=cast.users["township_a"]
    )
    with time_machine.travel(at(2026, 12, 1, 9, 0), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            remind_annual_report.delay()
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"township_b"}


def test_the_heartbeat_shows_in_healthz(client):
    assert client.get("/healthz").json()["beat"]["status"] == "never"
    beat_heartbeat.delay()
    beat = client.get("/healthz").json()["beat"]
    assert beat["status"] == "ok"
    assert beat["last_tick"].endswith("+08:00")
    with time_machine.travel(datetime.datetime.now(tz=SHANGHAI) + datetime.timedelta(minutes=10)):
        assert client.get("/healthz").json()["beat"]["status"] == "stale"
