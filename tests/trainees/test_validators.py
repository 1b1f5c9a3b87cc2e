import datetime

import pytest
from django.core.exceptions import ValidationError

from core.personal_data import mask_id_number, mask_phone, validate_phone
from trainees.validators import (
    birth_date_from_id_number,
    id_number_birth_date,
    validate_id_number,
)

VALID_ID = "11010519491231002X"  # the checksum example from GB 11643-1999


def test_it_accepts_a_valid_id_number_with_x_check_char():
    validate_id_number(VALID_ID)
    validate_id_number(VALID_ID.lower())


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105194912310021", "id_checksum"),
        ("11010519491231002", "id_format"),
        ("1101051949123100211", "id_format"),
        ("1101051949123100AX", "id_format"),
        ("110105194913310027", "id_birth_date"),
        ("", "id_format"),
    ],
)
def test_it_refuses_bad_id_numbers_with_a_chinese_reason(value, code):
    with pytest.raises(ValidationError) as error:
        validate_id_number(value)
    assert error.value.code == code
    assert "公民身份号码" in str(error.value.messages[0])


def test_birth_date_is_read_from_positions_7_to_14():
    assert str(birth_date_from_id_number(VALID_ID)) == "1949-12-31"


@pytest.mark.parametrize("value", ["13912345678", "0534-5512345", "05345512345"])
def test_it_accepts_mobile_and_landline_numbers(value):
    validate_phone(value)


@pytest.mark.parametrize("value", ["12912345678", "1391234567", "139123456789", "abc", "5512345"])
def test_it_refuses_malformed_phone_numbers(value):
    with pytest.raises(ValidationError) as error:
        validate_phone(value)
    assert "联系电话" in error.value.messages[0]


def test_masks_keep_only_prefix_and_suffix():
    assert mask_id_number("37142219800517123X") == "3714**********123X"
    assert mask_phone("13912345678") == "139****5678"
    assert mask_phone("") == ""


def test_a_valid_id_number_gives_its_birth_date_and_an_invalid_one_the_validators_reason():
    assert id_number_birth_date(VALID_ID.lower()) == datetime.date(1949, 12, 31)
    with pytest.raises(ValidationError) as error:
        id_number_birth_date("110105194912310021")
    assert error.value.code == "id_checksum"
