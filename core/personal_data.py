"""Personal data every layer handles the same way: the phone format and the masks.

A national ID number and a phone number are shown masked (3714**********123X,
138****5678) in lists, exports, logs and audit rows unless the viewer's role needs
them. The rules live here, at the bottom, so the organisation app, the audit trail
and the delivery channels use one copy.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_PHONE_PATTERN = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$", re.ASCII)
# An 18-character national ID number, or a mainland mobile number, anywhere in a text.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def validate_phone(value: str) -> None:
    """A mainland mobile number (11 digits) or a landline with area code."""
    if not _PHONE_PATTERN.match((value or "").strip()):
        raise ValidationError(
            _("联系电话格式不正确：手机号为以1开头的11位数字，座机请带区号（如0534-5512345）。"),
            code="phone_format",
        )


def mask_id_number(value) -> str:
    """3714**********123X: the region prefix and the last four characters stay."""
    value = "" if value is None else str(value)
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value) -> str:
    """138****5678: the first three and the last four digits stay."""
    value = "" if value is None else str(value)
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def scrub(text: str) -> str:
    """Mask every ID number and mobile number found in free text."""
    text = _ID_IN_TEXT.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    return _MOBILE_IN_TEXT.sub(lambda m: m.group(1) + "****" + m.group(2), text)
