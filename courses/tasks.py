"""Celery tasks of the monthly cycle (一月一训): open each month's plans, close the month.

The two small workflows they run live here too, beside their only callers;
they read and write only courses models and go through ``Workflow.transition``.
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.periods import add_months, month_bounds
from core.workflow import IllegalTransition
from trainees.models import Township

from .models import MonthlyPlan, Session, Theme

SYSTEM_USERNAME = "system"
TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError, ConnectionError, TimeoutError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}


def system_user():
    """The account scheduled jobs record workflow moves under (it cannot log in)."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_active": False, "first_name": _("系统自动")}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def plans_open(*, month: datetime.date) -> None:
    """Give every township a plan for ``month`` with the month's theme; existing plans are kept."""
    theme = Theme.objects.filter(year=month.year, month=month.month).first()
    MonthlyPlan.objects.bulk_create(
        [
            MonthlyPlan(township_id=pk, month=month, theme=theme)
            for pk in Township.objects.values_list("pk", flat=True)
        ],
        ignore_conflicts=True,
    )
    if theme is not None:
        # A theme entered after the plans were opened is filled in on the next run.
        MonthlyPlan.objects.filter(month=month, theme__isnull=True).update(theme=theme)


def plans_close(*, month: datetime.date) -> int:
    """Mark ``month``'s plans without a held session as missed; return how many."""
    start, end = month_bounds(month)
    held = Session.objects.filter(
        Q(plan=OuterRef("pk"))
        | Q(
            township=OuterRef("township"), kind=Session.Kind.MONTHLY, starts_at__gte=start, starts_at__lt=end
        ),
        status__in=[Session.Status.HELD, Session.Status.CLOSED],
    )
    open_plans = MonthlyPlan.objects.filter(
        month=month, status__in=[MonthlyPlan.Status.PLANNED, MonthlyPlan.Status.SCHEDULED]
    ).filter(~Exists(held))
    by = system_user()
    closed = 0
    for plan in open_plans:
        try:
            with transaction.atomic():
                plan.transition(
                    MonthlyPlan.Status.MISSED, by=by, note=_("月末自动关闭：当月没有已举办的月训。")
                )
        except IllegalTransition:
            continue  # changed meanwhile by someone else; their move stands
        closed += 1
    return closed


@shared_task(**TASK_OPTIONS)
def open_month_plans() -> None:
    """On the 1st: open the plans of the month that starts and of the next one (idempotent)."""
    today = timezone.localdate()
    for months_ahead in (0, 1):
        plans_open(month=add_months(today, months_ahead))


@shared_task(**TASK_OPTIONS)
def close_previous_month() -> int:
    """On the 1st: the previous month's plans without a held session become missed."""
    return plans_close(month=add_months(timezone.localdate(), -1))
