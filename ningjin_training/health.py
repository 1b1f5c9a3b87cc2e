"""Liveness of the pieces the portal depends on, for /healthz."""

import datetime

from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from kombu import Connection

from notifications.services import last_beat_tick

from .celery import app


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


def broker_status() -> str:
    try:
        with Connection(
            app.conf.broker_url, transport_options=app.conf.broker_transport_options or {}
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


def cache_status() -> str:
    """Whether the shared cache answers a write and a read (pages work without it: core.aggregates)."""
    try:
        cache.set("healthz:probe", 1, 10)
        cache.get("healthz:probe")
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


# beat_heartbeat runs every minute; a few missed ticks mean beat or the workers are down.
BEAT_STALE_AFTER = datetime.timedelta(minutes=5)


def beat_status() -> dict:
    """When beat → broker → worker last completed a tick, read from the database (no cache needed)."""
    try:
        ticked_at = last_beat_tick()
    except Exception as exc:
        return {"status": f"error: {exc.__class__.__name__}", "last_tick": None}
    if ticked_at is None:
        return {"status": "never", "last_tick": None}
    stale = timezone.now() - ticked_at > BEAT_STALE_AFTER
    return {"status": "stale" if stale else "ok", "last_tick": timezone.localtime(ticked_at).isoformat()}
