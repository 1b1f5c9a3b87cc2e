"""Who must hold a second factor: county staff and township admins (issue 15, item 4).

They enrol an authenticator app (TOTP) at their first sign-in and give a code at each
sign-in after (allauth.mfa's login stage asks for it). Instructors and members may enrol.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings

from core.roles import Role, role_of


def required_roles() -> tuple[str, ...]:
    """``MFA_REQUIRED_ROLES`` (county and township admins unless set otherwise)."""
    return tuple(getattr(settings, "MFA_REQUIRED_ROLES", (Role.COUNTY, Role.TOWNSHIP)))


def demo_skip_usernames() -> frozenset[str]:
    """DEMO ONLY: the demo staff logins that skip enrolment — an empty set unless DEBUG is on."""
    if not settings.DEBUG:
        return frozenset()
    return frozenset(getattr(settings, "MFA_DEMO_SKIP_USERNAMES", ()))


def second_factor_required(user) -> bool:
    if not user.is_authenticated or role_of(user) not in required_roles():
        return False
    return user.get_username() not in demo_skip_usernames()


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
