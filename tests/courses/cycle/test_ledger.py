"""Study-hours ledger, trainee pages, iCalendar feeds and the 131 heatmap."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from courses.cycle.selectors import behind_target, heatmap, with_hours
from courses.cycle.views import _feed_token
from courses.models import Attendance, MonthlyPlan, StudyHoursEntry, StudyHoursTarget
from tests.cycle_fixtures import enrol, live_session
from tests.factories import MemberGroupFactory
from trainees.models import Member

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _credit(cast, member, hours="4.0", status=Attendance.Status.PRESENT):
    session = live_session(cast.township_a, minutes_from_now=-60 * 24, hours=Decimal(hours))
    Attendance.objects.create(session=session, member=member, status=status)
    return session


def test_targets_are_data_and_the_highest_applicable_one_applies(cast):
    assert StudyHoursTarget.objects.get(group=None, year=None).hours == 32
    secretaries = MemberGroupFactory(code="secretary-test")
    StudyHoursTarget.objects.create(group=secretaries, hours=Decimal("56"))
    cast.member_a.groups.add(secretaries)
    targets = dict(
        with_hours(Member.objects.all(), timezone.localdate().year).values_list("pk", "target_hours")
    )
    assert targets[cast.member_a.pk] == 56 and targets[cast.trainee_member.pk] == 32


def test_hours_add_credited_attendance_and_manual_entries_but_not_absence(cast):
    _credit(cast, cast.member_a, "4.0")
    _credit(cast, cast.member_a, "3.0", Attendance.Status.LATE)
    _credit(cast, cast.member_a, "9.0", Attendance.Status.ABSENT)
    StudyHoursEntry.objects.create(
        member=cast.member_a,
        date=timezone.localdate(),
        hours=Decimal("2.5"),
        source="online",
        recorded_by=cast.users["county"],
    )
    row = with_hours(Member.objects.filter(pk=cast.member_a.pk), timezone.localdate().year).get()
    assert (row.session_hours, row.manual_hours, row.total_hours) == (
        Decimal("7.0"),
        Decimal("2.5"),
        Decimal("9.5"),
    )


def test_exempt_members_are_listed_apart_not_flagged_behind(client_as, cast):
    exempt = MemberGroupFactory(code="elderly-test", exempt_from_target=True)
    cast.member_a.groups.add(exempt)
    year = timezone.localdate().year
    behind = set(
        behind_target(Member.objects.filter(branch__township=cast.township_a), year).values_list(
            "pk", flat=True
        )
    )
    assert cast.member_a.pk not in behind and cast.trainee_member.pk in behind
    page = client_as("township_a").get(reverse("courses:ledger-township"))
    assert cast.member_a in list(page.context["exempt"])
    assert cast.member_a not in list(page.context["page"])


def test_a_township_ledger_lists_only_its_own_members(client_as, cast):
    page = client_as("township_a").get(reverse("courses:ledger-township"))
    names = [m.name for m in page.context["page"]]
    assert "乙党员" not in names and "学员本人" in names
    assert (
        client_as("township_a").get(reverse("courses:ledger-member", args=[cast.member_b.pk])).status_code
        == 404
    )


def test_my_hours_show_progress_against_target(client_as, cast):
    _credit(cast, cast.trainee_member, "8.0")
    page = client_as("trainee").get(reverse("courses:my-hours"))
    assert page.context["percent"] == 25
    assert 'max="100" value="25"' in page.content.decode()


def test_the_member_feed_parses_and_carries_shanghai_times(client, cast):
    session = live_session(cast.township_a, title="新春第一课")
    enrol(session, cast.trainee_member)
    url = reverse("courses:feed-member", args=[_feed_token("member", cast.trainee_member.pk)])
    response = client.get(url)  # no login: the signed token is the secret
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["summary"]) == "新春第一课"
    start = event.decoded("dtstart")
    assert start == session.starts_at.replace(microsecond=0)
    assert start.hour == session.starts_at.astimezone(SHANGHAI).hour
    assert start.utcoffset() == datetime.timedelta(hours=8)
    assert event["dtstart"].params["TZID"] == "Asia/Shanghai"
    assert calendar.walk("VTIMEZONE")


def test_a_forged_feed_token_is_a_404(client, cast):
    assert client.get(reverse("courses:feed-member", args=[f"{cast.member_a.pk}:forged"])).status_code == 404


def test_the_township_feed_lists_the_townships_sessions(client, cast):
    live_session(cast.township_a, title="甲镇课")
    live_session(cast.township_b, title="乙镇课")
    response = client.get(
        reverse("courses:feed-township", args=[_feed_token("township", cast.township_a.pk)])
    )
    titles = [str(e["summary"]) for e in Calendar.from_ical(response.content).walk("VEVENT")]
    assert titles == ["甲镇课"]


def test_the_heatmap_shows_held_scheduled_and_missed_with_text(client_as, cast):
    year = timezone.localdate().year - 1
    MonthlyPlan.objects.create(township=cast.township_a, month=datetime.date(year, 1, 1), status="held")
    MonthlyPlan.objects.create(township=cast.township_a, month=datetime.date(year, 2, 1), status="scheduled")
    data = heatmap(year)
    row = next(r for r in data["rows"] if r["township"] == cast.township_a)
    assert [c["status"] for c in row["cells"][:3]] == ["held", "missed", "missed"]
    html = client_as("county").get(reverse("courses:heatmap"), {"year": year}).content.decode()
    assert "已举办" in html and "未举办" in html and 'scope="row"' in html


def test_a_township_admin_sees_only_their_row(client_as, cast):
    page = client_as("township_a").get(reverse("courses:heatmap"))
    assert [r["township"] for r in page.context["rows"]] == [cast.township_a]
