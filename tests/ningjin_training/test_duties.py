"""Separated administrator duties (三员分立): each duty does its own work and nothing else."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from core.roles import Duty, Role, duties_of
from tests.factories import UserFactory
from trainees.models import Profile

pytestmark = pytest.mark.django_db


def test_no_account_holds_the_auditor_duty_with_another_duty_or_a_working_role(cast):
    profile = cast.users["sysadmin"].portal_profile
    profile.is_security_auditor = True
    with pytest.raises(ValidationError):
        profile.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        profile.save()
    county = cast.users["county"].portal_profile
    county.is_security_auditor = True
    with pytest.raises(ValidationError):
        county.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        county.save()


def test_an_account_needs_a_role_or_a_duty():
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.create(user=UserFactory(), role="")


def test_county_staff_may_also_hold_an_admin_duty(cast):
    profile = cast.users["county"].portal_profile
    profile.is_system_admin = True
    profile.full_clean()
    profile.save()
    assert duties_of(type(cast.users["county"]).objects.get(pk=cast.users["county"].pk)) == {
        Duty.SYSTEM_ADMIN
    }


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("county", 302),
        ("township_a", 302),
        ("trainee", 302),
        ("auditor", 302),
        ("sysadmin", 200),
        ("secadmin", 200),
    ],
)
def test_only_the_system_and_security_administrators_open_the_django_admin(cast, client_as, role, status):
    response = client_as(role).get(reverse("admin:index"))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    ("url", "sysadmin", "secadmin"),
    [
        ("admin:django_celery_beat_periodictask_changelist", 200, 403),
        ("admin:notifications_reminderrule_changelist", 200, 403),
        ("admin:auth_user_changelist", 403, 200),
        ("admin:trainees_profile_changelist", 403, 200),
        ("admin:axes_accessattempt_changelist", 403, 200),
        ("admin:trainees_member_changelist", 403, 403),  # training data: neither
        ("admin:courses_session_changelist", 403, 403),
    ],
)
def test_each_admin_duty_sees_its_own_work_in_the_admin(cast, client_as, url, sysadmin, secadmin):
    assert client_as("sysadmin").get(reverse(url)).status_code == sysadmin
    assert client_as("secadmin").get(reverse(url)).status_code == secadmin


@pytest.mark.parametrize(
    "url",
    [
        reverse("trainees:member-create"),
        reverse("admin:auth_user_add"),
        reverse("text-size"),
        reverse("notifications:mark-all-read"),
    ],
)
def test_the_auditor_changes_nothing_anywhere(cast, client_as, url):
    client = client_as("auditor")
    assert client.post(url, {"name": "x"}).status_code == 403
    assert client.put(url).status_code == 403
    assert client.delete(url).status_code == 403


def test_the_auditor_still_signs_out(cast, client_as):
    client = client_as("auditor")
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302  # signed out


def test_the_auditor_reads_every_duty_s_actions_and_exports_the_chain(cast, client_as):
    client_as("secadmin").post(
        reverse("admin:trainees_profile_change", args=[cast.users["township_b"].portal_profile.pk]),
        {"user": cast.users["township_b"].pk, "role": Role.TOWNSHIP, "township": cast.township_a.pk},
    )
    changed = AuditEntry.objects.filter(model_label="trainees.Profile", action=AuditAction.UPDATE).get()
    assert changed.actor_name == "secadmin" and changed.changes["township"] == [
        cast.township_b.pk,
        cast.township_a.pk,
    ]

    client = client_as("auditor")
    page = client.get(reverse("audit-log"), {"actor": "secadmin"})
    assert changed.pk in {e.pk for e in page.context["page"]}
    response = client.get(reverse("audit-export"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    lines = body.splitlines()
    assert len(lines) == 1 + AuditEntry.objects.exclude(action=AuditAction.EXPORT).count()
    exported = AuditEntry.objects.filter(action=AuditAction.EXPORT).get()
    assert exported.actor_name == "auditor"


def test_the_demo_has_one_account_per_duty(db):
    from tests.factories import TownshipFactory
    from trainees.demo import seed_users

    logins = seed_users([TownshipFactory(), TownshipFactory()])
    assert {"sysadmin", "secadmin", "auditor", "county"} <= set(logins)
    User = type(UserFactory.build())
    for username, duty in [
        ("sysadmin", Duty.SYSTEM_ADMIN),
        ("secadmin", Duty.SECURITY_ADMIN),
        ("auditor", Duty.SECURITY_AUDITOR),
    ]:
        user = User.objects.get(username=username)
        assert duties_of(user) == {duty} and not user.is_superuser
        assert user.check_password(logins[username])
    county = User.objects.get(username="county")
    assert not county.is_staff and duties_of(county) == frozenset()
