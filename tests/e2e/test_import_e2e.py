"""A township admin uploads a roster, checks the preview, confirms, and finds the members."""

import pytest
from playwright.sync_api import expect

from tests.rosters import roster_row, xlsx_bytes
from trainees.models import Branch, Member

from .conftest import check_page

pytestmark = pytest.mark.e2e


def test_a_township_admin_imports_a_roster_through_the_browser(page_for, visit, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    branch = Branch.objects.filter(township__name="宁城街道").order_by("name").first()
    roster = tmp_path / "宁城街道党员名册.xlsx"
    roster.write_bytes(xlsx_bytes([roster_row(n, branch.name, 姓名=f"浏览器导入{n}") for n in range(1, 4)]))

    page = page_for("township1")
    visit(page, "/org/members/")
    with page.expect_navigation():
        page.get_by_role("link", name="导入名册").click()
    check_page(page, "member-import")
    page.get_by_label("名册文件").set_input_files(str(roster))
    page.get_by_role("button", name="上传并预览").click()

    expect(page.locator("h1")).to_have_text("名册导入预览")
    expect(page.locator("[data-count=created]")).to_have_text("3")
    expect(page.locator("[data-count=invalid]")).to_have_text("0")
    check_page(page, "member-import-preview")
    assert not Member.objects.filter(name__startswith="浏览器导入").exists()

    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_role("status").first).to_contain_text("导入完成：新增 3 人")
    expect(page.locator("#import-status")).to_have_text("已导入")

    visit(page, "/org/members/?q=浏览器导入")
    expect(page.locator("tbody tr")).to_have_count(3)
    expect(page.locator("tbody")).to_contain_text(branch.name)


def test_an_invalid_roster_shows_its_rows_and_cannot_be_confirmed(page_for, visit, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    roster = tmp_path / "名册.xlsx"
    roster.write_bytes(xlsx_bytes([roster_row(1, "不存在的党支部", 姓名="错误行")]))

    page = page_for("township1")
    visit(page, "/org/members/import/")
    page.get_by_label("名册文件").set_input_files(str(roster))
    page.get_by_role("button", name="上传并预览").click()

    expect(page.locator("#import-errors")).to_contain_text("第 3 行")
    expect(page.locator("#import-errors")).to_contain_text("找不到党支部“不存在的党支部”")
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    check_page(page, "member-import-errors")
