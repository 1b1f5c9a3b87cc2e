"""Second factor: county and township admins enrol at first sign-in and give a code each time."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.test import Client, override_settings
from django.urls import reverse

from accounts.mfa_policy import demo_skip_usernames, second_factor_required
from audit.models import AuditAction, AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("required")]

PASSWORD = "Test-password-2026"


@pytest.fixture
def required(settings):
    settings.MFA_REQUIRED_ROLES = ["county", "township"]


def now_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def password_login(client, username):
    return client.post(reverse("login"), {"login": username, "password": PASSWORD})


def enrol(client) -> str:
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": now_code(secret)})
    assert response.status_code == 302
    return secret


@pytest.mark.parametrize("username", ["county", "township_a"])
def test_county_and_township_admins_must_enrol_at_first_sign_in(cast, username):
    client = Client()
    password_login(client, username)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    enrol(client)
    assert client.get(reverse("home")).status_code == 200
    assert Authenticator.objects.filter(user=cast.users[username], type=Authenticator.Type.TOTP).exists()


def test_right_after_enrolling_the_admin_sees_their_recovery_codes_without_a_password_prompt(cast):
    client = Client()
    password_login(client, "township_a")
    enrol(client)
    page = client.get(reverse("mfa_view_recovery_codes"))
    assert page.status_code == 200
    codes = RecoveryCodes(Authenticator.objects.get(type="recovery_codes")).get_unused_codes()
    assert codes[0] in page.content.decode()
    client.get(reverse("home"))  # any other page ends the enrolment grace
    assert client.get(reverse("mfa_view_recovery_codes"))["Location"].startswith(
        reverse("account_reauthenticate")
    )


@pytest.mark.parametrize("username", ["instructor", "trainee"])
def test_instructors_and_members_need_not_enrol(cast, username):
    client = Client()
    password_login(client, username)
    assert client.get(reverse("home")).status_code == 200


def test_an_enrolled_admin_gives_a_code_at_each_sign_in(cast):
    client = Client()
    password_login(client, "township_a")
    secret = enrol(client)
    client.post(reverse("logout"))
    client = Client()
    response = password_login(client, "township_a")
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("home")).status_code == 302  # not signed in yet
    page = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert page.status_code == 200 and client.get(reverse("home")).status_code == 302
    client.post(reverse("mfa_authenticate"), {"code": now_code(secret)})
    assert client.get(reverse("home")).status_code == 200


def test_a_recovery_code_signs_in_once(cast):
    client = Client()
    password_login(client, "county")
    enrol(client)
    codes = RecoveryCodes(Authenticator.objects.get(type="recovery_codes")).get_unused_codes()
    client.post(reverse("logout"))
    first = Client()
    password_login(first, "county")
    first.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert first.get(reverse("home")).status_code == 200
    again = Client()
    password_login(again, "county")
    again.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert again.get(reverse("home")).status_code == 302


def test_county_resets_a_staff_members_second_factor_audited(cast, client_as):
    township = Client()
    password_login(township, "township_a")
    enrol(township)
    target = cast.users["township_a"]
    response = client_as("county").post(reverse("accounts:reset-second-factor", args=[target.pk]))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=target).exists()
    assert township.get(reverse("home")).status_code == 302  # their sessions ended
    entry = AuditEntry.objects.get(
        action=AuditAction.UPDATE, model_label="auth.User", object_pk=str(target.pk)
    )
    assert entry.actor == cast.users["county"]
    assert "second_factor" in entry.changes
    again = Client()
    password_login(again, "township_a")
    assert again.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")


def test_the_security_admin_may_reset_too_and_a_township_admin_may_not(cast, client):
    target = cast.users["instructor"]
    client.force_login(cast.users["township_a"])
    assert client.post(reverse("accounts:reset-second-factor", args=[target.pk])).status_code == 403
    client.force_login(cast.users["secadmin"])
    assert client.post(reverse("accounts:reset-second-factor", args=[target.pk])).status_code == 302


def test_a_members_second_factor_is_not_staffs_to_reset(cast, client_as):
    trainee = cast.users["trainee"]
    assert (
        client_as("county").post(reverse("accounts:reset-second-factor", args=[trainee.pk])).status_code
        == 404
    )


@override_settings(DEBUG=False, MFA_DEMO_SKIP_USERNAMES=["county"])
def test_the_demo_skip_list_is_ignored_when_debug_is_off(cast):
    assert demo_skip_usernames() == frozenset()
    assert second_factor_required(cast.users["county"])
    client = Client()
    password_login(client, "county")
    assert client.get(reverse("home")).status_code == 302


@override_settings(DEBUG=True, MFA_DEMO_SKIP_USERNAMES=["county"])
def test_the_demo_staff_skip_enrolment_in_the_embedded_default(cast):
    assert not second_factor_required(cast.users["county"])
    assert second_factor_required(cast.users["township_a"])


def test_the_code_fields_bring_up_the_number_pad_and_offer_the_code(cast):
    """On a phone the enrolment and sign-in code fields open the number pad and autofill."""
    client = Client()
    password_login(client, "township_a")
    enrol_page = client.get(reverse("mfa_activate_totp")).content.decode()
    secret = enrol(client)
    client.post(reverse("logout"))
    client = Client()
    password_login(client, "township_a")
    code_page = client.get(reverse("mfa_authenticate")).content.decode()
    for page in (enrol_page, code_page):
        field = re.search(r'<input[^>]*name="code"[^>]*>', page).group()
        assert 'inputmode="numeric"' in field and 'autocomplete="one-time-code"' in field
        assert 'class="' in field and "form-control" in field  # drawn like the portal's other forms
    assert secret
