"""Member sign-in by roster number + SMS code: the limits, the neutral message, bad input."""

import datetime
import logging
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from core.roles import Role, role_of
from notifications.sms import MemorySmsBackend
from tests.factories import MemberFactory
from trainees.models import Member

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
NEUTRAL = "如该手机号已登记在党员名册中，验证码已发送，5分钟内有效。"


@pytest.fixture
def member(cast):
    return MemberFactory(branch=cast.branch_a, name="名册党员", phone=PHONE)


def request_code(client, phone=PHONE, ip="10.1.1.1", **extra):
    return client.post(
        reverse("account_request_login_code"), {"phone": phone, **extra}, REMOTE_ADDR=ip, follow=True
    )


def sent_code(phone=PHONE) -> str:
    texts = [text for to, text in MemorySmsBackend.outbox if to == phone]
    assert texts, "no code was sent"
    return re.search(r"\d{6}", texts[-1]).group()


def enter_code(client, code, ip="10.1.1.1"):
    return client.post(reverse("account_confirm_login_code"), {"code": code}, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_a_rostered_member_signs_in_with_number_and_code_and_sees_my_learning(member):
    client = Client()
    page = request_code(client)
    assert NEUTRAL in page.text
    assert len(MemorySmsBackend.outbox) == 1
    response = enter_code(client, sent_code())
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert "我的学习" in home.text
    member.refresh_from_db()
    assert member.user is not None and role_of(member.user) == Role.TRAINEE
    assert not member.user.has_usable_password()


def test_the_same_account_is_used_the_next_time(member):
    start = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
    for minutes in (0, 2):
        with time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False):
            client = Client()
            request_code(client)
            enter_code(client, sent_code())
            assert signed_in(client)
    member.refresh_from_db()
    assert get_user_model().objects.filter(username=f"member{member.pk}").count() == 1


def test_the_page_says_the_same_for_a_number_not_on_file(member):
    known, unknown = request_code(Client()), request_code(Client(), phone="13700000000")
    assert NEUTRAL in known.text and NEUTRAL in unknown.text
    assert [to for to, _ in MemorySmsBackend.outbox] == [PHONE]
    assert known.redirect_chain == unknown.redirect_chain


def test_inputs_follow_phone_conventions(member):
    page = Client().get(reverse("account_request_login_code")).text
    assert re.search(r'<input[^>]*type="tel"[^>]*name="phone"|name="phone"[^>]*type="tel"', page)
    assert 'autocomplete="tel"' in page and 'inputmode="numeric"' in page
    client = Client()
    request_code(client)
    confirm = client.get(reverse("account_confirm_login_code")).text
    assert 'autocomplete="one-time-code"' in confirm and 'inputmode="numeric"' in confirm
    login_page = Client().get(reverse("login")).text
    assert "手机验证码登录" in login_page


def test_a_code_lives_five_minutes(member):
    client = Client()
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        request_code(client)
        code = sent_code()
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 5, 30, tzinfo=datetime.UTC), tick=False):
        enter_code(client, code)
        assert not signed_in(client)


def test_a_code_works_within_five_minutes(member):
    client = Client()
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        request_code(client)
        code = sent_code()
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 4, 30, tzinfo=datetime.UTC), tick=False):
        enter_code(client, code)
        assert signed_in(client)


def test_a_code_is_used_once(member):
    client = Client()
    request_code(client)
    code = sent_code()
    enter_code(client, code)
    assert signed_in(client)
    client.post(reverse("logout"))
    assert not signed_in(client)
    response = enter_code(client, code)
    assert response.status_code == 302 and not signed_in(client)


def test_five_wrong_tries_void_the_code(member):
    client = Client()
    request_code(client)
    code = sent_code()
    wrong = "000000" if code != "000000" else "111111"
    for _attempt in range(4):
        page = enter_code(client, wrong)
        assert page.status_code == 200
        assert "验证码不正确或已失效" in page.text
    enter_code(client, wrong)  # the fifth
    enter_code(client, code)
    assert not signed_in(client)


def test_the_right_code_after_four_wrong_tries_still_works(member):
    client = Client()
    request_code(client)
    code = sent_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        enter_code(client, wrong)
    enter_code(client, code)
    assert signed_in(client)


def test_a_new_code_no_sooner_than_sixty_seconds(member):
    start = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        request_code(Client())
    with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
        page = request_code(Client())
        assert "获取验证码过于频繁" in page.text
    assert len(MemorySmsBackend.outbox) == 1
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        request_code(Client())
    assert len(MemorySmsBackend.outbox) == 2


def test_at_most_ten_codes_a_day_per_number(member):
    start = datetime.datetime(2026, 12, 1, 0, 30, tzinfo=datetime.UTC)
    for i in range(11):
        with time_machine.travel(start + datetime.timedelta(minutes=2 * i), tick=False):
            request_code(Client(), ip=f"10.2.0.{i}")
    assert len(MemorySmsBackend.outbox) == 10
    with time_machine.travel(start + datetime.timedelta(days=1, minutes=1), tick=False):
        request_code(Client())
    assert len(MemorySmsBackend.outbox) == 11


def test_an_hourly_cap_per_address(cast, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "request_login_code": "1/60s/key,10/1d/key,3/1h/ip",
    }
    phones = [f"1380000000{i}" for i in range(5)]
    for phone in phones:
        MemberFactory(branch=cast.branch_a, phone=phone)
    pages = [request_code(Client(), phone=phone, ip="10.3.3.3") for phone in phones[:4]]
    assert len(MemorySmsBackend.outbox) == 3
    assert "获取验证码过于频繁" in pages[3].text
    request_code(Client(), phone=phones[4], ip="10.3.3.4")  # another address is not held back
    assert len(MemorySmsBackend.outbox) == 4


def test_a_code_for_another_number_does_not_sign_in(member, cast):
    MemberFactory(branch=cast.branch_a, phone="13812340000")
    mine, theirs = Client(), Client()
    request_code(mine)
    request_code(theirs, phone="13812340000")
    enter_code(mine, sent_code("13812340000"))
    assert not signed_in(mine)


@pytest.mark.parametrize("typed", ["0534-5512345", "12345", "1391234567", "abcdefghijk", "23912345678"])
def test_a_landline_or_malformed_number_is_refused_in_chinese(member, typed):
    users = get_user_model().objects.count()
    page = request_code(Client(), phone=typed)
    assert "请输入以1开头的11位手机号码" in page.text
    assert MemorySmsBackend.outbox == []
    assert get_user_model().objects.count() == users


@pytest.mark.parametrize(
    "change", [{"is_active": False}, {"status": Member.Status.SUSPENDED}], ids=["left", "suspended"]
)
def test_an_inactive_member_cannot_sign_in(member, change):
    Member.objects.filter(pk=member.pk).update(**change)
    users = get_user_model().objects.count()
    client = Client()
    page = request_code(client)
    assert NEUTRAL in page.text  # the same sentence: no hint whether the number is on file
    assert MemorySmsBackend.outbox == []
    assert get_user_model().objects.count() == users
    assert not signed_in(client)


def test_a_member_whose_login_was_deactivated_cannot_sign_in(member):
    client = Client()
    request_code(client)
    enter_code(client, sent_code())
    member.refresh_from_db()
    member.user.is_active = False
    member.user.save()
    MemorySmsBackend.outbox.clear()
    with time_machine.travel(datetime.timedelta(minutes=2)):
        request_code(Client())
    assert MemorySmsBackend.outbox == []


def test_nothing_logged_holds_the_code_or_the_full_number(member, caplog):
    caplog.set_level(logging.DEBUG)
    client = Client()
    request_code(client)
    code = sent_code()
    enter_code(client, "000000" if code != "000000" else "111111")
    enter_code(client, code)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert code not in logged
    assert PHONE not in logged
    assert "139****5678" in logged


def test_the_session_holds_only_the_codes_hash(member):
    client = Client()
    request_code(client)
    code = sent_code()
    stored = str(dict(client.session))
    assert code not in stored and PHONE[-4:] in stored  # the stage keeps the number, not the code


def test_without_remember_me_the_session_ends_with_the_browser(member):
    client = Client()
    request_code(client)
    enter_code(client, sent_code())
    client.get(reverse("home"))
    cookie = client.cookies["sessionid"]
    assert not cookie["expires"] and not cookie["max-age"]


def test_remember_me_keeps_the_member_signed_in_on_their_phone(member):
    client = Client()
    request_code(client, remember="on")
    enter_code(client, sent_code())
    client.get(reverse("home"))
    assert client.cookies["sessionid"]["max-age"]
    with time_machine.travel(datetime.timedelta(days=6)):
        assert signed_in(client)


def test_a_member_confirms_who_they_are_with_a_fresh_code_shown_masked(member):
    start = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
    client = Client()
    with time_machine.travel(start, tick=False):
        request_code(client)
        enter_code(client, sent_code())
    with time_machine.travel(start + datetime.timedelta(minutes=2), tick=False):
        page = client.get(reverse("account_request_reauthentication_code"))
        assert "139****5678" in page.text and PHONE not in page.text
        response = client.post(reverse("account_request_reauthentication_code"), {"recipient": "0"})
        assert response["Location"].startswith(reverse("account_confirm_reauthentication_code"))
        assert len(MemorySmsBackend.outbox) == 2
        done = client.post(reverse("account_confirm_reauthentication_code"), {"code": sent_code()})
        assert done.status_code == 302
        assert not done["Location"].startswith(reverse("account_confirm_reauthentication_code"))


def test_a_member_who_left_cannot_sign_in_with_a_password_either(member):
    client = Client()
    request_code(client)
    enter_code(client, sent_code())
    member.refresh_from_db()
    member.user.set_password("Xinmima2026ok")
    member.user.save()
    Member.objects.filter(pk=member.pk).update(is_active=False)
    other = Client()
    response = other.post(
        reverse("login"), {"login": member.user.username, "password": "Xinmima2026ok"}, follow=True
    )
    assert "不能登录" in response.text
    assert not signed_in(other)
