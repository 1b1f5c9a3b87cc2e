"""Authorisation matrix: every URL pattern, every role, the status it must get.

HOW TO ADD A URL (other branches, read this):

1. Give the pattern a name (unnamed patterns fail the suite).
2. Add one entry to ``MATRIX`` keyed by the full URL name (``"courses:session-detail"``)::

       "courses:session-detail": {
           "kwargs": lambda cast: {"pk": cast.session_a.pk},   # an object of township A
           "get": {ANON: LOGIN, "trainee": 404, "instructor": 404,
                   "township_a": 200, "township_b": 404, "county": 200},
       },

   ``kwargs`` builds the URL arguments from the ``cast`` fixture (tests/conftest.py),
   always with objects of **township A**, so ``township_b`` shows what another
   township gets (404, never the object). ``get`` gives the status of a GET for
   each of the six roles: ``ANON`` (not signed in), ``trainee``, ``instructor``,
   ``township_a``, ``township_b``, ``county``. ``LOGIN`` means "302 to the login
   page". An optional ``post`` dict (same shape, an empty form posted) covers
   POST-only views; give ``post`` wherever GET is refused with 405.
3. Patterns under ``admin/`` and static/media serving are skipped (the Django
   admin has its own staff checks).

A pattern without an entry fails ``test_every_url_pattern_has_an_entry`` with its name.
The crawler in test_personal_data.py reuses this table.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

ANON = "anonymous"
LOGIN = "login"  # 302 to the login page
ROLES = [ANON, "trainee", "instructor", "township_a", "township_b", "county"]


def everyone(status):
    return dict.fromkeys(ROLES, status)


def signed_in(status):
    return {ANON: LOGIN, **dict.fromkeys(ROLES[1:], status)}


STAFF_ONLY = {
    ANON: LOGIN,
    "trainee": 403,
    "instructor": 403,
    "township_a": 200,
    "township_b": 200,
    "county": 200,
}
TOWNSHIP_A_OBJECT = {
    ANON: LOGIN,
    "trainee": 403,
    "instructor": 403,
    "township_a": 200,
    "township_b": 404,
    "county": 200,
}
COUNTY_ONLY = {
    ANON: LOGIN,
    "trainee": 403,
    "instructor": 403,
    "township_a": 403,
    "township_b": 403,
    "county": 200,
}

MATRIX: dict[str, dict] = {
    "home": {"get": signed_in(200)},
    "healthz": {"get": everyone(200)},
    "login": {"get": everyone(200)},
    "logout": {"get": signed_in(405), "post": everyone(LOGIN)},
    "set_language": {"get": everyone(302), "post": everyone(302)},
    "text-size": {"get": everyone(405), "post": everyone(302)},
    "audit-log": {"get": COUNTY_ONLY},
    "trainees:township-list": {"get": STAFF_ONLY},
    "trainees:township-detail": {
        "kwargs": lambda cast: {"pk": cast.township_a.pk},
        "get": TOWNSHIP_A_OBJECT,
    },
    "trainees:member-list": {"get": STAFF_ONLY},
    "trainees:member-create": {"get": STAFF_ONLY},
    "trainees:member-detail": {
        "kwargs": lambda cast: {"pk": cast.member_a.pk},
        "get": TOWNSHIP_A_OBJECT,
    },
    "trainees:member-edit": {
        "kwargs": lambda cast: {"pk": cast.member_a.pk},
        "get": TOWNSHIP_A_OBJECT,
    },
    "trainees:member-reveal": {
        "kwargs": lambda cast: {"pk": cast.member_a.pk},
        "get": {
            ANON: LOGIN,
            "trainee": 403,
            "instructor": 403,
            "township_a": 405,
            "township_b": 405,
            "county": 405,
        },
        "post": TOWNSHIP_A_OBJECT,
    },
    "evaluations:instructor-ratings": {
        "kwargs": lambda cast: {"pk": _instructor_of_the_cast(cast)},
        "get": {**COUNTY_ONLY, "instructor": 200},
    },
    "courses:hours-member": {
        "kwargs": lambda cast: {"pk": cast.member_a.pk},
        "get": TOWNSHIP_A_OBJECT,
        "post": TOWNSHIP_A_OBJECT,  # an empty form: 200 with its errors, nothing saved
    },
    "courses:hours-branch": {"get": STAFF_ONLY, "post": STAFF_ONLY},
    "courses:route-list": {"get": signed_in(200)},
    "courses:route-create": {"get": COUNTY_ONLY},
    "courses:route-edit": {
        "kwargs": lambda cast: {"pk": _route_with_a_stop(cast)},
        "get": COUNTY_ONLY,
    },
}


def _route_with_a_stop(cast):
    from .factories_courses import RouteStopFactory

    return RouteStopFactory(base__township=cast.township_a).route_id


def _instructor_of_the_cast(cast):
    from .factories_courses import InstructorFactory

    return InstructorFactory(user=cast.users["instructor"], township=cast.township_a).pk


SKIPPED_PREFIXES = ("admin/", settings.STATIC_URL.lstrip("/"), settings.MEDIA_URL.lstrip("/"))


def url_patterns(resolver=None, prefix="", namespace=""):
    """(full name or None, route) for every pattern, walking into includes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES) or route.lstrip("^").startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry, route, inner)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else None), route


def test_every_url_pattern_has_an_entry():
    patterns = list(url_patterns())
    unnamed = [route for name, route in patterns if name is None]
    missing = sorted({name for name, _ in patterns if name and name not in MATRIX})
    assert not unnamed, f"URL patterns without a name (name them, then add them to MATRIX): {unnamed}"
    assert not missing, (
        f"URL patterns without an entry in tests/test_authorization_matrix.py MATRIX: {missing} — "
        "see the module docstring for how to add one"
    )


def test_the_matrix_names_only_existing_urls():
    names = {name for name, _ in url_patterns()}
    assert not set(MATRIX) - names, f"MATRIX entries for URLs that no longer exist: {set(MATRIX) - names}"


def matrix_cases(method):
    for name, entry in MATRIX.items():
        for role, expected in entry.get(method, {}).items():
            yield pytest.param(name, role, expected, id=f"{method} {name} as {role}")


def url_for(name, cast):
    builder = MATRIX[name].get("kwargs")
    return reverse(name, kwargs=builder(cast) if builder else None)


def client_for(role, client, client_as):
    return client if role == ANON else client_as(role)


def check(response, expected, url):
    if expected == LOGIN:
        assert response.status_code == 302, f"{url}: expected a redirect to login, got {response.status_code}"
        assert response["Location"].startswith(reverse("login")), (
            f"{url} redirected to {response['Location']}"
        )
    else:
        assert response.status_code == expected, f"{url}: expected {expected}, got {response.status_code}"


@pytest.mark.parametrize(("name", "role", "expected"), list(matrix_cases("get")))
def test_get(cast, client, client_as, name, role, expected):
    url = url_for(name, cast)
    check(client_for(role, client, client_as).get(url), expected, url)


@pytest.mark.parametrize(("name", "role", "expected"), list(matrix_cases("post")))
def test_post(cast, client, client_as, name, role, expected):
    url = url_for(name, cast)
    check(client_for(role, client, client_as).post(url, {}), expected, url)


def test_a_url_without_an_entry_fails_naming_it(monkeypatch):
    monkeypatch.delitem(MATRIX, "trainees:member-list")
    with pytest.raises(AssertionError, match="trainees:member-list"):
        test_every_url_pattern_has_an_entry()
