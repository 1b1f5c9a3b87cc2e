"""The integration API: tokens, scoping through the pages' helpers, filters, pagination, schema."""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from audit.models import AuditEntry
from courses.models import Session
from tests.factories_courses import SessionFactory

pytestmark = pytest.mark.django_db


def bearer(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def key_a(cast):
    _token, key = ApiToken.mint(cast.users["township_a"], name="甲镇公众号")
    return key


@pytest.fixture
def sessions(cast):
    may = timezone.make_aware(datetime.datetime(2026, 5, 10, 9))
    june = timezone.make_aware(datetime.datetime(2026, 6, 10, 9))
    return {
        "a_may": SessionFactory(township=cast.township_a, starts_at=may, status=Session.Status.PUBLISHED),
        "a_june": SessionFactory(township=cast.township_a, starts_at=june, status=Session.Status.DRAFT),
        "b_may": SessionFactory(township=cast.township_b, starts_at=may, status=Session.Status.PUBLISHED),
    }


def ids(response):
    return {row["id"] for row in response.json()["results"]}


# --- tokens ---------------------------------------------------------------------------------------


def test_a_valid_token_reads_and_its_last_use_is_kept(client, cast, key_a, sessions):
    response = client.get(reverse("api:session-list"), **bearer(key_a))
    assert response.status_code == 200
    assert ids(response) == {sessions["a_may"].pk, sessions["a_june"].pk}
    assert ApiToken.objects.get().last_used_at is not None
    assert "no-store" in response["Cache-Control"]


def test_the_key_is_stored_hashed_with_only_a_prefix(cast, key_a):
    token = ApiToken.objects.get()
    assert key_a not in (token.key_hash, token.display_prefix)
    assert key_a.startswith(token.display_prefix) and len(token.display_prefix) < 12


@pytest.mark.parametrize("state", ["revoked", "expired", "wrong", "malformed"])
def test_a_bad_token_is_refused_with_a_problem(client, cast, key_a, state):
    token = ApiToken.objects.get()
    if state == "revoked":
        token.revoked_at = timezone.now()
        token.save()
    elif state == "expired":
        token.expires_at = timezone.now() - datetime.timedelta(seconds=1)
        token.save()
    header = {
        "revoked": f"Bearer {key_a}",
        "expired": f"Bearer {key_a}",
        "wrong": f"Bearer {key_a}x",
        "malformed": "Bearer a b",
    }[state]
    response = client.get(reverse("api:session-list"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401
    assert response.json()["detail"]


def test_anonymous_gets_401_not_a_login_redirect(client, cast):
    response = client.get(reverse("api:township-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_errors_speak_chinese(client, cast):
    response = client.get(reverse("api:township-list"))
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])


def test_a_read_token_may_not_write(client, cast, key_a):
    response = client.post(reverse("api:session-list"), {}, content_type="application/json", **bearer(key_a))
    assert response.status_code == 403
    _token, write_key = ApiToken.mint(cast.users["township_a"], name="w", scope=ApiToken.Scope.WRITE)
    response = client.post(
        reverse("api:session-list"), {}, content_type="application/json", **bearer(write_key)
    )
    assert response.status_code == 405  # no write endpoints yet


def test_the_command_prints_a_new_token_once(client, cast, sessions):
    out = StringIO()
    call_command("api_token", "county", "--write", "--name", "省委对接", stdout=out, stderr=StringIO())
    key = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.scope == "write" and token.name == "省委对接" and token.user == cast.users["county"]
    assert client.get(reverse("api:session-list"), **bearer(key)).status_code == 200
    assert AuditEntry.objects.filter(object_pk=str(token.pk)).exists()


def test_the_command_refuses_an_unknown_user(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("api_token", "nobody", stdout=StringIO())


# --- scoping --------------------------------------------------------------------------------------


def test_another_townships_session_is_a_404(client, cast, key_a, sessions):
    url = reverse("api:session-detail", args=[sessions["b_may"].pk])
    assert client.get(url, **bearer(key_a)).status_code == 404
    url = reverse("api:session-detail", args=[sessions["a_may"].pk])
    assert client.get(url, **bearer(key_a)).json()["township_name"] == "甲镇"


def test_another_township_is_a_404(client, cast, key_a):
    assert (
        client.get(reverse("api:township-detail", args=[cast.township_b.pk]), **bearer(key_a)).status_code
        == 404
    )
    response = client.get(reverse("api:township-list"), **bearer(key_a))
    assert [row["name"] for row in response.json()] == ["甲镇"]


def test_a_trainee_sees_only_the_sessions_they_are_enrolled_in(client, cast, sessions):
    from courses.models import Enrollment

    Enrollment.objects.create(session=sessions["a_may"], member=cast.trainee_member)
    _token, key = ApiToken.mint(cast.users["trainee"], name="t")
    assert ids(client.get(reverse("api:session-list"), **bearer(key))) == {sessions["a_may"].pk}


def test_county_sees_every_session(client, cast, sessions):
    _token, key = ApiToken.mint(cast.users["county"], name="c")
    assert ids(client.get(reverse("api:session-list"), **bearer(key))) == {s.pk for s in sessions.values()}


# --- filters and pagination -----------------------------------------------------------------------


def test_filters_by_month_township_and_status(client, cast, sessions):
    _token, key = ApiToken.mint(cast.users["county"], name="c")
    url = reverse("api:session-list")
    assert ids(client.get(url, {"month": "2026-05"}, **bearer(key))) == {
        sessions["a_may"].pk,
        sessions["b_may"].pk,
    }
    assert ids(client.get(url, {"township": cast.township_b.pk}, **bearer(key))) == {sessions["b_may"].pk}
    assert ids(client.get(url, {"status": "draft"}, **bearer(key))) == {sessions["a_june"].pk}


@pytest.mark.parametrize(
    "params",
    [{"month": "2026-13"}, {"month": "五月"}, {"township": "x"}, {"status": "nope"}, {"cursor": "zzz"}],
)
def test_bad_params_are_a_4xx_problem_never_a_500(client, cast, key_a, params):
    response = client.get(reverse("api:session-list"), params, **bearer(key_a))
    assert 400 <= response.status_code < 500
    assert response["Content-Type"] == "application/problem+json"


def test_cursor_pagination_walks_every_session_once(client, cast, key_a):
    SessionFactory.create_batch(5, township=cast.township_a)
    url, seen = reverse("api:session-list") + "?page_size=2", []
    while url:
        page = client.get(url, **bearer(key_a)).json()
        assert len(page["results"]) <= 2
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(
        Session.objects.filter(township=cast.township_a).values_list("pk", flat=True)
    )


def test_times_are_in_asia_shanghai(client, cast, key_a, sessions):
    row = client.get(reverse("api:session-detail", args=[sessions["a_may"].pk]), **bearer(key_a)).json()
    assert row["starts_at"] == "2026-05-10T09:00:00+08:00"


# --- schema and docs ------------------------------------------------------------------------------


def test_the_schema_is_openapi_3_with_the_paths(client, cast, key_a):
    response = client.get(reverse("api:schema") + "?format=json", **bearer(key_a))
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/townships/",
        "/api/v1/townships/{id}/",
        "/api/v1/sessions/",
        "/api/v1/sessions/{id}/",
    } <= set(schema["paths"])
    params = {p["name"] for p in schema["paths"]["/api/v1/sessions/"]["get"]["parameters"]}
    assert {"month", "township", "status", "cursor"} <= params
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["tokenAuth"]["description"],
    }


def test_the_docs_page_uses_vendored_assets_and_no_inline_script(client_as):
    response = client_as("county").get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in html
    assert "<script>" not in html
    start_up = client_as("county").get(reverse("api:docs") + "?script=")
    assert start_up.status_code == 200 and start_up["Content-Type"] == "application/javascript"
    assert "unsafe-inline" not in response.get("Content-Security-Policy", "")


# --- the token page -------------------------------------------------------------------------------


def test_staff_create_a_token_and_see_it_once(client_as, cast):
    client = client_as("township_a")
    response = client.post(reverse("api:tokens"), {"name": "公众号", "write": ""})
    key = response.context["new_key"]
    assert key.startswith("nj_") and key in response.content.decode()
    token = ApiToken.objects.get()
    assert token.user == cast.users["township_a"] and token.scope == "read"
    assert AuditEntry.objects.filter(object_pk=str(token.pk)).exists()
    assert key not in client.get(reverse("api:tokens")).content.decode()


def test_a_blank_name_is_refused_and_nothing_is_made(client_as):
    response = client_as("township_a").post(reverse("api:tokens"), {"name": ""})
    assert response.status_code == 200 and not ApiToken.objects.exists()


def test_revoking_asks_first_then_revokes_and_is_audited(client_as, cast):
    token, key = ApiToken.mint(cast.users["township_a"], name="旧令牌")
    client = client_as("township_a")
    url = reverse("api:token-revoke", args=[token.pk])
    assert "确认撤销" in client.get(url).content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    assert client.post(url).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(object_pk=str(token.pk)).exists()
    client.logout()
    assert client.get(reverse("api:session-list"), **bearer(key)).status_code == 401


def test_nobody_revokes_another_users_token(client_as, cast):
    token, _key = ApiToken.mint(cast.users["township_a"], name="甲")
    assert client_as("township_b").post(reverse("api:token-revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_schema_validates_as_openapi_3_without_warnings(tmp_path):
    # drf-spectacular checks the document against the OpenAPI 3.0 JSON schema; a warning fails.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "openapi: 3.0" in (tmp_path / "schema.yaml").read_text()
