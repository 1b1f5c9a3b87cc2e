"""Small staff actions on sign-in: release a member's phone binding, reset a second factor."""

from __future__ import annotations

import logging

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.recording import Action, record
from audit.sessions import end_all_sessions
from core.roles import STAFF_AND_INSTRUCTOR_ROLES, STAFF_ROLES, Duty, Role, duties_of, role_of, role_required
from trainees.models import Member

log = logging.getLogger("ningjin.security")


def _back(request, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not (target.startswith("/") and url_has_allowed_host_and_scheme(target, {request.get_host()})):
        target = default
    return HttpResponseRedirect(target)


@require_POST
@role_required(*STAFF_ROLES)
def release_phone_binding(request, pk: int):
    """Unlink a member's login (they changed numbers): the next code sign-in makes a fresh one.

    County staff for any member, a township admin for their own township's (404 otherwise).
    The old login is deactivated, its sessions ended, and the change audited.
    """
    with transaction.atomic():
        member = get_object_or_404(Member.objects.managed_by(request.user).select_for_update(), pk=pk)
        old = member.user
        if old is None:
            messages.info(request, _("该党员尚未绑定登录账号。"))
        else:
            member.user = None
            member.save(update_fields=["user", "updated_at"])
            old.is_active = False
            old.save(update_fields=["is_active"])
            end_all_sessions(old)
            record(
                Action.UPDATE,
                member,
                actor=request.user,
                changes={"phone_binding": [old.get_username(), ""]},
            )
            log.info("phone binding released: member_id=%s by user_id=%s", member.pk, request.user.pk)
            messages.success(request, _("已解除该党员的手机号绑定，本人可用名册中的新号码重新登录。"))
    return _back(request, member.get_absolute_url())


def _may_reset_second_factors(user) -> bool:
    return role_of(user) == Role.COUNTY or Duty.SECURITY_ADMIN in duties_of(user)


@require_POST
def reset_second_factor(request, pk: int):
    """County staff or the security administrator remove a staff login's authenticator and
    recovery codes (a lost phone); that login enrols again at its next sign-in. Audited."""
    if not _may_reset_second_factors(request.user):
        raise PermissionDenied
    target = get_object_or_404(get_user_model().objects.select_related("portal_profile"), pk=pk)
    if role_of(target) not in STAFF_AND_INSTRUCTOR_ROLES or target.pk == request.user.pk:
        raise Http404
    removed = sorted(Authenticator.objects.filter(user=target).values_list("type", flat=True))
    Authenticator.objects.filter(user=target).delete()
    end_all_sessions(target)
    record(Action.UPDATE, target, actor=request.user, changes={"second_factor": [removed, []]})
    log.info("second factor reset: user_id=%s by user_id=%s", target.pk, request.user.pk)
    messages.success(request, _("已重置该账号的双因素认证，其下次登录时须重新绑定身份验证器。"))
    return _back(request, reverse("home"))
