"""Browser tests: Playwright driving Debian's Chromium against the live server.

Every page a test visits goes through :func:`visit` or :func:`check_page`, which
run axe-core (vendored from npm) and fail on serious or critical violations.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = "/usr/bin/chromium"
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
SCREENSHOTS = Path(__file__).parent / "screenshots"
DEMO_PASSWORD = "Ningjin2026demo"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def playwright():
    """One Playwright driver for the whole run: a second sync driver cannot start inside the first."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install -y chromium); run make test-e2e")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )
    yield browser
    browser.close()


@pytest.fixture
def demo(transactional_db):
    """A small demo county with the fixed demo logins."""
    call_command("seed_demo", members=60, stdout=open(os.devnull, "w"))


def check_a11y(page) -> None:
    """Fail on serious or critical axe-core violations on the current page."""
    page.evaluate(AXE_SOURCE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    details = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}" for v in bad
    ]
    assert not bad, f"accessibility violations on {page.url}:\n" + "\n".join(details)


def check_page(page, screenshot: str | None = None) -> None:
    """The checks every visited page gets: a title, a lang, no serious axe violation."""
    page.wait_for_load_state()
    assert page.title(), f"page without a title: {page.url}"
    assert page.get_attribute("html", "lang"), f"page without lang: {page.url}"
    check_a11y(page)
    if screenshot:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{screenshot}.png"), full_page=True)


@pytest.fixture
def page_for(browser, live_server, demo):
    """``page_for("county")`` — a logged-in page; ``phone=True`` for a 360 px viewport."""
    contexts = []

    def open_page(username: str, *, phone: bool = False):
        context = browser.new_context(
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport=PHONE if phone else DESKTOP,
            is_mobile=phone,
            has_touch=phone,
            base_url=live_server.url,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto("/accounts/login/")
        page.fill("#login-form [name=login]", username)
        page.fill("#login-form [name=password]", DEMO_PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_load_state()
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def visit():
    """``visit(page, "/path/")`` — navigate and run the per-page checks."""

    def go(page, url: str, screenshot: str | None = None):
        response = page.goto(url)
        assert response is not None and response.ok, f"{url} answered {response and response.status}"
        check_page(page, screenshot)
        return page

    return go
