"""Query budgets: every page's SQL query count stays flat as data grows, under a written ceiling.

Each named URL pattern of the portal needs an entry in BUDGETS (role, ceiling,
URL kwargs) or in NOT_PAGES (with the reason it is not a page). A new URL with
neither fails ``test_every_url_pattern_has_a_budget``.
"""

import datetime
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from trainees.models import Member

from .factories import BranchFactory, MemberFactory, TownshipFactory

pytestmark = pytest.mark.django_db


@dataclass
class Budget:
    role: str
    ceiling: int
    kwargs: object = field(default=lambda cast: {})


def _township_a(cast):
    return {"pk": cast.township_a.pk}


def _member_a(cast):
    return {"pk": cast.member_a.pk}


def _session_a(cast):
    """A live session of township A with the trainee and a few members enrolled and marked."""
    from courses.models import Attendance, Enrollment

    from .cycle_fixtures import live_session

    session = live_session(cast.township_a, open_signup=True, capacity=30)
    for member in (cast.trainee_member, cast.member_a):
        Enrollment.objects.create(session=session, member=member)
    Attendance.objects.create(session=session, member=cast.member_a, status=Attendance.Status.PRESENT)
    return session


def _session_pk(cast):
    return {"pk": _session_a(cast).pk}


def _checkin(cast):
    from courses.services_cycle import checkin_token

    session = _session_a(cast)
    return {"pk": session.pk, "code": checkin_token(session)}


def _plan_a(cast):
    from courses.models import MonthlyPlan

    return {"pk": MonthlyPlan.objects.create(township=cast.township_a, month=datetime.date(2026, 6, 1)).pk}


def _member_feed(cast):
    from courses.views_cycle import _feed_token

    _session_a(cast)
    return {"token": _feed_token("member", cast.trainee_member.pk)}


def _township_feed(cast):
    from courses.views_cycle import _feed_token

    _session_a(cast)
    return {"token": _feed_token("township", cast.township_a.pk)}


BUDGETS: dict[str, list[Budget]] = {
    "home": [
        # county +4, township +4, trainee +6: the monthly-cycle numbers (heatmap, hours, goal).
        Budget("county", 12),
        Budget("township_a", 14),
        Budget("instructor", 6),
        Budget("trainee", 14),
    ],
    "trainees:township-list": [Budget("county", 8), Budget("township_a", 8)],
    "trainees:township-detail": [Budget("county", 8, _township_a)],
    "trainees:member-list": [Budget("county", 10), Budget("township_a", 10)],
    "trainees:member-detail": [Budget("township_a", 8, _member_a)],
    "trainees:member-create": [Budget("township_a", 8)],
    "trainees:member-edit": [Budget("township_a", 10, _member_a)],
    "courses:session-list": [Budget("county", 12), Budget("township_a", 12)],
    "courses:session-create": [Budget("township_a", 14), Budget("county", 14)],
    "courses:session-detail": [Budget("township_a", 20, _session_pk), Budget("trainee", 20, _session_pk)],
    "courses:session-edit": [Budget("township_a", 16, _session_pk)],
    "courses:session-series": [Budget("township_a", 10, _session_pk)],
    "courses:session-enrollments": [Budget("township_a", 10, _session_pk)],
    "courses:session-projector": [Budget("township_a", 10, _session_pk)],
    "courses:session-checkin": [Budget("trainee", 12, _checkin)],
    "courses:attendance-sheet": [Budget("township_a", 12, _session_pk)],
    "courses:plan-list": [Budget("county", 10), Budget("township_a", 10)],
    "courses:plan-detail": [Budget("township_a", 14, _plan_a)],
    "courses:ledger-township": [Budget("county", 14), Budget("township_a", 14)],
    "courses:ledger-member": [Budget("township_a", 12, _member_a)],
    "courses:my-schedule": [Budget("trainee", 16)],
    "courses:my-hours": [Budget("trainee", 12)],
    "courses:feed-member": [Budget("trainee", 6, _member_feed)],
    "courses:feed-township": [Budget("trainee", 6, _township_feed)],
    "courses:heatmap": [Budget("county", 8), Budget("township_a", 8)],
}

NOT_PAGES = {
    "healthz": "health check, two fixed queries",
    "login": "Django's login form, no data",
    "logout": "POST only",
    "set_language": "POST only",
    "text-size": "POST only, no queries",
    "courses:session-transition": "POST only (status move)",
    "courses:session-cancel": "POST only",
    "courses:session-duplicate": "POST only",
    "courses:session-invite": "POST only, one bulk insert",
    "courses:session-signup": "POST only",
    "courses:session-withdraw": "POST only",
}


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin" or str(entry.pattern).startswith("admin/"):
                continue
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_patterns(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_url_pattern_has_a_budget():
    missing = sorted(set(_named_patterns()) - set(BUDGETS) - set(NOT_PAGES))
    assert not missing, f"URL patterns without a query budget (add them to BUDGETS or NOT_PAGES): {missing}"


def grow(cast):
    """Ten times more of everything the pages list."""
    for _ in range(3):
        township = TownshipFactory()
        for _ in range(3):
            branch = BranchFactory(township=township)
            MemberFactory.create_batch(5, branch=branch)
    extra_a = BranchFactory(township=cast.township_a)
    MemberFactory.create_batch(30, branch=extra_a)
    MemberFactory.create_batch(10, branch=cast.branch_a)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return len(queries)


CASES = [(name, budget) for name, budgets in BUDGETS.items() for budget in budgets]


@pytest.mark.parametrize(("url_name", "budget"), CASES, ids=[f"{n}-{b.role}" for n, b in CASES])
def test_query_count_is_flat_and_under_budget(cast, client, url_name, budget):
    kwargs = budget.kwargs(cast)
    code = kwargs.pop("code", None)
    url = reverse(url_name, kwargs=kwargs) + (f"?code={code}" if code else "")
    client.force_login(cast.users[budget.role])
    small = count_queries(client, url)
    grow(cast)
    assert Member.objects.count() > 60
    large = count_queries(client, url)
    assert large == small, f"{url_name}: {small} queries on the small dataset, {large} on the larger one"
    assert large <= budget.ceiling, f"{url_name}: {large} queries, budget {budget.ceiling}"
