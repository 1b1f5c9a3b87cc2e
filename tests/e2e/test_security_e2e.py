"""The Content-Security-Policy breaks nothing, and the reveal action works in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import check_page

pytestmark = pytest.mark.e2e


def collect_csp_violations(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return violations


def test_pages_run_under_the_csp_without_violations(page_for, visit):
    page = page_for("county")
    violations = collect_csp_violations(page)
    page.reload()
    check_page(page)
    # The dashboard's charts are drawn by vendored scripts with data from JSON blocks.
    expect(page.locator("canvas[data-chart]").first).to_be_visible()
    visit(page, "/org/members/")
    auditor = page_for("auditor")  # the audit log is the security auditor's (三员分立)
    auditor_violations = collect_csp_violations(auditor)
    visit(auditor, "/audit/")
    assert not violations, violations
    assert not auditor_violations, auditor_violations


def test_the_browser_refuses_injected_inline_script(page_for):
    page = page_for("county")
    violations = collect_csp_violations(page)
    page.evaluate(
        """() => {
            const s = document.createElement("script");
            s.textContent = "window.injected = true";
            document.body.appendChild(s);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.injected") is None
    assert violations, "the browser reported no CSP violation for an inline script"


def test_county_staff_reveal_a_members_numbers_once(page_for, visit):
    page = page_for("county")
    visit(page, "/org/members/")
    page.locator("tbody tr a").first.click()
    page.wait_for_load_state()
    id_cell = page.locator("dd.font-monospace").first
    assert re.fullmatch(r"\d{4}\*{10}[\dX]{4}", id_cell.inner_text())
    page.click("#reveal-form button[type=submit]")
    page.wait_for_load_state()
    check_page(page)
    assert re.fullmatch(r"\d{17}[\dX]", page.locator("dd.font-monospace").first.inner_text())
    expect(page.get_by_role("status")).to_contain_text("审计日志")
    auditor = page_for("auditor")
    visit(auditor, "/audit/?action=reveal")
    expect(auditor.locator("tbody tr")).to_have_count(1)


def test_the_lockout_page_is_chinese_and_accessible(browser, live_server, demo):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    for _ in range(5):
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#login-form [name=login]", "township2")
        page.fill("#login-form [name=password]", "wrong-password-1")
        page.click("#login-form button[type=submit]")
        page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("账号已临时锁定")
    check_page(page)
    context.close()
