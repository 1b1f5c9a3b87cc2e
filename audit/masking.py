"""Masks for personal data that may appear in audit rows.

The audit app imports nothing from the portal's apps, so it carries its own
copies of the two masks the portal uses (3714**********123X, 138****5678).
"""

import re

# An 18-character national ID number, or a mainland mobile number, anywhere in a text.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


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


def mask_secret(value) -> str:
    """Only whether the value is set, never the value (password hashes)."""
    return "******" if value else ""


def scrub(text: str) -> str:
    """Mask every ID number and mobile number found in free text."""
    text = _ID_IN_TEXT.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    return _MOBILE_IN_TEXT.sub(lambda m: m.group(1) + "****" + m.group(2), text)


DEFAULT_MASKS = {"id_number": mask_id_number, "phone": mask_phone, "password": mask_secret}
