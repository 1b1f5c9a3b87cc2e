"""What the organisation app gives the reminders (registered with notifications at start-up)."""

from __future__ import annotations

from notifications.registry import phone_book

from .models import Member


@phone_book
def member_roll_phones(user_ids: list[int]) -> dict[int, str]:
    """The member roll's phone number of each user, for those who chose SMS without a number."""
    return dict(Member.objects.filter(user_id__in=user_ids).order_by().values_list("user_id", "phone"))
