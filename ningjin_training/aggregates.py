"""County-scale aggregates served from the shared cache, refreshed in the background.

The county dashboard and a draft annual report scan a year of attendance (hundreds of
thousands of rows, 0.3–1 s at county scale). Their figures change slowly, so they are
computed once, kept in the cache (Redis in production, shared by every web process) and
served from there: a request only computes when there is nothing at all to show. Once a
value is older than ``fresh`` seconds the first request that notices queues one Celery task
to recompute it and is answered from the older value meanwhile — nobody waits for the scan.
A value older than ten minutes (after a quiet spell, or with no worker) is computed afresh in
the request, and so is every stale value when the cache is each process's own
(``AGGREGATES_BACKGROUND_REFRESH`` is off: a worker's refresh would not reach the web).

Every aggregate is named in ``AGGREGATES`` (name → function of JSON-friendly arguments), so
the refresh task can name it in a message and nothing else can be run through it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

AGGREGATES = {
    "county-dashboard": "ningjin_training.dashboards.county_numbers",
    "report-metrics": "evaluations.selectors.draft_report_metrics",
}
FRESH_SECONDS = 60
# Older than this, a kept value is not shown: the request computes afresh (after a quiet spell,
# or when no worker has refreshed it).
MAX_AGE_SECONDS = 10 * 60
KEEP_SECONDS = 6 * 60 * 60


def _function(name: str) -> Callable:
    return import_string(AGGREGATES[name])


def _key(name: str, args) -> str:
    return "aggregate:" + ":".join([name, *(str(a) for a in args)])


def refresh(name: str, *args):
    """Compute ``name(*args)`` now and keep it; returns the value."""
    value = _function(name)(*args)
    cache.set(_key(name, args), (time.time(), value), KEEP_SECONDS)
    return value


def cached(name: str, *args, fresh: int = FRESH_SECONDS):
    """The value of aggregate ``name(*args)``: from the cache, computed in the request only
    when absent, older than ``MAX_AGE_SECONDS``, or when the cache is the process's own.

    A value older than ``fresh`` seconds is still returned; one background refresh is queued
    for it (the ``cache.add`` guard keeps concurrent requests from queueing more, and a refresh
    nobody ran within ``fresh`` seconds expires rather than piling up in the queue).
    """
    key = _key(name, args)
    entry = cache.get(key)
    if entry is None:
        return refresh(name, *args)
    computed_at, value = entry
    age = time.time() - computed_at
    if age <= fresh:
        return value
    if age > MAX_AGE_SECONDS or not settings.AGGREGATES_BACKGROUND_REFRESH:
        return refresh(name, *args)
    if cache.add(f"{key}:refreshing", 1, fresh):
        from .tasks import refresh_aggregate

        try:
            refresh_aggregate.apply_async((name, list(args)), expires=fresh)
        except Exception:  # broker down: the page still shows the older figures
            cache.delete(f"{key}:refreshing")
            log.warning("could not queue the refresh of aggregate %s", name, exc_info=True)
    return value
