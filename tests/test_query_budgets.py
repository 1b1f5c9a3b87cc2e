"""Query budgets: every page's SQL query count stays flat as data grows, under a written ceiling.

Each named URL pattern of the portal needs an entry in BUDGETS (role, ceiling,
URL kwargs) or in NOT_PAGES (with the reason it is not a page). A new URL with
neither fails ``test_every_url_pattern_has_a_budget``.
"""

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


BUDGETS: dict[str, list[Budget]] = {
    "home": [
        Budget("county", 8),
        Budget("township_a", 10),
        Budget("instructor", 6),
        Budget("trainee", 8),
    ],
    "trainees:township-list": [Budget("county", 8), Budget("township_a", 8)],
    "trainees:township-detail": [Budget("county", 8, _township_a)],
    "trainees:member-list": [Budget("county", 10), Budget("township_a", 10)],
    "trainees:member-detail": [Budget("township_a", 8, _member_a)],
    "trainees:member-create": [Budget("township_a", 8)],
    "trainees:member-edit": [Budget("township_a", 10, _member_a)],
    "notifications:inbox": [Budget("trainee", 8), Budget("county", 8)],
    "notifications:preferences": [Budget("trainee", 8)],
    "notifications:reminder-list": [Budget("county", 8)],
}

NOT_PAGES = {
    "healthz": "health check, three fixed queries",
    "login": "Django's login form, no data",
    "logout": "POST only",
    "set_language": "POST only",
    "text-size": "POST only, no queries",
    "notifications:mark-read": "POST only",
    "notifications:mark-all-read": "POST only",
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
    url = reverse(url_name, kwargs=budget.kwargs(cast))
    client.force_login(cast.users[budget.role])
    small = count_queries(client, url)
    grow(cast)
    assert Member.objects.count() > 60
    large = count_queries(client, url)
    assert large == small, f"{url_name}: {small} queries on the small dataset, {large} on the larger one"
    assert large <= budget.ceiling, f"{url_name}: {large} queries, budget {budget.ceiling}"
