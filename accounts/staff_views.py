"""Staff accounts managed in the portal (issue 15, item 3).

County staff and the security administrator (三员分立) list, create, edit, deactivate and
reactivate county, township-admin and instructor accounts, and send a "set your password"
SMS: a one-time link made with Django's ``default_token_generator`` that expires after
``PASSWORD_RESET_TIMEOUT``. Every change is a save of an audited model (User, Profile) made
inside the request, so the audit trail names who made it; deactivating a login ends its
sessions (``audit.sessions``).

A township admin sees which of their township's members have signed in at least once —
the go-live figure — and county staff see it for every township.
"""

from __future__ import annotations

from functools import wraps

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import audit
from core.personal_data import mask_phone
from core.roles import STAFF_ROLES, Duty, Role, duties_of, role_of, role_required
from notifications.sms import SmsError, send_template
from trainees.models import Member, Township

from .staff_forms import (
    SignInFilterForm,
    StaffAccountForm,
    StaffFilterForm,
    StaffSetPasswordForm,
    managed_accounts,
)

PAGE_SIZE = 25
SIGN_IN_PAGE_SIZE = 50


def can_manage_staff(user) -> bool:
    """County staff and the security administrator manage staff accounts."""
    return role_of(user) == Role.COUNTY or Duty.SECURITY_ADMIN in duties_of(user)


def staff_manager_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_manage_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _account_or_404(pk):
    return get_object_or_404(
        managed_accounts().select_related("portal_profile__township", "instructor_profile"), pk=pk
    )


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@staff_manager_required
def staff_list(request):
    form = StaffFilterForm(request.GET or None)
    users = managed_accounts().select_related("portal_profile__township", "instructor_profile")
    users = form.filter(users).order_by("-is_active", "portal_profile__role", "username", "pk")
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/staff/list.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )


@staff_manager_required
def staff_create(request):
    form = StaffAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(request, _("已创建账号 %(username)s。") % {"username": user.username})
        if form.cleaned_data.get("send_invite"):
            _send_invite(request, user)
        return redirect("accounts:staff-edit", pk=user.pk)
    return render(request, "accounts/staff/form.html", {"form": form, "account": None})


@staff_manager_required
def staff_edit(request, pk):
    account = _account_or_404(pk)
    form = StaffAccountForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("已保存账号 %(username)s。") % {"username": account.username})
        return redirect("accounts:staff-edit", pk=account.pk)
    return render(
        request,
        "accounts/staff/form.html",
        {
            "form": form,
            "account": account,
            "profile": account.portal_profile,
            "has_second_factor": Authenticator.objects.filter(user=account).exists(),
        },
    )


@staff_manager_required
def staff_deactivate(request, pk):
    """GET asks for confirmation; POST deactivates (and thereby signs the account out everywhere)."""
    account = _account_or_404(pk)
    if account.pk == request.user.pk:
        messages.error(request, _("不能停用自己正在使用的账号。"))
        return redirect("accounts:staff-edit", pk=account.pk)
    if not account.is_active:
        messages.info(request, _("账号 %(username)s 已是停用状态。") % {"username": account.username})
        return redirect("accounts:staff-edit", pk=account.pk)
    if request.method == "POST":
        account.is_active = False
        account.save(update_fields=["is_active"])  # audited; audit.sessions ends its sessions
        messages.success(
            request,
            _("已停用账号 %(username)s，其所有登录会话已结束。") % {"username": account.username},
        )
        return redirect("accounts:staff-edit", pk=account.pk)
    return render(request, "accounts/staff/deactivate_confirm.html", {"account": account})


@require_POST
@staff_manager_required
def staff_reactivate(request, pk):
    account = _account_or_404(pk)
    if account.is_active:
        messages.info(request, _("账号 %(username)s 已是启用状态。") % {"username": account.username})
    else:
        account.is_active = True
        account.save(update_fields=["is_active"])
        messages.success(request, _("已重新启用账号 %(username)s。") % {"username": account.username})
    return redirect("accounts:staff-edit", pk=account.pk)


@require_POST
@staff_manager_required
def staff_invite(request, pk):
    _send_invite(request, _account_or_404(pk))
    return redirect("accounts:staff-edit", pk=pk)


def link_lifetime_text() -> str:
    seconds = settings.PASSWORD_RESET_TIMEOUT
    if seconds % 86400 == 0:
        return _("%(days)d 天") % {"days": seconds // 86400}
    return _("%(hours)d 小时") % {"hours": max(1, seconds // 3600)}


def set_password_url(request, user) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return request.build_absolute_uri(reverse("accounts:staff-set-password", args=[uidb64, token]))


def _send_invite(request, user) -> bool:
    """Send the one-time set-your-password link by SMS to the account's phone; audited."""
    profile = user.portal_profile
    if not user.is_active:
        messages.error(request, _("账号已停用，不能发送设置密码短信。请先重新启用。"))
        return False
    if not profile.phone:
        messages.error(request, _("该账号没有登记手机号码，无法发送设置密码短信。请先填写手机号码。"))
        return False
    name = user.first_name or user.username
    try:
        send_template(profile.phone, "staff_invite", name=name, url=set_password_url(request, user))
    except SmsError:
        messages.error(request, _("短信发送失败，请稍后再试。"))
        return False
    audit.record(audit.Action.UPDATE, user, changes={"set_password_sms": [None, mask_phone(profile.phone)]})
    messages.success(
        request,
        _("已向 %(phone)s 发送设置密码短信，链接 %(lifetime)s内有效，只能使用一次。")
        % {"phone": profile.masked_phone, "lifetime": link_lifetime_text()},
    )
    return True


class StaffSetPasswordView(PasswordResetConfirmView):
    """The page the SMS link opens: a new password by the settings' rules, then the login page.

    Django's reset-confirm flow: the token moves from the URL into the session at once (so it
    never leaks in a Referer header), and it is valid once — setting the password changes the
    hash the token is made from.
    """

    form_class = StaffSetPasswordForm
    template_name = "accounts/staff/set_password.html"

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        if user is None or not user.is_active or not managed_accounts().filter(pk=user.pk).exists():
            return None
        return user

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("设置登录密码") if self.validlink else _("链接无效或已过期")
        context["lifetime"] = link_lifetime_text()
        return context

    def form_valid(self, form):
        # The audit row of the new password names the person the link was sent to: the token
        # proves who is setting it, though nobody is signed in yet.
        anonymous, self.request.user = self.request.user, self.user
        try:
            user = form.save()
        finally:
            self.request.user = anonymous
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(
            self.request,
            _("密码已设置。请用登录账号 %(username)s 和新密码登录。") % {"username": user.username},
        )
        return redirect("login")


staff_set_password = login_not_required(StaffSetPasswordView.as_view())


@role_required(*STAFF_ROLES)
def member_sign_ins(request, pk):
    """Which of a township's members have signed in at least once (their own township only)."""
    township = get_object_or_404(Township.objects.visible_to(request.user), pk=pk)
    members = Member.objects.visible_to(request.user).active().filter(branch__township=township)
    counts = members.aggregate(
        total=Count("pk"), signed_in=Count("pk", filter=Q(user__last_login__isnull=False))
    )
    form = SignInFilterForm(request.GET or None)
    rows = form.filter(members).select_related("branch", "user").order_by("branch__name", "name", "pk")
    page = Paginator(rows, SIGN_IN_PAGE_SIZE).get_page(request.GET.get("page"))
    total, signed_in = counts["total"], counts["signed_in"]
    return render(
        request,
        "accounts/staff/member_sign_ins.html",
        {
            "township": township,
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "total": total,
            "signed_in": signed_in,
            "not_signed_in": total - signed_in,
            "percent": signed_in * 100 // total if total else 0,
        },
    )
