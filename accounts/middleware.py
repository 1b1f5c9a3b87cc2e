"""Staff who must hold a second factor go to the enrolment page until they have one."""

from __future__ import annotations

from allauth.account.signals import user_logged_in
from django.contrib import messages
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .mfa_policy import has_totp, second_factor_required

ENROL_PENDING = "_portal_mfa_enrol"
# Reachable while enrolment is pending: the enrolment pages themselves, and signing out.
OPEN_NAMES = (
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_index",
    "mfa_reauthenticate",
    "account_reauthenticate",
    "logout",
    "set_language",
    "text-size",
)


@receiver(user_logged_in)
def _note_enrolment(sender, request, user, **kwargs):
    """At each sign-in through the portal's forms: must this user enrol before going on?"""
    if second_factor_required(user) and not has_totp(user):
        request.session[ENROL_PENDING] = True
    else:
        request.session.pop(ENROL_PENDING, None)


class SecondFactorEnrolmentMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(ENROL_PENDING) and request.user.is_authenticated:
            if has_totp(request.user):
                # Enrolled. The page right after it, the new recovery codes, is still shown under
                # the grace of this sign-in (accounts.adapter); any other page ends the grace.
                if request.path != reverse("mfa_view_recovery_codes"):
                    session.pop(ENROL_PENDING, None)
            elif request.path not in {reverse(name) for name in OPEN_NAMES} and not request.path.startswith(
                "/static/"
            ):
                messages.info(
                    request, _("县、乡镇管理员须先绑定身份验证器（双因素认证），才能继续使用平台。")
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)
