"""A member's pages on a 360 px phone: status words stay whole, the header is one row before content."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from courses.models import Attendance, Session
from tests.cycle_fixtures import live_session
from tests.html_parse import elements

pytestmark = pytest.mark.django_db


def _css():
    return open(finders.find("css/portal.css"), encoding="utf-8").read()


def _rule(css: str, selector: str) -> str:
    """The declarations of every rule whose selector list names ``selector``."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
    found = [body for sel, body in rules if selector in [part.strip() for part in sel.split(",")]]
    return " ".join(found)


@pytest.fixture
def history(cast):
    session = live_session(
        cast.township_a, minutes_from_now=-60 * 48, status=Session.Status.HELD, title="党章党规党纪学习"
    )
    Attendance.objects.create(session=session, member=cast.trainee_member, status="late")
    return session


@pytest.mark.parametrize("url", ["courses:my-schedule", "courses:my-hours"])
def test_status_words_in_the_members_history_never_wrap(client_as, history, url):
    page = client_as("trainee").get(reverse(url)).text
    words = [e for e in elements(page) if "status-word" in e.get("class", "").split()]
    assert words, "the status of each attended session is marked as a word that does not wrap"
    assert "white-space: nowrap" in _rule(_css(), ".status-word")


def test_on_a_phone_the_header_is_one_row_with_the_other_tools_in_the_menu(client_as):
    page = client_as("trainee").get(reverse("home")).text
    css = _css()
    phone = css.split("@media (max-width: 575.98px)")[-1]
    # The phone row holds messages and the menu button; language, text size and sign-out are in the menu.
    assert elements(page, "div", class_="portal-tools-phone")
    assert "nowrap" in _rule(phone, ".portal-topbar")
    assert "display: none" in _rule(phone, ".portal-tools-wide")
    assert "display: flex" in _rule(phone, ".portal-tools-in-menu")
    menu = page.split('id="portal-nav"')[1].split("</nav>")[0]
    assert 'action="/accounts/logout/"' in menu or reverse("logout") in menu
    assert reverse("set_language") in menu and reverse("text-size") in menu
    toggles = elements(page, "button", data_bs_target="#portal-nav")
    assert any("portal-toggler" in t["class"].split() for t in toggles)
