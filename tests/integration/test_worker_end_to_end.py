"""A real Celery worker and beat against Redis and the PostgreSQL test database.

Run by ``make test-services`` (CELERY_BROKER_URL=redis://…, DATABASE_URL=postgres://…);
skipped elsewhere. The subprocesses get DATABASE_URL pointing at pytest-django's
test database, so what they write is what the test reads.
"""

import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from courses.models import Enrollment, Session
from ningjin_training.celery import app as celery_app
from notifications.models import BeatHeartbeat, Kind, Notification, Reminder, ReminderRule
from notifications.services import reminder_rows, reminders_plan
from notifications.tasks import send_reminders
from tests.factories_courses import SessionFactory

ROOT = Path(__file__).resolve().parents[2]
BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not BROKER_URL.startswith("redis://"), reason="needs CELERY_BROKER_URL=redis://…"),
]


def wait_for(condition, timeout=30.0, interval=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


@pytest.fixture
def celery_processes(transactional_db, tmp_path):
    """``start("worker")`` / ``start("beat")``: subprocesses on this test's queue and database."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker must share the database: needs DATABASE_URL=postgres://…")
    settings_dict = connection.settings_dict
    database_url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**settings_dict)
    queue = f"itest-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "ningjin_training.settings",
        "CELERY_TASK_ALWAYS_EAGER": "False",
        "ITEST_QUEUE": queue,
        "PYTHONPATH": str(ROOT),
    }
    celery = [sys.executable, "-m", "celery", "-A", "tests.integration.worker_app"]
    commands = {
        "worker": [*celery, "worker", "-Q", queue, "--pool", "prefork", "--concurrency", "2", "-l", "INFO"],
        "beat": [*celery, "beat", "-l", "INFO", "--schedule", str(tmp_path / "beat"), "--max-interval", "1"],
    }
    processes = {}

    def start(name):
        log = open(tmp_path / f"{name}.log", "w")
        processes[name] = (subprocess.Popen(commands[name], cwd=ROOT, env=env, stdout=log, stderr=log), log)

    start.queue = queue
    yield start
    for process, _log in processes.values():
        process.send_signal(signal.SIGTERM)
    for name, (process, log) in processes.items():
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        sys.stdout.write(f"\n--- {name} log ---\n{(tmp_path / f'{name}.log').read_text()[-3000:]}\n")
    import redis

    redis.Redis.from_url(BROKER_URL).delete(queue, f"_kombu.binding.{queue}")


def published_session(cast, starts_at):
    session = SessionFactory(
        township=cast.township_a,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        status=Session.Status.PUBLISHED,
    )
    Enrollment.objects.create(session=session, member=cast.trainee_member)
    return session


def test_beat_and_a_worker_deliver_a_session_reminder_to_the_inbox(cast, celery_processes):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    PeriodicTask.objects.all().delete()
    # The two-hour rule comes from a data migration; a transactional test that ran
    # before this one in the same process flushed it (tests/integration/test_faults.py).
    ReminderRule.objects.get_or_create(audience=ReminderRule.Audience.TRAINEES, minutes_before=120)
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    for task in ("notifications.tasks.scan_due_reminders", "notifications.tasks.beat_heartbeat"):
        PeriodicTask.objects.create(name=f"itest {task}", task=task, interval=every_second)
    celery_processes("worker")
    celery_processes("beat")
    assert wait_for(lambda: BeatHeartbeat.objects.exists(), timeout=25), "no beat tick reached the worker"
    # Only now (a loaded machine may take longer than a few seconds to start both): the
    # two-hour reminder falls due a few seconds from now; beat plans it, then sends it.
    session = published_session(cast, timezone.now() + datetime.timedelta(hours=2, seconds=8))
    trainee = cast.users["trainee"]
    assert wait_for(lambda: trainee.notifications.exists(), timeout=30), (
        "the reminder never reached the inbox"
    )
    notification = trainee.notifications.get()
    assert notification.kind == Kind.SESSION_UPCOMING
    assert session.title in notification.title
    time.sleep(2)  # further scans must not send it again
    assert trainee.notifications.count() == 1
    assert Reminder.objects.get(kind=Kind.SESSION_UPCOMING, status=Reminder.Status.SENT).sent_at


def test_a_task_message_delivered_twice_sends_one_notification(cast, celery_processes):
    session = published_session(cast, timezone.now() + datetime.timedelta(hours=1))
    Session.objects.filter(pk=session.pk).update(status=Session.Status.CANCELLED)
    reminders_plan(
        reminder_rows(
            kind=Kind.SESSION_CANCELLED,
            recipient_ids=[cast.users["trainee"].pk],
            obj=session,
            due_at=timezone.now(),
        )
    )
    reminder = Reminder.objects.get()
    # The same message (same task id) twice, as a broker redelivers it; two worker
    # processes may take them at once.
    task_id = str(uuid.uuid4())
    celery_app.conf.task_always_eager = False
    try:
        for _ in range(2):
            send_reminders.apply_async(args=[[reminder.pk]], task_id=task_id, queue=celery_processes.queue)
    finally:
        celery_app.conf.task_always_eager = True
    celery_processes("worker")

    import redis

    client = redis.Redis.from_url(BROKER_URL)
    assert wait_for(lambda: Reminder.objects.get().status == Reminder.Status.SENT)
    assert wait_for(lambda: client.llen(celery_processes.queue) == 0)
    time.sleep(1.5)  # let the second copy finish
    assert Notification.objects.filter(recipient=cast.users["trainee"]).count() == 1
