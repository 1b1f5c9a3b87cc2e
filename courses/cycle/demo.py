"""Demo history of the monthly cycle for seed_demo: two years of plans, sessions and attendance.

Invented data: every township gets a plan per month, most months a closed session
with realistic attendance, a few months missed. Bulk inserts; running it twice adds nothing.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from courses.models import (
    Attendance,
    Enrollment,
    LessonPreparation,
    MonthlyPlan,
    Session,
    StudyHoursEntry,
    StudyHoursTarget,
    Theme,
)
from trainees.models import Member, MemberGroup, Township

MONTHS = 24
THEMES = [
    "学习贯彻党的二十届全会精神",
    "新春第一课：县域经济高质量发展",
    "党章党规党纪学习",
    "五金机械产业链党建",
    "实木家具产业振兴",
    "渤海军区教导旅红色传统",
    "“三扛”精神与担当作为",
    "基层治理与矛盾纠纷调解",
    "乡村振兴实用技术",
    "党史学习教育",
    "形势与政策",
    "全心全意为人民服务",
]
VENUES = ["党群服务中心", "新时代文明实践站", "教学基地", "企业车间", "田间地头"]


def _months(today: datetime.date, count: int = MONTHS) -> list[datetime.date]:
    first = today.replace(day=1)
    months = []
    year, month = first.year, first.month
    for _ in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return sorted(months)


@transaction.atomic
def seed_cycle(*, everyone: bool = False, months: int = MONTHS) -> None:
    """Two years of monthly-cycle history (idempotent: plans already there are left alone).

    By default each township-month has one small class of 25–40 members; with
    ``everyone`` every active member is placed in one class of 40 every month
    (the county benchmark dataset: about a million enrolment + attendance rows).
    """
    for code in ("secretary", "committee"):
        group = MemberGroup.objects.filter(code=code).first()
        if group is not None:
            StudyHoursTarget.objects.get_or_create(year=None, group=group, defaults={"hours": Decimal("56")})
    StudyHoursTarget.objects.get_or_create(year=None, group=None, defaults={"hours": Decimal("32")})

    today = timezone.localdate()
    months = _months(today, months)
    themes = {}
    for month in months:
        theme, _ = Theme.objects.get_or_create(
            year=month.year, month=month.month, defaults={"title": THEMES[month.month - 1]}
        )
        themes[month] = theme
    townships = list(Township.objects.order_by("code"))
    existing = set(MonthlyPlan.objects.filter(month__in=months).values_list("township_id", "month"))
    rng = random.Random(131)
    author = _author()
    if author is None:
        return
    members_by_township: dict[int, list[int]] = {}
    for member_id, township_id in Member.objects.active().values_list("pk", "branch__township_id"):
        members_by_township.setdefault(township_id, []).append(member_id)

    plans, sessions = [], []
    chosen_by_session: dict[int, list[int]] = {}
    current = today.replace(day=1)
    for township in townships:
        for month in months:
            if (township.pk, month) in existing:
                continue
            if month == current:
                status = MonthlyPlan.Status.SCHEDULED
            else:
                status = MonthlyPlan.Status.MISSED if rng.random() < 0.05 else MonthlyPlan.Status.HELD
            plan = MonthlyPlan(township=township, month=month, theme=themes[month], status=status)
            plans.append(plan)
            if status == MonthlyPlan.Status.MISSED:
                continue
            pool = members_by_township.get(township.pk, [])
            if everyone:
                shuffled = rng.sample(pool, len(pool))
                classes = [shuffled[i : i + 40] for i in range(0, len(shuffled), 40)] or [[]]
            else:
                classes = [rng.sample(pool, min(len(pool), rng.randint(25, 40)))]
            for chosen in classes:
                day = rng.randint(8, 25)
                hour = rng.choice([9, 14, 15])
                starts_at = timezone.make_aware(datetime.datetime(month.year, month.month, day, hour))
                if month == current and starts_at < timezone.now():
                    starts_at = timezone.now().replace(
                        minute=0, second=0, microsecond=0
                    ) + datetime.timedelta(days=3)
                session = Session(
                    township=township,
                    title=themes[month].title,
                    theme=themes[month],
                    kind=Session.Kind.MONTHLY,
                    venue=f"{township.name}{rng.choice(VENUES)}",
                    starts_at=starts_at,
                    ends_at=starts_at + datetime.timedelta(hours=2),
                    hours=Decimal(rng.choice(["2.0", "2.0", "3.0", "4.0"])),
                    capacity=40,
                    status=Session.Status.PUBLISHED if month == current else Session.Status.CLOSED,
                    created_by=author,
                )
                sessions.append((plan, session))
                chosen_by_session[id(session)] = chosen
    MonthlyPlan.objects.bulk_create(plans, batch_size=1000)
    for plan, session in sessions:
        session.plan = plan
    created = Session.objects.bulk_create([s for _, s in sessions], batch_size=1000)

    preparations, enrollments, attendances = [], [], []
    prepared_plans = set()
    for session in created:
        chosen = chosen_by_session[id(session)]
        if session.plan_id not in prepared_plans:
            prepared_plans.add(session.plan_id)
            preparations.append(
                LessonPreparation(
                    plan=session.plan,
                    date=(session.starts_at - datetime.timedelta(days=rng.randint(3, 10))).date(),
                    participants="乡镇党校教师、支部书记代表",
                    notes="围绕本月主题分工备课，确定案例和互动环节。",
                    recorded_by=author,
                )
            )
        for member_id in chosen:
            enrollments.append(Enrollment(session=session, member_id=member_id))
            if session.status != Session.Status.CLOSED:
                continue
            roll = rng.random()
            status = (
                Attendance.Status.PRESENT
                if roll < 0.82
                else Attendance.Status.LATE
                if roll < 0.88
                else Attendance.Status.EXCUSED
                if roll < 0.94
                else Attendance.Status.ABSENT
            )
            attendances.append(
                Attendance(
                    session=session,
                    member_id=member_id,
                    status=status,
                    leave_reason="外出务工" if status == Attendance.Status.EXCUSED else "",
                    method=Attendance.Method.QR
                    if status in ("present", "late")
                    else Attendance.Method.MANUAL,
                    checked_in_at=session.starts_at if status in ("present", "late") else None,
                    marked_by=author,
                )
            )
    LessonPreparation.objects.bulk_create(preparations, batch_size=1000)
    Enrollment.objects.bulk_create(enrollments, batch_size=5000, ignore_conflicts=True)
    Attendance.objects.bulk_create(attendances, batch_size=5000, ignore_conflicts=True)

    if not StudyHoursEntry.objects.exists():
        entries = []
        sources = list(StudyHoursEntry.Source.values)
        for pool in members_by_township.values():
            for member_id in pool[::2]:
                for month in months[-rng.randint(1, 6) :]:
                    entries.append(
                        StudyHoursEntry(
                            member_id=member_id,
                            date=month + datetime.timedelta(days=rng.randint(0, 20)),
                            hours=Decimal(rng.choice(["1.0", "1.5", "2.0"])),
                            source=rng.choice(sources),
                            recorded_by=author,
                        )
                    )
        StudyHoursEntry.objects.bulk_create([e for e in entries if e.date <= today], batch_size=5000)


def _author():
    from django.contrib.auth import get_user_model

    User = get_user_model()
    return User.objects.filter(username="county").first() or User.objects.filter(is_superuser=True).first()
