"""Celery tasks of the roster: the retention of raw uploads (scheduled by beat, notifications 0003)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import retention


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=6,
)
def purge_roster_files() -> int:
    """Delete raw roster files ROSTER_FILE_RETENTION_DAYS after their import finished."""
    return retention.purge_roster_files()
