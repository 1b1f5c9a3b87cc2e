"""Township admins run their sessions: create, publish, duplicate, series, cancel, close; plans follow."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.cycle.services import session_cancel, session_move, session_transition
from courses.models import Attendance, Enrollment, MonthlyPlan, Session, SessionEvent
from tests.cycle_fixtures import enrol, live_session
from tests.factories_courses import SessionFactory

pytestmark = pytest.mark.django_db


def _form(**overrides):
    start = timezone.localtime() + datetime.timedelta(days=5)
    data = {
        "title": "学习贯彻全会精神",
        "kind": Session.Kind.MONTHLY,
        "venue_kind": Session.VenueKind.CLASSROOM,
        "venue": "镇党群服务中心",
        "starts_at": start.strftime("%Y-%m-%dT09:00"),
        "ends_at": start.strftime("%Y-%m-%dT11:00"),
        "hours": "2.0",
        "capacity": "",
    }
    data.update(overrides)
    return data


def test_a_township_admin_creates_a_draft_session_in_their_township_with_a_monthly_plan(client_as, cast):
    client = client_as("township_a")
    response = client.post(reverse("courses:session-create"), _form(audience_branches=[cast.branch_a.pk]))
    assert response.status_code == 302
    session = Session.objects.get()
    assert session.township == cast.township_a
    assert session.status == Session.Status.DRAFT
    assert session.plan.township == cast.township_a
    assert session.plan.month == session.local_month
    assert list(session.audience_branches.all()) == [cast.branch_a]


def test_a_township_admin_cannot_target_another_townships_branch(client_as, cast):
    response = client_as("township_a").post(
        reverse("courses:session-create"), _form(audience_branches=[cast.branch_b.pk])
    )
    assert response.status_code == 200
    assert not Session.objects.exists()


def test_county_staff_create_a_county_wide_session(client_as):
    response = client_as("county").post(reverse("courses:session-create"), _form(township=""))
    assert response.status_code == 302
    session = Session.objects.get()
    assert session.township is None and session.plan is None


def test_it_refuses_an_end_before_the_start(client_as):
    response = client_as("township_a").post(
        reverse("courses:session-create"),
        _form(starts_at="2026-06-01T11:00", ends_at="2026-06-01T09:00"),
    )
    assert response.status_code == 200
    assert "结束时间须晚于开始时间" in response.content.decode()


def test_another_townships_session_is_a_404_everywhere(client_as, cast):
    session = SessionFactory(township=cast.township_b)
    client = client_as("township_a")
    for name in ["session-detail", "session-edit", "attendance-sheet", "session-projector", "session-series"]:
        assert client.get(reverse(f"courses:{name}", args=[session.pk])).status_code == 404, name
    assert (
        client.post(reverse("courses:session-transition", args=[session.pk]), {"to": "published"}).status_code
        == 404
    )
    session.refresh_from_db()
    assert session.status == Session.Status.DRAFT


def test_a_trainee_sees_only_sessions_they_are_enrolled_in(client_as, cast):
    mine = live_session(cast.township_a)
    enrol(mine, cast.trainee_member)
    other = live_session(cast.township_a)
    client = client_as("trainee")
    assert client.get(reverse("courses:session-detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("courses:session-detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("courses:session-list")).status_code == 403


def test_publishing_schedules_the_plan_and_holding_marks_it_held(cast):
    user = cast.users["township_a"]
    plan = MonthlyPlan.objects.create(township=cast.township_a, month=datetime.date(2026, 6, 1))
    session = SessionFactory(township=cast.township_a, plan=plan)
    session_transition(session=session, to=Session.Status.PUBLISHED, by=user)
    plan.refresh_from_db()
    assert plan.status == MonthlyPlan.Status.SCHEDULED
    session_transition(session=session, to=Session.Status.HELD, by=user)
    plan.refresh_from_db()
    assert plan.status == MonthlyPlan.Status.HELD
    assert list(plan.events.values_list("to_status", flat=True)) == ["scheduled", "held"]


def test_closing_marks_everyone_unmarked_absent_once(cast):
    user = cast.users["township_a"]
    session = live_session(cast.township_a, status=Session.Status.HELD)
    enrol(session, cast.member_a, cast.trainee_member)
    Attendance.objects.create(session=session, member=cast.trainee_member, status=Attendance.Status.PRESENT)
    session_transition(session=session, to=Session.Status.CLOSED, by=user)
    absent = Attendance.objects.get(session=session, member=cast.member_a)
    assert absent.status == Attendance.Status.ABSENT and absent.method == Attendance.Method.CLOSE
    assert absent.changes.count() == 1
    assert Attendance.objects.get(session=session, member=cast.trainee_member).status == "present"
    with pytest.raises(Exception, match="不能变更"):
        session_transition(session=session, to=Session.Status.CLOSED, by=user)
    assert Attendance.objects.filter(session=session).count() == 2


def test_cancellation_needs_a_reason_and_records_that_trainees_were_notified(cast):
    user = cast.users["township_a"]
    session = live_session(cast.township_a)
    enrol(session, cast.member_a)
    with pytest.raises(Exception, match="须填写原因"):
        session_cancel(session=session, by=user, reason="  ")
    session_cancel(session=session, by=user, reason="暴雨预警")
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED and session.cancel_reason == "暴雨预警"
    notice = SessionEvent.objects.filter(session=session, by__isnull=True).get()
    assert notice.note == "已通知参训学员：培训取消。"


def test_cancelling_calls_the_notice_hook_with_the_change(cast, monkeypatch):
    calls = []
    monkeypatch.setattr("courses.notices.session_changed", lambda **kw: calls.append(kw))
    session = live_session(cast.township_a)
    session_cancel(session=session, by=cast.users["township_a"], reason="场地维修")
    assert calls == [{"session_id": session.pk, "change": "cancelled"}]


def test_moving_a_published_session_records_it_and_calls_the_notice_hook(cast, monkeypatch):
    calls = []
    monkeypatch.setattr("courses.notices.session_changed", lambda **kw: calls.append(kw))
    session = live_session(cast.township_a, minutes_from_now=60 * 24)
    new_start = session.starts_at + datetime.timedelta(days=1)
    session_move(
        session=session,
        by=cast.users["township_a"],
        starts_at=new_start,
        ends_at=new_start + datetime.timedelta(hours=2),
    )
    assert calls == [{"session_id": session.pk, "change": "moved"}]
    assert session.events.filter(note__contains="调整为").exists()


def test_moving_a_published_session_records_that_trainees_were_notified(cast):
    session = live_session(cast.township_a, minutes_from_now=60 * 24)
    enrol(session, cast.member_a)
    new_start = session.starts_at + datetime.timedelta(days=1)
    session_move(
        session=session,
        by=cast.users["township_a"],
        starts_at=new_start,
        ends_at=new_start + datetime.timedelta(hours=2),
    )
    notice = SessionEvent.objects.filter(session=session, by__isnull=True).get()
    assert notice.note == "已通知参训学员：培训调整时间。"


def test_cancel_view_refuses_without_a_reason(client_as, cast):
    session = live_session(cast.township_a)
    client_as("township_a").post(reverse("courses:session-cancel", args=[session.pk]), {"reason": ""})
    session.refresh_from_db()
    assert session.status == Session.Status.PUBLISHED


def test_duplicate_makes_an_independent_draft_a_week_later(client_as, cast):
    session = live_session(cast.township_a, title="原场次")
    session.audience_branches.set([cast.branch_a])
    response = client_as("township_a").post(reverse("courses:session-duplicate", args=[session.pk]))
    copy = Session.objects.exclude(pk=session.pk).get()
    assert response.url == reverse("courses:session-edit", args=[copy.pk])
    assert copy.status == Session.Status.DRAFT
    assert copy.starts_at - session.starts_at == datetime.timedelta(days=7)
    assert list(copy.audience_branches.all()) == [cast.branch_a]


def test_a_series_creates_one_session_per_date_and_per_branch_sharing_a_series(client_as, cast):
    from tests.factories import BranchFactory

    second = BranchFactory(township=cast.township_a)
    session = SessionFactory(township=cast.township_a, title="系列课")
    session.audience_branches.set([cast.branch_a, second])
    day = (timezone.localtime(session.starts_at) + datetime.timedelta(days=7)).date()
    response = client_as("township_a").post(
        reverse("courses:session-series", args=[session.pk]), {"dates": day.isoformat(), "per_branch": "on"}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    copies = Session.objects.filter(series=session.series).exclude(pk=session.pk)
    assert copies.count() == 2
    assert {c.audience_branches.get() for c in copies} == {cast.branch_a, second}
    first = copies.first()
    first.title = "单独修改"
    first.save()
    assert copies.exclude(pk=first.pk).get().title != "单独修改"


def test_a_series_refuses_a_bad_date(client_as, cast):
    session = SessionFactory(township=cast.township_a)
    response = client_as("township_a").post(
        reverse("courses:session-series", args=[session.pk]), {"dates": "6月18日"}
    )
    assert response.status_code == 200
    assert "不是有效日期" in response.content.decode()


def test_list_and_detail_pages_render_for_staff(client_as, cast):
    session = live_session(cast.township_a)
    enrol(session, cast.member_a)
    client = client_as("township_a")
    page = client.get(reverse("courses:session-list"), {"status": "published"})
    assert session.title in page.content.decode()
    detail = client.get(reverse("courses:session-detail", args=[session.pk]))
    assert "已报名 1 人" in detail.content.decode()
    assert Enrollment.objects.count() == 1


def test_a_county_wide_session_shows_in_the_trainee_schedule(cast, client_as):
    """A session with no township (county-wide) must not break the trainee's pages."""
    import datetime

    from django.urls import reverse
    from django.utils import timezone

    from courses.models import Enrollment, Session

    starts = timezone.now() + datetime.timedelta(days=2)
    session = Session.objects.create(
        title="全县新春第一课",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        hours=2,
        status=Session.Status.PUBLISHED,
        created_by=cast.users["county"],
    )
    Enrollment.objects.create(session=session, member=cast.trainee_member)
    page = client_as("trainee").get(reverse("courses:my-schedule"))
    assert page.status_code == 200
    assert "全县新春第一课" in page.text


def test_a_bad_month_in_the_list_filter_is_explained_beside_the_field(client_as, cast):
    SessionFactory(township=cast.township_a, title="本月专题")
    page = client_as("township_a").get(reverse("courses:session-list"), {"month": "六月"})
    assert page.status_code == 200
    html = page.text
    assert 'aria-invalid="true"' in html and "is-invalid" in html
    assert 'id="id_month_error"' in html and "月份格式应为 2026-06。" in html
    assert 'aria-describedby="id_month_error"' in html
    assert "本月专题" in html  # the list is still shown, unfiltered by the bad month


def test_the_session_list_rows_escape_titles_and_mark_county_wide_sessions(client_as, cast):
    SessionFactory(township=cast.township_a, title="<script>alert(1)</script>", capacity=30)
    SessionFactory(township=None, title="全县示范课", status=Session.Status.PUBLISHED, capacity=None)
    html = client_as("township_a").get(reverse("courses:session-list")).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    row = next(r for r in html.split("<tr>") if "全县示范课" in r)
    assert "<td>全县 <span" in row and "只读" in row
    assert "0/30" in html  # enrolled of capacity


def test_an_empty_session_list_says_so(client_as):
    html = client_as("township_a").get(reverse("courses:session-list"), {"q": "没有这个培训"}).text
    assert "没有符合条件的培训。" in html
