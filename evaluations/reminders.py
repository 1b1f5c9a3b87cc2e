"""The reminders of the evaluations app, registered with notifications when the app loads.

Scans (run by the beat tasks of :mod:`notifications.tasks`, by name):

- ``overdue-improvement-items``: overdue open improvement items (一季一研 改进清单);
- ``annual-report-due``: townships that have not submitted this year's report (一年一述).
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.periods import local_day_start
from core.roles import Role
from notifications.messages import Lookups, detail_url
from notifications.models import Kind, Reminder
from notifications.registry import builder, scan
from notifications.services import reminder_rows, reminders_plan
from trainees.models import Township
from trainees.selectors import users_with_role

from .models import AnnualReport, ImprovementItem

DONE_REPORT_STATES = (AnnualReport.Status.SUBMITTED, AnnualReport.Status.APPROVED)


@scan("overdue-improvement-items")
def improvement_items_chase(*, now: datetime.datetime | None = None) -> None:
    """Overdue open improvement items: the township's admins, or county staff for county items."""
    now = now or timezone.now()
    due = local_day_start(now)
    overdue = ImprovementItem.objects.filter(
        status__in=ImprovementItem.OPEN_STATES, due_date__lt=timezone.localdate(now)
    ).only("pk", "township_id")
    township_admins = users_with_role(Role.TOWNSHIP)
    county = users_with_role(Role.COUNTY).get(None, [])
    rows = []
    for item in overdue:
        recipients = township_admins.get(item.township_id, []) if item.township_id else county
        rows += reminder_rows(
            kind=Kind.IMPROVEMENT_OVERDUE,
            recipient_ids=recipients,
            obj=item,
            due_at=due,
            expires_at=due + datetime.timedelta(days=7),
        )
    reminders_plan(rows)


@scan("annual-report-due")
def annual_report_remind(*, now: datetime.datetime | None = None) -> None:
    """Townships that have not submitted this year's report (the beat runs it in December)."""
    now = now or timezone.now()
    due = local_day_start(now)
    submitted = AnnualReport.objects.filter(
        township=OuterRef("pk"), year=timezone.localdate(now).year, status__in=DONE_REPORT_STATES
    )
    township_ids = Township.objects.filter(~Exists(submitted)).values_list("pk", flat=True)
    admins = users_with_role(Role.TOWNSHIP, township_ids=township_ids)
    rows = []
    for township in Township.objects.filter(pk__in=list(admins)):
        rows += reminder_rows(
            kind=Kind.ANNUAL_REPORT_DUE,
            recipient_ids=admins[township.pk],
            obj=township,
            due_at=due,
            expires_at=due + datetime.timedelta(days=7),
        )
    reminders_plan(rows)


@builder(Kind.IMPROVEMENT_OVERDUE)
def improvement_item_message(reminder: Reminder, item, now, lookups: Lookups) -> dict | None:
    if item.status not in ImprovementItem.OPEN_STATES:
        return None
    return {"problem": item.problem, "due_date": item.due_date, "link": detail_url(item)}


@builder(Kind.ANNUAL_REPORT_DUE)
def annual_report_message(reminder: Reminder, township, now, lookups: Lookups) -> dict | None:
    year = timezone.localtime(reminder.due_at).year
    done = AnnualReport.objects.filter(township=township, year=year, status__in=DONE_REPORT_STATES)
    if lookups.memo(("annual_report", township.pk, year), done.exists):
        return None
    return {"township": township.name, "year": year}
