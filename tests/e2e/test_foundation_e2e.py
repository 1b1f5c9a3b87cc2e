"""Each demo role logs in and sees its own dashboard, in Chinese, without accessibility faults."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import check_page

pytestmark = pytest.mark.e2e


def test_the_login_page_is_chinese_and_accessible(browser, live_server, demo):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("h1")).to_have_text("登录月训工程平台")
    check_page(page, "login")
    context.close()


def test_a_wrong_password_is_refused_in_chinese(browser, live_server, demo):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#login-form [name=login]", "county")
    page.fill("#login-form [name=password]", "wrong-password-1")
    page.click("#login-form button[type=submit]")
    expect(page.locator("#login-form")).to_contain_text("用户名或密码不正确")
    context.close()


def test_county_staff_see_the_county_dashboard_and_member_list(page_for, visit):
    page = page_for("county")
    check_page(page, "county-dashboard")
    expect(page.locator("h1")).to_have_text("县级工作台")
    expect(page.get_by_role("link", name="宁城街道").first).to_be_visible()
    visit(page, "/org/members/", "member-list")
    expect(page.locator("tbody tr")).to_have_count(25)
    # ID numbers are masked in the list.
    first_id = page.locator("tbody tr td.font-monospace").first.inner_text()
    assert re.fullmatch(r"\d{4}\*{10}[\dX]{4}", first_id)
    page.fill("[name=q]", "党支部")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url(re.compile(r"[?&]q="))
    expect(page.locator("tbody tr").first).to_be_visible()
    check_page(page)


def test_a_township_admin_sees_only_their_township(page_for, visit):
    page = page_for("township1")
    check_page(page, "township-dashboard")
    expect(page.locator("h1")).to_have_text("宁城街道党校")
    visit(page, "/org/townships/")
    expect(page.locator("tbody tr")).to_have_count(1)


def test_an_instructor_sees_the_instructor_dashboard(page_for):
    page = page_for("instructor")
    check_page(page)
    expect(page.locator("h1")).to_have_text("教师工作台")


def test_a_trainee_on_a_phone_sees_their_own_record(page_for):
    page = page_for("trainee", phone=True)
    check_page(page, "trainee-phone")
    expect(page.locator("h1")).to_have_text("我的学习")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "the trainee page must not scroll sideways on a 360 px phone"


def test_language_and_text_size_switches(page_for):
    page = page_for("county")
    page.get_by_role("button", name="大字号").first.click()
    expect(page.locator("html")).to_have_class("text-large")
    page.get_by_role("button", name="English").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    check_page(page)
