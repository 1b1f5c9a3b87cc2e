"""Reads of the organisation other apps build on."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Profile


def users_with_role(role: str, *, township_ids: Iterable[int] | None = None) -> dict[int | None, list[int]]:
    """Active users of a portal role, grouped by the township of their profile."""
    profiles = Profile.objects.filter(role=role, user__is_active=True)
    if township_ids is not None:
        profiles = profiles.filter(township_id__in=list(township_ids))
    grouped: dict[int | None, list[int]] = {}
    for township_id, user_id in profiles.values_list("township_id", "user_id"):
        grouped.setdefault(township_id, []).append(user_id)
    return grouped
