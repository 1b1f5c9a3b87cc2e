"""Reads of the organisation other apps build on."""

from __future__ import annotations

from collections.abc import Iterable

from notifications.models import NotificationPreference
from notifications.sms.outbox import flagged_phones

from .models import Member, Profile


def users_with_role(role: str, *, township_ids: Iterable[int] | None = None) -> dict[int | None, list[int]]:
    """Active users of a portal role, grouped by the township of their profile."""
    profiles = Profile.objects.filter(role=role, user__is_active=True)
    if township_ids is not None:
        profiles = profiles.filter(township_id__in=list(township_ids))
    grouped: dict[int | None, list[int]] = {}
    for township_id, user_id in profiles.values_list("township_id", "user_id"):
        grouped.setdefault(township_id, []).append(user_id)
    return grouped


def members_sms_flags(members: Iterable[Member]) -> dict[int, object]:
    """Members (by id) whose SMS number a gateway refused for good (the roll's number or the one they
    chose for texts), with the flag (reason, when); two queries for a page of members."""
    members = list(members)
    # One query whatever the page holds (a subquery, not a list of ids that may be empty).
    own = dict(
        NotificationPreference.objects.filter(
            user_id__in=Member.objects.filter(pk__in=[m.pk for m in members]).values("user_id"), by_sms=True
        )
        .exclude(phone="")
        .values_list("user_id", "phone")
    )
    numbers = {m.pk: [p for p in (m.phone, own.get(m.user_id, "")) if p] for m in members}
    flagged = flagged_phones({p for phones in numbers.values() for p in phones})
    return {pk: flagged[phone] for pk, phones in numbers.items() for phone in phones if phone in flagged}
