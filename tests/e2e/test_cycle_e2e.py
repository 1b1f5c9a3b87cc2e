"""The monthly cycle end to end: a township admin runs a session, a trainee signs up and checks in by QR."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from trainees.models import Member

from .conftest import check_page

pytestmark = pytest.mark.e2e


def test_a_session_from_creation_to_a_held_cell_on_the_county_heatmap(page_for, visit):
    trainee = Member.objects.select_related("branch__township").get(user__username="trainee")
    township = trainee.branch.township
    start = timezone.localtime() + datetime.timedelta(minutes=10)

    admin = page_for("township1")
    visit(admin, "/courses/sessions/new/", "cycle-session-form")
    form = admin.locator("#session-form")
    form.locator("[name=title]").fill("端到端测试：学习全会精神")
    form.locator("[name=starts_at]").fill(start.strftime("%Y-%m-%dT%H:%M"))
    form.locator("[name=ends_at]").fill((start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    form.locator("[name=hours]").fill("3.0")
    form.locator("[name=capacity]").fill("40")
    form.locator("[name=open_signup]").check()
    form.locator(f"[name=audience_branches][value='{trainee.branch_id}']").check()
    form.locator("button[type=submit]").click()
    expect(admin.locator("#session-status")).to_have_text("草稿")
    admin.get_by_role("button", name="发布").click()
    expect(admin.locator("#session-status")).to_have_text("已发布")
    session_url = admin.url
    check_page(admin, "cycle-session-detail")

    phone = page_for("trainee", phone=True)
    visit(phone, "/courses/my/schedule/", "cycle-my-schedule-phone")
    card = phone.locator(".card", has_text="端到端测试：学习全会精神")
    card.get_by_role("button", name="报名").click()
    expect(phone.locator(".alert-success")).to_contain_text("报名成功")

    admin.get_by_role("button", name="一键邀请参训对象").click()
    expect(admin.locator(".alert-success")).to_contain_text("已邀请参训对象")
    visit(admin, session_url.replace(admin.url.split("/courses/")[0], "") + "projector/", "cycle-projector")
    checkin_url = admin.locator("#checkin-link").get_attribute("href")

    phone.goto(checkin_url)
    check_page(phone, "cycle-checkin-phone")
    phone.locator("#checkin-button").click()
    expect(phone.locator("#checkin-result")).to_contain_text("签到成功")
    visit(phone, "/courses/my/hours/", "cycle-my-hours-phone")
    expect(phone.locator("main")).to_contain_text("端到端测试：学习全会精神")
    expect(phone.locator("main table").first).to_contain_text("3.0")

    admin.goto(session_url)
    admin.get_by_role("button", name="标记为已举办").click()
    expect(admin.locator("#session-status")).to_have_text("已举办")
    admin.get_by_role("button", name="结束培训（未登记者记缺勤）").click()
    expect(admin.locator("#session-status")).to_have_text("已结束")

    county = page_for("county")
    visit(county, "/courses/heatmap/", "cycle-heatmap")
    cell = county.locator(f"#heatmap td[data-township='{township.pk}'][data-month='{start.month}']")
    expect(cell).to_have_attribute("data-status", "held")
    expect(cell).to_contain_text("已举办")
