"""Daily caps per number and in total: texts beyond them wait for the next morning, county staff are
told once; sign-in codes are never held back."""

import datetime

import pytest
from django.utils import timezone

from notifications.models import Kind, Notification, NotificationPreference, SmsMessage
from notifications.services import reminders_deliver
from notifications.sms import MemorySmsBackend, send_template
from notifications.sms.outbox import queued_send
from notifications.tasks import sms_send_queued
from tests.notifications.test_delivery import due_reminder

pytestmark = pytest.mark.django_db


@pytest.fixture
def memory(settings):
    settings.SMS_BACKEND = "memory"
    settings.SMS_DAILY_LIMIT_PER_NUMBER = 2
    settings.SMS_DAILY_LIMIT_TOTAL = 100
    MemorySmsBackend.clear()
    yield MemorySmsBackend
    MemorySmsBackend.clear()


def test_texts_over_the_per_number_cap_wait_for_the_next_morning(memory):
    for name in ("甲", "乙", "丙"):
        send_template("13812345678", "annual_report_due", township=name, year="2026")
    assert [text for _phone, text in memory.outbox if "丙" in text] == []
    held = SmsMessage.objects.get(status=SmsMessage.Status.QUEUED)
    release = timezone.localtime(held.send_after)
    assert release.date() == timezone.localdate() + datetime.timedelta(days=1) and release.hour == 8
    send_template("13900000000", "annual_report_due", township="丁", year="2026")  # another number is fine
    assert len(memory.outbox) == 3


def test_the_total_cap_holds_back_every_number(memory, settings):
    settings.SMS_DAILY_LIMIT_TOTAL = 1
    send_template("13812345678", "annual_report_due", township="甲", year="2026")
    send_template("13900000000", "annual_report_due", township="乙", year="2026")
    assert len(memory.outbox) == 1
    assert SmsMessage.objects.filter(status=SmsMessage.Status.QUEUED).count() == 1


def test_county_staff_are_told_once_a_day(cast, memory, settings):
    settings.SMS_DAILY_LIMIT_TOTAL = 0
    for name in ("甲", "乙", "丙"):
        send_template("13812345678", "annual_report_due", township=name, year="2026")
    notices = Notification.objects.filter(kind=Kind.SMS_CAP_REACHED)
    assert list(notices.values_list("recipient", flat=True)) == [cast.users["county"].pk]
    assert "上限" in notices.get().title


def test_sign_in_codes_and_one_time_links_are_never_held_back(memory, settings):
    settings.SMS_DAILY_LIMIT_PER_NUMBER = 0
    settings.SMS_DAILY_LIMIT_TOTAL = 0
    send_template("13812345678", "login_code", code="123456")
    send_template("13812345678", "password_code", code="654321")
    send_template("13812345678", "staff_invite", name="张三", url="https://px.example/set/abc")
    assert len(memory.outbox) == 3


def test_held_texts_go_out_the_next_morning_within_that_days_caps(memory, settings):
    settings.SMS_DAILY_LIMIT_PER_NUMBER = 0
    send_template("13812345678", "annual_report_due", township="甲", year="2026")
    send_template("13812345678", "annual_report_due", township="乙", year="2026")
    assert memory.outbox == []
    held = SmsMessage.objects.filter(status=SmsMessage.Status.QUEUED)
    morning = held.first().send_after
    assert queued_send(now=morning - datetime.timedelta(minutes=1)) == {}  # not yet
    settings.SMS_DAILY_LIMIT_PER_NUMBER = 1
    assert queued_send(now=morning) == {"accepted": 1, "queued": 1}
    assert len(memory.outbox) == 1
    # the second waits one more day, then goes out
    later = SmsMessage.objects.get(status=SmsMessage.Status.QUEUED).send_after
    assert later > morning
    assert dict(queued_send(now=later)) == {"accepted": 1}
    assert sms_send_queued.delay().get() == {}


def test_a_reminder_over_the_cap_keeps_its_inbox_message_and_its_text_waits(cast, memory, settings):
    settings.SMS_DAILY_LIMIT_PER_NUMBER = 0
    NotificationPreference.objects.create(user=cast.users["trainee"], by_email=False, by_sms=True)
    reminder = due_reminder(cast)
    assert reminders_deliver(reminder_ids=[reminder.pk]) == {"sent": 1}
    assert memory.outbox == []
    assert Notification.objects.filter(recipient=cast.users["trainee"]).count() == 1
    held = SmsMessage.objects.get(reminder=reminder)
    assert held.status == SmsMessage.Status.QUEUED and held.template == "session_upcoming"


def test_the_sms_beat_tasks_are_scheduled():
    from django_celery_beat.models import PeriodicTask

    names = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"notifications.tasks.sms_send_queued", "notifications.tasks.sms_pull_receipts"} <= names
