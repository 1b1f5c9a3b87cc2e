"""Staff reset a forgotten password with an SMS code to their phone on file; everyone may change theirs."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from notifications.sms import MemorySmsBackend

pytestmark = pytest.mark.django_db

NEW = "Xinmima2026ok"
PHONE = "13611112222"


@pytest.fixture
def staff_phone(cast):
    profile = cast.users["township_a"].portal_profile
    profile.phone = PHONE
    profile.save(update_fields=["phone"])
    return profile


def ask(client, username="township_a"):
    return client.post(reverse("accounts:password-reset"), {"username": username}, follow=True)


def confirm(client, code, password=NEW, again=None):
    return client.post(
        reverse("accounts:password-reset-confirm"),
        {"code": code, "new_password1": password, "new_password2": again or password},
    )


def the_code():
    return re.search(r"\d{6}", MemorySmsBackend.outbox[-1][1]).group()


def can_log_in(username, password):
    return Client().post(reverse("login"), {"login": username, "password": password}).status_code == 302


def test_a_staff_member_resets_their_password_with_the_sms_code(staff_phone):
    client = Client()
    page = ask(client)
    assert "如该账号登记了手机号，验证码已发送到该手机号" in page.text
    assert MemorySmsBackend.outbox[-1][0] == PHONE and "找回平台密码" in MemorySmsBackend.outbox[-1][1]
    assert confirm(client, the_code()).status_code == 302
    assert can_log_in("township_a", NEW)
    assert not can_log_in("township_a", "Test-password-2026")


def test_the_code_works_once(staff_phone):
    client = Client()
    ask(client)
    code = the_code()
    confirm(client, code)
    assert confirm(client, code, password="Another2026pw").status_code == 200
    assert not can_log_in("township_a", "Another2026pw")


def test_an_unknown_user_or_one_without_a_phone_gets_the_same_sentence_and_no_sms(staff_phone):
    for username in ("nobody", "county"):
        page = ask(Client(), username)
        assert "如该账号登记了手机号，验证码已发送到该手机号" in page.text
    assert MemorySmsBackend.outbox == []


def test_the_password_rules_speak_chinese(staff_phone):
    client = Client()
    ask(client)
    page = confirm(client, the_code(), password="onlyletterslong")
    assert "密码必须同时包含英文字母和数字。" in page.text
    assert not can_log_in("township_a", "onlyletterslong")


def test_five_wrong_codes_void_it(staff_phone):
    client = Client()
    ask(client)
    code = the_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        confirm(client, wrong)
    confirm(client, code)
    assert not can_log_in("township_a", NEW)


def test_every_signed_in_user_changes_their_password(cast, client_as):
    client = client_as("instructor")
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "Test-password-2026", "password1": NEW, "password2": NEW},
    )
    assert response.status_code == 302
    assert get_user_model().objects.get(username="instructor").check_password(NEW)


def test_a_member_without_a_password_may_set_one(cast, client):
    member_user = get_user_model().objects.create(username="member-x")
    member_user.set_unusable_password()
    member_user.save()
    client.force_login(member_user)
    assert client.get(reverse("account_set_password")).status_code == 200
    client.post(reverse("account_set_password"), {"password1": NEW, "password2": NEW})
    member_user.refresh_from_db()
    assert member_user.check_password(NEW)
