"""A county user creates a township admin; the admin sets a password by the SMS link,
enrols an authenticator, signs out and signs in again with password + code (issue 15)."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from notifications.sms import MemorySmsBackend
from trainees.models import Township

from .conftest import DEMO_PASSWORD, DESKTOP, check_page

pytestmark = pytest.mark.e2e

NUMBER = "13912345678"
PASSWORD = "Xiangzhen-2026-mima"
PERIOD = 30


def totp_code(secret: str, step: int) -> str:
    return format_hotp_value(hotp_value(secret, step))


def current_step() -> int:
    return int(time.time()) // PERIOD


def step_after(used: int) -> int:
    """A time step later than ``used``: allauth refuses a code used once within its period."""
    while (step := current_step()) <= used:
        time.sleep(PERIOD - time.time() % PERIOD + 0.2)
    return step


def new_context(browser, live_server):
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESKTOP, base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def password_sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#login-form [name=login]", username)
    page.fill("#login-form [name=password]", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()


def give_code(page, code: str) -> None:
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    check_page(page, "staff-onboarding-code")
    page.fill("[name=code]", code)
    page.locator("form:has([name=code]) button[type=submit]").first.click()
    page.wait_for_load_state()


def test_a_county_user_onboards_a_township_admin_who_signs_in_with_password_and_code(
    browser, live_server, demo, settings
):
    # The live server runs in this process: the memory backend's outbox is the admin's phone,
    # and the second factor is required of county and township staff as in production.
    settings.SMS_BACKEND = "notifications.sms.MemorySmsBackend"
    settings.MFA_REQUIRED_ROLES = ["county", "township"]
    MemorySmsBackend.outbox.clear()
    township = Township.objects.order_by("name").last()
    county = get_user_model().objects.get(username="county")
    county_secret = generate_totp_secret()
    TOTP.activate(county, county_secret)  # the county user enrolled earlier

    # County staff sign in with password + code and create the township admin.
    county_context, page = new_context(browser, live_server)
    password_sign_in(page, "county", DEMO_PASSWORD)
    give_code(page, totp_code(county_secret, current_step()))
    expect(page.locator("h1")).to_have_text("县级工作台")
    page.get_by_role("button", name="系统").click()
    page.get_by_role("link", name="工作人员账号").click()
    expect(page.locator("h1")).to_have_text("工作人员账号")
    check_page(page, "staff-list")
    page.get_by_role("link", name="新建账号").click()
    expect(page.locator("h1")).to_have_text("新建账号")
    check_page(page, "staff-create")
    page.get_by_label("登录账号").fill("xz_admin")
    page.get_by_label("姓名").fill("新乡镇管理员")
    page.get_by_label("手机号码").fill(NUMBER)
    page.get_by_label("角色").select_option(label="乡镇党校管理员")
    page.get_by_label("所属乡镇（街道）").select_option(label=township.name)
    expect(page.get_by_label("保存后发送设置密码短信")).to_be_checked()
    page.get_by_role("button", name="保存", exact=True).click()

    expect(page.locator("h1")).to_have_text("编辑账号：xz_admin")
    expect(page.get_by_text("已向 139****5678 发送设置密码短信")).to_be_visible()
    check_page(page, "staff-created")
    (to, text), *_ = MemorySmsBackend.outbox
    assert to == NUMBER
    link = re.search(r"https?://\S+/set-password/\S+", text).group().rstrip("。，")
    county_context.close()

    # The township admin opens the link on their own device and sets a password.
    context, page = new_context(browser, live_server)
    page.goto(link)
    expect(page.locator("h1")).to_have_text("设置登录密码")
    check_page(page, "staff-set-password")
    page.fill("[name=new_password1]", PASSWORD)
    page.fill("[name=new_password2]", PASSWORD)
    page.get_by_role("button", name="设置密码").click()
    expect(page.locator("h1")).to_have_text("登录月训工程平台")
    expect(page.get_by_text("密码已设置。请用登录账号 xz_admin 和新密码登录。")).to_be_visible()
    page.goto(link)  # the link works once
    expect(page.locator("h1")).to_have_text("链接无效或已过期")

    # First sign-in: straight to enrolling an authenticator app.
    password_sign_in(page, "xz_admin", PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    check_page(page, "staff-enrol-totp")
    secret = page.locator("#authenticator_secret").input_value()
    enrolled_at = current_step()
    page.fill("[name=code]", totp_code(secret, enrolled_at))
    page.locator("form:has([name=code]) button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    check_page(page, "staff-recovery-codes")
    expect(page.locator("#recovery_codes")).not_to_be_empty()
    page.locator(".portal-brand").click()
    expect(page.locator("h1")).to_have_text(township.party_school)
    page.locator(".portal-tools").get_by_role("button", name="退出").click()
    expect(page.locator("h1")).to_have_text("登录月训工程平台")

    # Next sign-in: password, then a fresh code from the app, then the township home.
    password_sign_in(page, "xz_admin", PASSWORD)
    give_code(page, totp_code(secret, step_after(enrolled_at)))
    expect(page.locator("h1")).to_have_text(township.party_school)
    check_page(page, "staff-onboarded-home")
    context.close()
