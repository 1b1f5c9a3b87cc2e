"""The password composition rule MLPS 2.0 (等保2.0) assessors expect."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class LettersAndDigitsValidator:
    """A password must contain at least one letter and at least one digit."""

    def validate(self, password: str, user=None) -> None:
        has_letter = any(ch.isascii() and ch.isalpha() for ch in password)
        has_digit = any(ch.isdigit() for ch in password)
        if not (has_letter and has_digit):
            raise ValidationError(_("密码必须同时包含英文字母和数字。"), code="password_letters_and_digits")

    def get_help_text(self) -> str:
        return _("密码必须同时包含英文字母和数字。")
