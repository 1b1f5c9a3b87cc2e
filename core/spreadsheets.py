"""The one spreadsheet writer every .xlsx export goes through.

What it guarantees, whatever the caller passes:
- text is always a text cell, never a formula — a name typed as ``=HYPERLINK(…)`` stays
  the characters the user typed (no cell of a portal export has the formula type);
- dates and times are date cells (Beijing time, without a time zone), numbers are numbers;
- control characters XML cannot hold are dropped from text (the rest of it is kept);
- a bold header row that stays in view (frozen), column widths from the content, a sheet
  name cut to Excel's 31 characters.

Long digit strings (ID and phone numbers) must be passed as ``str`` so they stay text.
"""

from __future__ import annotations

import datetime
import io
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Widths are measured on the first rows only; an export of 20,000 rows is not scanned twice.
WIDTH_SAMPLE_ROWS = 500
MIN_WIDTH, MAX_WIDTH = 6, 60
# Characters Excel and LibreOffice forbid in a sheet's name.
_SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _display_width(value: Any) -> int:
    """Columns a value takes on screen: a Chinese character counts two."""
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _plain(value: Any) -> Any:
    """The value as a cell holds it: aware times in Beijing time, Decimals as floats, text without the
    control characters a workbook cannot hold (a pasted name with one would otherwise fail the export)."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, Decimal):
        return float(value)
    if value is not None and not isinstance(value, (str, int, float, datetime.date, datetime.time)):
        return str(value)  # lazy translations, choices labels
    return value


def _cell(sheet, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    value = _plain(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never "f": text that looks like a formula stays text
    elif isinstance(value, datetime.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, datetime.date):
        cell.number_format = "yyyy-mm-dd"
    if bold:
        cell.font = Font(bold=True)
    return cell


def xlsx_bytes(*, headers: Sequence[Any], rows: Iterable[Sequence[Any]], sheet_title: str) -> bytes:
    """One sheet: a bold frozen header row, then ``rows``; widths from the header and the first rows."""
    rows = iter(rows)
    sample = [list(row) for _, row in zip(range(WIDTH_SAMPLE_ROWS), rows, strict=False)]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(sheet_title).translate(_SHEET_NAME_FORBIDDEN)[:31])
    for index, header in enumerate(headers):
        widest = max([_display_width(header), *(_display_width(r[index]) for r in sample if index < len(r))])
        width = min(MAX_WIDTH, max(MIN_WIDTH, widest + 2))
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, header, bold=True) for header in headers])
    for row in sample:
        sheet.append([_cell(sheet, value) for value in row])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_download(content: bytes, filename: str) -> HttpResponse:
    """Bytes written by :func:`xlsx_bytes` as a download named ``filename``."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def xlsx_response(
    *, filename: str, headers: Sequence[Any], rows: Iterable[Sequence[Any]], sheet_title: str
) -> HttpResponse:
    """:func:`xlsx_bytes` as a download named ``filename`` (Chinese names survive every browser)."""
    return xlsx_download(xlsx_bytes(headers=headers, rows=rows, sheet_title=sheet_title), filename)
