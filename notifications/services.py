"""The reminder ledger: write rows before sending, deliver each exactly once, and the inbox actions.

Rows are identified by (kind, recipient, object, due time). Writers add them
with ``bulk_create(ignore_conflicts=True)``, so planning twice changes nothing;
:func:`reminder_deliver` moves one row from pending to sent under a row lock,
so a retried or redelivered task sends nothing twice.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable, Sequence

from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from .messages import Message, compose
from .models import Kind, Notification, NotificationPreference, Reminder
from .sms import get_sms_backend

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
MAX_ATTEMPTS = 3
# A queued chunk that has not been sent after this long is queued again (its
# message may have been lost with a broker); the ledger keeps it from doubling.
REQUEUE_AFTER = datetime.timedelta(minutes=10)


class _RetryLater(Exception):
    pass


def chunked(items: Sequence, size: int | None = None) -> Iterable[list]:
    size = size or CHUNK_SIZE
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def enqueue_after_commit(task, *args, on_failure: Callable[[], None] | None = None) -> None:
    """Publish ``task`` once the current transaction commits; a broker outage is logged, never raised.

    Nothing is lost when publishing fails: the ledger rows are already
    committed and the periodic scan queues pending rows again.
    """

    def publish() -> None:
        try:
            task.apply_async(args=args, retry=False)
        except Exception:
            logger.exception("Could not enqueue %s; the periodic scan will pick the work up", task.name)
            if on_failure is not None:
                on_failure()

    transaction.on_commit(publish)


def reminder_rows(
    *,
    kind: str,
    recipient_ids: Iterable[int],
    obj: models.Model,
    due_at: datetime.datetime,
    expires_at: datetime.datetime | None = None,
    context: dict | None = None,
) -> list[Reminder]:
    """Unsaved ledger rows: one per recipient for the same object and due time."""
    content_type = ContentType.objects.get_for_model(obj)
    return [
        Reminder(
            kind=kind,
            recipient_id=user_id,
            content_type=content_type,
            object_id=obj.pk,
            due_at=due_at,
            expires_at=expires_at,
            context=context or {},
        )
        for user_id in dict.fromkeys(recipient_ids)
    ]


def reminders_plan(rows: Iterable[Reminder]) -> None:
    """Write ledger rows; a row that already exists (same kind, recipient, object, due time) is kept as is."""
    Reminder.objects.bulk_create(list(rows), ignore_conflicts=True, batch_size=CHUNK_SIZE)


def reminders_dispatch_due(*, now: datetime.datetime | None = None) -> int:
    """Queue the due pending reminders in chunks of :data:`CHUNK_SIZE`; return how many were queued."""
    from .tasks import send_reminders

    now = now or timezone.now()
    ids = list(
        Reminder.objects.pending()
        .filter(due_at__lte=now)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - REQUEUE_AFTER))
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )
    for chunk in chunked(ids):
        Reminder.objects.filter(pk__in=chunk).update(queued_at=now)
        enqueue_after_commit(
            send_reminders,
            chunk,
            on_failure=lambda chunk=chunk: Reminder.objects.filter(pk__in=chunk).update(queued_at=None),
        )
    return len(ids)


def reminders_cancel(queryset) -> int:
    return queryset.filter(status=Reminder.Status.PENDING).update(status=Reminder.Status.CANCELLED)


def preference_for(user) -> NotificationPreference:
    """The user's stored choices, or the defaults (inbox + e-mail, Chinese) when they never chose."""
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)


def _sms_phone(user, preference: NotificationPreference) -> str:
    if preference.phone:
        return preference.phone
    from trainees.models import Member

    return Member.objects.filter(user=user).values_list("phone", flat=True).first() or ""


def _send_channels(user, preference: NotificationPreference, message: Message) -> list[str]:
    """Send through the channels the user chose beyond the inbox; return the errors."""
    errors = []
    if preference.by_email and user.email:
        try:
            send_mail(message.title, message.body, None, [user.email])
        except Exception as exc:
            errors.append(f"email: {exc.__class__.__name__}: {exc}")
    phone = _sms_phone(user, preference) if preference.by_sms else ""
    if phone:
        try:
            get_sms_backend().send(phone, f"{message.title} {message.body}")
        except Exception as exc:
            errors.append(f"sms: {exc.__class__.__name__}: {exc}")
    return errors


def reminder_deliver(*, reminder_id: int, now: datetime.datetime | None = None) -> str:
    """Deliver one pending reminder to the inbox and the chosen channels, at most once.

    Returns the row's new status, or ``"skipped"`` when it is not pending (done
    already, or locked by another worker right now).
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            reminder = (
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient", "content_type")
                .filter(pk=reminder_id, status=Reminder.Status.PENDING)
                .first()
            )
            if reminder is None:
                return "skipped"
            user = reminder.recipient
            message = None
            if user.is_active and (reminder.expires_at is None or reminder.expires_at > now):
                preference = preference_for(user)
                message = compose(reminder, language=preference.language, now=now)
            if message is None:
                reminder.status = Reminder.Status.CANCELLED
                reminder.save(update_fields=["status"])
                return reminder.status
            Notification.objects.create(
                recipient=user,
                kind=reminder.kind,
                title=message.title[:200],
                body=message.body,
                link=message.link,
                reminder=reminder,
            )
            errors = _send_channels(user, preference, message)
            reminder.attempts += 1
            if errors and reminder.attempts < MAX_ATTEMPTS:
                raise _RetryLater("; ".join(errors))
            reminder.status = Reminder.Status.FAILED if errors else Reminder.Status.SENT
            reminder.last_error = "; ".join(errors)
            reminder.sent_at = now
            reminder.save(update_fields=["status", "attempts", "last_error", "sent_at"])
            return reminder.status
    except _RetryLater as exc:
        # Everything above rolled back; count the attempt and let the next scan queue it again.
        Reminder.objects.filter(pk=reminder_id, status=Reminder.Status.PENDING).update(
            attempts=F("attempts") + 1, last_error=str(exc)[:2000], queued_at=None
        )
        return "retry"


def reminders_deliver(*, reminder_ids: Iterable[int]) -> dict[str, int]:
    """Deliver a chunk; one row's failure does not stop the others."""
    outcome: dict[str, int] = {}
    for reminder_id in reminder_ids:
        status = reminder_deliver(reminder_id=reminder_id)
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


def session_changed(*, session_id: int, change: str) -> None:
    """Tell the enrolled trainees a session was cancelled or moved, and recompute its reminders.

    Call it inside the transaction that changes the session: the notices are
    ledger rows in that transaction (a rollback sends nothing), and sending is
    queued after commit, outside the web request. The row's due time is the
    session's ``updated_at``, so calling twice for one change notifies once.
    """
    from courses.models import Enrollment, Session

    from . import jobs

    kinds = {"cancelled": Kind.SESSION_CANCELLED, "moved": Kind.SESSION_MOVED}
    if change not in kinds:
        raise ValueError(f"unknown session change: {change!r}")
    session = Session.objects.filter(pk=session_id).first()
    if session is None:
        return
    with transaction.atomic():
        enrolled = Enrollment.objects.filter(
            session=session, status=Enrollment.Status.ENROLLED, member__user__isnull=False
        ).values_list("member__user_id", flat=True)
        reminders_plan(
            reminder_rows(
                kind=kinds[change],
                recipient_ids=enrolled,
                obj=session,
                due_at=session.updated_at,
                expires_at=session.starts_at,
                context={"starts_at": session.starts_at.isoformat()},
            )
        )
        of_session = Reminder.objects.for_object(session)
        if change == "cancelled":
            reminders_cancel(
                of_session.filter(
                    kind__in=[Kind.SESSION_UPCOMING, Kind.INSTRUCTOR_SESSION, Kind.SESSION_MOVED]
                )
            )
        else:
            reminders_cancel(of_session.filter(kind=Kind.SESSION_MOVED).exclude(due_at=session.updated_at))
            jobs.session_reminders_plan(session_ids=[session.pk])
        from .tasks import dispatch_reminders

        enqueue_after_commit(dispatch_reminders)


def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread message of ``user`` as read."""
    notifications = Notification.objects.visible_to(user).unread()
    if notification_id is not None:
        notifications = notifications.filter(pk=notification_id)
    return notifications.update(read_at=timezone.now())


def users_with_role(role: str, *, township_ids: Iterable[int] | None = None) -> dict[int | None, list[int]]:
    """Active users of a portal role, grouped by the township of their profile."""
    from trainees.models import Profile

    profiles = Profile.objects.filter(role=role, user__is_active=True)
    if township_ids is not None:
        profiles = profiles.filter(township_id__in=list(township_ids))
    grouped: dict[int | None, list[int]] = {}
    for township_id, user_id in profiles.values_list("township_id", "user_id"):
        grouped.setdefault(township_id, []).append(user_id)
    return grouped
