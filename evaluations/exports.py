"""Exports of the review loop: one annual report as PDF (WeasyPrint); the county summary, the
points ranking, the improvement items and a survey's answer sheets as .xlsx (core.spreadsheets)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core.spreadsheets import xlsx_bytes

from .models import ImprovementItem, SurveyAnswer, SurveyQuestion
from .selectors import METRICS


def report_pdf(report, rows: list[dict], *, base_url: str) -> bytes:
    """The report as an A4 PDF in the vendored CJK font, so Chinese is drawn even without system fonts."""
    from weasyprint import HTML  # heavy import, only when a PDF is asked for

    font = Path(finders.find("vendor/fonts/wqy-microhei.ttf")).as_uri()
    html = render_to_string(
        "evaluations/report_pdf.html", {"report": report, "rows": rows, "cjk_font_url": font}
    )
    return HTML(string=html, base_url=base_url).write_pdf()


def summary_xlsx(year: int, rows: list[dict]) -> bytes:
    """One row per township: status and every metric of its report for ``year``."""
    headers = [_("乡镇（街道）"), _("片区"), _("述职状态")] + [
        f"{label}{'（%）' if unit == '%' else ''}" for _key, label, unit in METRICS
    ]
    lines = (
        [
            row["township"].name,
            row["township"].district.name,
            row["report"].get_status_display() if row["report"] else _("未开始"),
            *(row["metrics"].get(key) for key, _label, _unit in METRICS),
        ]
        for row in rows
    )
    return xlsx_bytes(headers=headers, rows=lines, sheet_title=_("%(year)s年度述职") % {"year": year})


def performance_xlsx(township, year: int, members) -> bytes:
    """The township's member ranking for ``year``: learning, practice and points, best first."""
    headers = [
        _("名次"),
        _("姓名"),
        _("所在党支部"),
        _("认定学时"),
        _("参训场次"),
        _("培训评价"),
        _("完成实践任务"),
        _("平均群众满意度（%）"),
        _("解决问题"),
        _("积分"),
    ]
    lines = (
        [
            rank,
            m.name,
            m.branch.name,
            m.hours,
            m.sessions_n,
            m.feedback_n,
            m.tasks_n,
            m.satisfaction,
            m.solved_n,
            round(m.points, 2),
        ]
        for rank, m in enumerate(members.iterator(chunk_size=2000), start=1)
    )
    return xlsx_bytes(headers=headers, rows=lines, sheet_title=_("%(year)s年积分排名") % {"year": year})


def items_xlsx(items, *, today) -> bytes:
    """The improvement items the list shows (``items`` with its filters), every row."""
    headers = [
        _("片区"), _("季度研讨"), _("乡镇（街道）"), _("问题"), _("整改措施"), _("责任人"), _("整改时限"),
        _("须提交的佐证材料"), _("状态"), _("已逾期"), _("退回原因"), _("提交整改时间"), _("核验时间"),
    ]  # fmt: skip
    open_states = set(ImprovementItem.OPEN_STATES)
    lines = (
        [
            item.review.district.name,
            _("%(year)s年第%(quarter)s季度") % {"year": item.review.year, "quarter": item.review.quarter},
            item.township.name,
            item.problem,
            item.measure,
            item.owner,
            item.due_date,
            item.evidence_required,
            item.get_status_display(),
            _("是") if item.status in open_states and item.due_date < today else _("否"),
            item.return_reason,
            item.rectified_at,
            item.verified_at,
        ]
        for item in items.select_related("township", "review__district").iterator(chunk_size=2000)
    )
    return xlsx_bytes(headers=headers, rows=lines, sheet_title=_("改进清单"))


def survey_xlsx(survey) -> bytes:
    """Every answer sheet of ``survey``: one row per response, one column per question.

    Responses carry the township and domain they were given in, not the member's name.
    """
    questions = list(survey.questions.all())
    headers = [_("序号"), _("乡镇（街道）"), _("领域"), _("提交时间"), *(q.text for q in questions)]
    responses = (
        survey.responses.select_related("township")
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=SurveyAnswer.objects.select_related("option").order_by("option__order", "pk"),
            )
        )
        .order_by("submitted_at", "pk")
    )

    def answer(answers, question) -> object:
        mine = [a for a in answers if a.question_id == question.pk]
        if question.has_options:
            return "、".join(a.option.text for a in mine if a.option)
        if question.kind == SurveyQuestion.Kind.RATING:
            return next((a.rating for a in mine if a.rating is not None), None)
        return "\n".join(a.text for a in mine if a.text)

    lines = (
        [
            number,
            response.township.name,
            response.get_domain_display(),
            response.submitted_at,
            *(answer(list(response.answers.all()), q) for q in questions),
        ]
        for number, response in enumerate(responses.iterator(chunk_size=500), start=1)
    )
    return xlsx_bytes(headers=headers, rows=lines, sheet_title=_("问卷结果"))
