"""Hook point: tell a session's enrolled trainees that it was cancelled or moved.

HOOK for the reminders/notifications engineer: replace the body of
:func:`session_changed` with the real fan-out (a Celery task enqueued with
``transaction.on_commit``). Today it only records that a notice is due, as a
``SessionEvent`` note, so the history shows it and tests can see the call.
"""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext as _

Change = Literal["cancelled", "moved"]


def session_changed(*, session_id: int, change: Change) -> None:
    """Record that the trainees of ``session_id`` must be told about ``change``."""
    from .models import Session, SessionEvent

    status = Session.objects.values_list("status", flat=True).get(pk=session_id)
    labels = {"cancelled": _("取消"), "moved": _("调整时间")}
    SessionEvent.objects.create(
        session_id=session_id,
        from_status=status,
        to_status=status,
        by=None,
        note=_("待通知参训学员：培训%(change)s。") % {"change": labels.get(change, change)},
    )
