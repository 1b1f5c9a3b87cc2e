"""Read side of the evaluations app: the annual-report metrics and feedback roll-ups.

Every function here answers with a fixed number of queries however many
townships, members or sessions there are (aggregates run in the database).
"""

from __future__ import annotations

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
from django.utils.translation import gettext_lazy as _

from core import aggregates
from core.periods import year_bounds
from courses.cycle.selectors import exempt_member, target_hours_of_member
from courses.models import Attendance, Session, StudyHoursEntry
from trainees.models import Branch, Member, MemberGroup, Township

from .models import ImprovementItem, PointsWeight, PracticeTask, SessionFeedback, SurveyAnswer

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
    return Member.objects.active().annotate(
        hours=Coalesce(Subquery(session_hours, output_field=HOURS), Value(Decimal("0")), output_field=HOURS)
        + Coalesce(Subquery(entry_hours, output_field=HOURS), Value(Decimal("0")), output_field=HOURS),
        target=target_hours_of_member(year),
        exempt=exempt_member(),
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
    # One row per active member, summed here: the per-member subqueries run once each, where
    # aggregating in SQL would evaluate the hours subquery again in every FILTER clause.
    member_rows: dict[int, dict] = {}
    for township_id, hours, target, exempt, trained in (
        _members_with_hours(year)
        .filter(branch__township_id__in=ids)
        .values_list("branch__township_id", "hours", "target", "exempt", "trained")
        .order_by()
    ):
        row = member_rows.setdefault(
            township_id, {"active": 0, "trained_n": 0, "hours_sum": Decimal("0"), "judged_n": 0, "met_n": 0}
        )
        row["active"] += 1
        row["trained_n"] += bool(trained)
        row["hours_sum"] += hours or 0
        if not exempt and target:
            row["judged_n"] += 1
            row["met_n"] += (hours or 0) >= target
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


def report_metrics(report, *, live: bool = False) -> dict:
    """The frozen snapshot of a submitted report, or the figures of a draft (``live``: computed
    now rather than read from the cache — for a document that is handed out)."""
    if report.is_frozen:
        return report.metrics
    if live:
        return draft_report_metrics(report.township_id, report.year)
    # A draft's figures scan the township's year of attendance (~0.5 s at county scale): kept in
    # the shared cache and refreshed in the background once a minute old (core.
    # aggregates). Submission computes them afresh for the snapshot (services.report_transition).
    return aggregates.cached("report-metrics", report.township_id, report.year)


@aggregates.register("report-metrics")
def draft_report_metrics(township_id: int, year: int) -> dict:
    """The live figures of one township's year (the ``report-metrics`` aggregate)."""
    return township_metrics([township_id], year)[township_id]


def metric_rows(metrics: dict) -> list[dict]:
    """``metrics`` as labelled rows for templates and exports."""
    return [
        {"key": key, "label": label, "unit": unit, "value": metrics.get(key)} for key, label, unit in METRICS
    ]


# ---- Issue B: surveys, feedback roll-ups, member performance ---------------------------------


def survey_eligible_members(survey):
    """Active members a survey is aimed at (empty target lists mean everyone)."""
    members = Member.objects.active()
    township_ids = [t.pk for t in survey.target_townships.all()]
    group_ids = [g.pk for g in survey.target_groups.all()]
    if township_ids:
        members = members.filter(branch__township_id__in=township_ids)
    if survey.target_domains:
        members = members.filter(branch__domain__in=survey.target_domains)
    if group_ids:
        members = members.filter(
            Exists(
                Member.groups.through.objects.filter(member_id=OuterRef("pk"), membergroup_id__in=group_ids)
            )
        )
    return members


def survey_results(survey) -> dict:
    """Response rate by township, answer distributions and top needs — a fixed number of queries."""
    eligible = dict(
        survey_eligible_members(survey).values_list("branch__township_id").annotate(n=Count("pk")).order_by()
    )
    answered = dict(survey.responses.values_list("township_id").annotate(n=Count("pk")).order_by())
    townships = Township.objects.filter(pk__in=set(eligible) | set(answered)).order_by("code")
    by_township = [
        {
            "township": t,
            "eligible": eligible.get(t.pk, 0),
            "responses": answered.get(t.pk, 0),
            "rate": _pct(answered.get(t.pk, 0), eligible.get(t.pk, 0)),
        }
        for t in townships
    ]
    answers = SurveyAnswer.objects.filter(question__survey=survey)
    option_counts = dict(
        answers.filter(option__isnull=False).values_list("option_id").annotate(n=Count("pk")).order_by()
    )
    rating_counts: dict[int, dict[int, int]] = {}
    for question_id, rating, n in (
        answers.filter(rating__isnull=False)
        .values_list("question_id", "rating")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        rating_counts.setdefault(question_id, {})[rating] = n
    texts: dict[int, list[str]] = {}
    for question_id, text in (
        answers.exclude(text="").order_by("-pk").values_list("question_id", "text")[:300]
    ):
        texts.setdefault(question_id, [])
        if len(texts[question_id]) < 10:
            texts[question_id].append(text)
    questions = []
    for q in survey.questions.prefetch_related("options"):
        if q.has_options:
            labels = [o.text for o in q.options.all()]
            values = [option_counts.get(o.pk, 0) for o in q.options.all()]
        elif q.kind == "rating":
            labels = [str(i) for i in range(1, 6)]
            values = [rating_counts.get(q.pk, {}).get(i, 0) for i in range(1, 6)]
        else:
            labels, values = [], []
        questions.append(
            {
                "question": q,
                "chart_id": f"chart-q{q.pk}",
                "chart": {"labels": labels, "values": values},
                "texts": texts.get(q.pk, []),
            }
        )
    domain_labels = dict(Branch.Domain.choices)
    group_names = dict(MemberGroup.objects.values_list("pk", "name"))
    other = str(_("普通党员"))
    by_group: dict[str, dict[str, int]] = {}
    for group_id, tag, n in (
        answers.filter(option__tags__isnull=False)
        .values_list("response__member__groups", "option__tags__name")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        # A member in several groups counts in each of them; members in none are 普通党员.
        by_group.setdefault(group_names.get(group_id, other), {})[tag] = n
    by_domain: dict[str, dict[str, int]] = {}
    for domain, tag, n in (
        answers.filter(option__tags__isnull=False)
        .values_list("response__domain", "option__tags__name")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        by_domain.setdefault(str(domain_labels.get(domain, domain)), {})[tag] = n
    return {
        "by_township": by_township,
        "eligible_total": sum(eligible.values()),
        "response_total": sum(answered.values()),
        "questions": questions,
        "top_by_domain": _top(by_domain),
        "top_by_group": _top(by_group),
    }


def _top(counts: dict[str, dict[str, int]], n: int = 3) -> list[tuple[str, list[tuple[str, int]]]]:
    return [
        (key, sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:n])
        for key, tags in sorted(counts.items())
    ]


def _feedback_averages(values: list[str]):
    return (
        SessionFeedback.objects.values(*values)
        .annotate(
            n=Count("pk"),
            content_avg=Avg("content"),
            instructor_avg=Avg("instructor"),
            usefulness_avg=Avg("usefulness"),
            overall3=Avg(F("content") + F("instructor") + F("usefulness")),
        )
        .order_by(*values)
    )


def _rounded(rows) -> list[dict]:
    out = []
    for row in rows:
        row = dict(row)
        for key in ("content_avg", "instructor_avg", "usefulness_avg"):
            row[key] = round(row[key], 2) if row[key] is not None else None
        row["overall"] = round(row.pop("overall3") / 3, 2) if row.get("overall3") is not None else None
        out.append(row)
    return out


def feedback_by_course() -> list[dict]:
    """Average ratings per course (one query)."""
    return _rounded(
        _feedback_averages(["session__course_id", "session__course__title"]).exclude(session__course=None)
    )


def feedback_by_instructor() -> list[dict]:
    """Average ratings per instructor of the rated sessions (one query); no names of raters."""
    return _rounded(
        _feedback_averages(["session__instructors__id", "session__instructors__name"]).exclude(
            session__instructors=None
        )
    )


def feedback_by_township() -> list[dict]:
    """Average ratings per township of the rated sessions (one query)."""
    return _rounded(
        _feedback_averages(["session__township_id", "session__township__name"]).exclude(
            session__township=None
        )
    )


def instructor_feedback(instructor_id: int) -> dict:
    """One instructor's averages, for the instructor profile (anonymous: counts and averages only)."""
    rows = _rounded(
        _feedback_averages(["session__instructors__id", "session__instructors__name"]).filter(
            session__instructors__id=instructor_id
        )
    )
    return rows[0] if rows else {"n": 0, "overall": None}


def instructor_comments(instructor_id: int):
    """The written comments on an instructor's sessions, newest first — without who wrote them."""
    return (
        SessionFeedback.objects.filter(session__instructors__id=instructor_id)
        .exclude(comment="")
        .select_related("session")
        .only(
            "pk",
            "comment",
            "content",
            "instructor",
            "usefulness",
            "created_at",
            "session__title",
            "session__starts_at",
        )
        .order_by("-created_at", "-pk")
    )


def performance_weights() -> dict[str, Decimal]:
    """The points per unit of each measure, read from the PointsWeight table (0 when missing)."""
    weights = {m: Decimal("0") for m in PointsWeight.Measure.values}
    weights.update(dict(PointsWeight.objects.values_list("measure", "points")))
    return weights


def member_performance(year: int, weights: dict[str, Decimal]):
    """Members annotated with the year's learning and practice figures and their points (双向印证)."""
    sessions = held_sessions(year)
    attended = (
        Attendance.objects.filter(member=OuterRef("pk"), status__in=ATTENDED_STATES, session__in=sessions)
        .values("member")
        .annotate(n=Count("pk"))
        .values("n")
    )
    feedback = (
        SessionFeedback.objects.filter(member=OuterRef("pk"), session__in=sessions)
        .values("member")
        .annotate(n=Count("pk"))
        .values("n")
    )
    verified = PracticeTask.objects.in_year(year).filter(
        member=OuterRef("pk"), status=PracticeTask.Status.VERIFIED
    )
    tasks = verified.values("member").annotate(n=Count("pk")).values("n")
    solved = verified.filter(problem_solved=True).values("member").annotate(n=Count("pk")).values("n")
    satisfaction = verified.values("member").annotate(a=Avg("satisfaction_pct")).values("a")
    zero = Value(0)
    number = DecimalField(max_digits=12, decimal_places=2)
    qs = _members_with_hours(year).annotate(
        sessions_n=Coalesce(Subquery(attended), zero),
        feedback_n=Coalesce(Subquery(feedback), zero),
        tasks_n=Coalesce(Subquery(tasks), zero),
        solved_n=Coalesce(Subquery(solved), zero),
        satisfaction=Subquery(satisfaction, output_field=DecimalField(max_digits=5, decimal_places=1)),
    )

    def w(measure):
        return Value(weights.get(measure, Decimal("0")), output_field=number)

    return qs.annotate(
        points=(
            w("hours") * F("hours")
            + w("sessions") * F("sessions_n")
            + w("feedback") * F("feedback_n")
            + w("tasks") * F("tasks_n")
            + w("solved") * F("solved_n")
            + w("satisfaction") * Coalesce(F("satisfaction"), Value(Decimal("0")), output_field=number)
        )
    )
