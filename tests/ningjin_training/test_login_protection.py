"""Login protection: lockouts, logging, password rules, session lifetimes, ending sessions."""

import datetime
import logging

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from audit.models import AuditAction, AuditEntry, UserSession
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "Test-password-2026"


def fail_login(client, username, times=1, ip="10.0.0.1"):
    response = None
    for _ in range(times):
        response = client.post(
            reverse("login"), {"login": username, "password": "wrong-password-1"}, REMOTE_ADDR=ip
        )
    return response


def login(client, username, ip="10.0.0.1"):
    return client.post(reverse("login"), {"login": username, "password": PASSWORD}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_username_for_thirty_minutes(cast, client):
    assert fail_login(client, "township_a", times=4).status_code == 200
    locked = fail_login(client, "township_a")
    assert locked.status_code == 429
    assert "账号已临时锁定" in locked.text
    assert "30 分钟" in locked.text
    # The right password from another address does not help while locked.
    assert login(Client(), "township_a", ip="10.0.0.2").status_code == 429
    with time_machine.travel(datetime.timedelta(minutes=31)):
        assert login(Client(), "township_a", ip="10.0.0.2").status_code == 302


def test_five_wrong_passwords_for_one_account_do_not_lock_others_at_the_same_address(cast, client):
    # A township office shares one NAT address: the address alone is never locked.
    make_user("township", township=cast.township_b, username="township2")
    assert fail_login(client, "township2", times=5, ip="10.9.9.9").status_code == 429
    assert login(Client(), "township2", ip="10.9.9.9").status_code == 429
    assert login(Client(), "county", ip="10.9.9.9").status_code == 302
    for username in ("a1", "a2", "a3", "a4", "a5"):
        fail_login(client, username, ip="10.9.9.8")
    assert login(Client(), "township_a", ip="10.9.9.8").status_code == 302


@pytest.mark.parametrize(
    "typed", ["371428199001011234", "37142819900101123X", "13812345678", "身份证 371428199001011234"]
)
def test_the_lockout_store_never_holds_an_id_or_phone_number_in_clear(cast, client, typed):
    fail_login(client, typed, times=5)
    stored = set(AccessAttempt.objects.values_list("username", flat=True))
    assert len(stored) == 1 and typed not in stored
    (username,) = stored
    assert username.startswith("masked:")
    digits = "".join(c for c in typed if c.isdigit())
    assert digits not in username
    # Failures still count against the same (hashed) username: the fifth locked it.
    assert fail_login(Client(), typed).status_code == 429


def test_a_success_resets_the_failure_count(cast, client):
    fail_login(client, "county", times=4)
    assert login(Client(), "county").status_code == 302
    assert fail_login(Client(), "county", times=4).status_code == 200


def test_successes_failures_and_lockouts_are_logged_and_audited(cast, client, caplog):
    caplog.set_level(logging.INFO)
    login(client, "county")
    fail_login(Client(), "township_b", times=5, ip="10.0.0.7")
    messages = [r.getMessage() for r in caplog.records]
    assert any("login succeeded" in m for m in messages)
    assert any("login failed" in m for m in messages)
    assert any("locked out" in m for m in messages)
    assert any(m.startswith("AXES:") for m in messages)
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert AuditAction.LOGIN in actions
    assert actions.count(AuditAction.LOGIN_FAILED) >= 4
    assert AuditAction.LOCKOUT in actions
    lockout = AuditEntry.objects.get(action=AuditAction.LOCKOUT)
    assert lockout.ip == "10.0.0.7"
    assert "wrong-password-1" not in "\n".join(messages)


def test_a_huge_username_is_refused_without_a_server_error(cast, client):
    response = fail_login(client, "0" * 300)
    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == "0" * 150


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Ningjin2026demo", True),
        ("qiangmima2026", True),
        ("onlyletterslong", False),  # no digit
        ("2026110520261105", False),  # no letter
        ("abc123", False),  # too short
        ("password123", False),  # common
    ],
)
def test_password_rules(password, ok):
    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


def test_the_composition_rule_speaks_chinese():
    with pytest.raises(ValidationError) as error:
        validate_password("onlyletterslong")
    assert "密码必须同时包含英文字母和数字。" in error.value.messages


def test_a_password_like_the_username_is_refused():
    user = get_user_model()(username="zhangsan2026")
    with pytest.raises(ValidationError):
        validate_password("zhangsan2026", user)


@pytest.mark.parametrize(
    ("role", "idle_minutes", "signed_in"),
    [
        ("county", 29, True),
        ("county", 31, False),
        ("township_a", 31, False),
        ("instructor", 31, False),
        ("trainee", 31, True),
        ("trainee", 7 * 24 * 60 - 5, True),
        ("trainee", 7 * 24 * 60 + 5, False),
    ],
)
def test_idle_timeout_by_role(cast, client_as, role, idle_minutes, signed_in):

    client = client_as(role)
    assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(datetime.timedelta(minutes=idle_minutes)):
        response = client.get(reverse("home"))
    assert (response.status_code == 200) is signed_in


@pytest.mark.parametrize(("role", "hours"), [("county", 12), ("trainee", 30 * 24)])
def test_absolute_lifetime_by_role(cast, client_as, role, hours):

    client = client_as(role)
    start = datetime.datetime.now(datetime.UTC)
    # Busy all along (a request every 20 minutes), yet signed out at the end.
    step = datetime.timedelta(minutes=20) if role == "county" else datetime.timedelta(days=2)
    now = start
    while now < start + datetime.timedelta(hours=hours) - step:
        now += step
        with time_machine.travel(now):
            assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + datetime.timedelta(hours=hours, minutes=1)):
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_timed_out_user_is_told_why(cast, client_as):

    client = client_as("county")
    client.get(reverse("home"))
    with time_machine.travel(datetime.timedelta(minutes=45)):
        response = client.get(reverse("home"), follow=True)
    assert "登录已过期，请重新登录。" in response.text


def test_logout_ends_every_session_of_the_user(cast):
    desk, phone, other = Client(), Client(), Client()
    login(desk, "township_a")
    login(phone, "township_a", ip="10.0.0.3")
    login(other, "county")
    assert UserSession.objects.filter(user=cast.users["township_a"]).count() == 2
    desk.post(reverse("logout"))
    assert phone.get(reverse("home")).status_code == 302
    assert other.get(reverse("home")).status_code == 200
    assert not UserSession.objects.filter(user=cast.users["township_a"]).exists()
    assert AuditEntry.objects.filter(action=AuditAction.LOGOUT, actor=cast.users["township_a"]).exists()


def test_deactivating_a_user_ends_their_sessions(cast):
    client = Client()
    login(client, "township_b")
    sessions_before = Session.objects.count()
    user = cast.users["township_b"]
    user.is_active = False
    user.save()
    assert Session.objects.count() == sessions_before - 1
    assert client.get(reverse("home")).status_code == 302
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, model_label="auth.User", object_pk=str(user.pk))
    assert entry.changes["is_active"] == [True, False]


def test_a_new_users_password_is_checked_by_the_same_rules():
    user = make_user("county", username="newstaff")
    with pytest.raises(ValidationError):
        validate_password("newstaff", user)
