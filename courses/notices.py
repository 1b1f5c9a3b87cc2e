"""Tell a session's enrolled trainees that it was cancelled or moved.

The session's history records that a notice went out; the reminder ledger
gets one notice per enrolled trainee in the caller's transaction, sent after
commit (never inside the request).
"""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext as _

from .models import Session, SessionEvent
from .reminders import session_change_notify

Change = Literal["cancelled", "moved"]


def session_changed(*, session_id: int, change: Change) -> None:
    """Record and send the notice of ``change`` to the trainees of ``session_id`` (inside the transaction)."""
    # The notices are written first, so the note below records a notice that exists.
    session_change_notify(session_id=session_id, change=change)
    status = Session.objects.values_list("status", flat=True).get(pk=session_id)
    labels = {"cancelled": _("取消"), "moved": _("调整时间")}
    SessionEvent.objects.create(
        session_id=session_id,
        from_status=status,
        to_status=status,
        by=None,
        note=_("已通知参训学员：培训%(change)s。") % {"change": labels.get(change, change)},
    )
