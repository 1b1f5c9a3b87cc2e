"""Which login a mobile number signs in: the roster (trainees.Member.phone) decides.

A member's account is made the first time they ask for a code (never by hand): a login with
no usable password, linked to the member record, with the trainee role. A number signs in
only when exactly one active member (on the roster, not suspended) holds it; a number on two
records, or on a member who has left, signs in nobody.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import transaction

from core.roles import Role, profile_of
from trainees.models import Member, Profile

MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)


def normalize_mobile(value: str) -> str:
    """The 11 digits of a mainland mobile number typed with spaces, dashes or a +86/86 prefix."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def is_mobile(value: str) -> bool:
    return bool(MOBILE.match(value or ""))


def signing_in_members(phone: str):
    """The active, not suspended members whose roster number is ``phone``."""
    return (
        Member.objects.filter(phone=phone, is_active=True)
        .exclude(status=Member.Status.SUSPENDED)
        .select_related("user")
    )


def member_for_phone(phone: str) -> Member | None:
    members = list(signing_in_members(phone)[:2]) if is_mobile(phone) else []
    return members[0] if len(members) == 1 else None


def user_for_phone(phone: str, *, create: bool = False):
    """The login of the one active member holding ``phone``; made now if ``create`` and missing.

    None for an unknown number, a number on two records, an inactive member, or a deactivated login.
    """
    member = member_for_phone(phone)
    if member is None:
        return None
    user = member.user
    if user is None:
        if not create:
            return None
        user = _create_member_login(member)
    return user if user.is_active else None


@transaction.atomic
def _create_member_login(member: Member):
    User = get_user_model()
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.user_id is not None:
        return member.user
    user = User(username=f"member{member.pk}", first_name=member.name[:150])
    user.set_unusable_password()
    user.save()
    Profile.objects.create(user=user, role=Role.TRAINEE)
    member.user = user
    member.save(update_fields=["user", "updated_at"])
    return user


def member_may_sign_in(user) -> bool:
    """False for a login linked to a member who has left or is suspended (any sign-in path)."""
    try:
        member = user.member
    except Member.DoesNotExist:
        return True
    return member.is_active and member.status != Member.Status.SUSPENDED


def phone_of(user) -> str | None:
    """The number a login signs in with: a member's roster number, or a staff login's phone."""
    try:
        member = user.member
    except Member.DoesNotExist:
        member = None
    if member is not None:
        return member.phone or None
    profile = profile_of(user)
    return (profile.phone or None) if profile is not None else None
