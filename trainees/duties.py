"""What each administrator duty (三员分立, core.roles.Duty) may do in the Django admin.

The Django admin opens to the system and security administrators only
(``ningjin_training.middleware.admin_site_has_permission``); inside it, each sees
the models of their own work through ordinary Django model permissions, which
:func:`grant_duty_permissions` sets from the profile's duties:

* system administrator: configuration and scheduled jobs (celery beat's schedules,
  the reminder rules, the beat heartbeat) — no personal data;
* security administrator: accounts, roles and duties, lockouts, sign-in sessions —
  no training data;
* security auditor: nothing in the admin; reads and exports the audit trail on the
  portal's own audit pages (``ningjin_training/audit_views.py``).
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db.models import Q

from core.roles import Duty

# (app_label, model or None for every model of the app, actions)
DUTY_PERMISSIONS: dict[str, list[tuple[str, str | None, tuple[str, ...]]]] = {
    Duty.SYSTEM_ADMIN: [
        ("django_celery_beat", None, ("view", "add", "change", "delete")),
        ("notifications", "reminderrule", ("view", "add", "change", "delete")),
        ("notifications", "beatheartbeat", ("view",)),
    ],
    Duty.SECURITY_ADMIN: [
        ("auth", "user", ("view", "add", "change")),
        ("auth", "group", ("view", "add", "change", "delete")),
        ("trainees", "profile", ("view", "add", "change")),
        ("axes", None, ("view", "delete")),
        ("audit", "usersession", ("view", "delete")),
    ],
    Duty.SECURITY_AUDITOR: [],
}


def duty_permissions(duties) -> list[Permission]:
    query = Q(pk__in=[])
    for duty in duties:
        for app_label, model, actions in DUTY_PERMISSIONS[duty]:
            part = Q(content_type__app_label=app_label) & Q(codename__regex=rf"^({'|'.join(actions)})_")
            if model:
                part &= Q(content_type__model=model)
            query |= part
    return list(Permission.objects.filter(query))


def grant_duty_permissions(user) -> None:
    """Staff status and admin permissions exactly as the profile's duties need (no superuser)."""
    duties = [d for d in user.portal_profile.duties if d != Duty.SECURITY_AUDITOR]
    user.is_staff = bool(duties)
    user.is_superuser = False
    user.save(update_fields=["is_staff", "is_superuser"])
    user.user_permissions.set(duty_permissions(duties))
