"""Spreadsheet exports: rows under Chinese headers, as an .xlsx download that opens cleanly in Excel/WPS."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .scoping import can_see_personal_data

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(sheet, value: Any) -> WriteOnlyCell:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text that looks like a formula stays text (no formula injection)
    elif isinstance(value, datetime.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, datetime.date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def xlsx_response(
    *,
    filename: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    sheet_title: str = "Sheet1",
    widths: Sequence[int] | None = None,
) -> HttpResponse:
    """An .xlsx attachment: one sheet, a bold frozen header row, then ``rows``.

    Long digit strings (ID and phone numbers) must be passed as ``str`` so Excel keeps them as text.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    for index, header in enumerate(headers):
        width = widths[index] if widths else max(10, len(str(header)) * 2 + 4)
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    response = HttpResponse(content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    workbook.save(response)
    return response


def member_export(*, user, members) -> HttpResponse:
    """The member roster as .xlsx; ID and phone numbers masked unless the role needs them.

    Masked ID numbers come from the stored mask; only a full export decrypts (one per row).

    The headers are the importer's own, so a full export can be edited and imported back.
    """
    full = can_see_personal_data(user)
    headers = [
        _("姓名"), _("性别"), _("民族"), _("出生日期"), _("公民身份号码"), _("联系电话"), _("学历"),
        _("人员类别"), _("工作岗位"), _("入党时间"), _("转正时间"), _("党员状态"), _("所在乡镇"),
        _("所在党支部"), _("党员群体"), _("在册"),
    ]  # fmt: skip
    widths = [10, 6, 8, 12, 22, 15, 12, 16, 20, 12, 12, 10, 14, 24, 24, 6]
    members = members.select_related("branch__township").prefetch_related("groups")
    if not full:
        members = members.defer("id_number_encrypted")  # the stored mask is enough: nothing is decrypted
    rows = (
        (
            m.name,
            m.get_gender_display(),
            m.ethnicity,
            m.birth_date,
            m.id_number if full else m.masked_id_number,
            m.phone if full else m.masked_phone,
            m.get_education_display(),
            m.get_category_display(),
            m.position,
            m.join_date,
            m.full_date,
            m.get_status_display(),
            m.branch.township.name,
            m.branch.name,
            "、".join(g.name for g in m.groups.all()),
            _("是") if m.is_active else _("否"),
        )
        for m in members.iterator(chunk_size=2000)
    )
    filename = _("党员名册-%(date)s.xlsx") % {"date": f"{timezone.localdate():%Y%m%d}"}
    return xlsx_response(
        filename=filename, headers=headers, rows=rows, sheet_title=_("党员名册"), widths=widths
    )
