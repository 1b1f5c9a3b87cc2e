"""Configuration changes are audited like data: the beat schedule and the reminder rules.

The system administrator edits them in the admin; every create, change and delete
leaves an audit row the security auditor reads (docs/mlps.md, security audit).
Imported by ``NotificationsConfig.ready``: notifications owns the beat schedule.
"""

from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask

import audit

from .models import ReminderRule


def register() -> None:
    audit.register(PeriodicTask, exclude=["last_run_at", "total_run_count", "date_changed"])
    for model in (CrontabSchedule, IntervalSchedule, ClockedSchedule):
        audit.register(model)
    audit.register(ReminderRule)
