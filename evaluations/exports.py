"""Exports of the annual reports: one report as PDF (WeasyPrint), the county summary as .xlsx."""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core.spreadsheets import xlsx_bytes

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
