"""Shared helpers for the monthly-cycle tests (tests/test_cycle_*.py)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from courses.models import Enrollment, Session
from tests.factories_courses import SessionFactory


def live_session(township, *, minutes_from_now: int = 10, **kwargs) -> Session:
    """A published session starting soon, so check-in is open."""
    starts_at = timezone.now() + datetime.timedelta(minutes=minutes_from_now)
    defaults = {
        "township": township,
        "status": Session.Status.PUBLISHED,
        "starts_at": starts_at,
        "ends_at": starts_at + datetime.timedelta(hours=2),
        "hours": Decimal("2.0"),
    }
    defaults.update(kwargs)
    return SessionFactory(**defaults)


def enrol(session, *members, status=Enrollment.Status.ENROLLED):
    return [Enrollment.objects.create(session=session, member=m, status=status) for m in members]
