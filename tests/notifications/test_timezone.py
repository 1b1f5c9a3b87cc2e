"""Reminder instants on the Beijing wall clock, across month and year ends, and the beat's time zone."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_celery_beat.models import PeriodicTask

from courses.models import Enrollment, Session
from notifications.models import Kind, Reminder
from notifications.tasks import scan_due_reminders
from tests.factories_courses import SessionFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def published_session(cast, starts_at):
    session = SessionFactory(
        township=cast.township_a,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        status=Session.Status.PUBLISHED,
    )
    Enrollment.objects.create(session=session, member=cast.trainee_member)
    return session


@pytest.mark.parametrize(
    ("starts_at", "day_before", "two_hours_before"),
    [
        (at(2026, 6, 17, 8, 0), at(2026, 6, 16, 8, 0), at(2026, 6, 17, 6, 0)),
        (at(2026, 7, 1, 8, 0), at(2026, 6, 30, 8, 0), at(2026, 7, 1, 6, 0)),
        (at(2027, 1, 1, 8, 0), at(2026, 12, 31, 8, 0), at(2027, 1, 1, 6, 0)),
        (at(2028, 3, 1, 8, 0), at(2028, 2, 29, 8, 0), at(2028, 3, 1, 6, 0)),
    ],
    ids=["mid-month", "month-end", "year-end", "leap-day"],
)
def test_a_session_at_eight_gets_its_reminders_at_eight_the_day_before_and_six_the_same_day(
    cast, django_capture_on_commit_callbacks, starts_at, day_before, two_hours_before
):
    session = published_session(cast, starts_at)
    trainee = cast.users["trainee"]
    with time_machine.travel(starts_at - datetime.timedelta(days=1, hours=3), tick=False):
        scan_due_reminders()
    dues = set(
        Reminder.objects.filter(
            kind=Kind.SESSION_UPCOMING, recipient=trainee, object_id=session.pk
        ).values_list("due_at", flat=True)
    )
    assert dues == {day_before, two_hours_before}

    # Enqueued sends run when the transaction commits: still inside the travelled time.
    with time_machine.travel(day_before - datetime.timedelta(minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            scan_due_reminders()
    assert not trainee.notifications.exists()
    with time_machine.travel(day_before, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            scan_due_reminders()
    assert trainee.notifications.count() == 1
    with time_machine.travel(two_hours_before + datetime.timedelta(seconds=30), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            scan_due_reminders()
    assert trainee.notifications.count() == 2
    assert "08:00" in trainee.notifications.first().body


def test_the_beat_schedule_is_in_beijing_time():
    task = PeriodicTask.objects.get(task="courses.tasks.open_month_plans")
    assert str(task.crontab.timezone) == "Asia/Shanghai"
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_month) == ("10", "0", "1")
    schedule = task.crontab.schedule
    # 2026-11-30 16:09 UTC is 2026-12-01 00:09 in Ningjin: due one minute later, not eight hours later.
    last_run = datetime.datetime(2026, 11, 30, 15, 0, tzinfo=datetime.UTC)
    schedule.nowfun = lambda: datetime.datetime(2026, 11, 30, 16, 9, tzinfo=datetime.UTC)
    assert not schedule.is_due(last_run).is_due
    schedule.nowfun = lambda: datetime.datetime(2026, 11, 30, 16, 10, 5, tzinfo=datetime.UTC)
    assert schedule.is_due(last_run).is_due


def test_every_scheduled_task_is_a_registered_task():
    from ningjin_training.celery import app

    app.loader.import_default_modules()
    names = set(PeriodicTask.objects.values_list("task", flat=True))
    assert "notifications.tasks.beat_heartbeat" in names
    assert names <= set(app.tasks), names - set(app.tasks)
