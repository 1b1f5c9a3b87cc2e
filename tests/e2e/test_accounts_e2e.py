"""A member from an imported roster signs in on a phone with number + SMS code: no staff step."""

import os
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from notifications.sms import MemorySmsBackend
from tests.rosters import roster_row, xlsx_bytes
from trainees.models import Branch, Member

from .conftest import PHONE, check_page

pytestmark = pytest.mark.e2e

NUMBER = "13987654321"


def test_an_imported_member_signs_in_by_sms_code_on_a_360px_phone(
    browser, live_server, demo, tmp_path, settings
):
    # The live server runs in this process: the memory backend's outbox is the member's phone.
    settings.SMS_BACKEND = "notifications.sms.MemorySmsBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    MemorySmsBackend.outbox.clear()
    branch = Branch.objects.order_by("name").first()
    roster = tmp_path / "名册.xlsx"
    roster.write_bytes(xlsx_bytes([roster_row(901, branch.name, 姓名="手机登录党员", 联系电话=NUMBER)]))
    call_command("import_members", str(roster), stdout=open(os.devnull, "w"))
    member = Member.objects.get(phone=NUMBER)
    assert member.user is None  # nobody made an account for them

    context = browser.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto("/accounts/login/")
    check_page(page, "login-phone")
    page.get_by_role("link", name="手机验证码登录").click()
    phone_box = page.get_by_label("手机号")
    assert phone_box.get_attribute("type") == "tel"
    assert phone_box.get_attribute("autocomplete") == "tel"
    assert phone_box.get_attribute("inputmode") == "numeric"
    phone_box.fill(NUMBER)
    check_page(page, "login-code-request")
    page.get_by_role("button", name="获取验证码").click()

    expect(page.locator("h1")).to_have_text("输入短信验证码")
    expect(page.get_by_text("如该手机号已登记在党员名册中，验证码已发送")).to_be_visible()
    check_page(page, "login-code-confirm")
    (to, text), *_ = MemorySmsBackend.outbox
    assert to == NUMBER
    code_box = page.get_by_label("短信验证码")
    assert code_box.get_attribute("autocomplete") == "one-time-code"
    code_box.fill(re.search(r"\d{6}", text).group())
    page.get_by_role("button", name="登录").click()

    expect(page.locator("h1")).to_have_text("我的学习")
    check_page(page, "login-code-home")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    member.refresh_from_db()
    assert member.user is not None
    context.close()
