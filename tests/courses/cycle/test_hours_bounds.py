"""Study hours of a session or an entry stay within 0.5–16 on every path: form, service, plain UPDATE."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from courses.models import Session, StudyHoursEntry
from tests.courses.cycle.test_sessions import _form
from tests.factories_courses import SessionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("hours", ["-3", "0", "40.5", "99"])
def test_a_session_with_hours_out_of_range_is_refused_with_a_message(cast, client_as, hours):
    response = client_as("township_a").post(reverse("courses:session-create"), _form(hours=hours))
    assert response.status_code == 200
    assert "学时须在 0.5 到 40 之间" in response.text
    assert not Session.objects.filter(title="学习贯彻全会精神").exists()


@pytest.mark.parametrize("model", ["session", "entry"])
def test_the_database_refuses_negative_hours_whatever_the_path(cast, model):
    if model == "session":
        row = SessionFactory(township=cast.township_a)
        rows = Session.objects.filter(pk=row.pk)
    else:
        row = StudyHoursEntry.objects.create(
            member=cast.member_a,
            date=timezone.localdate(),
            hours=Decimal("2"),
            source=StudyHoursEntry.Source.OTHER,
            recorded_by=cast.users["township_a"],
        )
        rows = StudyHoursEntry.objects.filter(pk=row.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(hours=Decimal("-3"))
    assert rows.get().hours > 0
