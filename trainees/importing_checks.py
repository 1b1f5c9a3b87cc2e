"""Defensive checks for roster import that the bad-roster corpus (tests/data/bad_rosters/) showed missing.

Kept apart from :mod:`trainees.importing` so they can be read, and changed, on their own
(:class:`ImportFileError` lives here, below both, and trainees.importing offers it too):

- :func:`check_xlsx_archive` inflates every entry of an .xlsx once, with bounded
  memory, before calamine sees it: an entry that inflates past the size its zip
  header declares fails the CRC check (a lying zip bomb), a first sheet that is
  hidden is refused (the user would not see what gets imported), and a sheet
  whose cells span a huge area is refused — calamine allocates the whole
  rectangle at once, and two cells at A1 and XFD1048576 in a 5 KB file abort
  the process (a Rust allocation failure cannot be caught). A sheet whose cell
  references all have one column letter and at most five row digits cannot be too
  large, and one plain byte search proves it; only other sheets get the per-cell scan;
- :func:`row_text_errors` refuses control characters (NUL cannot be stored in
  PostgreSQL) and formula-like text (=, +, -, @) in the free-text columns;
  :func:`without_control_characters` keeps them out of the stored error report
  (a NUL quoted in a message made saving the batch a server error on PostgreSQL).
"""

from __future__ import annotations

import re
import zipfile

from django.utils.translation import gettext as _

MAX_SHEET_ROWS = 100_000
MAX_SHEET_CELLS = 5_000_000
_CHUNK = 1 << 20
_CELL_REF = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"[^>]*?(/?)>")
# Any reference-like text with two or more column letters or six or more row digits: when there
# is none, every cell lies within A1:Z99999, which is within the limits below (checked at import).
# Deliberately looser than _CELL_REF (any tag, any text): a false alarm costs only the full scan.
_WIDE_OR_DEEP_REF = re.compile(rb'r="(?:[A-Z]{2,}[0-9]|[A-Z]+[0-9]{6})')
_FIRST_SHEET = re.compile(rb"<(?:\w+:)?sheet\s[^>]*>")
_HIDDEN = re.compile(rb"\bstate=\"(?:hidden|veryHidden)\"")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORMULA_START = ("=", "+", "-", "@")
# Free-text columns: the others are parsed (dates, choices, numbers) or looked up (branches).
_FREE_TEXT = ("name", "ethnicity", "position")


assert MAX_SHEET_ROWS >= 99_999 and MAX_SHEET_CELLS >= 26 * 99_999, (
    "the fast path of _scan_sheet relies on it"
)


class ImportFileError(Exception):
    """The file as a whole cannot be read as a roster (wrong type, too big, no header…)."""


class SheetTooLarge(Exception):
    pass


class FirstSheetHidden(Exception):
    pass


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _sheet_is_small(entry) -> bool:
    """Inflate the whole entry; True when no cell reference can lie beyond column Z or row 99999."""
    tail = b""
    small = True
    while chunk := entry.read(_CHUNK):
        if small:
            data = tail + chunk
            small = _WIDE_OR_DEEP_REF.search(data) is None
            tail = data[-32:]
        # else keep reading: every entry is inflated once, for its CRC check
    return small


def _scan_sheet(entry) -> None:
    """Raise SheetTooLarge when the cells with content span more rows or cells than a roster can have."""
    max_row = max_col = 0
    tail = b""
    while chunk := entry.read(_CHUNK):
        data = tail + chunk
        for match in _CELL_REF.finditer(data):
            if match.group(3):  # <c r="…"/>: an empty (styled) cell
                continue
            max_row = max(max_row, int(match.group(2)))
            max_col = max(max_col, _column_number(match.group(1)))
        tail = data[-300:]
        if max_row > MAX_SHEET_ROWS or max_row * max_col > MAX_SHEET_CELLS:
            raise SheetTooLarge


def check_xlsx_archive(archive: zipfile.ZipFile) -> None:
    """Inflate every entry once (CRC and declared size checked by zipfile); refuse unsafe workbooks.

    Raises :class:`ImportFileError` via the caller's ``zipfile.BadZipFile`` handling for a
    corrupt or lying entry; raises ImportFileError itself for a hidden first sheet or a sheet
    that is too large.
    """
    try:
        for info in archive.infolist():
            with archive.open(info) as entry:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    if not _sheet_is_small(entry):
                        with archive.open(info) as again:
                            _scan_sheet(again)
                else:
                    while entry.read(_CHUNK):
                        pass
        first = _FIRST_SHEET.search(archive.read("xl/workbook.xml"))
        if first and _HIDDEN.search(first.group(0)):
            raise FirstSheetHidden
    except SheetTooLarge:
        raise ImportFileError(
            _(
                "工作表的数据范围过大（超过 %(rows)d 行，或行数×列数超过 %(cells)d 个单元格），请删除多余的行列或拆分后导入。"
            )
            % {"rows": MAX_SHEET_ROWS, "cells": MAX_SHEET_CELLS}
        ) from None
    except FirstSheetHidden:
        raise ImportFileError(
            _("第一张工作表是隐藏的，导入只读取第一张工作表；请取消隐藏，或把名册移到第一张工作表后再上传。")
        ) from None
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError) as exc:
        # zip64 oddities, unsupported compression, encrypted entries, truncated data
        raise zipfile.BadZipFile(str(exc)) from exc


def without_control_characters(text: str) -> str:
    return _CONTROL.sub("", text)


def row_text_errors(text: dict[str, str], labels: dict[str, str]) -> list[str]:
    """Errors for control characters in any cell and formula-like text in the free-text cells."""
    if _CONTROL.search("".join(text.values())) is None:  # the usual row: one search, no loop
        return [
            _formula_error(labels[field])
            for field in _FREE_TEXT
            if field in text and text[field].startswith(_FORMULA_START)
        ]
    errors = []
    for field, value in text.items():
        if _CONTROL.search(value):
            errors.append(
                _("%(label)s含有不可见的控制字符（如 NUL），请删除后重新上传。") % {"label": labels[field]}
            )
        elif field in _FREE_TEXT and value.startswith(_FORMULA_START):
            errors.append(_formula_error(labels[field]))
    return errors


def _formula_error(label: str) -> str:
    return _("%(label)s不能以 =、+、-、@ 开头（会被表格软件当作公式执行）。") % {"label": label}
