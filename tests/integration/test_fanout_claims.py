"""Two workers on overlapping chunks at once, on the real PostgreSQL (``make test-services``; skipped elsewhere).

A chunk's rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED``: while one
worker is sending a chunk, another given the same rows skips them and sends only
the rows nobody holds. Every recipient gets one inbox message and one text.
"""

import threading

import pytest
from django.db import connection, connections

from notifications import services
from notifications.models import Notification, Reminder
from tests.notifications.test_fanout import fan_out

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


class HeldGateway:
    """Takes every text; the first one waits until the test lets it go (the chunk stays claimed)."""

    texts: list[str] = []
    sending = threading.Event()
    release = threading.Event()

    def send(self, phone, text):
        if not HeldGateway.sending.is_set():
            HeldGateway.sending.set()
            assert HeldGateway.release.wait(timeout=30)
        HeldGateway.texts.append(phone)


def test_a_chunk_held_by_one_worker_is_skipped_by_another_and_each_text_goes_out_once(cast, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL=postgres://…")
    settings.SMS_BACKEND = "tests.integration.test_fanout_claims.HeldGateway"
    HeldGateway.texts = []
    HeldGateway.sending.clear()
    HeldGateway.release.clear()
    _, users, ids = fan_out(cast, 8)
    first, second = ids[:6], ids[2:]  # rows 2–5 are in both chunks
    outcomes = {}

    def deliver(name, chunk):
        try:
            outcomes[name] = services.reminders_deliver(reminder_ids=chunk)
        finally:
            connections.close_all()

    holder = threading.Thread(target=deliver, args=("first", first))
    holder.start()
    assert HeldGateway.sending.wait(timeout=30), "the first worker never started sending"
    other = threading.Thread(target=deliver, args=("second", second))
    other.start()
    other.join(timeout=30)
    HeldGateway.release.set()
    holder.join(timeout=30)

    assert outcomes["second"] == {"skipped": 4, "sent": 2}  # the rows the first worker holds are skipped
    assert outcomes["first"] == {"sent": 6}
    assert sorted(HeldGateway.texts) == sorted(
        u.notification_preference.phone or u.member.phone for u in users
    )
    assert Notification.objects.count() == 8
    assert Notification.objects.values("recipient").distinct().count() == 8
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}
