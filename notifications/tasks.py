"""Celery tasks: thin, take ids, call services; each safe to run twice or concurrently.

The beat schedule names these tasks (migration 0002 writes its rows), so their names
stay; each periodic one runs the scan a domain app registered under a name
(:mod:`notifications.registry`) and then queues every due row.

Transient failures (database or broker connections) retry with exponential
backoff; ``acks_late`` means a worker killed mid-task leaves the message to be
redelivered, which the reminder ledger makes harmless.
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from . import services
from .models import Reminder
from .registry import run_scan
from .sms import outbox as sms_outbox

TRANSIENT = (OperationalError, InterfaceError, BrokerError, ConnectionError, TimeoutError)
TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}
# A queued chunk that has not been sent after this long is queued again (its
# message may have been lost with a broker); the ledger keeps it from doubling.
REQUEUE_AFTER = services.REQUEUE_AFTER


@shared_task(**TASK_OPTIONS)
def send_reminders(reminder_ids: list[int]) -> dict[str, int]:
    return services.reminders_deliver(reminder_ids=reminder_ids)


def reminders_dispatch_due(*, now: datetime.datetime | None = None) -> int:
    """Queue the due pending reminders in chunks of ``services.CHUNK_SIZE``; return how many were queued."""
    now = now or timezone.now()
    ids = list(
        Reminder.objects.pending()
        .filter(due_at__lte=now)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - REQUEUE_AFTER))
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )
    for chunk in services.chunked(ids):
        Reminder.objects.filter(pk__in=chunk).update(queued_at=now)
        services.enqueue_after_commit(
            send_reminders,
            chunk,
            on_failure=lambda chunk=chunk: Reminder.objects.filter(pk__in=chunk).update(queued_at=None),
        )
    return len(ids)


@shared_task(**TASK_OPTIONS)
def dispatch_reminders() -> int:
    return reminders_dispatch_due()


def dispatch_after_commit() -> None:
    """Queue :func:`dispatch_reminders` once the current transaction commits (a broker outage is logged)."""
    services.enqueue_after_commit(dispatch_reminders)


@shared_task(**TASK_OPTIONS)
def scan_due_reminders() -> int:
    """Every few minutes: plan session reminders within the horizon, then queue every due row."""
    run_scan("session-reminders")
    return reminders_dispatch_due()


@shared_task(**TASK_OPTIONS)
def remind_townships_without_session() -> int:
    run_scan("townships-without-session")
    return reminders_dispatch_due()


@shared_task(**TASK_OPTIONS)
def remind_instructors_of_requests() -> int:
    run_scan("dispatched-requests")
    return reminders_dispatch_due()


@shared_task(**TASK_OPTIONS)
def alert_absent_members(months: int = 3) -> int:
    run_scan("absent-members", months=months)
    return reminders_dispatch_due()


@shared_task(**TASK_OPTIONS)
def chase_overdue_improvement_items() -> int:
    run_scan("overdue-improvement-items")
    return reminders_dispatch_due()


@shared_task(**TASK_OPTIONS)
def remind_annual_report() -> int:
    run_scan("annual-report-due")
    return reminders_dispatch_due()


@shared_task(**TASK_OPTIONS)
def beat_heartbeat() -> None:
    services.beat_heartbeat_record()


@shared_task(**TASK_OPTIONS)
def sms_send_queued() -> dict[str, int]:
    """Every few minutes: send the texts kept back by yesterday's daily caps, as today's caps allow."""
    return dict(sms_outbox.queued_send())


@shared_task(**TASK_OPTIONS)
def sms_pull_receipts() -> int:
    """Every few minutes: pull delivery receipts (Aliyun QuerySendDetails, Tencent PullSmsSendStatus)."""
    return sms_outbox.receipts_pull()
