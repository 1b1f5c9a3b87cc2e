"""The reminder ledger: write rows before sending, deliver each exactly once, and the inbox actions.

Rows are identified by (kind, recipient, object, due time). Writers add them
with ``bulk_create(ignore_conflicts=True)``, so planning twice changes nothing;
:func:`reminders_deliver` moves a chunk's rows from pending to sent under row
locks, so a retried or redelivered task sends nothing twice. Queueing the due
rows for delivery is :func:`notifications.tasks.reminders_dispatch_due`.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from . import registry
from .messages import Message, compose_many
from .models import BeatHeartbeat, Notification, NotificationPreference, Reminder
from .sms import SmsRejected, SmsThrottled, get_sms_backend
from .sms.outbox import Outbox, retry_backoff

logger = logging.getLogger(__name__)

# One task delivers a chunk in one transaction, handing its texts to the gateway before the
# commit: a worker killed mid-chunk resends at most this many texts when the chunk is redone, and
# the row locks last as long as the gateway takes for them (100 ms a text → 10 s).
CHUNK_SIZE = 100
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


def reminders_cancel(queryset) -> int:
    return queryset.filter(status=Reminder.Status.PENDING).update(status=Reminder.Status.CANCELLED)


def preference_for(user) -> NotificationPreference:
    """The user's stored choices, or the defaults (inbox + e-mail, Chinese) when they never chose."""
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)


def _preferences(users: Iterable) -> dict[int, NotificationPreference]:
    """:func:`preference_for` for many users (by id) in one query."""
    users = list(users)
    stored = {p.user_id: p for p in NotificationPreference.objects.filter(user__in=[u.pk for u in users])}
    return {user.pk: stored.get(user.pk) or NotificationPreference(user=user) for user in users}


def _sms_phones(preferences: Iterable[NotificationPreference]) -> dict[int, str]:
    """The number each user (by id) who chose SMS is texted at: their own, else a registered phone book's
    (the member roll's)."""
    phones = {p.user_id: p.phone for p in preferences if p.by_sms}
    from_roll = [user_id for user_id, phone in phones.items() if not phone]
    if from_roll:
        phones.update(registry.fallback_phones(from_roll))
    return {user_id: phone for user_id, phone in phones.items() if phone}


class _Channels:
    """The channels beyond the inbox for one chunk; the SMS backend is made once.

    A text goes out as the reminder kind's template and parameters (:mod:`notifications.sms`);
    its outcome is kept per message by the chunk's :class:`~notifications.sms.outbox.Outbox`.
    A throttled or transient SMS failure is an error (the reminder is retried, a throttled one
    after a backoff); a permanent refusal is not (the number may be flagged, nothing is retried).
    """

    def __init__(self, now: datetime.datetime, phones: Iterable[str] = ()):
        # get_sms_backend looked up at the first text (tests replace it here).
        self.outbox = Outbox(now=now, backend_factory=lambda: get_sms_backend())
        self.outbox.prepare(phones)
        self.throttled: set[int] = set()

    def send(self, reminder, preference: NotificationPreference, phone: str, message: Message) -> list[str]:
        """Send through the channels the user chose; return the errors."""
        errors = []
        user = reminder.recipient
        if preference.by_email and user.email:
            try:
                send_mail(message.title, message.body, None, [user.email])
            except Exception as exc:
                errors.append(f"email: {exc.__class__.__name__}: {exc}")
        if phone:
            try:
                self.outbox.send(phone, reminder.kind, message.sms_params, reminder_id=reminder.pk)
            except SmsRejected:
                pass  # kept on the SmsMessage row (and the number flagged when it is at fault)
            except Exception as exc:
                if isinstance(exc, SmsThrottled):
                    self.throttled.add(reminder.pk)
                errors.append(f"sms: {exc.__class__.__name__}: {exc}")
        return errors


def reminder_deliver(*, reminder_id: int, now: datetime.datetime | None = None) -> str:
    """Deliver one reminder: :func:`reminders_deliver` for a chunk of one; return its outcome."""
    outcome = reminders_deliver(reminder_ids=[reminder_id], now=now)
    return next(iter(outcome))


def reminders_deliver(*, reminder_ids: Iterable[int], now: datetime.datetime | None = None) -> dict[str, int]:
    """Deliver a chunk of pending reminders to the inbox and the chosen channels, each at most once.

    One transaction claims the chunk's pending rows with one ``SELECT … FOR
    UPDATE SKIP LOCKED`` (rows done already, or held by another worker right
    now, are ``skipped``), loads what the messages need in bulk, writes the inbox
    rows in one INSERT, sends, and marks the sent rows in one UPDATE: the
    queries are the same few whatever the chunk's size.

    A row whose user left, whose time expired or whose message no longer
    applies is ``cancelled``. A row one of whose channels failed is handled
    alone, as if it had been rolled back: its inbox row is removed, the attempt
    counted, and the next scan queues it again (``retry``); after
    :data:`MAX_ATTEMPTS` it is ``failed`` with the inbox row kept. The other
    rows of the chunk are ``sent`` once. Returns how many rows had each outcome.
    """
    now = now or timezone.now()
    requested = list(reminder_ids)
    outcome: Counter[str] = Counter()
    with transaction.atomic():
        claimed = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "content_type")
            .filter(pk__in=set(requested), status=Reminder.Status.PENDING)
            .order_by("pk")
        )
        outcome["skipped"] = len(requested) - len(claimed)
        live = [r for r in claimed if r.recipient.is_active and (r.expires_at is None or r.expires_at > now)]
        preferences = _preferences({r.recipient_id: r.recipient for r in live}.values())
        messages = compose_many(
            live, languages={r.pk: preferences[r.recipient_id].language for r in live}, now=now
        )
        deliver = [(r, messages[r.pk]) for r in live if messages[r.pk] is not None]
        cancelled = {r.pk for r in claimed} - {r.pk for r, _message in deliver}
        if cancelled:
            Reminder.objects.filter(pk__in=cancelled).update(status=Reminder.Status.CANCELLED)
            outcome["cancelled"] = len(cancelled)
        if deliver:
            Notification.objects.bulk_create(
                [
                    Notification(
                        recipient=r.recipient,
                        kind=r.kind,
                        title=message.title[:200],
                        body=message.body,
                        link=message.link,
                        reminder=r,
                    )
                    for r, message in deliver
                ],
                batch_size=CHUNK_SIZE,
            )
        phones = _sms_phones(preferences[r.recipient_id] for r, _message in deliver)
        channels = _Channels(now, phones.values())
        sent, failed, retry = [], {}, {}
        for reminder, message in deliver:
            user_id = reminder.recipient_id
            errors = channels.send(reminder, preferences[user_id], phones.get(user_id, ""), message)
            if not errors:
                sent.append(reminder.pk)
            elif reminder.attempts + 1 < MAX_ATTEMPTS:
                retry[reminder.pk] = "; ".join(errors)
            else:
                failed[reminder.pk] = "; ".join(errors)
        if sent:
            Reminder.objects.filter(pk__in=sent).update(
                status=Reminder.Status.SENT, attempts=F("attempts") + 1, last_error="", sent_at=now
            )
            outcome["sent"] = len(sent)
        for pk, error in failed.items():
            Reminder.objects.filter(pk=pk).update(
                status=Reminder.Status.FAILED, attempts=F("attempts") + 1, last_error=error, sent_at=now
            )
            outcome["failed"] += 1
        if retry:
            # As if this row alone had been rolled back: no inbox row, and the next scan queues it again.
            Notification.objects.filter(reminder_id__in=list(retry)).delete()
        attempts = {r.pk: r.attempts + 1 for r, _message in deliver}
        for pk, error in retry.items():
            # A throttled text waits out a backoff: the scan queues rows whose queued_at is older
            # than REQUEUE_AFTER, so this row is picked up again once the backoff has passed.
            queued_at = (
                now - REQUEUE_AFTER + retry_backoff(attempts[pk]) if pk in channels.throttled else None
            )
            Reminder.objects.filter(pk=pk).update(
                attempts=F("attempts") + 1, last_error=error[:2000], queued_at=queued_at
            )
            outcome["retry"] += 1
        channels.outbox.flush()
    return {status: count for status, count in outcome.items() if count}


def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread message of ``user`` as read."""
    notifications = Notification.objects.visible_to(user).unread()
    if notification_id is not None:
        notifications = notifications.filter(pk=notification_id)
    return notifications.update(read_at=timezone.now())


def beat_heartbeat_record(*, now: datetime.datetime | None = None) -> None:
    BeatHeartbeat.objects.update_or_create(pk=1, defaults={"ticked_at": now or timezone.now()})


def last_beat_tick() -> datetime.datetime | None:
    return BeatHeartbeat.objects.filter(pk=1).values_list("ticked_at", flat=True).first()
