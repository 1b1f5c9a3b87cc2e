"""Celery tasks: thin, take ids, call services; each safe to run twice or concurrently.

Transient failures (database or broker connections) retry with exponential
backoff; ``acks_late`` means a worker killed mid-task leaves the message to be
redelivered, which the reminder ledger makes harmless.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from . import jobs, services

TRANSIENT = (OperationalError, InterfaceError, BrokerError, ConnectionError, TimeoutError)
TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(**TASK_OPTIONS)
def send_reminders(reminder_ids: list[int]) -> dict[str, int]:
    return services.reminders_deliver(reminder_ids=reminder_ids)


@shared_task(**TASK_OPTIONS)
def dispatch_reminders() -> int:
    return services.reminders_dispatch_due()


@shared_task(**TASK_OPTIONS)
def scan_due_reminders() -> int:
    """Every few minutes: plan session reminders within the horizon, then queue every due row."""
    jobs.session_reminders_plan()
    return services.reminders_dispatch_due()


@shared_task(**TASK_OPTIONS)
def remind_townships_without_session() -> int:
    jobs.townships_without_session_remind()
    return services.reminders_dispatch_due()


@shared_task(**TASK_OPTIONS)
def remind_instructors_of_requests() -> int:
    jobs.instructors_remind_dispatched_requests()
    return services.reminders_dispatch_due()


@shared_task(**TASK_OPTIONS)
def alert_absent_members(months: int = 3) -> int:
    jobs.absent_members_alert(months=months)
    return services.reminders_dispatch_due()


@shared_task(**TASK_OPTIONS)
def chase_overdue_improvement_items() -> int:
    jobs.improvement_items_chase()
    return services.reminders_dispatch_due()


@shared_task(**TASK_OPTIONS)
def remind_annual_report() -> int:
    jobs.annual_report_remind()
    return services.reminders_dispatch_due()


@shared_task(**TASK_OPTIONS)
def beat_heartbeat() -> None:
    jobs.beat_heartbeat_record()
