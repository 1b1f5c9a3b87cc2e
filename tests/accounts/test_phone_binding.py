"""Releasing a member's phone binding: own township only, audited, the old login closed."""

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def bound(cast):
    member = cast.member_a
    member.user = make_user("trainee", username="bound-member")
    member.save()
    return member


def test_a_township_admin_releases_a_binding_in_their_township(cast, client_as, bound):
    old = bound.user
    response = client_as("township_a").post(reverse("accounts:release-phone", args=[bound.pk]))
    assert response.status_code == 302
    bound.refresh_from_db()
    old.refresh_from_db()
    assert bound.user is None and not old.is_active
    entry = AuditEntry.objects.filter(
        action=AuditAction.UPDATE, model_label="trainees.Member", object_pk=str(bound.pk)
    )
    assert any("phone_binding" in e.changes for e in entry)


def test_another_township_gets_a_404_and_nothing_changes(cast, client_as, bound):
    response = client_as("township_b").post(reverse("accounts:release-phone", args=[bound.pk]))
    assert response.status_code == 404
    bound.refresh_from_db()
    assert bound.user is not None


@pytest.mark.parametrize("role", ["trainee", "instructor"])
def test_trainees_and_instructors_may_not(cast, client_as, bound, role):
    assert client_as(role).post(reverse("accounts:release-phone", args=[bound.pk])).status_code == 403
