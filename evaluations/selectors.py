"""Read side of the evaluations app: the annual-report metrics and feedback roll-ups.

Every function here answers with a fixed number of queries however many
townships, members or sessions there are (aggregates run in the database).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import Attendance, Session, StudyHoursEntry, StudyHoursTarget
from trainees.models import Member

from .models import ImprovementItem, PracticeTask, SessionFeedback

HELD_STATES = (Session.Status.HELD, Session.Status.CLOSED)
ATTENDED_STATES = (Attendance.Status.PRESENT, Attendance.Status.LATE)
HOURS = DecimalField(max_digits=9, decimal_places=1)

# (key, label, unit) in the order reports, the county summary and exports show them.
METRICS = [
    ("months_held", _("举办培训的月份（/12）"), ""),
    ("sessions_held", _("举办培训场次"), ""),
    ("attendances", _("参训人次"), ""),
    ("members_trained", _("参训党员人数"), ""),
    ("attendance_rate", _("出勤率"), "%"),
    ("hours_total", _("认定学时合计"), ""),
    ("hours_per_member", _("人均学时"), ""),
    ("target_rate", _("学时达标率"), "%"),
    ("satisfaction_avg", _("平均满意度（1–5）"), ""),
    ("tasks_completed", _("完成实践任务"), ""),
    ("resolution_rate", _("问题解决率"), "%"),
    ("items_on_time_rate", _("改进事项按期整改率"), "%"),
]
METRIC_KEYS = [key for key, _label, _unit in METRICS]


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The local (Asia/Shanghai) start of ``year`` and of the next year."""
    tz = timezone.get_current_timezone()
    return datetime.datetime(year, 1, 1, tzinfo=tz), datetime.datetime(year + 1, 1, 1, tzinfo=tz)


def held_sessions(year: int):
    start, end = year_bounds(year)
    return Session.objects.filter(status__in=HELD_STATES, starts_at__gte=start, starts_at__lt=end)


def _pct(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _members_with_hours(year: int):
    """Active members annotated with credited hours, yearly target and exemption for ``year``."""
    sessions = held_sessions(year)
    attended = Attendance.objects.filter(
        member=OuterRef("pk"), status__in=ATTENDED_STATES, session__in=sessions
    )
    session_hours = attended.values("member").annotate(s=Sum("session__hours")).values("s")
    entry_hours = (
        StudyHoursEntry.objects.filter(member=OuterRef("pk"), date__year=year)
        .values("member")
        .annotate(s=Sum("hours"))
        .values("s")
    )
    # The highest applicable target: this year's or any year's, for everyone or a group of the member.
    target = (
        StudyHoursTarget.objects.filter(Q(year=year) | Q(year__isnull=True))
        .filter(Q(group__isnull=True) | Q(group__members=OuterRef("pk")))
        .order_by("-hours")
        .values("hours")[:1]
    )
    exempt = Member.groups.through.objects.filter(
        member_id=OuterRef("pk"), membergroup__exempt_from_target=True
    )
    return Member.objects.active().annotate(
        hours=Coalesce(Subquery(session_hours, output_field=HOURS), Value(Decimal("0")), output_field=HOURS)
        + Coalesce(Subquery(entry_hours, output_field=HOURS), Value(Decimal("0")), output_field=HOURS),
        target=Subquery(target, output_field=HOURS),
        exempt=Exists(exempt),
        trained=Exists(attended),
    )


def township_metrics(township_ids, year: int) -> dict[int, dict]:
    """The annual-report metrics of each township in ``township_ids`` for ``year`` (six queries)."""
    ids = list(township_ids)
    sessions = held_sessions(year).filter(township_id__in=ids)
    session_rows = {
        r["township_id"]: r
        for r in sessions.annotate(month=TruncMonth("starts_at"))
        .values("township_id")
        .annotate(n=Count("pk", distinct=True), months=Count("month", distinct=True))
        .order_by()
    }
    attendance_rows = {
        r["session__township_id"]: r
        for r in Attendance.objects.filter(session__in=sessions)
        .values("session__township_id")
        .annotate(total=Count("pk"), attended=Count("pk", filter=Q(status__in=ATTENDED_STATES)))
        .order_by()
    }
    judged = Q(exempt=False, target__isnull=False)
    member_rows = {
        r["branch__township_id"]: r
        for r in _members_with_hours(year)
        .filter(branch__township_id__in=ids)
        .values("branch__township_id")
        .annotate(
            active=Count("pk"),
            trained_n=Count("pk", filter=Q(trained=True)),
            hours_sum=Sum("hours"),
            judged_n=Count("pk", filter=judged),
            met_n=Count("pk", filter=judged & Q(hours__gte=F("target"))),
        )
        .order_by()
    }
    feedback_rows = {
        r["session__township_id"]: r
        for r in SessionFeedback.objects.filter(session__in=sessions)
        .values("session__township_id")
        .annotate(n=Count("pk"), avg3=Avg(F("content") + F("instructor") + F("usefulness")))
        .order_by()
    }
    verified = Q(status=PracticeTask.Status.VERIFIED)
    task_rows = {
        r["member__branch__township_id"]: r
        for r in PracticeTask.objects.in_year(year)
        .filter(member__branch__township_id__in=ids)
        .values("member__branch__township_id")
        .annotate(
            done=Count("pk", filter=verified),
            judged=Count("pk", filter=verified & Q(problem_solved__isnull=False)),
            solved=Count("pk", filter=verified & Q(problem_solved=True)),
        )
        .order_by()
    }
    item_rows = {
        r["township_id"]: r
        for r in ImprovementItem.objects.due_in_year(year)
        .filter(township_id__in=ids)
        .values("township_id")
        .annotate(
            total=Count("pk"),
            on_time=Count(
                "pk",
                filter=Q(status=ImprovementItem.Status.VERIFIED, rectified_at__date__lte=F("due_date")),
            ),
        )
        .order_by()
    }
    result = {}
    for pk in ids:
        s = session_rows.get(pk, {})
        a = attendance_rows.get(pk, {})
        m = member_rows.get(pk, {})
        f = feedback_rows.get(pk, {})
        t = task_rows.get(pk, {})
        i = item_rows.get(pk, {})
        hours_total = Decimal(m.get("hours_sum") or 0)
        active = m.get("active", 0)
        result[pk] = {
            "year": year,
            "months_held": s.get("months", 0),
            "sessions_held": s.get("n", 0),
            "attendances": a.get("attended", 0),
            "attendance_records": a.get("total", 0),
            "attendance_rate": _pct(a.get("attended", 0), a.get("total", 0)),
            "members_active": active,
            "members_trained": m.get("trained_n", 0),
            "hours_total": float(round(hours_total, 1)),
            "hours_per_member": float(round(hours_total / active, 1)) if active else None,
            "target_members": m.get("judged_n", 0),
            "target_met": m.get("met_n", 0),
            "target_rate": _pct(m.get("met_n", 0), m.get("judged_n", 0)),
            "feedback_count": f.get("n", 0),
            "satisfaction_avg": round(f["avg3"] / 3, 2) if f.get("avg3") is not None else None,
            "tasks_completed": t.get("done", 0),
            "tasks_judged": t.get("judged", 0),
            "problems_solved": t.get("solved", 0),
            "resolution_rate": _pct(t.get("solved", 0), t.get("judged", 0)),
            "items_total": i.get("total", 0),
            "items_on_time": i.get("on_time", 0),
            "items_on_time_rate": _pct(i.get("on_time", 0), i.get("total", 0)),
        }
    return result


def report_metrics(report) -> dict:
    """The frozen snapshot of a submitted report, or the live figures of a draft."""
    if report.is_frozen:
        return report.metrics
    return township_metrics([report.township_id], report.year)[report.township_id]


def metric_rows(metrics: dict) -> list[dict]:
    """``metrics`` as labelled rows for templates and exports."""
    return [
        {"key": key, "label": label, "unit": unit, "value": metrics.get(key)} for key, label, unit in METRICS
    ]
