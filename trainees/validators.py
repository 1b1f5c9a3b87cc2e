"""The rules of a member record: its personal identifiers and its dates.

Each rule is written here once. The member form and ``Member.clean()`` call these functions, and
so does the roster import (trainees.importing), which only turns roster cells into values first.
"""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
# re.ASCII: \d alone also matches full-width and other Unicode digits (１２３), which int() accepts.
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$", re.ASCII)
# The first-generation card's number: 15 digits (a two-digit birth year, no check character).
_OLD_ID_PATTERN = re.compile(r"^\d{15}$", re.ASCII)


def id_number_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    if len(first17) == 17 and first17.isascii() and first17.isdigit():
        # Every roster row, so in C: the weights are 2**17 … 2**1 (mod 11), and 13 ≡ 2 (mod 11),
        # so the weighted sum is 2 × (the digits read as a base-13 number), modulo 11.
        return _ID_CHECK_CHARS[2 * int(first17, 13) % 11]
    # Anything else raises here, as it always did.
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


_WHITESPACE = re.compile(r"\s+")


def normalize_id_number(value: str) -> str:
    """The number as stored: full-width digits and letters (１２３ｘ) as ASCII (NFKC), no spaces
    anywhere (typed in groups or padded with 全角空格), upper case."""
    if not value:
        return ""
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    return _WHITESPACE.sub("", value).upper()


def birth_date_from_id_number(value: str) -> datetime.date | None:
    """The birth date embedded at positions 7–14, or None if it is not a date."""
    digits = value[6:14]
    if len(digits) != 8 or not digits.isascii() or not digits.isdigit():
        return None
    try:  # int() + date() rather than strptime: this runs for every row of a roster import
        return datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def validate_id_number(value: str) -> None:
    """An 18-character national ID number with a valid birth date and checksum."""
    id_number_birth_date(value)


def id_number_birth_date(value: str) -> datetime.date:
    """The birth date of a valid ID number (:func:`validate_id_number`'s rules); ValidationError if invalid."""
    value = normalize_id_number(value)
    if _OLD_ID_PATTERN.match(value):
        raise ValidationError(
            _("这是15位的旧身份证号码，请填写18位的公民身份号码（第二代身份证上的号码）。"), code="id_old_15"
        )
    if not _ID_PATTERN.match(value):
        raise ValidationError(_("公民身份号码应为18位，前17位为数字，最后一位为数字或X。"), code="id_format")
    birth_date = birth_date_from_id_number(value)
    if birth_date is None:
        raise ValidationError(_("公民身份号码中的出生日期无效。"), code="id_birth_date")
    if id_number_check_char(value[:17]) != value[17]:
        raise ValidationError(_("公民身份号码校验位不正确，请核对。"), code="id_checksum")
    return birth_date


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Whole years of age on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def member_record_errors(
    *,
    id_birth_date: datetime.date | None,
    birth_date: datetime.date | None,
    join_date: datetime.date | None,
    full_date: datetime.date | None,
    probationary: bool,
    today: datetime.date | None = None,
) -> list[tuple[str, ValidationError]]:
    """(field, error) for each rule a member's dates break; a missing value breaks none of them.

    ``id_birth_date`` is the birth date embedded in the ID number (:func:`birth_date_from_id_number`).
    """
    errors = []
    if id_birth_date and birth_date and id_birth_date != birth_date:
        errors.append(
            (
                "birth_date",
                ValidationError(_("出生日期与公民身份号码中的出生日期不一致。"), code="birth_mismatch"),
            )
        )
    if join_date and birth_date and age_on(birth_date, join_date) < 18:
        errors.append(
            ("join_date", ValidationError(_("入党日期须在年满18周岁之后。"), code="join_too_early"))
        )
    if join_date and join_date > (today or datetime.date.today()):
        errors.append(("join_date", ValidationError(_("入党日期不能晚于今天。"), code="join_future")))
    if full_date and join_date and full_date < join_date:
        errors.append(
            ("full_date", ValidationError(_("转正日期不能早于入党日期。"), code="full_before_join"))
        )
    if probationary and full_date:
        errors.append(
            ("full_date", ValidationError(_("预备党员不应有转正日期。"), code="probationary_full_date"))
        )
    return errors
