"""Staff reset a forgotten password with an SMS code sent to their phone on file (Profile.phone).

Members never need a password (they sign in by code) and may set one once signed in
(allauth's "set password" page). The code follows the sign-in code's rules: 6 digits, kept
as a keyed hash in the session, 5 minutes, single use, 5 wrong tries, and the same
per-number and per-address limits (settings ACCOUNT_RATE_LIMITS["request_login_code"]).
"""

from __future__ import annotations

import logging
import time

from allauth.core import ratelimit
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from audit.context import client_ip
from audit.recording import Action, record
from audit.sessions import end_all_sessions
from core.personal_data import mask_phone
from core.roles import profile_of
from notifications.sms import send_template

from . import codes
from .forms import NUMERIC_INPUT

log = logging.getLogger("ningjin.security")
STATE = "_portal_password_reset"
MAX_TRIES = 5
NEUTRAL = gettext_lazy("如该账号登记了手机号，验证码已发送到该手机号，5分钟内有效。")


class ResetRequestForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
        error_messages={"required": gettext_lazy("请输入用户名。")},
    )


class ResetConfirmForm(SetPasswordForm):
    code = forms.CharField(
        label=gettext_lazy("短信验证码"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", **NUMERIC_INPUT}),
        error_messages={"required": gettext_lazy("请输入短信验证码。")},
    )
    field_order = ["code", "new_password1", "new_password2"]

    def __init__(self, user, hashed: str, *args, **kwargs):
        self.hashed = hashed
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = _("新密码")
        self.fields["new_password2"].label = _("再次输入新密码")

    def clean_code(self):
        code = self.cleaned_data["code"]
        if not codes.matches(code, self.hashed):
            raise forms.ValidationError(
                _("验证码不正确或已失效，请重新输入或重新获取。"), code="incorrect_code"
            )
        return code


def _staff_phone(username: str) -> tuple[object, str] | None:
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None or profile_of(user) is None:
        return None
    phone = profile_of(user).phone
    return (user, phone) if phone else None


@login_not_required
@never_cache
def request_reset(request):
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        if not ratelimit.consume(request, action="request_login_code", key=f"password-reset:{username}"):
            form.add_error(None, _("获取验证码过于频繁，请稍后再试。"))
        else:
            found = _staff_phone(username)
            request.session.pop(STATE, None)
            if found is not None:
                user, phone = found
                code = codes.new_code()
                request.session[STATE] = {
                    "user": user.pk,
                    "hash": codes.digest(code),
                    "at": time.time(),
                    "tries": 0,
                }
                send_template(phone, "password_code", code=code)
                log.info(
                    "password code sent: user_id=%s phone=%s ip=%s",
                    user.pk,
                    mask_phone(phone),
                    client_ip(request),
                )
            messages.info(request, NEUTRAL)
            return redirect("accounts:password-reset-confirm")
    return render(request, "accounts/password_reset.html", {"form": form})


@login_not_required
@never_cache
def confirm_reset(request):
    state = request.session.get(STATE) or {}
    user = get_user_model().objects.filter(pk=state.get("user"), is_active=True).first() if state else None
    expired = not state or time.time() - state["at"] > settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT
    # An unknown username gets the same page and the same refusal as a wrong code.
    form = ResetConfirmForm(
        user or get_user_model()(), state.get("hash") if not expired else None, request.POST or None
    )
    if request.method == "POST":
        if form.is_valid() and user is not None:
            form.save()
            request.session.pop(STATE, None)
            end_all_sessions(user)
            record(Action.UPDATE, user, actor=user, changes={"password": ["", "reset by SMS code"]})
            log.info("password reset by SMS code: user_id=%s", user.pk)
            messages.success(request, _("密码已重设，请用新密码登录。"))
            return redirect("login")
        if state and "code" in form.errors:
            state["tries"] = state.get("tries", 0) + 1
            if state["tries"] >= MAX_TRIES:
                request.session.pop(STATE, None)
                messages.error(request, _("验证码错误次数过多，已失效，请重新获取。"))
                return redirect("accounts:password-reset")
            request.session[STATE] = state
    return render(request, "accounts/password_reset_confirm.html", {"form": form})
