"""seed_demo fills two years of the monthly cycle, and running it twice adds nothing."""

import io

import pytest
from django.core.management import call_command

from courses.models import Attendance, MonthlyPlan, Session, StudyHoursTarget
from trainees.models import Township

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_two_years_of_history_idempotently():
    call_command("seed_demo", members=120, stdout=io.StringIO())
    counts = (MonthlyPlan.objects.count(), Session.objects.count(), Attendance.objects.count())
    assert counts[0] == Township.objects.count() * 24
    assert MonthlyPlan.objects.filter(status="missed").exists()
    assert Attendance.objects.filter(status="present").exists()
    assert StudyHoursTarget.objects.filter(group__code="secretary", hours=56).exists()
    call_command("seed_demo", members=120, stdout=io.StringIO())
    assert (MonthlyPlan.objects.count(), Session.objects.count(), Attendance.objects.count()) == counts
