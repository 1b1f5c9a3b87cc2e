"""Roster cells as people really fill them: full-width digits, spaces, old 15-digit numbers and
ID numbers Excel turned into numbers — read as meant, or refused with the reason (real .xlsx files)."""

import datetime

import pytest

from tests.factories import make_id_number
from tests.rosters import csv_bytes, private_media, roster_row, upload, xlsx_bytes  # noqa: F401
from trainees.models import Member
from trainees.services import member_import_commit, member_import_preview
from trainees.validators import normalize_id_number, validate_id_number

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def preview(cast, rows, name="名册.xlsx", content=None):
    content = content if content is not None else xlsx_bytes(rows)
    return member_import_preview(user=cast.users["county"], uploaded_file=upload(content, name))


def errors_by_row(batch):
    return {error["row"]: " ".join(error["messages"]) for error in batch.errors}


def test_full_width_digits_and_spaces_in_id_and_phone_are_read_as_the_numbers(cast):
    number = make_id_number(datetime.date(1975, 3, 8), seq=21)
    spaced = f"{number[:6]} {number[6:14]}\u3000{number[14:]}".translate(FULL_WIDTH)
    row = roster_row(1, "甲村党支部", 出生日期=datetime.date(1975, 3, 8), 公民身份号码=spaced)
    row["联系电话"] = "１３９ ０００１ ２３４５"
    batch = preview(cast, [row])
    assert errors_by_row(batch) == {}
    member_import_commit(user=cast.users["county"], batch=batch)
    member = Member.objects.get(name=row["姓名"])
    assert member.id_number == number
    assert member.phone == "13900012345"


def test_the_member_form_rule_normalizes_the_same_way():
    number = make_id_number(datetime.date(1975, 3, 8), seq=21)
    assert normalize_id_number(f" {number[:9]} {number[9:]}".translate(FULL_WIDTH).lower()) == number
    validate_id_number(number.translate(FULL_WIDTH))  # no error


def test_an_old_15_digit_id_number_is_told_to_be_the_18_digit_one(cast):
    old = "371422750308021"
    batch = preview(cast, [roster_row(1, "甲村党支部"), roster_row(2, "甲村党支部", 公民身份号码=old)])
    message = errors_by_row(batch)[4]
    assert "15位的旧身份证号码" in message and "18位" in message
    assert "应为18位，前17位" not in message


def test_an_old_15_digit_id_number_stored_as_a_number_gets_the_same_hint(cast):
    batch = preview(cast, [roster_row(1, "甲村党支部", 公民身份号码=371422750308021)])
    assert "15位的旧身份证号码" in errors_by_row(batch)[3]


def test_id_numbers_excel_turned_into_numbers_are_not_reported_as_duplicates(cast):
    # Two members whose numbers differ only in the last digits Excel drops: as numbers they are equal.
    first = make_id_number(datetime.date(1975, 3, 8), seq=21)
    second = make_id_number(datetime.date(1975, 3, 8), seq=22)
    rows = [
        roster_row(1, "甲村党支部", 出生日期=datetime.date(1975, 3, 8), 公民身份号码=float(first[:17] + "0")),
        roster_row(
            2, "甲村党支部", 出生日期=datetime.date(1975, 3, 8), 公民身份号码=float(second[:17] + "0")
        ),
    ]
    assert rows[0]["公民身份号码"] == rows[1]["公民身份号码"]  # what the sheet holds
    errors = errors_by_row(preview(cast, rows))
    for row_number in (3, 4):
        assert errors[row_number].startswith("公民身份号码被存成了数字")
        assert "重复" not in errors[row_number]


def test_an_id_number_with_a_decimal_part_from_a_number_column_is_the_number(cast):
    number = make_id_number(datetime.date(1975, 3, 8), seq=21)
    row = roster_row(1, "甲村党支部", 出生日期=datetime.date(1975, 3, 8), 公民身份号码=f"{number}.0")
    batch = preview(cast, [row], name="名册.csv", content=csv_bytes([row], "utf-8-sig"))
    assert errors_by_row(batch) == {} and batch.created_count == 1
