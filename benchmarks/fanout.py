"""make bench (fan-out part): 20,000 reminders through a real Redis broker and 2 worker processes.

Every recipient chose SMS, and the SMS backend is a recording fake gateway
(:class:`RecordingSmsBackend`) that appends one line per message to a file. The
clock runs from the trigger (queueing the due reminders in chunks) to the last
delivery; afterwards the gateway's lines give the duplicates and the lost.
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECIPIENTS = int(os.environ.get("BENCH_FANOUT", "20000"))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ningjin_bench")
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/5")
TIMEOUT = 300


class RecordingSmsBackend:
    """A fake SMS gateway that records every message it is handed (one line each)."""

    def send(self, phone: str, text: str) -> None:
        with open(os.environ["FANOUT_GATEWAY_LOG"], "a", encoding="utf-8") as log:
            log.write(f"{phone}\n")


def main() -> int:
    gateway_log = Path(tempfile.mkdtemp()) / "gateway.log"
    gateway_log.touch()
    queue = f"fanout-{uuid.uuid4().hex[:8]}"
    env = {
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "DJANGO_SETTINGS_MODULE": "ningjin_training.settings",
        "SMS_BACKEND": "benchmarks.fanout.RecordingSmsBackend",
        "FANOUT_GATEWAY_LOG": str(gateway_log),
        # Every text goes out at once: the daily SMS caps would hold most of them for the next day.
        "SMS_DAILY_LIMIT_PER_NUMBER": "1000000",
        "SMS_DAILY_LIMIT_TOTAL": "1000000",
        "FANOUT_QUEUE": queue,
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from benchmarks import worker_app  # noqa: F401 - routes the tasks to this run's queue
    from benchmarks.load import replace_block
    from courses.models import Enrollment, Session
    from notifications.models import Kind, Notification, NotificationPreference, Reminder
    from notifications.services import CHUNK_SIZE, reminder_rows, reminders_plan
    from notifications.tasks import reminders_dispatch_due
    from trainees.models import Member

    session, user_ids = prepare(Session, Enrollment, Member, NotificationPreference)
    # The trainees' day-before reminder, due a minute ago.
    due_at = session.starts_at - datetime.timedelta(days=1)
    reminders_plan(
        reminder_rows(kind=Kind.SESSION_UPCOMING, recipient_ids=user_ids, obj=session, due_at=due_at)
    )
    ledger = Reminder.objects.filter(object_id=session.pk, kind=Kind.SESSION_UPCOMING)
    assert ledger.count() == len(user_ids)

    workers = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "benchmarks.worker_app",
            "worker",
            "-Q",
            queue,
            "--pool",
            "prefork",
            "--concurrency",
            "2",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        start_new_session=True,
    )
    try:
        time.sleep(5)  # let both worker processes connect before the clock starts
        started = time.monotonic()
        queued = reminders_dispatch_due()
        while time.monotonic() - started < TIMEOUT:
            if not ledger.filter(status=Reminder.Status.PENDING).exists():
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
    finally:
        os.killpg(workers.pid, signal.SIGTERM)
        workers.wait(timeout=30)
    lines = gateway_log.read_text().splitlines()
    sent = ledger.filter(status=Reminder.Status.SENT).count()
    inbox = Notification.objects.filter(reminder__in=ledger).count()
    result = {
        "recipients": len(user_ids),
        "queued": queued,
        "seconds": round(elapsed, 1),
        "per_second": round(len(user_ids) / elapsed, 1),
        "gateway_messages": len(lines),
        "duplicates": len(lines) - len(set(lines)),
        "lost": len(user_ids) - len(set(lines)),
        "ledger_sent": sent,
        "inbox_notifications": inbox,
        "passed": elapsed <= 60 and len(lines) == len(set(lines)) == len(user_ids),
    }
    print(json.dumps(result, indent=2))
    bench = ROOT / "docs" / "bench.json"
    data = json.loads(bench.read_text()) if bench.exists() else {}
    data["fanout"] = {
        **result,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "workers": 2,
        "broker": "redis",
        "chunk_size": CHUNK_SIZE,
    }
    bench.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    replace_block(
        "fanout",
        "| recipients | trigger → last delivery | per second | gateway messages | duplicates | lost | goal | result |\n"
        "|---|---|---|---|---|---|---|---|\n"
        f"| {result['recipients']} | {result['seconds']} s | {result['per_second']} | {result['gateway_messages']} | "
        f"{result['duplicates']} | {result['lost']} | ≤ 60 s, 0 duplicates, 0 lost | "
        f"{'pass' if result['passed'] else 'FAIL'} |\n\n"
        f"Measured {data['fanout']['date']}: Redis broker, one worker with 2 prefork processes, "
        f"chunks of {CHUNK_SIZE} (each delivered in one transaction with a few bulk queries).",
    )
    return 0 if result["passed"] else 1


def prepare(Session, Enrollment, Member, NotificationPreference):
    """A published session a day ahead with RECIPIENTS enrolled members, each with a login and SMS."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    User = get_user_model()
    members = list(Member.objects.active().order_by("pk")[:RECIPIENTS])
    assert len(members) == RECIPIENTS, f"needs {RECIPIENTS} members: seed_demo --scale county"
    unusable = make_password(None)
    User.objects.bulk_create(
        [User(username=f"fanout_{m.pk}", password=unusable) for m in members if m.user_id is None],
        ignore_conflicts=True,
        batch_size=5000,
    )
    users = dict(User.objects.filter(username__startswith="fanout_").values_list("username", "pk"))
    for member in members:
        if member.user_id is None:
            member.user_id = users[f"fanout_{member.pk}"]
    Member.objects.bulk_update(members, ["user"], batch_size=5000)
    user_ids = [m.user_id for m in members]
    # Each recipient texts a number of their own, so the gateway's lines show duplicates and losses.
    NotificationPreference.objects.filter(user_id__in=user_ids).delete()
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user_id=uid, by_sms=True, by_email=False, phone=f"139{i:08d}")
            for i, uid in enumerate(user_ids)
        ],
        batch_size=5000,
    )
    author = User.objects.filter(is_superuser=True).order_by("pk").first()
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1, minutes=-1)
    session = Session.objects.create(
        title="提醒扇出基准测试",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        hours=2,
        status=Session.Status.PUBLISHED,
        created_by=author,
    )
    Enrollment.objects.bulk_create(
        [Enrollment(session=session, member_id=m.pk) for m in members], batch_size=5000
    )
    return session, user_ids


if __name__ == "__main__":
    sys.exit(main())
