"""The portal's allauth adapter: members by roster number, codes stored hashed, Chinese messages."""

from __future__ import annotations

import logging

from allauth.account.adapter import DefaultAccountAdapter
from django.utils.translation import gettext_lazy as _

from audit.context import client_ip
from core.personal_data import mask_phone
from notifications.sms import send_template

from . import codes, members

log = logging.getLogger("ningjin.security")


class PortalAccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "incorrect_code": _("验证码不正确或已失效，请重新输入或重新获取。"),
        "too_many_login_attempts": _("尝试次数过多，请稍后再试。"),
        "rate_limited": _("请求过于频繁，请稍后再试。"),
        "username_password_mismatch": _("用户名或密码不正确。"),
        "phone_password_mismatch": _("手机号或密码不正确。"),
        "invalid_login": _("用户名或密码不正确。"),
        "unknown_phone": _("验证码已发送（如该号码已登记在党员名册中）。"),
    }

    def is_open_for_signup(self, request) -> bool:
        # Accounts come from the roster (members) or from county staff (staff): no self sign-up.
        return False

    def pre_login(self, request, user, **kwargs):
        if not members.member_may_sign_in(user):
            # A member who has left (or is suspended) signs in by no path, password included.
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            log.info("sign-in refused, member not active: user_id=%s", user.pk)
            return self.respond_user_inactive(request, user)
        return super().pre_login(request, user, **kwargs)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # Right after the sign-in that asks a county or township admin to enrol, the password was
        # just given: the enrolment page does not ask for it again.
        from .middleware import ENROL_PENDING

        request = self.request
        if app == "allauth.mfa" and request is not None and request.session.get(ENROL_PENDING):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def get_client_ip(self, request) -> str:
        return client_ip(request) or "0.0.0.0"  # nosec B104 - a rate-limit key, not a bind address

    def phone_form_field(self, **kwargs):
        from .forms import MobileField

        return MobileField(**kwargs)

    # ---- the phone interface allauth needs (members only: staff sign in by username) ------

    def get_user_by_phone(self, phone: str):
        return members.user_for_phone(phone)

    def get_phone(self, user):
        phone = members.phone_of(user)
        return (phone, True) if phone else None

    def set_phone(self, user, phone: str, verified: bool) -> None:
        # Numbers are kept by the roster (members) and by county staff (staff logins).
        return None

    def set_phone_verified(self, user, phone: str) -> None:
        return None

    def generate_phone_verification_code(self, *, user, phone: str) -> str:
        """allauth keeps what this returns in the session: the code's keyed hash, never the code."""
        return codes.issue(self.request, phone)

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        plain = codes.take_plain(self.request, code)
        send_template(phone, "login_code", code=plain)
        log.info(
            "login code sent: user_id=%s phone=%s ip=%s", user.pk, mask_phone(phone), client_ip(self.request)
        )

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        log.info("login code requested for a number not on file: phone=%s", mask_phone(phone))
