"""Hooks the monthly-cycle services call when a session changes; the notifications app does the rest."""


def session_changed(*, session_id: int, change: str) -> None:
    """``change`` is "cancelled" or "moved"; call inside the transaction that changed the session."""
    from notifications.services import session_changed as notify

    notify(session_id=session_id, change=change)
