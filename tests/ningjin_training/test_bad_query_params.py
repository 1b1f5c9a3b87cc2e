"""A bad year, month or page in the query string is ignored or refused, never a server error."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = [
    ("home", "county"),
    ("home", "township_a"),
    ("home", "trainee"),
    ("courses:heatmap", "county"),
    ("courses:my-hours", "trainee"),
    ("courses:my-schedule", "trainee"),
    ("courses:ledger-township", "township_a"),
    ("courses:session-list", "township_a"),
    ("courses:plan-list", "county"),
    ("evaluations:report-list", "county"),
    ("evaluations:performance", "county"),
    ("evaluations:item-list", "township_a"),
    ("trainees:member-list", "township_a"),
]
VALUES = ["0", "-1", "10000", "abc", "99999999999999999999", "2026.5", ""]


@pytest.mark.parametrize(("url", "role"), PAGES)
@pytest.mark.parametrize("value", VALUES)
def test_a_bad_period_or_page_in_the_query_is_never_a_server_error(client_as, url, role, value):
    response = client_as(role).get(reverse(url), {"year": value, "month": value, "page": value})
    assert response.status_code in (200, 400)


# ---- Every page of the authorization matrix, every role it answers, every GET parameter ----------
# The parameters are read off the page itself (each GET form's fields: every filter of a
# django-filter FilterSet or filter form the page shows), plus the ones any page may read.
# Each parameter gets every bad value once; the values rotate across the parameters, so a
# parameter is also tried while the others hold valid-looking values.

from html.parser import HTMLParser  # noqa: E402

from tests.ningjin_training.test_authorization_matrix import MATRIX, duty_expectations, url_for  # noqa: E402

COMMON_PARAMS = ["year", "month", "page", "next", "q", "sort", "o", "township", "status"]
BAD_VALUES = [
    "0",
    "-1",
    "10000",
    "abc",
    "99999999999999999999",
    "2026.5",
    "",
    "１２",  # full-width digits
    "1e309",
    "NaN",
    "2026-02-30",
    "foo:bar",
    "//evil.example/",
    "' OR 1=1 --",
    "a\x00b",
    "字" * 2000,
    "2026-13",
    " +5 ",
    "1",
    "2026",
]
# Slow documents (PDF rendering) are fuzzed through their list pages' filters instead.
SKIPPED = {"evaluations:report-pdf", "logout", "set_language"}


class _GetFormFields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.in_get_form = False
        self.names: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_get_form = (attrs.get("method") or "get").lower() == "get"
        elif self.in_get_form and tag in ("input", "select", "textarea") and attrs.get("name"):
            self.names.add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_get_form = False


def _page_params(html: str) -> list[str]:
    parser = _GetFormFields()
    parser.feed(html)
    return sorted(parser.names - {"csrfmiddlewaretoken"}) + [
        p for p in COMMON_PARAMS if p not in parser.names
    ]


def _readers(name: str) -> list[str]:
    """The roles (and duty accounts) that open the page: the matrix gives them a 200."""
    entry = MATRIX[name]
    statuses = {**entry.get("get", {}), **duty_expectations(name, "get")}
    return [role for role, status in statuses.items() if status == 200 and role != "anonymous"]


FUZZED_PAGES = [name for name in MATRIX if name not in SKIPPED and _readers(name)]


@pytest.mark.parametrize("name", FUZZED_PAGES)
def test_no_get_parameter_of_any_page_is_a_server_error_for_any_role(cast, client, client_as, name):
    url = url_for(name, cast)
    failures = []
    for role in _readers(name):
        client.logout()
        client_as(role)
        plain = client.get(url)
        assert plain.status_code == 200, f"{url} as {role}: {plain.status_code} without parameters"
        is_html = plain.get("Content-Type", "").startswith("text/html")
        params = _page_params(plain.content.decode()) if is_html else COMMON_PARAMS
        for shift in range(len(BAD_VALUES)):
            query = {p: BAD_VALUES[(shift + i) % len(BAD_VALUES)] for i, p in enumerate(params)}
            status = client.get(url, query).status_code
            if status not in (200, 302, 400):
                failures.append((role, status, {p: v[:20] for p, v in query.items()}))
        # Every parameter twice, a good-looking value and a bad one (a hand-edited URL).
        status = client.get(url, {p: ["1", "abc"] for p in params}).status_code
        if status not in (200, 302, 400):
            failures.append((role, status, "repeated parameters"))
    assert not failures, f"{url}: {failures[:5]}"
