"""Courses workflows in the browser: on-demand delivery end to end, and a course to premium."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import check_page

pytestmark = pytest.mark.e2e

# instructors[0] of courses.demo, linked to the "instructor" login.
DEMO_INSTRUCTOR = "王建国"


def _submit(page, form_id):
    page.click(f"#{form_id} button[type=submit]")
    page.wait_for_load_state()


def test_a_request_goes_from_order_to_delivery_with_the_right_role_at_each_step(page_for, visit):
    township = page_for("township1")
    visit(township, "/courses/requests/new/", "request-create")
    township.select_option("#id_course", label="党章党规党纪专题")
    next_month = (timezone.localdate().replace(day=1) + datetime.timedelta(days=32)).strftime("%Y-%m")
    township.fill("#id_preferred_month", next_month)
    township.fill("#id_audience", "村两委干部")
    township.fill("#id_expected_size", "35")
    township.click("main form button[type=submit]")
    expect(township.locator("#request-status")).to_have_text("已点单")
    check_page(township, "request-ordered")
    url = re.sub(r"^https?://[^/]+", "", township.url)

    county = page_for("county")
    visit(county, url)
    county.select_option("#id_department", label="县委党校")
    county.select_option("#id_instructor", label=DEMO_INSTRUCTOR)
    _submit(county, "dispatch-form")
    expect(county.locator("#request-status")).to_have_text("已派单")

    instructor = page_for("instructor")
    visit(instructor, "/courses/requests/")
    with instructor.expect_navigation():
        instructor.locator("#waiting").get_by_role("link", name="党章党规党纪专题").first.click()
    check_page(instructor, "request-dispatched")
    _submit(instructor, "accept-form")
    expect(instructor.locator("#request-status")).to_have_text("已接单")

    visit(township, url)
    day = timezone.localdate() + datetime.timedelta(days=20)
    township.fill("#id_starts_at", f"{day:%Y-%m-%d}T09:00")
    township.fill("#id_ends_at", f"{day:%Y-%m-%d}T11:00")
    township.fill("#id_venue", "宁城街道党群服务中心")
    _submit(township, "schedule-form")
    expect(township.locator("#request-status")).to_have_text("已排课")
    expect(township.locator("main")).to_contain_text("宁城街道党群服务中心")

    visit(instructor, url)
    _submit(instructor, "deliver-form")
    expect(instructor.locator("#request-status")).to_have_text("已送教")
    check_page(instructor, "request-delivered")
    expect(instructor.locator("main table").last).to_contain_text("已接单 → 已排课")


def test_a_course_goes_from_proposed_to_premium(page_for, visit):
    county = page_for("county")
    visit(county, "/courses/new/", "course-create")
    county.fill("#id_title", "家具产业工匠精神")
    county.select_option("#id_category", "industry_furniture")
    county.fill("#id_hours", "2")
    county.click("main form button[type=submit]")
    expect(county.locator("h1")).to_contain_text("家具产业工匠精神")
    url = re.sub(r"^https?://[^/]+", "", county.url)

    def step(page, stage_label, notes=""):
        page.select_option("#id_to", label=stage_label)
        page.fill("#id_participants", "县委党校教师、组织部党员教育科")
        page.fill("#id_notes", notes)
        _submit(page, "stage-form")

    step(county, "组织点题", "结合家具产业调研提出选题")
    expect(county.locator("#course-stage")).to_have_text("组织点题")

    township = page_for("township1")
    visit(township, url)
    step(township, "基层选题", "宁城街道选定")
    expect(township.locator("#course-stage")).to_have_text("基层选题")

    visit(county, url)
    for label in ["选题研讨", "集体备课", "新课试讲", "精品课程"]:
        step(county, label)
    expect(county.locator("h1")).to_contain_text("精品课程")
    check_page(county, "course-premium")
    visit(county, "/courses/board/", "course-board")
    expect(county.locator("#stage-premium").locator("xpath=../..")).to_contain_text("家具产业工匠精神")
