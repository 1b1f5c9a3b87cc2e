"""In the browser: building a teaching route, recording study hours, an instructor's own ratings."""

import pytest
from playwright.sync_api import expect

from .conftest import check_page

pytestmark = pytest.mark.e2e


def test_county_staff_build_a_teaching_route_from_ordered_stops(page_for, visit):
    county = page_for("county")
    visit(county, "/courses/routes/", "route-list")
    with county.expect_navigation():
        county.get_by_role("link", name="新增教学路线").click()
    check_page(county, "route-create")
    county.fill("#id_name", "三扛精神现场教学线")
    county.fill("#id_theme", "红色资源")
    county.check("#id_is_premium")
    county.fill("#id_stops-0-order", "2")
    county.select_option("#id_stops-0-base", index=1)
    county.fill("#id_stops-0-duration_hours", "1.5")
    county.fill("#id_stops-1-order", "1")
    county.select_option("#id_stops-1-base", index=2)
    county.fill("#id_stops-1-duration_hours", "2")
    county.click("main form button[type=submit]")
    county.wait_for_load_state()
    expect(county.locator("h1")).to_contain_text("三扛精神现场教学线")
    expect(county.locator("main")).to_contain_text("共 3.5 学时")
    check_page(county, "route-detail")


def test_a_route_with_duplicate_orders_is_refused_with_a_message(page_for, visit):
    county = page_for("county")
    visit(county, "/courses/routes/new/")
    county.fill("#id_name", "重复顺序的路线")
    for row in (0, 1):
        county.fill(f"#id_stops-{row}-order", "1")
        county.select_option(f"#id_stops-{row}-base", index=row + 1)
        county.fill(f"#id_stops-{row}-duration_hours", "1")
    county.click("main form button[type=submit]")
    county.wait_for_load_state()
    expect(county.get_by_role("alert")).to_contain_text("站点顺序不能重复")
    check_page(county, "route-invalid")


def test_a_township_admin_records_a_members_hours_and_a_branch_meeting(page_for, visit):
    township = page_for("township1")
    visit(township, "/courses/ledger/")
    township.locator("main table a").first.click()
    with township.expect_navigation():
        township.get_by_role("link", name="登记学时").click()
    check_page(township, "hours-member")
    township.fill("#id_hours", "2.5")
    township.select_option("#id_source", "online")
    township.fill("#id_note", "网上党校专题学习")
    township.click("main form button[type=submit]")
    township.wait_for_load_state()
    expect(township.locator("#hours-entries")).to_contain_text("网上党校专题学习")

    visit(township, "/courses/ledger/hours/", "hours-branch")
    township.select_option("#id_branch", index=1)
    township.fill("#id_hours", "1.5")
    township.fill("#id_note", "支部党员大会")
    township.click("main form button[type=submit]")
    township.wait_for_load_state()
    expect(township.get_by_role("status").first).to_contain_text("名党员登记学时")
    expect(township.locator("#hours-entries")).to_contain_text("支部党员大会")
    check_page(township)


def test_an_instructor_opens_their_own_ratings_from_their_profile(page_for, visit):
    instructor = page_for("instructor")
    visit(instructor, "/courses/instructors/")
    instructor.get_by_role("link", name="王建国").first.click()
    instructor.get_by_role("link", name="查看学员评价").click()
    instructor.wait_for_load_state()
    expect(instructor.locator("h1")).to_contain_text("学员评价")
    expect(instructor.locator("#rating-comments")).to_have_count(0)
    check_page(instructor, "instructor-ratings")
