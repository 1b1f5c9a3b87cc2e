"""Calendar periods of the county's rhythm (month, quarter, year), on the local wall clock.

Months, quarters and years are derived from local (Asia/Shanghai) dates; their bounds
are aware datetimes at local midnight, half-open: ``start <= moment < end``.
"""

from __future__ import annotations

import datetime

from django.utils import timezone


def local_midnight(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of ``day``, as an aware datetime."""
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day))


def local_day_start(now: datetime.datetime) -> datetime.datetime:
    """Local midnight of the day ``now`` falls on (the bucket of a daily chase)."""
    return local_midnight(timezone.localdate(now))


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month ``months`` after (or, negative, before) the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Local start of the month of ``day`` and of the next month."""
    return local_midnight(day.replace(day=1)), local_midnight(add_months(day, 1))


def quarter_of(day: datetime.date) -> int:
    """The quarter (1–4) ``day`` falls in."""
    return (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.datetime, datetime.datetime]:
    """Local start of quarter ``quarter`` (1–4) of ``year`` and of the next quarter."""
    first = datetime.date(year, 3 * quarter - 2, 1)
    return local_midnight(first), local_midnight(add_months(first, 3))


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """Local start of ``year`` and of the next year."""
    return local_midnight(datetime.date(year, 1, 1)), local_midnight(datetime.date(year + 1, 1, 1))


# The years the portal keeps figures for; a year outside is not a question anyone asks.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def year_param(value, default: int | None = None) -> int:
    """A year read from a query string: ``value`` when it is a year the portal covers, else ``default``
    (or this year). ``?year=0``, ``-1``, ``10000`` or ``abc`` never reach the period arithmetic."""
    fallback = default or timezone.localdate().year
    try:
        year = int(value)
    except (TypeError, ValueError):
        return fallback
    return year if FIRST_YEAR <= year <= LAST_YEAR else fallback
