"""The portal's roles and the check every role-gated view uses.

A login's role is stored on its profile (``user.portal_profile``, a trainees model);
this module only reads it, so every layer — the delivery apps at the bottom
included — can gate a page by role without importing the organisation app.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTY = "county", _("县委组织部工作人员")
    TOWNSHIP = "township", _("乡镇党校管理员")
    INSTRUCTOR = "instructor", _("授课教师")
    TRAINEE = "trainee", _("学员")


# The role groups views gate by, defined once here rather than per view module.
ALL_ROLES = (Role.COUNTY, Role.TOWNSHIP, Role.INSTRUCTOR, Role.TRAINEE)
STAFF_ROLES = (Role.COUNTY, Role.TOWNSHIP)  # the organisers: county staff and township admins
STAFF_AND_INSTRUCTOR_ROLES = (Role.COUNTY, Role.TOWNSHIP, Role.INSTRUCTOR)  # on-demand delivery


class Duty(models.TextChoices):
    """The separated administrator duties (三员分立), held beside (or instead of) a working role.

    The security auditor holds no other duty and no working role (trainees.Profile's
    constraints), and changes nothing anywhere (``AuditorReadOnlyMiddleware``).
    """

    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    SECURITY_AUDITOR = "security_auditor", _("安全审计员")


def duties_of(user) -> frozenset[str]:
    """The administrator duties the login holds (on its profile), cached for the request."""
    if user is None or not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_portal_duties"):
        profile = profile_of(user)
        user._portal_duties = frozenset(profile.duties) if profile is not None else frozenset()
    return user._portal_duties


def duty_required(*duties: str):
    """Refuse (403) a view to users who hold none of ``duties``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not duties_of(request.user) & set(duties):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def role_of(user) -> str | None:
    """The user's portal role, cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return None
    if hasattr(user, "_portal_role"):
        return user._portal_role
    role = None
    profile = profile_of(user)
    if profile is not None:
        role = profile.role or None  # duty-only accounts have no working role
    elif user.is_superuser:
        role = Role.COUNTY
    user._portal_role = role
    return role


def profile_of(user):
    """The login's portal profile, or None (superusers and bare accounts have none)."""
    try:
        return user.portal_profile
    except models.ObjectDoesNotExist:
        return None


def role_required(*roles: str):
    """Refuse (403) a view to users whose role is not among ``roles``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if role_of(request.user) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
