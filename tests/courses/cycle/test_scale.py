"""Dashboard, my-schedule and ledger keep a constant query count from 100 to 10,000 members."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Attendance, Enrollment, MonthlyPlan, Session, StudyHoursEntry
from tests.cycle_fixtures import enrol, live_session
from trainees.models import Branch, Member

pytestmark = pytest.mark.django_db


def _members(cast, count: int, start: int) -> list[Member]:
    branches = [
        cast.branch_a,
        cast.branch_b,
        *Branch.objects.exclude(pk__in=[cast.branch_a.pk, cast.branch_b.pk]),
    ]
    rows = [
        Member(
            name=f"批量党员{i}",
            gender=Member.Gender.MALE,
            birth_date=datetime.date(1970, 1, 1) + datetime.timedelta(days=i // 500),
            id_number=f"37142219{i:09d}X",
            education=Member.Education.BACHELOR,
            join_date=datetime.date(2000, 7, 1),
            branch=branches[i % len(branches)],
        )
        for i in range(start, start + count)
    ]
    return Member.objects.bulk_create(rows, batch_size=2000)


def _sessions(cast) -> list[Session]:
    """A closed session per township-month so far this year, with its plan held."""
    today = timezone.localdate()
    plans, sessions = [], []
    for month in range(1, today.month + 1):
        for township in (cast.township_a, cast.township_b):
            plans.append(
                MonthlyPlan(township=township, month=datetime.date(today.year, month, 1), status="held")
            )
            start = timezone.make_aware(datetime.datetime(today.year, month, 1, 9))
            sessions.append(
                Session(
                    township=township,
                    title=f"{month}月培训",
                    starts_at=start,
                    ends_at=start + datetime.timedelta(hours=2),
                    hours=Decimal("2"),
                    status=Session.Status.CLOSED,
                )
            )
    MonthlyPlan.objects.bulk_create(plans)
    return Session.objects.bulk_create(sessions)


def _attend(cast, sessions: list[Session], members: list[Member]) -> None:
    township_of = dict(Branch.objects.values_list("pk", "township_id"))
    enrollments, attendances = [], []
    for session in sessions:
        for m in members:
            if township_of[m.branch_id] == session.township_id:
                enrollments.append(Enrollment(session=session, member=m))
                attendances.append(
                    Attendance(session=session, member=m, status="present" if m.pk % 5 else "absent")
                )
    Enrollment.objects.bulk_create(enrollments, batch_size=5000)
    Attendance.objects.bulk_create(attendances, batch_size=5000)
    StudyHoursEntry.objects.bulk_create(
        [
            StudyHoursEntry(
                member=m,
                date=timezone.localdate(),
                hours=Decimal("1"),
                source="online",
                recorded_by=cast.users["county"],
            )
            for m in members[::3]
        ],
        batch_size=5000,
    )


PAGES = [
    ("home", "county"),
    ("home", "township_a"),
    ("home", "trainee"),
    ("courses:my-schedule", "trainee"),
    ("courses:my-hours", "trainee"),
    ("courses:ledger-township", "county"),
    ("courses:ledger-township", "township_a"),
    ("courses:heatmap", "county"),
]


def _count(client, users, name, role):
    client.force_login(users[role])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name))
    assert response.status_code == 200
    return len(queries)


def test_dashboard_schedule_and_ledger_queries_stay_flat_from_100_to_10000_members(client, cast):
    live = live_session(cast.township_a, open_signup=True)
    enrol(live, cast.trainee_member)
    sessions = _sessions(cast)
    _attend(cast, sessions, [*Member.objects.all(), *_members(cast, 97, 0)])
    before = {(n, r): _count(client, cast.users, n, r) for n, r in PAGES}
    _attend(cast, sessions[-2:], _members(cast, 9900, 1000))
    assert Member.objects.count() >= 10000
    after = {(n, r): _count(client, cast.users, n, r) for n, r in PAGES}
    assert after == before
