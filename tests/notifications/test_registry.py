"""Domain apps register what they want reminded; what nobody registered is never sent."""

import datetime

import pytest
from django.utils import timezone

from notifications import registry, services
from notifications.models import SYSTEM_KINDS, Kind, Notification, Reminder
from notifications.tasks import remind_annual_report
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_domain_apps_register_a_builder_for_every_kind_of_message():
    reminder_kinds = set(Kind.values) - SYSTEM_KINDS
    assert {kind for kind in reminder_kinds if registry.builder_for(kind) is None} == set()


def test_a_reminder_whose_app_builds_no_message_is_cancelled_not_sent(cast, monkeypatch):
    monkeypatch.delitem(registry._builders, Kind.MEMBER_ABSENT)
    user = UserFactory()
    member = MemberFactory(branch=cast.branch_a)
    services.reminders_plan(
        services.reminder_rows(
            kind=Kind.MEMBER_ABSENT,
            recipient_ids=[user.pk],
            obj=member,
            due_at=timezone.now() - datetime.timedelta(minutes=1),
            context={"months": 3},
        )
    )
    reminder = Reminder.objects.get(recipient=user)
    assert services.reminders_deliver(reminder_ids=[reminder.pk]) == {"cancelled": 1}
    assert not Notification.objects.filter(recipient=user).exists()


def test_a_beat_task_whose_scan_no_app_registered_plans_nothing(cast, monkeypatch):
    monkeypatch.delitem(registry._scans, "annual-report-due")
    remind_annual_report()
    assert not Reminder.objects.filter(kind=Kind.ANNUAL_REPORT_DUE).exists()


def test_the_member_roll_is_the_phone_book_for_users_without_a_number_of_their_own(cast):
    user = UserFactory()
    MemberFactory(branch=cast.branch_a, user=user, phone="13912345678")
    assert registry.fallback_phones([user.pk]) == {user.pk: "13912345678"}
