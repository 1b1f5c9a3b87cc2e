"""The review loop in the browser: a quarterly review and its item rectified and verified,
an annual report written, approved and downloaded as PDF."""

import datetime
import io

import openpyxl
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from .conftest import check_page

pytestmark = pytest.mark.e2e

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_review_item_rectification_and_annual_report(page_for, visit, tmp_path):
    today = datetime.date.today()
    quarter = (today.month - 1) // 3 + 1

    # County staff record this quarter's review for the city district and one improvement item.
    county = page_for("county")
    visit(county, "/evaluations/reviews/new/", "review-form")
    form = county.locator("#review-form")
    form.locator("[name=district]").select_option(label="城区片区")
    form.locator("[name=year]").fill(str(today.year))
    form.locator("[name=quarter]").select_option(str(quarter))
    form.locator("[name=held_on]").fill(today.isoformat())
    form.locator("[name=venue]").fill("县委党校第二会议室")
    form.get_by_label("宁城街道（城区片区）").check()
    form.locator("[name=difficulties]").fill("集体备课记录不全")
    form.get_by_role("button", name="保存").click()
    expect(county.locator(".alert-success")).to_contain_text("已记录季度研讨")
    check_page(county, "review-detail")
    item_form = county.locator("#item-form")
    item_form.locator("[name=township]").select_option(label="宁城街道")
    item_form.locator("[name=problem]").fill("集体备课没有留存记录（演示）")
    item_form.locator("[name=owner]").fill("宁城街道党校校长")
    item_form.locator("[name=due_date]").fill((today + datetime.timedelta(days=30)).isoformat())
    item_form.locator("[name=evidence_required]").fill("集体备课记录")
    item_form.get_by_role("button", name="加入改进清单").click()
    expect(county.locator(".alert-success")).to_contain_text("已加入改进清单")
    expect(county.get_by_role("link", name="集体备课没有留存记录（演示）")).to_be_visible()

    # The township admin submits evidence with a file.
    township = page_for("township1")
    visit(township, "/evaluations/items/", "item-list-township")
    with township.expect_navigation():
        township.get_by_role("link", name="集体备课没有留存记录（演示）").click()
    check_page(township)
    evidence = tmp_path / "备课记录.pdf"
    evidence.write_bytes(PDF_BYTES)
    township.locator("#evidence-form [name=text]").fill("已建立集体备课台账，每次备课留存记录。")
    township.locator("#evidence-form [name=files]").set_input_files(str(evidence))
    township.locator("#evidence-form").get_by_role("button", name="提交整改").click()
    expect(township.locator(".alert-success")).to_contain_text("已提交整改佐证")
    expect(township.get_by_role("link", name="备课记录.pdf")).to_be_visible()
    item_url = township.url

    # County staff verify it.
    visit(county, item_url.replace(township.url.split("/evaluations/")[0], ""), "item-verify")
    county.locator("#verify-form").get_by_role("button", name="核验通过，销号").click()
    expect(county.locator(".alert-success")).to_contain_text("已核验销号")

    # The township admin writes and submits this year's annual report.
    visit(township, "/evaluations/reports/")
    with township.expect_navigation():
        township.locator("#report-start-form").get_by_role("button").click()
    check_page(township, "report-draft")
    report_form = township.locator("#report-form")
    report_form.locator("[name=capability_gains]").fill("党员调解纠纷、服务群众的本领明显增强。")
    report_form.locator("[name=problems_solved]").fill("建立集体备课台账，解决备课流于形式的问题。")
    report_form.locator("[name=next_year_plan]").fill("扩大现场教学，提高评价回收率。")
    report_form.get_by_role("button", name="保存草稿").click()
    expect(township.locator(".alert-success")).to_contain_text("已保存述职报告草稿")
    township.locator("#submit-form").get_by_role("button").click()
    expect(township.locator(".alert-success")).to_contain_text("已提交待审核")
    report_url = township.url.replace(township.url.split("/evaluations/")[0], "")

    # County staff see it in the summary, approve it and download the PDF and the summary.
    visit(county, f"/evaluations/reports/?year={today.year}", "report-summary")
    expect(county.locator("#summary-table tbody tr")).to_have_count(12)
    visit(county, report_url, "report-review")
    county.locator("#approve-form").get_by_role("button").click()
    expect(county.locator(".alert-success")).to_contain_text("审核通过")
    with county.expect_download() as download_info:
        county.locator("#pdf-link").click()
    text = "".join(p.extract_text() for p in PdfReader(download_info.value.path()).pages)
    assert "宁城街道" in text and "年度述职报告" in text
    assert "党员调解纠纷、服务群众的本领明显增强" in text
    visit(county, f"/evaluations/reports/?year={today.year}")
    with county.expect_download() as download_info:
        county.get_by_role("link", name="导出 Excel").click()
    sheet = openpyxl.load_workbook(io.BytesIO(open(download_info.value.path(), "rb").read())).active
    assert sheet.max_row == 13  # a header and one row per township

    # The closed loop of the township shows its months, items and reports.
    with township.expect_navigation():
        township.locator("main").get_by_role("link", name="培训闭环").click()
    check_page(township, "township-loop")
    expect(township.locator("#loop-month-list li")).to_have_count(12)
    expect(township.get_by_text("集体备课没有留存记录（演示）")).to_be_visible()


def _pick_first_of_each_group(page, form_selector: str) -> None:
    names = page.eval_on_selector_all(
        f"{form_selector} input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
    )
    for name in names:
        # Click the choice's label, as a finger does (the ratings are large labels over hidden radios).
        radio = page.locator(f"{form_selector} input[name={name}]").last
        page.locator(f"{form_selector} label[for='{radio.get_attribute('id')}']").click()
        expect(radio).to_be_checked()


def test_survey_answer_plan_approval_and_session_feedback(page_for, visit):
    from courses.models import Session
    from trainees.models import Member

    # A trainee answers the open needs survey on a phone.
    trainee = page_for("trainee", phone=True)
    visit(trainee, "/evaluations/surveys/", "survey-list-phone")
    with trainee.expect_navigation():
        trainee.get_by_role("link", name="填写问卷").first.click()
    check_page(trainee, "survey-answer-phone")
    _pick_first_of_each_group(trainee, "#answer-form")
    trainee.locator("#answer-form input[type=checkbox]").first.check()
    trainee.locator("#answer-form textarea").first.fill("希望多安排现场教学")
    trainee.locator("#answer-form").get_by_role("button", name="提交问卷").click()
    expect(trainee.locator(".alert-success")).to_contain_text("问卷已提交")
    expect(trainee.locator(".badge", has_text="已填写").first).to_be_visible()
    assert trainee.evaluate("document.documentElement.scrollWidth") <= 360

    # County staff close it, see the charts, generate plans and approve one.
    county = page_for("county")
    visit(county, "/evaluations/surveys/")
    county.get_by_role("link", name="2027年度培训需求征集").click()
    county.locator("#close-form").get_by_role("button").click()
    expect(county.locator(".alert-success")).to_contain_text("已结束")
    with county.expect_navigation():
        county.get_by_role("link", name="查看结果").click()
    check_page(county, "survey-results")
    expect(county.locator("canvas[data-chart]").first).to_be_visible()
    expect(county.locator("#rate-table tbody tr").first).to_be_visible()
    county.go_back()
    county.locator("#plans-form").get_by_role("button").click()
    expect(county.locator(".alert-success")).to_contain_text("分类教学计划草稿")
    with county.expect_navigation():
        county.locator("main ul.list-group a").first.click()
    check_page(county, "plan-detail")
    county.locator("#approve-plan-form").get_by_role("button").click()
    expect(county.locator(".alert-success")).to_contain_text("已审定")

    # The trainee rates the session they checked in to — once — and not one they missed.
    visit(trainee, "/evaluations/feedback/", "feedback-mine-phone")
    with trainee.expect_navigation():
        trainee.locator("#attended-sessions").get_by_role("link", name="评价").first.click()
    check_page(trainee, "feedback-form-phone")
    rate_url = trainee.url
    _pick_first_of_each_group(trainee, "#feedback-form")
    trainee.locator("#feedback-form textarea").fill("案例贴近实际")
    trainee.locator("#feedback-form").get_by_role("button", name="提交评价").click()
    expect(trainee.locator(".alert-success")).to_contain_text("评价已提交")
    trainee.goto(rate_url)
    expect(trainee.locator(".alert-info")).to_contain_text("已经评价过")
    member = Member.objects.get(user__username="trainee")
    missed = Session.objects.filter(status__in=["held", "closed"]).exclude(attendances__member=member).first()
    response = trainee.goto(f"/evaluations/feedback/sessions/{missed.pk}/")
    assert response.status == 403
