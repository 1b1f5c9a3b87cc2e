"""Roster files for the import tests: real .xlsx workbooks (openpyxl) and CSVs in a given encoding."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tests.factories import make_id_number

HEADERS = [
    "序号",
    "姓名",
    "性别",
    "民族",
    "出生日期",
    "公民身份号码",
    "学历",
    "入党时间",
    "转正时间",
    "所在党支部",
    "联系电话",
]


def roster_row(n: int, branch: str, **overrides) -> dict:
    """A valid roster row; ``n`` keeps its ID number unique (births differ by day)."""
    birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=n)
    row = {
        "序号": n,
        "姓名": f"导入党员{n}",
        "性别": "男",
        "民族": "汉族",
        "出生日期": birth,
        "公民身份号码": make_id_number(birth, seq=1),  # seq 1 → an odd 17th digit: male
        "学历": "大学本科",
        "入党时间": "2005-07-01",
        "转正时间": "2006/7/1",
        "所在党支部": branch,
        "联系电话": f"139{n:08d}",
    }
    row.update(overrides)
    return row


def xlsx_bytes(
    rows: list[dict], headers: list[str] | None = None, title: str | None = "宁津县党员花名册"
) -> bytes:
    headers = headers or (list(rows[0]) if rows else HEADERS)
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[dict], encoding: str = "gbk") -> bytes:
    headers = list(rows[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(
            [row[h].isoformat() if isinstance(row[h], datetime.date) else row[h] for h in headers]
        )
    return buffer.getvalue().encode(encoding)


def upload(content: bytes, name: str = "名册.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def private_media(settings, tmp_path):
    """Uploaded rosters go to a throwaway MEDIA_ROOT, never var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
