"""The calendar subscription box on a 360 px phone: webcal link, copy button, QR, reset."""

import pytest

pytestmark = pytest.mark.e2e


def test_a_member_copies_the_calendar_link_and_resets_it(page_for, visit):
    page = page_for("trainee", phone=True)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    visit(page, "/courses/my/schedule/", screenshot="feed_subscription_phone")
    link = page.locator("#feed-url-member").input_value()
    assert "/courses/feeds/member/" in link
    assert page.locator('a[href^="webcal://"]').count() == 1

    page.get_by_role("button", name="复制链接").click()
    page.wait_for_selector('[data-copy-status="feed-url-member"]:has-text("已复制")')
    assert page.evaluate("navigator.clipboard.readText()") == link

    page.locator("summary", has_text="二维码").click()
    assert page.locator(".feed-qr svg").is_visible()

    page.get_by_role("link", name="重置订阅链接").click()
    page.get_by_role("button", name="确认重置").click()
    page.wait_for_selector("text=已重置日历订阅链接")
    assert page.locator("#feed-url-member").input_value() != link
    assert page.request.get(link).status == 404
