import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

from courses.models import Attendance
from tests.cycle_fixtures import enrol, live_session

pytestmark = pytest.mark.django_db

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dash"}}


@override_settings(CACHES=LOCMEM)
def test_county_numbers_are_reused_for_a_minute_and_say_when_they_were_computed(
    cast, client_as, django_assert_max_num_queries
):
    caches["default"].clear()
    client = client_as("county")
    first = client.get(reverse("home"))
    assert "培训统计截至" in first.text
    trained_before = first.context["trained_members"]
    session = live_session(cast.township_a)
    enrol(session, cast.member_b)
    Attendance.objects.create(session=session, member=cast.member_b, status=Attendance.Status.PRESENT)
    again = client.get(reverse("home"))
    assert again.context["trained_members"] == trained_before  # cached within the minute
    caches["default"].clear()
    fresh = client.get(reverse("home"))
    assert fresh.context["trained_members"] == trained_before + 1
