"""Annual reports (一年一述): metrics compiled from the data, frozen at submission, reviewed by the county."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core.workflow import IllegalTransition
from courses.models import Attendance, Session, StudyHoursEntry, StudyHoursTarget
from evaluations.models import AnnualReport, ImprovementItem, PracticeTask, SessionFeedback
from evaluations.selectors import report_metrics, township_metrics
from evaluations.services import report_start, report_transition
from tests.factories import MemberFactory, MemberGroupFactory
from tests.factories_courses import SessionFactory
from tests.factories_evaluations import (
    AnnualReportFactory,
    ImprovementItemFactory,
    PracticeTaskFactory,
    SessionFeedbackFactory,
)
from trainees.models import Member

pytestmark = pytest.mark.django_db

YEAR = 2025
HELD = (Session.Status.HELD, Session.Status.CLOSED)
ATTENDED = (Attendance.Status.PRESENT, Attendance.Status.LATE)


def local(*args):
    return timezone.make_aware(datetime.datetime(*args))


def session(township, start, hours, status=Session.Status.HELD):
    return SessionFactory(
        township=township,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        hours=hours,
        status=status,
    )


def attend(session, member, status=Attendance.Status.PRESENT):
    return Attendance.objects.create(session=session, member=member, status=status)


@pytest.fixture
def year_data(cast):
    """A year of one township's training with every edge the metrics must get right."""
    a, b = cast.township_a, cast.township_b
    secretaries = MemberGroupFactory(code="secretary", name="支部书记")
    elderly = MemberGroupFactory(code="elderly_infirm", name="年老体弱", exempt_from_target=True)
    StudyHoursTarget.objects.create(year=None, group=None, hours=Decimal("32"))
    StudyHoursTarget.objects.create(year=YEAR, group=secretaries, hours=Decimal("56"))
    StudyHoursTarget.objects.create(year=YEAR + 1, group=None, hours=Decimal("99"))  # another year
    secretary = MemberFactory(branch=cast.branch_a, name="书记")
    secretary.groups.add(secretaries)
    old = MemberFactory(branch=cast.branch_a, name="老党员")
    old.groups.add(elderly)
    gone = MemberFactory(branch=cast.branch_a, name="不在册", is_active=False)
    member_a, trainee = cast.member_a, cast.trainee_member

    jan = session(a, local(YEAR, 1, 1, 0, 30), Decimal("20"))  # 2024-12-31 in UTC, January locally
    jan2 = session(a, local(YEAR, 1, 20, 9), Decimal("12"), Session.Status.CLOSED)
    mar = session(a, local(YEAR, 3, 5, 9), Decimal("16"))
    session(a, local(YEAR, 5, 5, 9), Decimal("2"), Session.Status.DRAFT)
    session(a, local(YEAR, 6, 5, 9), Decimal("2"), Session.Status.CANCELLED)
    next_year = session(a, local(YEAR + 1, 1, 1, 0, 30), Decimal("40"))  # 2025-12-31 in UTC
    county_wide = session(None, local(YEAR, 7, 1, 9), Decimal("8"))
    other = session(b, local(YEAR, 4, 1, 9), Decimal("30"))

    attend(jan, member_a)
    attend(jan, trainee, Attendance.Status.LATE)
    attend(jan, secretary)
    attend(jan, old)
    attend(jan, gone)
    attend(jan2, member_a)
    attend(jan2, secretary, Attendance.Status.EXCUSED)
    attend(mar, secretary)
    attend(mar, trainee, Attendance.Status.ABSENT)
    attend(next_year, trainee)
    attend(county_wide, member_a)
    attend(other, cast.member_b)
    attend(other, member_a, Attendance.Status.ABSENT)

    county = cast.users["county"]
    for day in (1, 2):  # 20 online hours in two entries (one entry holds at most 16)
        StudyHoursEntry.objects.create(
            member=trainee,
            date=datetime.date(YEAR, 6, day),
            hours=Decimal("10"),
            source="online",
            recorded_by=county,
        )
    StudyHoursEntry.objects.create(
        member=secretary,
        date=datetime.date(YEAR, 7, 1),
        hours=Decimal("10"),
        source="online",
        recorded_by=county,
    )
    StudyHoursEntry.objects.create(
        member=trainee,
        date=datetime.date(YEAR - 1, 6, 1),
        hours=Decimal("16"),
        source="online",
        recorded_by=county,
    )

    SessionFeedbackFactory(session=jan, member=member_a, content=5, instructor=4, usefulness=4)
    SessionFeedbackFactory(session=jan, member=trainee, content=3, instructor=3, usefulness=2)
    SessionFeedbackFactory(session=jan2, member=member_a, content=5, instructor=5, usefulness=5)
    SessionFeedbackFactory(session=county_wide, member=member_a, content=1, instructor=1, usefulness=1)

    def task(member, status, solved, due=datetime.date(YEAR, 6, 30)):
        return PracticeTaskFactory(member=member, status=status, problem_solved=solved, due_date=due)

    task(member_a, "verified", True)
    task(trainee, "verified", False)
    task(secretary, "verified", None)
    task(secretary, "reported", True)
    task(member_a, "verified", True, due=datetime.date(YEAR - 1, 6, 30))
    task(cast.member_b, "verified", True)

    def item(status, due, rectified=None, township=a):
        row = ImprovementItemFactory(township=township, due_date=due, created_by=county)
        ImprovementItem.objects.filter(pk=row.pk).update(status=status, rectified_at=rectified)
        return row

    item("verified", datetime.date(YEAR, 6, 30), local(YEAR, 6, 30, 23, 0))  # last local evening: on time
    item("verified", datetime.date(YEAR, 6, 30), local(YEAR, 7, 1, 0, 30))  # half an hour late
    item("rectified", datetime.date(YEAR, 9, 30), local(YEAR, 9, 1, 9))  # not yet verified
    item("open", datetime.date(YEAR, 10, 31))
    item("verified", datetime.date(YEAR + 1, 3, 31), local(YEAR, 12, 1, 9))  # due next year
    item(" verified".strip(), datetime.date(YEAR, 6, 30), local(YEAR, 6, 1, 9), township=b)
    return cast


def independent_metrics(township, year):
    """The same figures, computed row by row in Python straight from the tables."""
    tz = timezone.get_current_timezone()

    def local_year(dt):
        return dt.astimezone(tz).year

    sessions = [
        s
        for s in Session.objects.filter(township=township)
        if s.status in HELD and local_year(s.starts_at) == year
    ]
    session_ids = {s.pk for s in sessions}
    records = [a for a in Attendance.objects.all() if a.session_id in session_ids]
    attended = [a for a in records if a.status in ATTENDED]
    members = [m for m in Member.objects.filter(branch__township=township) if m.is_active]
    targets = list(StudyHoursTarget.objects.all())
    held_year = {
        s.pk: s for s in Session.objects.all() if s.status in HELD and local_year(s.starts_at) == year
    }
    hours, trained, judged, met = Decimal(0), 0, 0, 0
    for m in members:
        mine = [
            a
            for a in Attendance.objects.filter(member=m)
            if a.status in ATTENDED and a.session_id in held_year
        ]
        h = sum((held_year[a.session_id].hours for a in mine), Decimal(0))
        h += sum(
            (e.hours for e in StudyHoursEntry.objects.filter(member=m) if e.date.year == year), Decimal(0)
        )
        hours += h
        trained += bool(mine)
        groups = list(m.groups.all())
        if any(g.exempt_from_target for g in groups):
            continue
        applicable = [
            t.hours
            for t in targets
            if t.year in (None, year) and (t.group_id is None or t.group_id in {g.pk for g in groups})
        ]
        if applicable:
            judged += 1
            met += h >= max(applicable)
    feedback = [f for f in SessionFeedback.objects.all() if f.session_id in session_ids]
    tasks = [
        t
        for t in PracticeTask.objects.all()
        if t.member.branch.township_id == township.pk and t.due_date.year == year and t.status == "verified"
    ]
    judged_tasks = [t for t in tasks if t.problem_solved is not None]
    items = [i for i in ImprovementItem.objects.filter(township=township) if i.due_date.year == year]
    on_time = [i for i in items if i.rectified_on_time]

    def pct(x, y):
        return round(100 * x / y, 1) if y else None

    return {
        "months_held": len({s.starts_at.astimezone(tz).month for s in sessions}),
        "sessions_held": len(sessions),
        "attendances": len(attended),
        "attendance_rate": pct(len(attended), len(records)),
        "members_active": len(members),
        "members_trained": trained,
        "hours_total": float(hours),
        "hours_per_member": float(round(hours / len(members), 1)),
        "target_members": judged,
        "target_met": met,
        "target_rate": pct(met, judged),
        "feedback_count": len(feedback),
        "satisfaction_avg": round(
            sum(f.content + f.instructor + f.usefulness for f in feedback) / 3 / len(feedback), 2
        ),
        "tasks_completed": len(tasks),
        "problems_solved": sum(1 for t in judged_tasks if t.problem_solved),
        "resolution_rate": pct(sum(1 for t in judged_tasks if t.problem_solved), len(judged_tasks)),
        "items_total": len(items),
        "items_on_time": len(on_time),
        "items_on_time_rate": pct(len(on_time), len(items)),
    }


def test_report_metrics_equal_an_independent_computation(year_data):
    township = year_data.township_a
    computed = township_metrics([township.pk], YEAR)[township.pk]
    expected = independent_metrics(township, YEAR)
    assert {key: computed[key] for key in expected} == expected
    # And the figures a person would count by hand from the fixture:
    assert expected["months_held"] == 2 and expected["sessions_held"] == 3
    assert (expected["attendances"], expected["attendance_rate"]) == (7, 77.8)
    # member_a 20+12+8=40 ≥ 32; trainee 20+20=40 ≥ 32; secretary 20+16+10=46 < 56; old is exempt.
    assert (expected["target_members"], expected["target_met"]) == (3, 2)
    assert expected["satisfaction_avg"] == 4.0
    assert (expected["tasks_completed"], expected["resolution_rate"]) == (3, 50.0)
    assert (expected["items_total"], expected["items_on_time"]) == (4, 1)


def test_a_township_with_no_data_gets_zeros_and_empty_rates(cast):
    metrics = township_metrics([cast.township_b.pk], YEAR)[cast.township_b.pk]
    assert metrics["sessions_held"] == 0
    assert metrics["attendance_rate"] is None and metrics["satisfaction_avg"] is None


def test_a_submitted_report_keeps_its_figures_when_the_data_changes(year_data):
    cast = year_data
    report = AnnualReportFactory(township=cast.township_a, year=YEAR, created_by=cast.users["township_a"])
    report_transition(report=report, to="submitted", by=cast.users["township_a"])
    report.refresh_from_db()
    frozen = dict(report.metrics)
    late_session = session(cast.township_a, local(YEAR, 11, 5, 9), Decimal("30"))
    attend(late_session, cast.trainee_member)
    SessionFeedbackFactory(
        session=late_session, member=cast.trainee_member, content=1, instructor=1, usefulness=1
    )
    report.refresh_from_db()
    assert report_metrics(report) == frozen
    live = township_metrics([cast.township_a.pk], YEAR)[cast.township_a.pk]
    assert live["sessions_held"] == frozen["sessions_held"] + 1
    report_transition(report=report, to="approved", by=cast.users["county"])
    report.refresh_from_db()
    assert report.metrics == frozen and report.status == "approved"


def test_a_draft_shows_live_figures(year_data):
    report = AnnualReportFactory(township=year_data.township_a, year=YEAR)
    assert (
        report_metrics(report) == township_metrics([year_data.township_a.pk], YEAR)[year_data.township_a.pk]
    )


def test_report_transitions_follow_the_roles(cast):
    report = report_start(township=cast.township_a, year=YEAR, by=cast.users["township_a"])
    with pytest.raises(PermissionDenied):
        report_start(township=cast.township_a, year=YEAR, by=cast.users["township_b"])
    with pytest.raises(IllegalTransition, match="再提交"):
        report_transition(report=report, to="submitted", by=cast.users["township_a"])
    AnnualReport.objects.filter(pk=report.pk).update(
        capability_gains="甲", problems_solved="乙", next_year_plan="丙"
    )
    report.refresh_from_db()
    with pytest.raises(PermissionDenied):
        report_transition(report=report, to="submitted", by=cast.users["county"])
    with pytest.raises(IllegalTransition):
        report_transition(report=report, to="approved", by=cast.users["county"])
    report_transition(report=report, to="submitted", by=cast.users["township_a"])
    with pytest.raises(PermissionDenied):
        report_transition(report=report, to="approved", by=cast.users["township_a"])
    with pytest.raises(IllegalTransition, match="原因"):
        report_transition(report=report, to="returned", by=cast.users["county"])
    report_transition(report=report, to="returned", by=cast.users["county"], note="数据说明不足")
    report_transition(report=report, to="submitted", by=cast.users["township_a"])
    report_transition(report=report, to="approved", by=cast.users["county"])
    assert [e.to_status for e in report.events.all()] == ["submitted", "returned", "submitted", "approved"]


@pytest.mark.parametrize(
    ("role", "status_a", "status_b"),
    [
        ("county", 200, 200),
        ("township_a", 200, 404),
        ("township_b", 404, 200),
        ("instructor", 403, 403),
        ("trainee", 403, 403),
    ],
)
def test_report_pages_answer_per_role(cast, client_as, role, status_a, status_b):
    report_a = AnnualReportFactory(township=cast.township_a)
    report_b = AnnualReportFactory(township=cast.township_b)
    client = client_as(role)
    assert client.get(report_a.get_absolute_url()).status_code == status_a
    assert client.get(report_b.get_absolute_url()).status_code == status_b
    assert client.get(reverse("evaluations:township-loop", args=[cast.township_a.pk])).status_code == status_a


def test_a_township_admin_cannot_edit_a_submitted_report(cast, client_as):
    report = AnnualReportFactory(township=cast.township_a, status="submitted", metrics={"year": YEAR})
    response = client_as("township_a").post(report.get_absolute_url(), {"capability_gains": "改写"})
    assert response.status_code == 403


def test_the_township_admin_writes_and_submits_through_the_pages(cast, client_as):
    client = client_as("township_a")
    response = client.post(reverse("evaluations:report-start"), {"year": YEAR})
    report = AnnualReport.objects.get()
    assert response.url == report.get_absolute_url()
    client.post(
        report.get_absolute_url(),
        {"capability_gains": "提升", "problems_solved": "解决", "next_year_plan": "改进"},
    )
    client.post(reverse("evaluations:report-transition", args=[report.pk]), {"to": "submitted"})
    report.refresh_from_db()
    assert report.status == "submitted" and report.metrics["year"] == YEAR


def test_the_pdf_carries_the_chinese_text(cast, client_as):
    report = AnnualReportFactory(
        township=cast.township_a, year=YEAR, capability_gains="党员带头调解纠纷能力明显增强"
    )
    response = client_as("county").get(reverse("evaluations:report-pdf", args=[report.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "甲镇" in text and "年度述职报告" in text
    assert "党员带头调解纠纷能力明显增强" in text
    assert "学时达标率" in text


def test_the_summary_xlsx_has_one_row_per_township(cast, client_as):
    AnnualReportFactory(township=cast.township_a, year=YEAR)
    response = client_as("county").get(reverse("evaluations:report-summary-xlsx"), {"year": YEAR})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("乡镇（街道）", "片区", "述职状态")
    assert sorted(r[0] for r in rows[1:]) == sorted(["甲镇", "乙镇"])
    assert client_as("township_a").get(reverse("evaluations:report-summary-xlsx")).status_code == 403


def test_the_county_summary_sorts_by_a_metric(year_data, client_as):
    response = client_as("county").get(
        reverse("evaluations:report-list"), {"year": YEAR, "sort": "-sessions_held"}
    )
    names = [row["township"].name for row in response.context["rows"]]
    assert names == ["甲镇", "乙镇"]
    response = client_as("county").get(
        reverse("evaluations:report-list"), {"year": YEAR, "sort": "sessions_held"}
    )
    assert [row["township"].name for row in response.context["rows"]] == ["乙镇", "甲镇"]
    assert 'data-chart="chart-months"' in response.text and "<script>" not in response.text
