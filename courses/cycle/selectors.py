"""Read side of the monthly cycle: the hours ledger, the 131 heatmap, dashboard numbers, my schedule.

Everything is aggregated in SQL so a page's query count does not grow with the data.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from core.periods import year_bounds
from courses.models import Attendance, Enrollment, MonthlyPlan, Session, StudyHoursEntry, StudyHoursTarget
from trainees.models import Member, Township

CREDITED = (Attendance.Status.PRESENT, Attendance.Status.LATE)
HOURS = DecimalField(max_digits=7, decimal_places=1)
ZERO = Value(Decimal("0"), output_field=HOURS)


def target_hours_of_member(year: int):
    """The highest applicable yearly target of the member in the outer query (0 when none)."""
    targets = StudyHoursTarget.objects.filter(Q(year=year) | Q(year__isnull=True)).order_by("-hours")
    # The baseline for everyone is uncorrelated (evaluated once); a group target is an index
    # probe per member into the member's groups, never a join of every member with every target.
    baseline = targets.filter(group__isnull=True).values("hours")[:1]
    group_target = targets.filter(
        group__in=Member.groups.through.objects.filter(member_id=OuterRef(OuterRef("pk"))).values(
            "membergroup_id"
        )
    ).values("hours")[:1]
    return Greatest(
        Coalesce(Subquery(baseline, output_field=HOURS), ZERO),
        Coalesce(Subquery(group_target, output_field=HOURS), ZERO),
    )


def exempt_member():
    """Whether the member in the outer query belongs to a group exempt from the hours target."""
    return Exists(
        Member.groups.through.objects.filter(member_id=OuterRef("pk"), membergroup__exempt_from_target=True)
    )


def with_hours(members, year: int):
    """Annotate members with session/manual/total hours of ``year``, their target and exemption."""
    start, end = year_bounds(year)
    session_hours = (
        Attendance.objects.filter(
            member=OuterRef("pk"),
            status__in=CREDITED,
            session__starts_at__gte=start,
            session__starts_at__lt=end,
        )
        .order_by()
        .values("member")
        .annotate(total=Sum("session__hours"))
        .values("total")
    )
    manual_hours = (
        StudyHoursEntry.objects.filter(member=OuterRef("pk"), date__year=year)
        .order_by()
        .values("member")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return members.annotate(
        session_hours=Coalesce(Subquery(session_hours, output_field=HOURS), ZERO),
        manual_hours=Coalesce(Subquery(manual_hours, output_field=HOURS), ZERO),
        target_hours=target_hours_of_member(year),
        exempt=exempt_member(),
    ).annotate(
        total_hours=ExpressionWrapper(F("session_hours") + F("manual_hours"), output_field=HOURS),
    )


def progress_percent(total: Decimal, target: Decimal) -> int:
    if not target:
        return 100
    return min(100, int(total * 100 / target))


def member_record(member: Member, year: int) -> dict:
    """One member's 学时档案 for a year: totals, target, and the rows behind them."""
    annotated = with_hours(Member.objects.filter(pk=member.pk), year).get()
    start, end = year_bounds(year)
    attendances = (
        Attendance.objects.filter(member=member, session__starts_at__gte=start, session__starts_at__lt=end)
        .select_related("session__township")
        .order_by("session__starts_at")
    )
    entries = StudyHoursEntry.objects.filter(member=member, date__year=year).order_by("date")
    return {
        "annotated": annotated,
        "attendances": attendances,
        "entries": entries,
        "percent": progress_percent(annotated.total_hours, annotated.target_hours),
    }


def behind_target(members, year: int):
    """Members (not exempt) whose hours are below their target, fewest hours first."""
    return (
        with_hours(members, year)
        .filter(exempt=False, total_hours__lt=F("target_hours"))
        .annotate(shortfall=ExpressionWrapper(F("target_hours") - F("total_hours"), output_field=HOURS))
        .select_related("branch__township")
        .order_by("total_hours", "branch__name", "pk")
    )


def exempt_members(members, year: int):
    return (
        with_hours(members, year)
        .filter(exempt=True)
        .select_related("branch__township")
        .order_by("branch__name", "pk")
    )


# --- the 131 heatmap -----------------------------------------------------------------------------

# Lazy: the labels are read when a page is drawn, in its reader's language (not at import time).
CELL_LABELS = {
    "held": gettext_lazy("已举办"),
    "scheduled": gettext_lazy("已排课"),
    "missed": gettext_lazy("未举办"),
    "planned": gettext_lazy("待安排"),
    "none": gettext_lazy("无计划"),
}


def cell_status(plan_status: str | None, month: datetime.date, today: datetime.date) -> str:
    """What a township-month cell shows: a month that ended without a held session is missed."""
    if plan_status == MonthlyPlan.Status.HELD:
        return "held"
    month_over = (month.year, month.month) < (today.year, today.month)
    if plan_status == MonthlyPlan.Status.MISSED or (plan_status and month_over):
        return "missed"
    if plan_status is None:
        return "missed" if month_over else "none"
    return plan_status


def heatmap(year: int, townships=None) -> dict:
    """Townships × months of ``year`` — two queries whatever the data size."""
    today = timezone.localdate()
    townships = list(townships if townships is not None else Township.objects.all())
    plans = {
        (township_id, month.month): status
        for township_id, month, status in MonthlyPlan.objects.filter(month__year=year).values_list(
            "township_id", "month", "status"
        )
    }
    rows, totals = [], {key: 0 for key in CELL_LABELS}
    for township in townships:
        cells = []
        for m in range(1, 13):
            month = datetime.date(year, m, 1)
            status = cell_status(plans.get((township.pk, m)), month, today)
            totals[status] += 1
            cells.append({"month": month, "status": status, "label": CELL_LABELS[status]})
        rows.append({"township": township, "cells": cells})
    return {"year": year, "rows": rows, "months": list(range(1, 13)), "totals": totals}


# --- dashboards ----------------------------------------------------------------------------------


def county_cycle_numbers(year: int) -> dict:
    start, end = year_bounds(year)
    today = timezone.localdate()
    trained = (
        Attendance.objects.filter(
            status__in=CREDITED, session__starts_at__gte=start, session__starts_at__lt=end
        )
        .values("member")
        .distinct()
        .count()
    )
    rates = (
        Township.objects.annotate(
            marked=Count(
                "sessions__attendances",
                filter=Q(sessions__starts_at__gte=start, sessions__starts_at__lt=end),
            ),
            attended=Count(
                "sessions__attendances",
                filter=Q(
                    sessions__starts_at__gte=start,
                    sessions__starts_at__lt=end,
                    sessions__attendances__status__in=CREDITED,
                ),
            ),
        )
        .order_by("code")
        .values_list("name", "marked", "attended")
    )
    rate_rows = [
        {
            "name": name,
            "marked": marked,
            "attended": attended,
            "rate": round(attended * 100 / marked) if marked else 0,
        }
        for name, marked, attended in rates
    ]
    this_month = Session.objects.in_month(today.year, today.month).exclude(status=Session.Status.CANCELLED)
    return {
        "trained_members": trained,
        "attendance_rates": rate_rows,
        "chart_attendance": {
            "labels": [r["name"] for r in rate_rows],
            "values": [r["rate"] for r in rate_rows],
        },
        "sessions_this_month": this_month.count(),
    }


def township_cycle_numbers(township: Township, year: int) -> dict:
    today = timezone.localdate()
    plan = (
        MonthlyPlan.objects.filter(township=township, month=today.replace(day=1))
        .select_related("theme")
        .first()
    )
    members = Member.objects.active().filter(branch__township=township)
    behind = behind_target(members, year).count()
    upcoming = (
        Session.objects.filter(township=township, ends_at__gte=timezone.now())
        .exclude(status__in=[Session.Status.CANCELLED, Session.Status.CLOSED])
        .with_enrolled()
        .order_by("starts_at")[:5]
    )
    return {"plan": plan, "behind_count": behind, "upcoming_sessions": upcoming}


# --- the trainee's own pages ---------------------------------------------------------------------


def my_enrollments(member: Member):
    return (
        Enrollment.objects.filter(member=member)
        .exclude(status=Enrollment.Status.WITHDRAWN)
        .exclude(session__status__in=[Session.Status.DRAFT])
        .select_related("session__township")
    )


def open_sessions_for(member: Member, *, exclude_ids) -> list[Session]:
    """Upcoming open-sign-up sessions whose audience includes ``member`` (a bounded list)."""
    candidates = (
        Session.objects.filter(
            status=Session.Status.PUBLISHED, open_signup=True, starts_at__gt=timezone.now()
        )
        .filter(Q(township_id=member.branch.township_id) | Q(township__isnull=True))
        .exclude(pk__in=list(exclude_ids))
        .select_related("township")
        .prefetch_related("audience_branches", "audience_groups")
        .with_enrolled()
        .order_by("starts_at")[:30]
    )
    group_ids = set(member.groups.values_list("pk", flat=True))
    result = []
    for session in candidates:
        branches = {b.pk for b in session.audience_branches.all()}
        groups = {g.pk for g in session.audience_groups.all()}
        domains = set(session.audience_domains or [])
        if not (branches or groups or domains) or (
            member.branch_id in branches or member.branch.domain in domains or group_ids & groups
        ):
            result.append(session)
    return result


def my_schedule(member: Member, year: int) -> dict:
    """The trainee's schedule; ``member`` comes annotated by ``with_hours`` for ``year``."""
    now = timezone.now()
    enrollments = list(
        my_enrollments(member)
        .filter(session__ends_at__gte=now)
        .annotate(checked_in=Exists(Attendance.objects.filter(member=member, session=OuterRef("session"))))
        .order_by("session__starts_at")
    )
    past = (
        Attendance.objects.filter(member=member, session__starts_at__lt=now)
        .select_related("session")
        .order_by("-session__starts_at")[:20]
    )
    return {
        "enrollments": enrollments,
        "open_sessions": open_sessions_for(member, exclude_ids=[e.session_id for e in enrollments]),
        "past": past,
        "hours": member,
        "percent": progress_percent(member.total_hours, member.target_hours),
    }
