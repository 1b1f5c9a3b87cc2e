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

A cache that does not answer (Redis down) is no reason to fail a page: the value is then
computed in the request, as if nothing were kept.

An app registers each aggregate under a name (``@register("report-metrics")`` on a function of
JSON-friendly arguments), so the refresh task can name it in a message and nothing else can
be run through it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

FRESH_SECONDS = 60
# Older than this, a kept value is not shown: the request computes afresh (after a quiet spell,
# or when no worker has refreshed it).
MAX_AGE_SECONDS = 10 * 60
KEEP_SECONDS = 6 * 60 * 60

_aggregates: dict[str, Callable] = {}


def register(name: str) -> Callable[[Callable], Callable]:
    """Register the decorated function as the aggregate ``name``."""

    def decorator(func: Callable) -> Callable:
        _aggregates[name] = func
        return func

    return decorator


def is_registered(name: str) -> bool:
    return name in _aggregates


def _key(name: str, args) -> str:
    return "aggregate:" + ":".join([name, *(str(a) for a in args)])


def _cache_call(method: str, *args, default=None):
    """``cache.<method>(*args)``, or ``default`` when the cache does not answer."""
    try:
        return getattr(cache, method)(*args)
    except Exception:
        log.warning("cache %s failed; the aggregate is computed without it", method, exc_info=True)
        return default


def refresh(name: str, *args):
    """Compute ``name(*args)`` now and keep it; returns the value."""
    value = _aggregates[name](*args)
    _cache_call("set", _key(name, args), (time.time(), value), KEEP_SECONDS)
    return value


def cached(name: str, *args, fresh: int = FRESH_SECONDS):
    """The value of aggregate ``name(*args)``: from the cache, computed in the request only
    when absent, older than ``MAX_AGE_SECONDS``, when the cache is the process's own, or when
    the cache does not answer.

    A value older than ``fresh`` seconds is still returned; one background refresh is queued
    for it (the ``cache.add`` guard keeps concurrent requests from queueing more, and a refresh
    nobody ran within ``fresh`` seconds expires rather than piling up in the queue).
    """
    key = _key(name, args)
    entry = _cache_call("get", key)
    if entry is None:
        return refresh(name, *args)
    computed_at, value = entry
    age = time.time() - computed_at
    if age <= fresh:
        return value
    if age > MAX_AGE_SECONDS or not settings.AGGREGATES_BACKGROUND_REFRESH:
        return refresh(name, *args)
    if _cache_call("add", f"{key}:refreshing", 1, fresh, default=False):
        try:
            refresh_aggregate.apply_async((name, list(args)), expires=fresh)
        except Exception:  # broker down: the page still shows the older figures
            _cache_call("delete", f"{key}:refreshing")
            log.warning("could not queue the refresh of aggregate %s", name, exc_info=True)
    return value


@shared_task(ignore_result=True)
def refresh_aggregate(name: str, args: list) -> None:
    """Recompute a registered aggregate in the background (anything else is ignored)."""
    if is_registered(name):
        refresh(name, *args)
