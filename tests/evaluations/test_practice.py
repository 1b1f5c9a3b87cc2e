"""Practice tasks and member points (双向印证): outcomes verified by the township, weights from data."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Attendance, StudyHoursEntry
from evaluations.models import PointsWeight, PracticeTask, SessionFeedback
from evaluations.selectors import member_performance, performance_weights
from evaluations.services import task_report, task_transition
from tests.factories import MemberFactory
from tests.factories_courses import SessionFactory
from tests.factories_evaluations import PracticeTaskFactory, SessionFeedbackFactory

pytestmark = pytest.mark.django_db

YEAR = 2025


def test_a_trainee_takes_and_reports_a_task_and_the_township_verifies(cast, client_as):
    client = client_as("trainee")
    client.post(
        reverse("evaluations:task-create"),
        {"kind": "mediation", "title": "调解宅基地纠纷", "due_date": "2026-12-31"},
    )
    task = PracticeTask.objects.get()
    assert task.member == cast.trainee_member and task.status == "taken"
    client.post(
        reverse("evaluations:task-report", args=[task.pk]),
        {
            "satisfaction_pct": "95",
            "problem_solved": "yes",
            "innovations": "“板凳会”调解法",
            "outcome": "双方和解",
        },
    )
    task.refresh_from_db()
    assert (task.status, task.satisfaction_pct, task.problem_solved) == ("reported", Decimal("95.0"), True)
    assert client_as("township_b").get(task.get_absolute_url()).status_code == 404
    assert client_as("instructor").get(task.get_absolute_url()).status_code == 403
    client_as("township_a").post(reverse("evaluations:task-transition", args=[task.pk]), {"to": "verified"})
    task.refresh_from_db()
    assert task.status == "verified"
    assert [(e.to_status, e.by.username) for e in task.events.all()] == [
        ("reported", "trainee"),
        ("verified", "township_a"),
    ]


def test_a_member_cannot_verify_their_own_task_nor_report_another_members(cast):
    task = PracticeTaskFactory(member=cast.trainee_member)
    other = PracticeTaskFactory(member=cast.member_a)
    with pytest.raises(PermissionDenied):
        task_report(
            task=other,
            by=cast.users["trainee"],
            satisfaction_pct=None,
            problem_solved=None,
            innovations="",
            outcome="",
        )
    task_report(
        task=task,
        by=cast.users["trainee"],
        satisfaction_pct=Decimal(90),
        problem_solved=True,
        innovations="",
        outcome="好",
    )
    with pytest.raises(PermissionDenied):
        task_transition(task=task, to="verified", by=cast.users["trainee"])
    with pytest.raises(PermissionDenied):
        task_transition(task=task, to="verified", by=cast.users["township_b"])


def test_satisfaction_above_100_is_refused(cast, client_as):
    task = PracticeTaskFactory(member=cast.trainee_member)
    client_as("trainee").post(reverse("evaluations:task-report", args=[task.pk]), {"satisfaction_pct": "120"})
    task.refresh_from_db()
    assert task.status == "taken"


@pytest.fixture
def year_data(cast):
    a = cast.township_a
    start = timezone.make_aware(datetime.datetime(YEAR, 5, 1, 9))
    s1 = SessionFactory(
        township=a,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        hours=Decimal("4"),
        status="held",
    )
    s2 = SessionFactory(
        township=a,
        starts_at=start + datetime.timedelta(days=30),
        ends_at=start + datetime.timedelta(days=30, hours=2),
        hours=Decimal("2.5"),
        status="closed",
    )
    for s, member, status in [
        (s1, cast.member_a, "present"),
        (s2, cast.member_a, "late"),
        (s1, cast.trainee_member, "absent"),
        (s2, cast.trainee_member, "present"),
    ]:
        Attendance.objects.create(session=s, member=member, status=status)
    SessionFeedbackFactory(session=s1, member=cast.member_a)
    SessionFeedbackFactory(session=s2, member=cast.member_a)
    StudyHoursEntry.objects.create(
        member=cast.trainee_member,
        date=datetime.date(YEAR, 3, 1),
        hours=Decimal("10"),
        source="online",
        recorded_by=cast.users["county"],
    )
    for member, status, sat, solved in [
        (cast.member_a, "verified", 90, True),
        (cast.member_a, "verified", 70, False),
        (cast.trainee_member, "verified", 100, True),
        (cast.trainee_member, "reported", 100, True),
    ]:
        PracticeTaskFactory(
            member=member,
            status=status,
            satisfaction_pct=Decimal(sat),
            problem_solved=solved,
            due_date=datetime.date(YEAR, 8, 1),
        )
    return cast


def independent_points(member, weights):
    attended = [
        a
        for a in Attendance.objects.filter(member=member)
        if a.status in ("present", "late")
        and a.session.status in ("held", "closed")
        and timezone.localtime(a.session.starts_at).year == YEAR
    ]
    hours = sum((a.session.hours for a in attended), Decimal(0))
    hours += sum(
        (e.hours for e in StudyHoursEntry.objects.filter(member=member) if e.date.year == YEAR), Decimal(0)
    )
    feedback = [f for f in SessionFeedback.objects.filter(member=member) if f.session.starts_at.year == YEAR]
    tasks = [
        t
        for t in PracticeTask.objects.filter(member=member)
        if t.status == "verified" and t.due_date.year == YEAR
    ]
    satisfaction = sum(t.satisfaction_pct for t in tasks) / len(tasks) if tasks else Decimal(0)
    solved = sum(1 for t in tasks if t.problem_solved)
    return (
        weights["hours"] * hours
        + weights["sessions"] * len(attended)
        + weights["feedback"] * len(feedback)
        + weights["tasks"] * len(tasks)
        + weights["satisfaction"] * satisfaction
        + weights["solved"] * solved
    )


def test_points_equal_an_independent_computation_with_the_weights_in_the_table(year_data):
    cast = year_data
    weights = performance_weights()
    assert set(weights) == set(PointsWeight.Measure.values)  # defaults come from a data migration
    rows = {m.pk: m for m in member_performance(YEAR, weights).filter(branch__township=cast.township_a)}
    for member in (cast.member_a, cast.trainee_member):
        assert rows[member.pk].points == pytest.approx(independent_points(member, weights))
    a = rows[cast.member_a.pk]
    assert (a.hours, a.sessions_n, a.feedback_n, a.tasks_n, a.satisfaction, a.solved_n) == (
        Decimal("6.5"),
        2,
        2,
        2,
        Decimal("80"),
        1,
    )
    # Changing a weight in the table changes the points: the rule is data, not code.
    PointsWeight.objects.filter(measure="tasks").update(points=Decimal("50"))
    weights = performance_weights()
    changed = member_performance(YEAR, weights).get(pk=cast.member_a.pk)
    assert changed.points == pytest.approx(independent_points(cast.member_a, weights))
    assert changed.points - a.points == pytest.approx(2 * 45)


def test_the_ranking_page_orders_by_points_and_exports(year_data, client_as):
    cast = year_data
    client = client_as("county")
    response = client.get(reverse("evaluations:performance"), {"township": cast.township_a.pk, "year": YEAR})
    names = [m.name for m in response.context["page"]]
    assert names[0] == "甲党员"
    export = client.get(
        reverse("evaluations:performance-xlsx"), {"township": cast.township_a.pk, "year": YEAR}
    )
    rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == names
    # A township admin always gets their own township, whatever the query says.
    response = client_as("township_b").get(
        reverse("evaluations:performance"), {"township": cast.township_a.pk, "year": YEAR}
    )
    assert [m.name for m in response.context["page"]] == ["乙党员"]
    assert client_as("trainee").get(reverse("evaluations:performance")).status_code == 403


def test_the_ranking_page_keeps_a_constant_query_count(year_data, client_as):
    cast = year_data
    client = client_as("county")
    url = reverse("evaluations:performance")
    params = {"township": cast.township_a.pk, "year": YEAR}
    with CaptureQueriesContext(connection) as small:
        client.get(url, params)
    for member in MemberFactory.create_batch(20, branch=cast.branch_a):
        PracticeTaskFactory(
            member=member, status="verified", satisfaction_pct=Decimal(80), due_date=datetime.date(YEAR, 1, 1)
        )
    with CaptureQueriesContext(connection) as large:
        client.get(url, params)
    assert len(small) == len(large)
