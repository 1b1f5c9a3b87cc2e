"""Security events reach the audit trail, and the security auditor finds them with filters."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from notifications.models import ReminderRule

pytestmark = pytest.mark.django_db


def shown(client, **params):
    page = client.get(reverse("audit-log"), params)
    assert page.status_code == 200
    return list(page.context["page"])


def test_sign_ins_and_failures_are_audited_with_the_address_and_filtered_by_the_auditor(cast, client_as):
    Client().post(
        reverse("login"), {"login": "township_a", "password": "wrong-password-1"}, REMOTE_ADDR="192.0.2.7"
    )
    Client().post(
        reverse("login"),
        {"login": "township_a", "password": "Test-password-2026"},
        REMOTE_ADDR="192.0.2.8",
    )
    auditor = client_as("auditor")
    (failed,) = shown(auditor, action=AuditAction.LOGIN_FAILED)
    assert (failed.actor_name, failed.ip) == ("township_a", "192.0.2.7")
    signed_in = shown(auditor, action=AuditAction.LOGIN, actor="township_a")
    assert [e.ip for e in signed_in] == ["192.0.2.8"]


def test_a_duty_granted_in_the_admin_is_audited_with_who_granted_it(cast, client_as):
    target = cast.users["township_b"]
    response = client_as("secadmin").post(
        reverse("admin:trainees_profile_change", args=[target.portal_profile.pk]),
        {"user": target.pk, "role": "township", "township": cast.township_b.pk, "is_system_admin": "on"},
    )
    assert response.status_code == 302
    entries = [e for e in shown(client_as("auditor"), actor="secadmin", model="trainees.Profile")]
    assert len(entries) == 1
    assert entries[0].changes == {"is_system_admin": [False, True]}


def test_configuration_changes_in_the_admin_are_audited(cast, client_as):
    rule = ReminderRule.objects.create(audience=ReminderRule.Audience.TRAINEES, minutes_before=4320)
    client = client_as("sysadmin")
    response = client.post(
        reverse("admin:notifications_reminderrule_change", args=[rule.pk]),
        {"audience": "trainees", "minutes_before": 2880, "is_active": "on"},
    )
    assert response.status_code == 302
    change = AuditEntry.objects.get(model_label="notifications.ReminderRule", action=AuditAction.UPDATE)
    assert (change.actor_name, change.changes) == ("sysadmin", {"minutes_before": [4320, 2880]})

    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.first()
    assert task is not None  # the schedule comes with a migration (notifications 0002)
    task.enabled = not task.enabled
    task.save()
    assert AuditEntry.objects.filter(
        model_label="django_celery_beat.PeriodicTask", action=AuditAction.UPDATE, object_pk=str(task.pk)
    ).exists()
    assert {
        e.pk for e in shown(client_as("auditor"), action="update", model="notifications.ReminderRule")
    } == {change.pk}


def test_reveals_and_exports_are_visible_to_the_auditor(cast, client_as):
    county = client_as("county")
    county.post(reverse("trainees:member-reveal", args=[cast.member_a.pk]))
    county.get(reverse("trainees:member-export"))
    auditor = client_as("auditor")
    (reveal,) = shown(auditor, action=AuditAction.REVEAL, actor="county")
    assert reveal.object_repr == "甲党员"
    assert shown(auditor, action=AuditAction.EXPORT, actor="county")
