"""Delivering a chunk of reminders: a flat number of queries, one message per recipient, failures kept apart."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import Enrollment, Session
from notifications import services
from notifications.models import Kind, Notification, NotificationPreference, Reminder, ReminderRule
from notifications.sms import MemorySmsBackend
from notifications.tasks import send_reminders
from tests.factories import MemberFactory, UserFactory
from tests.factories_courses import SessionFactory

pytestmark = pytest.mark.django_db

# Claim, recipients' choices, members' phones, the session, its enrolments, the reminder
# rules, the inbox rows, the ledger update, plus the transaction's savepoint statements, and
# the texts' bookkeeping: today's count in total and per number, the flagged numbers, the
# outcome rows.
CHUNK_QUERY_CEILING = 16


@pytest.fixture
def sms(settings):
    settings.SMS_BACKEND = "notifications.sms.MemorySmsBackend"
    MemorySmsBackend.clear()
    yield MemorySmsBackend.outbox
    MemorySmsBackend.clear()


def fan_out(cast, size, *, kind=Kind.SESSION_UPCOMING):
    """``size`` enrolled trainees of a session starting in two hours, each with a due reminder.

    Every recipient chose SMS and e-mail: odd ones gave a number of their own,
    even ones use the phone of the member roll, every third one chose English.
    """
    # From a data migration, but a transactional test flushes it (tests/integration).
    ReminderRule.objects.get_or_create(audience=ReminderRule.Audience.TRAINEES, minutes_before=120)
    starts_at = timezone.now() + datetime.timedelta(hours=2)
    session = SessionFactory(
        township=cast.township_a,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        status=Session.Status.PUBLISHED,
        venue="",
    )
    users = []
    for n in range(size):
        user = UserFactory(email=f"trainee{n}@example.cn")
        member = MemberFactory(branch=cast.branch_a, user=user)
        Enrollment.objects.create(session=session, member=member)
        NotificationPreference.objects.create(
            user=user,
            by_email=True,
            by_sms=True,
            phone=f"138{n:08d}" if n % 2 else "",
            language="en" if n % 3 == 0 else "zh-hans",
        )
        users.append(user)
    services.reminders_plan(
        services.reminder_rows(
            kind=kind,
            recipient_ids=[u.pk for u in users],
            obj=session,
            due_at=starts_at - datetime.timedelta(hours=2),
            expires_at=starts_at,
        )
    )
    ids = list(Reminder.objects.filter(object_id=session.pk).order_by("pk").values_list("pk", flat=True))
    return session, users, ids


def queries_to_deliver(ids):
    with CaptureQueriesContext(connection) as queries:
        outcome = services.reminders_deliver(reminder_ids=ids)
    return len(queries), outcome


def test_delivering_a_chunk_takes_the_same_few_queries_whatever_its_size(cast, sms):
    _, _, small = fan_out(cast, 3)
    _, _, large = fan_out(cast, 30)
    small_queries, small_outcome = queries_to_deliver(small)
    large_queries, large_outcome = queries_to_deliver(large)
    assert small_outcome == {"sent": 3}
    assert large_outcome == {"sent": 30}
    assert large_queries == small_queries
    assert large_queries <= CHUNK_QUERY_CEILING


def test_a_chunk_gives_each_recipient_one_inbox_message_one_text_and_one_mail(cast, sms):
    session, users, ids = fan_out(cast, 6)
    send_reminders.delay(ids)
    send_reminders.delay(ids)  # redelivered: nothing goes out twice
    assert set(Reminder.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"sent"}
    for user in users:
        inbox = Notification.objects.filter(recipient=user)
        assert inbox.count() == 1
        assert inbox.get().kind == Kind.SESSION_UPCOMING
        assert session.title in inbox.get().title
    phones = [phone for phone, _text in sms]
    expected = [u.notification_preference.phone or u.member.phone for u in users]
    assert sorted(phones) == sorted(expected)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    # Each in the recipient's language; the venue falls back to the township.
    english = Notification.objects.get(recipient=users[0])
    chinese = Notification.objects.get(recipient=users[1])
    assert english.title != chinese.title and chinese.title.startswith("培训提醒")
    assert cast.township_a.name in chinese.body


class OneNumberDown:
    """A gateway that refuses one number and takes every other."""

    down = ""
    taken: list[str] = []

    def send(self, phone, text):
        if phone == OneNumberDown.down:
            raise ConnectionError("gateway refused")
        OneNumberDown.taken.append(phone)


def test_one_refused_text_is_retried_alone_and_the_rest_of_the_chunk_goes_out_once(cast, settings):
    settings.SMS_BACKEND = "tests.notifications.test_fanout.OneNumberDown"
    OneNumberDown.taken = []
    _, users, ids = fan_out(cast, 5)
    unlucky = users[1]
    OneNumberDown.down = unlucky.notification_preference.phone

    assert services.reminders_deliver(reminder_ids=ids) == {"sent": 4, "retry": 1}
    failed = Reminder.objects.get(recipient=unlucky, pk__in=ids)
    assert failed.status == Reminder.Status.PENDING
    assert failed.attempts == 1 and failed.queued_at is None
    assert "gateway refused" in failed.last_error
    assert not Notification.objects.filter(recipient=unlucky).exists()  # rolled back with its attempt
    others = [u for u in users if u != unlucky]
    assert Notification.objects.filter(recipient__in=others).count() == 4
    assert len(OneNumberDown.taken) == len(set(OneNumberDown.taken)) == 4

    # The next scans queue it again; only the refused row is tried, until it is given up on.
    for _ in range(services.MAX_ATTEMPTS - 1):
        services.reminders_deliver(reminder_ids=ids)
    failed.refresh_from_db()
    assert failed.status == Reminder.Status.FAILED
    assert failed.attempts == services.MAX_ATTEMPTS
    assert Notification.objects.filter(recipient=unlucky).count() == 1  # the inbox is kept
    assert len(OneNumberDown.taken) == 4
    assert Reminder.objects.filter(pk__in=ids, status=Reminder.Status.SENT).count() == 4


def test_a_chunk_skips_sent_rows_and_cancels_rows_that_no_longer_apply(cast, sms):
    _, users, ids = fan_out(cast, 5)
    Reminder.objects.filter(recipient=users[0]).update(status=Reminder.Status.SENT)
    Enrollment.objects.filter(member__user=users[1]).update(status=Enrollment.Status.WITHDRAWN)
    type(users[2]).objects.filter(pk=users[2].pk).update(is_active=False)
    Reminder.objects.filter(recipient=users[3]).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    assert services.reminders_deliver(reminder_ids=ids) == {"skipped": 1, "cancelled": 3, "sent": 1}
    statuses = dict(Reminder.objects.filter(pk__in=ids).values_list("recipient_id", "status"))
    assert [statuses[u.pk] for u in users] == ["sent", "cancelled", "cancelled", "cancelled", "sent"]
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [users[4].pk]
    assert len(sms) == 1


def test_a_chunk_of_mixed_kinds_and_objects_is_composed_per_row(cast, sms):
    session, users, ids = fan_out(cast, 2)
    other_session, other_users, other_ids = fan_out(cast, 2)
    Session.objects.filter(pk=other_session.pk).update(status=Session.Status.CANCELLED)
    services.reminders_plan(
        services.reminder_rows(
            kind=Kind.SESSION_CANCELLED,
            recipient_ids=[u.pk for u in other_users],
            obj=other_session,
            due_at=timezone.now() - datetime.timedelta(minutes=1),
        )
    )
    cancelled_ids = list(Reminder.objects.filter(kind=Kind.SESSION_CANCELLED).values_list("pk", flat=True))
    outcome = services.reminders_deliver(reminder_ids=ids + other_ids + cancelled_ids)
    # The cancelled session's upcoming reminders no longer apply; its cancellation notices do.
    assert outcome == {"sent": 4, "cancelled": 2}
    kinds = sorted(Notification.objects.values_list("recipient_id", "kind"))
    assert kinds == sorted(
        [(u.pk, Kind.SESSION_UPCOMING) for u in users] + [(u.pk, Kind.SESSION_CANCELLED) for u in other_users]
    )
