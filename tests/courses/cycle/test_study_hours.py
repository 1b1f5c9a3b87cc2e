"""Manual study hours: one member at a time, or a whole branch meeting in one insert; scoped to the township."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from courses.models import StudyHoursEntry
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _entry(**overrides):
    data = {
        "date": timezone.localdate().isoformat(),
        "hours": "2.0",
        "source": StudyHoursEntry.Source.BRANCH_MEETING,
        "note": "支部党员大会",
    }
    data.update(overrides)
    return data


def test_a_township_admin_records_hours_for_a_member_of_their_township(client_as, cast):
    client = client_as("township_a")
    url = reverse("courses:hours-member", args=[cast.member_a.pk])
    response = client.post(url, _entry(hours="2.5"))
    assert response.status_code == 302
    entry = StudyHoursEntry.objects.get()
    assert (entry.member, entry.hours, entry.recorded_by) == (
        cast.member_a,
        Decimal("2.5"),
        cast.users["township_a"],
    )
    page = client.get(url).text
    assert "支部党员大会" in page and "2.5" in page
    ledger = client.get(reverse("courses:ledger-member", args=[cast.member_a.pk])).text
    assert url in ledger and "支部党员大会" in ledger


def test_another_townships_member_is_a_404_and_county_staff_record_for_anyone(client_as, cast):
    url = reverse("courses:hours-member", args=[cast.member_b.pk])
    client = client_as("township_a")
    assert client.get(url).status_code == 404
    assert client.post(url, _entry()).status_code == 404
    assert not StudyHoursEntry.objects.exists()
    assert client_as("county").post(url, _entry()).status_code == 302
    assert StudyHoursEntry.objects.get().member == cast.member_b


@pytest.mark.parametrize("role", ["trainee", "instructor"])
def test_trainees_and_instructors_cannot_record_hours(client_as, cast, role):
    client = client_as(role)
    assert client.post(reverse("courses:hours-member", args=[cast.member_a.pk]), _entry()).status_code == 403
    assert (
        client.post(reverse("courses:hours-branch"), {"branch": cast.branch_a.pk, **_entry()}).status_code
        == 403
    )
    assert not StudyHoursEntry.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"hours": "0.4"}, "0.5 到 16"),
        ({"hours": "16.5"}, "0.5 到 16"),
        ({"hours": "0"}, "0.5 到 16"),
        ({"hours": "120"}, "0.5 到 16"),
        ({"hours": "1.25"}, "一位小数"),
        ({"hours": "两小时"}, "请填写数字学时"),
        ({"date": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()}, "不能晚于今天"),
        ({"source": "party"}, ""),
    ],
)
def test_bad_hours_dates_or_sources_are_refused_with_a_message(client_as, cast, overrides, message):
    response = client_as("township_a").post(
        reverse("courses:hours-member", args=[cast.member_a.pk]), _entry(**overrides)
    )
    assert response.status_code == 200
    assert message in response.text
    assert not StudyHoursEntry.objects.exists()


@pytest.mark.parametrize("hours", ["0.5", "16"])
def test_the_bounds_are_accepted(client_as, cast, hours):
    client_as("township_a").post(
        reverse("courses:hours-member", args=[cast.member_a.pk]), _entry(hours=hours)
    )
    assert StudyHoursEntry.objects.get().hours == Decimal(hours)


def test_a_branch_meeting_gives_every_active_member_one_entry_in_one_insert(client_as, cast):
    MemberFactory.create_batch(5, branch=cast.branch_a)
    MemberFactory(branch=cast.branch_a, is_active=False)
    client = client_as("township_a")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("courses:hours-branch"), {"branch": cast.branch_a.pk, **_entry()})
    assert response.status_code == 302
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "courses_studyhoursentry"')]
    assert len(inserts) == 1
    active = set(cast.branch_a.members.filter(is_active=True).values_list("pk", flat=True))
    assert set(StudyHoursEntry.objects.values_list("member_id", flat=True)) == active
    assert len(active) == 7  # member_a, the trainee and five more
    assert AuditEntry.objects.filter(model_label="courses.StudyHoursEntry", action="bulk_create").count() == 7
    page = client.get(reverse("courses:hours-branch")).text
    assert "已为甲村党支部 7 名党员登记学时" in page


def test_the_same_branch_meeting_twice_is_not_counted_twice(client_as, cast):
    client = client_as("township_a")
    data = {"branch": cast.branch_a.pk, **_entry()}
    client.post(reverse("courses:hours-branch"), data)
    response = client.post(reverse("courses:hours-branch"), data, follow=True)
    assert "2 人当天已有同类登记" in response.text
    assert StudyHoursEntry.objects.count() == 2
    client.post(reverse("courses:hours-branch"), {**data, "source": StudyHoursEntry.Source.THEME_DAY})
    assert StudyHoursEntry.objects.count() == 4


def test_a_township_admin_cannot_record_for_another_townships_branch(client_as, cast):
    response = client_as("township_a").post(
        reverse("courses:hours-branch"), {"branch": cast.branch_b.pk, **_entry()}
    )
    assert response.status_code == 200
    assert not StudyHoursEntry.objects.exists()


def test_the_recent_entries_list_is_scoped_to_the_township(client_as, cast):
    client_as("county").post(
        reverse("courses:hours-branch"), {"branch": cast.branch_b.pk, **_entry(note="乙镇会议")}
    )
    assert StudyHoursEntry.objects.get().member == cast.member_b
    client_as("county").post(
        reverse("courses:hours-member", args=[cast.member_a.pk]), _entry(note="甲镇学习")
    )
    page = client_as("township_a").get(reverse("courses:hours-branch")).text
    assert "甲镇学习" in page and "乙镇会议" not in page
    county_page = client_as("county").get(reverse("courses:hours-branch")).text
    assert "甲镇学习" in county_page and "乙镇会议" in county_page
