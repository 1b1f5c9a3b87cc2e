"""Fault tests on the real PostgreSQL and Redis (``make test-services``; skipped elsewhere).

- the broker unreachable: pages answer, a cancellation commits with its notices
  recorded, and once the broker (the real Redis) is back a real worker delivers
  each notice exactly once;
- a worker SIGKILLed in the middle of a 1,000-reminder fan-out: after a restart
  every reminder is delivered exactly once;
- two admins saving one attendance sheet at the same moment: one wins, the
  other is refused, nothing is merged.
"""

import datetime
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from courses.cycle.services import AttendanceRow, StaleAttendance, attendance_bulk_save
from courses.models import Attendance, Enrollment, Session
from ningjin_training.celery import app as celery_app
from notifications.models import Kind, Notification, NotificationPreference, Reminder
from notifications.services import chunked, reminder_rows, reminders_plan
from notifications.tasks import scan_due_reminders, send_reminders
from tests.cycle_fixtures import enrol, live_session
from tests.factories import MemberFactory, make_user
from tests.factories_courses import SessionFactory
from tests.notifications.test_broker_down import UNREACHABLE, forget_connections

from .test_worker_end_to_end import BROKER_URL, ROOT, wait_for

pytestmark = [pytest.mark.services]

needs_redis = pytest.mark.skipif(
    not BROKER_URL.startswith("redis://"), reason="needs CELERY_BROKER_URL=redis://…"
)


def require_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL=postgres://…")


@pytest.fixture
def worker(transactional_db, tmp_path):
    """``worker.start()`` / ``worker.kill()``: a real prefork worker on this test's queue and database.

    The worker's Redis visibility timeout is 8 s and its unacked sweep runs every
    second, so a message held by a killed worker comes back within the test
    (production: one hour, and the scan re-queues rows queued over 10 minutes ago).
    """
    require_postgresql()
    database_url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict)
    queue = f"itest-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": BROKER_URL,
        "DJANGO_SETTINGS_MODULE": "ningjin_training.settings",
        "CELERY_TASK_ALWAYS_EAGER": "False",
        "ITEST_QUEUE": queue,
        "ITEST_VISIBILITY_TIMEOUT": "8",
        "SMS_BACKEND": "tests.integration.worker_app.SlowGateway",
        # Every text reaches the slow gateway (one number for all recipients): no daily SMS cap.
        "SMS_DAILY_LIMIT_PER_NUMBER": "1000000",
        "SMS_DAILY_LIMIT_TOTAL": "1000000",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "celery", "-A", "tests.integration.worker_app", "worker", "-Q", queue]
    command += [
        "--pool",
        "prefork",
        "--concurrency",
        "2",
        "-l",
        "INFO",
        "--without-mingle",
        "--without-gossip",
    ]
    state = {"process": None, "logs": []}

    class Worker:
        def start(self):
            log_path = tmp_path / f"worker{len(state['logs'])}.log"
            log = open(log_path, "w")
            state["logs"].append((log_path, log))
            # A session of its own: kill() takes the pool children down with the main process.
            state["process"] = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
            )

        def kill(self):
            process = state["process"]
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            state["process"] = None

    Worker.queue = queue
    yield Worker()
    if state["process"] is not None:
        os.killpg(state["process"].pid, signal.SIGTERM)
        try:
            state["process"].wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(state["process"].pid, signal.SIGKILL)
            state["process"].wait()
    for log_path, log in state["logs"]:
        log.close()
        sys.stdout.write(f"\n--- {log_path.name} ---\n{log_path.read_text()[-3000:]}\n")
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    client.delete(queue, f"_kombu.binding.{queue}")


def publish(task, *args, queue):
    """Publish for real (the test settings run tasks eagerly) on a connection of its own.

    The app's connection pools may have been closed by a broker-down test in the same process.
    """
    celery_app.conf.task_always_eager = False
    try:
        with celery_app.connection_for_write(BROKER_URL) as broker:
            task.apply_async(args=args, queue=queue, producer=celery_app.amqp.Producer(broker))
    finally:
        celery_app.conf.task_always_eager = True


# --- a. broker unreachable, then back ------------------------------------------------------------

PAGES = {
    "county": [
        "home",
        "courses:session-list",
        "courses:plan-list",
        "trainees:member-list",
        "trainees:member-import",
        "notifications:inbox",
        "notifications:reminder-list",
        "evaluations:item-list",
        "evaluations:report-list",
    ],
    "township_a": [
        "home",
        "courses:session-list",
        "courses:plan-list",
        "courses:ledger-township",
        "trainees:member-list",
        "notifications:inbox",
        "evaluations:item-list",
    ],
    "instructor": ["home", "courses:request-list", "notifications:inbox", "notifications:preferences"],
    "trainee": [
        "home",
        "courses:my-schedule",
        "courses:my-hours",
        "notifications:inbox",
        "notifications:preferences",
        "evaluations:feedback-mine",
    ],
}


@needs_redis
def test_with_the_broker_down_pages_answer_changes_commit_and_notices_go_out_once_it_is_back(
    cast, worker, monkeypatch, caplog
):
    trainees = [cast.users["trainee"]]
    for n in range(4):
        member = MemberFactory(branch=cast.branch_a)
        trainees.append(make_user(Role.TRAINEE, member=member, username=f"trainee{n}"))
    starts_at = timezone.now() + datetime.timedelta(days=2)
    session = SessionFactory(
        township=cast.township_a,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        status=Session.Status.PUBLISHED,
    )
    for user in trainees:
        Enrollment.objects.create(session=session, member=user.member)

    # The broker is down (nothing listens there); publishing gives up fast, as settings.py configures it.
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE)
    monkeypatch.setattr(celery_app.conf, "broker_url", UNREACHABLE)
    options = celery_app.conf.broker_transport_options
    celery_app.conf.broker_transport_options = {"max_retries": 1, "interval_max": 0.5}
    celery_app.conf.task_always_eager = False
    forget_connections()
    try:
        for role, names in PAGES.items():
            client = Client()
            client.force_login(cast.users[role])
            for name in names:
                status = client.get(reverse(name)).status_code
                assert status in (200, 302), (role, name, status)
        client = Client()
        client.force_login(cast.users["township_a"])
        started = time.monotonic()
        response = client.post(reverse("courses:session-cancel", args=[session.pk]), {"reason": "暴雨预警"})
        assert response.status_code == 302
        assert time.monotonic() - started < 10, "a dead broker must not hold up the request"
    finally:
        celery_app.conf.task_always_eager = True
        celery_app.conf.broker_transport_options = options
    assert "Could not enqueue notifications.tasks.dispatch_reminders" in caplog.text
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED  # the change committed
    notices = Reminder.objects.filter(kind=Kind.SESSION_CANCELLED)
    assert sorted(notices.values_list("recipient_id", flat=True)) == sorted(u.pk for u in trainees)
    assert set(notices.values_list("status", flat=True)) == {Reminder.Status.PENDING}
    assert not Notification.objects.exists()

    # The broker is back (the real Redis): a real worker runs the periodic scan, twice.
    monkeypatch.setenv("CELERY_BROKER_URL", BROKER_URL)
    monkeypatch.setattr(celery_app.conf, "broker_url", BROKER_URL)
    forget_connections()
    worker.start()
    publish(scan_due_reminders, queue=worker.queue)
    assert wait_for(lambda: not notices.filter(status=Reminder.Status.PENDING).exists(), timeout=40)
    publish(scan_due_reminders, queue=worker.queue)
    time.sleep(3)  # the second scan finds nothing left to send
    assert set(notices.values_list("status", flat=True)) == {Reminder.Status.SENT}
    for user in trainees:
        assert Notification.objects.filter(recipient=user, kind=Kind.SESSION_CANCELLED).count() == 1
    assert Notification.objects.count() == len(trainees)


# --- b. a worker killed in the middle of a fan-out -----------------------------------------------

# 1,000 rows in 20 chunks, every recipient texted through a gateway that takes 20 ms a text:
# about 10 s of delivery for the 2 pool processes, so the kill lands mid-way however fast the
# batched delivery around the gateway is; the property does not depend on the size.
FAN_OUT = 1000


@needs_redis
def test_a_worker_killed_mid_fan_out_still_delivers_every_reminder_exactly_once(cast, worker):
    session = SessionFactory(township=cast.township_a, status=Session.Status.CANCELLED)
    User = get_user_model()
    User.objects.bulk_create(
        [User(username=f"fanout{n:05d}", password="!") for n in range(FAN_OUT)], batch_size=1000
    )
    recipients = list(User.objects.filter(username__startswith="fanout").values_list("pk", flat=True))
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user_id=pk, by_email=False, by_sms=True, phone="13800000000")
            for pk in recipients
        ]
    )
    reminders_plan(
        reminder_rows(
            kind=Kind.SESSION_CANCELLED, recipient_ids=recipients, obj=session, due_at=timezone.now()
        )
    )
    ids = list(Reminder.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == FAN_OUT
    for chunk in chunked(ids, 50):
        publish(send_reminders, chunk, queue=worker.queue)

    worker.start()
    assert wait_for(lambda: Notification.objects.count() >= 150, timeout=40), "the worker never started"
    worker.kill()  # SIGKILL, main process and pool children: chunks in flight stay unacknowledged
    delivered_at_kill = Notification.objects.count()
    assert delivered_at_kill < FAN_OUT, "the fan-out finished before the kill; make it bigger"

    worker.start()
    assert wait_for(lambda: Notification.objects.count() >= FAN_OUT, timeout=50), (
        f"{Notification.objects.count()} of {FAN_OUT} delivered (at the kill: {delivered_at_kill})"
    )
    assert wait_for(lambda: not Reminder.objects.exclude(status=Reminder.Status.SENT).exists(), timeout=10)
    time.sleep(2)  # anything redelivered twice has had time to run again
    assert Notification.objects.count() == FAN_OUT
    assert Notification.objects.values("recipient").distinct().count() == FAN_OUT
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == FAN_OUT


# --- c. two admins save one attendance sheet at the same moment ----------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_admins_saving_one_sheet_at_once_one_wins_and_nothing_is_merged(cast):
    require_postgresql()
    session = live_session(cast.township_a, status=Session.Status.HELD)
    members = MemberFactory.create_batch(4, branch=cast.branch_a)
    enrol(session, *members)
    second_admin = make_user(Role.TOWNSHIP, township=cast.township_a, username="township_a2")
    # Both open the sheet after a first save (every row at version 1).
    attendance_bulk_save(
        session=session, by=cast.users["township_a"], rows=[AttendanceRow(m.pk, "present") for m in members]
    )
    sheets = {
        "township_a": [AttendanceRow(m.pk, "absent", version=1) for m in members],
        "township_a2": [
            AttendanceRow(m.pk, "late" if i % 2 else "excused", "外出务工" if i % 2 == 0 else "", version=1)
            for i, m in enumerate(members)
        ],
    }
    users = {"township_a": cast.users["township_a"], "township_a2": second_admin}
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def save(name):
        try:
            barrier.wait(timeout=10)
            outcome[name] = attendance_bulk_save(session=session, by=users[name], rows=sheets[name])
        except StaleAttendance as refused:
            outcome[name] = refused
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(name,)) for name in sheets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    refused = [name for name, result in outcome.items() if isinstance(result, StaleAttendance)]
    won = [name for name, result in outcome.items() if isinstance(result, dict)]
    assert len(refused) == 1 and len(won) == 1, outcome
    winner, loser = won[0], refused[0]
    assert sorted(outcome[loser].names) == sorted(m.name for m in members)  # the loser is told whose rows
    final = {
        a.member_id: (a.status, a.leave_reason, a.version, a.marked_by_id) for a in Attendance.objects.all()
    }
    expected = {r.member_id: (r.status, r.leave_reason, 2, users[winner].pk) for r in sheets[winner]}
    assert final == expected


@pytest.mark.django_db(transaction=True)
def test_the_losing_admin_sees_the_stale_sheet_message(cast):
    """The page side of the race: a sheet saved with a version someone else moved on is refused."""
    require_postgresql()
    session = live_session(cast.township_a, status=Session.Status.HELD)
    member = MemberFactory(branch=cast.branch_a)
    enrol(session, member)
    attendance_bulk_save(
        session=session, by=cast.users["township_a"], rows=[AttendanceRow(member.pk, "present")]
    )
    attendance_bulk_save(
        session=session, by=cast.users["township_a"], rows=[AttendanceRow(member.pk, "late", version=1)]
    )
    client = Client()
    client.force_login(cast.users["township_a"])
    url = reverse("courses:attendance-sheet", args=[session.pk])
    response = client.post(url, {f"status-{member.pk}": "absent", f"version-{member.pk}": "1"}, follow=True)
    assert "已被他人修改" in response.content.decode()
    assert Attendance.objects.get().status == "late"
