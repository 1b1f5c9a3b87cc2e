"""Numbers for the home dashboard of each role, aggregated in the database."""

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from core import aggregates
from courses import selectors
from courses.cycle import selectors as cycle_selectors
from courses.models import Session
from trainees.models import Branch, Member, MemberGroup, Township
from trainees.scoping import member_id_of, township_id_of


def county_dashboard() -> dict:
    """The county home page: every figure from ``county_numbers``, kept in the shared cache."""
    year = timezone.localdate().year
    numbers = aggregates.cached("county-dashboard", year)
    goal = settings.PORTAL_MEMBERS_GOAL
    return {
        **numbers,
        "members_goal": goal,
        "goal_percent": min(100, numbers["trained_members"] * 100 // goal) if goal else 100,
    }


@aggregates.register("county-dashboard")
def county_numbers(year: int) -> dict:
    """The county-wide aggregates of ``year``: they scan the year's attendance (hundreds of
    thousands of rows at county scale), so pages read them through ``aggregates.cached``."""
    townships = list(Township.objects.select_related("district").with_counts())
    return {
        "townships": townships,
        "township_total": len(townships),
        "branch_total": sum(t.branch_count for t in townships),
        "member_total": sum(t.member_count for t in townships),
        "signed_in_total": sum(t.signed_in_count for t in townships),  # the go-live figure
        "chart_members": {
            "labels": [t.name for t in townships],
            "values": [t.member_count for t in townships],
        },
        "branches_by_domain": _domain_rows(Branch.objects.all()),
        "course_counts": selectors.county_course_counts(),
        **cycle_selectors.county_cycle_numbers(year),
        "computed_at": timezone.now(),
        "cycle_year": year,
        "heatmap": cycle_selectors.heatmap(year, townships),
    }


def township_dashboard(user) -> dict:
    township = Township.objects.select_related("district").with_counts().get(pk=township_id_of(user))
    members = Member.objects.active().filter(branch__township=township)
    groups = MemberGroup.objects.annotate(
        n=Count(
            "members",
            filter=Q(members__is_active=True, members__branch__township=township),
        )
    )
    status_counts = dict(members.values_list("status").annotate(n=Count("pk")))
    return {
        "township": township,
        "groups": groups,
        "probationary_count": status_counts.get(Member.Status.PROBATIONARY, 0),
        "full_count": status_counts.get(Member.Status.FULL, 0),
        "branches_by_domain": _domain_rows(Branch.objects.filter(township=township)),
        **cycle_selectors.township_cycle_numbers(township, timezone.localdate().year),
    }


def _domain_rows(branches):
    labels = dict(Branch.Domain.choices)
    rows = branches.values("domain").annotate(n=Count("pk")).order_by("domain")
    # Labels stay lazy: the county figures are cached once for every language.
    return [{"label": labels.get(r["domain"], r["domain"]), "n": r["n"]} for r in rows]


def trainee_dashboard(user) -> dict:
    year = timezone.localdate().year
    members = Member.objects.select_related("branch__township").prefetch_related("groups")
    member = cycle_selectors.with_hours(members.filter(pk=member_id_of(user)), year).first()
    context = {"member": member}
    if member is not None:
        schedule = cycle_selectors.my_schedule(member, year)
        context.update(
            hours=schedule["hours"], percent=schedule["percent"], upcoming=schedule["enrollments"][:3]
        )
    return context


def instructor_dashboard(user) -> dict:
    """The instructor's coming sessions and the delivery requests waiting on them."""
    upcoming = (
        Session.objects.visible_to(user)
        .filter(ends_at__gte=timezone.now())
        .exclude(status__in=[Session.Status.CANCELLED, Session.Status.DRAFT])
        .select_related("township", "course")
        .order_by("starts_at")
        .distinct()
    )
    waiting = selectors.requests_waiting_on(user).order_by("created_at")
    return {"upcoming_sessions": upcoming[:10], "waiting_requests": waiting[:10]}
