"""Sign-in forms: allauth's, with the portal's field names, phone conventions and Chinese text."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.forms import (
    ConfirmLoginCodeForm,
    LoginForm,
    RequestLoginCodeForm,
    RequestReauthenticationCodeForm,
)
from allauth.core import context, ratelimit
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from django import forms
from django.utils.translation import gettext_lazy as _

from core.personal_data import mask_phone

from . import codes, members

NUMERIC_INPUT = {"inputmode": "numeric"}
# Set in the session at sign-in: without "记住我" the session ends when the browser closes
# (ningjin_training.middleware.SessionLifetimeMiddleware reads it).
BROWSER_SESSION = "_portal_browser_session"


def remember_choice(request, remember: bool) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[BROWSER_SESSION] = not remember


class MobileField(forms.CharField):
    """A mainland mobile number: ``type=tel autocomplete=tel inputmode=numeric``, 11 digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("手机号"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "type": "tel",
                    "autocomplete": "tel",
                    **NUMERIC_INPUT,
                    "placeholder": _("11位手机号码"),
                }
            ),
        )
        kwargs.setdefault("error_messages", {"required": _("请输入手机号。")})
        super().__init__(**kwargs)

    def clean(self, value):
        value = members.normalize_mobile(super().clean(value) or "")
        if value and not members.is_mobile(value):
            raise forms.ValidationError(
                _("请输入以1开头的11位手机号码（座机号码不能接收验证码）。"), code="invalid_phone"
            )
        return value


class PortalLoginForm(LoginForm):
    """Username (or phone) + password, for staff and for members who set a password."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("用户名")
        login.widget = forms.TextInput(attrs={"autocomplete": "username", "autofocus": True})
        login.max_length = 150
        login.error_messages["required"] = _("请输入用户名。")
        self.fields["password"].label = _("密码")
        self.fields["password"].help_text = ""
        self.fields["password"].error_messages["required"] = _("请输入密码。")
        self.fields["remember"].label = _("记住我（仅限本人手机，30天内免登录）")

    def login(self, request, redirect_url=None):
        remember_choice(request, bool(self.cleaned_data.get("remember")))
        return super().login(request, redirect_url)


class RequestPhoneCodeForm(RequestLoginCodeForm):
    """Step 1 of the member sign-in: the number. Limits first, then the roster, then the code."""

    remember = forms.BooleanField(label=_("记住我（仅限本人手机，30天内免登录）"), required=False)

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if not phone:
            return phone
        if not ratelimit.consume(context.request, action="request_login_code", key=phone):
            raise forms.ValidationError(
                _("获取验证码过于频繁：同一号码每60秒可获取一次、每天最多10次，请稍后再试。"),
                code="rate_limited",
            )
        # Made here, after the limits, for the one active member holding the number.
        self._user = members.user_for_phone(phone, create=True)
        return phone

    def clean(self):
        cleaned = super().clean()
        remember_choice(context.request, bool(cleaned.get("remember")))
        return cleaned


class ConfirmPhoneCodeForm(ConfirmLoginCodeForm):
    """Step 2: the 6 digits, compared with the hash allauth keeps (accounts.codes)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = _("短信验证码")
        code.max_length = 10
        code.error_messages["required"] = _("请输入短信验证码。")
        code.widget = forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                **NUMERIC_INPUT,
                "pattern": "[0-9]*",
                "placeholder": _("6位数字"),
                "autofocus": True,
            }
        )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if not codes.matches(code, self.expected_code):
            raise get_adapter().validation_error("incorrect_code")
        return code


class MaskedReauthenticationCodeForm(RequestReauthenticationCodeForm):
    """Confirming who you are by a fresh code: the number is shown masked (138****5678)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["recipient"]
        self._recipients = [value for value, _label in field.choices]
        field.choices = [(str(i), mask_phone(value)) for i, value in enumerate(self._recipients)]
        field.label = _("接收验证码的手机号")

    def clean_recipient(self) -> str:
        return self._recipients[int(self.cleaned_data["recipient"])]


class NumericCodeMixin:
    """Authenticator and recovery codes are digits: a phone shows its number pad and offers the code."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "one-time-code", "placeholder": _("6位数字")}
        )


class AuthenticateCodeForm(NumericCodeMixin, mfa_forms.AuthenticateForm):
    pass


class ReauthenticateCodeForm(NumericCodeMixin, mfa_forms.ReauthenticateForm):
    pass


class ActivateTOTPCodeForm(NumericCodeMixin, totp_forms.ActivateTOTPForm):
    pass
