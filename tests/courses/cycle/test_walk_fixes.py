"""Smaller fixes from walking the portal as each role: forms that fold, tick lists, prefills, flags."""

import datetime

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from courses.forms import StageChangeForm
from courses.models import MonthlyPlan, Session
from tests.cycle_fixtures import live_session
from tests.factories_courses import CourseRequestFactory, InstructorFactory, ThemeFactory
from tests.html_parse import elements

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", [Session.Status.DRAFT, Session.Status.PUBLISHED])
def test_the_cancel_form_is_folded_until_asked_for(client_as, cast, status):
    session = live_session(cast.township_a, status=status)
    page = client_as("township_a").get(session.get_absolute_url()).text
    details = elements(page, "details", id="cancel-session")
    assert details and "open" not in details[0]
    fold = page.split('id="cancel-session"')[1].split("</details>")[0]
    assert "<summary" in fold and 'name="reason"' in fold
    assert reverse("courses:session-cancel", args=[session.pk]) in fold


def test_instructor_and_branch_pickers_are_tick_boxes_not_ctrl_click_lists(client_as, cast):
    InstructorFactory(name="李老师", township=cast.township_a)
    page = client_as("township_a").get(reverse("courses:session-create")).text
    assert not elements(page, "select", name="instructors")
    assert not elements(page, "select", name="audience_branches")
    assert elements(page, "input", type="checkbox", name="instructors")
    assert elements(page, "input", type="checkbox", name="audience_branches", value=str(cast.branch_a.pk))
    assert "multiple" not in "".join(str(e) for e in elements(page, "select"))
    plan = MonthlyPlan.objects.create(township=cast.township_a, month=datetime.date(2026, 6, 1))
    prep = client_as("township_a").get(reverse("courses:plan-detail", args=[plan.pk])).text
    assert not elements(prep, "select", name="instructors")
    assert elements(prep, "input", type="checkbox", name="instructors")
    stage = StageChangeForm(targets=["standard"])
    assert stage["instructors"].field.widget.input_type == "checkbox"


def test_a_session_chosen_by_ticking_a_branch_is_saved(client_as, cast):
    start = timezone.localtime() + datetime.timedelta(days=3)
    response = client_as("township_a").post(
        reverse("courses:session-create"),
        {
            "title": "勾选支部",
            "kind": "monthly",
            "venue_kind": "classroom",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "hours": "2.0",
            "audience_branches": [str(cast.branch_a.pk)],
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert list(Session.objects.get(title="勾选支部").audience_branches.all()) == [cast.branch_a]


def test_a_months_plan_has_a_new_session_button_prefilled_with_that_month(client_as, cast):
    ThemeFactory(year=2027, month=3, title="三月主题")
    plan = MonthlyPlan.objects.create(township=cast.township_a, month=datetime.date(2027, 3, 1))
    page = client_as("township_a").get(reverse("courses:plan-detail", args=[plan.pk])).text
    button = elements(page, "a", id="plan-new-session")
    assert button and button[0]["href"].startswith(reverse("courses:session-create") + "?month=2027-03")
    form = client_as("township_a").get(button[0]["href"]).text
    starts = elements(form, "input", name="starts_at")[0]
    assert starts["value"].startswith("2027-03-01T09:00")
    assert elements(form, "input", name="ends_at")[0]["value"].startswith("2027-03-01T11:00")
    theme = [o for o in elements(form, "option") if "selected" in o]
    assert any(o["value"] for o in theme)


def test_a_bad_month_prefills_nothing_and_is_no_error(client_as):
    response = client_as("township_a").get(reverse("courses:session-create"), {"month": "2027-13"})
    assert response.status_code == 200
    assert elements(response.text, "input", name="starts_at")[0].get("value", "") == ""


def test_a_delivery_request_past_its_month_is_flagged_until_delivered(client_as, cast):
    this_month = timezone.localdate().replace(day=1)
    past = CourseRequestFactory(
        township=cast.township_a,
        requested_by=cast.users["township_a"],
        preferred_month=(this_month - datetime.timedelta(days=1)).replace(day=1),
    )
    current = CourseRequestFactory(
        township=cast.township_a, requested_by=cast.users["township_a"], preferred_month=this_month
    )
    done = CourseRequestFactory(
        township=cast.township_a,
        requested_by=cast.users["township_a"],
        preferred_month=datetime.date(2020, 1, 1),
        status="delivered",
    )
    listing = client_as("township_a").get(reverse("courses:request-list")).text
    rows = {r.pk: listing.split(r.get_absolute_url())[1].split("</tr>")[0] for r in (past, current, done)}
    assert "已逾期" in rows[past.pk]
    assert "已逾期" not in rows[current.pk] and "已逾期" not in rows[done.pk]
    detail = client_as("township_a").get(past.get_absolute_url()).text
    assert elements(detail, "span", id="request-overdue")
    assert not elements(
        client_as("township_a").get(current.get_absolute_url()).text, "span", id="request-overdue"
    )


def test_every_page_links_a_favicon_that_exists(client_as):
    page = client_as("township_a").get(reverse("home")).text
    icons = [link for link in elements(page, "link") if link.get("rel") == "icon"]
    assert icons and icons[0]["href"].endswith("favicon.svg")
    assert finders.find("favicon.svg")
    login = elements(client_as("township_a").get(reverse("login")).text, "link", rel="icon")
    assert login


def test_the_projector_uses_valid_htmx_attributes_and_no_inline_indicator_style(client_as, cast):
    session = live_session(cast.township_a)
    page = client_as("township_a").get(reverse("courses:session-projector", args=[session.pk])).text
    block = elements(page, "div", id="qr-block")[0]
    assert {"data-hx-get", "data-hx-trigger", "data-hx-swap", "data-hx-select"} <= set(block)
    assert not [name for name in block if name.startswith("hx-")]
    config = elements(page, "meta", name="htmx-config")
    assert config and '"includeIndicatorStyles": false' in config[0]["content"]
    css = open(finders.find("css/portal.css"), encoding="utf-8").read()
    assert ".htmx-indicator" in css
