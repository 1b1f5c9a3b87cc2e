"""Bulk attendance: mark all present, adjust, save once; history kept; stale sheets refused."""

import pytest
from django.urls import reverse

from courses.models import Attendance, AttendanceChange, Session
from tests.cycle_fixtures import enrol, live_session
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _sheet(cast, n=3):
    session = live_session(cast.township_a, status=Session.Status.HELD)
    members = MemberFactory.create_batch(n, branch=cast.branch_a)
    enrol(session, *members)
    return session, members


def test_mark_all_present_prefills_every_unmarked_row(client_as, cast):
    session, members = _sheet(cast)
    page = client_as("township_a").get(
        reverse("courses:attendance-sheet", args=[session.pk]), {"prefill": "present"}
    )
    rows = page.context["rows"]
    assert [r["status"] for r in rows] == ["present"] * 3


def test_one_post_saves_the_whole_sheet_in_constant_queries(client_as, cast, django_assert_max_num_queries):
    session, members = _sheet(cast, n=40)
    client = client_as("township_a")
    data = {f"status-{m.pk}": "present" for m in members}
    data[f"status-{members[0].pk}"] = "excused"
    data[f"reason-{members[0].pk}"] = "外出务工"
    data[f"status-{members[1].pk}"] = "late"
    with django_assert_max_num_queries(30):
        response = client.post(reverse("courses:attendance-sheet", args=[session.pk]), data)
    assert response.status_code == 302
    assert Attendance.objects.filter(session=session).count() == 40
    excused = Attendance.objects.get(member=members[0])
    assert excused.status == "excused" and excused.leave_reason == "外出务工"
    assert AttendanceChange.objects.count() == 40


def test_excused_without_a_reason_saves_nothing(client_as, cast):
    session, members = _sheet(cast)
    data = {f"status-{m.pk}": "present" for m in members}
    data[f"status-{members[0].pk}"] = "excused"
    response = client_as("township_a").post(reverse("courses:attendance-sheet", args=[session.pk]), data)
    assert response.status_code == 400
    assert "请假须填写事由" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_correction_bumps_the_version_and_keeps_history(client_as, cast):
    session, members = _sheet(cast, n=1)
    client = client_as("township_a")
    url = reverse("courses:attendance-sheet", args=[session.pk])
    client.post(url, {f"status-{members[0].pk}": "present"})
    client.post(url, {f"status-{members[0].pk}": "absent", f"version-{members[0].pk}": "1"})
    attendance = Attendance.objects.get()
    assert attendance.status == "absent" and attendance.version == 2
    history = list(attendance.changes.values_list("from_status", "to_status", "by__username"))
    assert history == [("", "present", "township_a"), ("present", "absent", "township_a")]


def test_a_stale_sheet_is_refused_and_nothing_is_merged(client_as, cast):
    session, members = _sheet(cast, n=2)
    client = client_as("township_a")
    url = reverse("courses:attendance-sheet", args=[session.pk])
    client.post(url, {f"status-{m.pk}": "present" for m in members})
    # Someone else corrects one row meanwhile (version 1 → 2).
    client.post(
        url,
        {
            f"status-{members[0].pk}": "late",
            f"version-{members[0].pk}": "1",
            f"status-{members[1].pk}": "present",
            f"version-{members[1].pk}": "1",
        },
    )
    assert Attendance.objects.get(member=members[0]).version == 2
    stale = {
        f"status-{members[0].pk}": "absent",
        f"version-{members[0].pk}": "1",
        f"status-{members[1].pk}": "absent",
        f"version-{members[1].pk}": "1",
    }
    response = client.post(url, stale, follow=True)
    assert "已被他人修改" in response.content.decode()
    assert dict(Attendance.objects.values_list("member", "status")) == {
        members[0].pk: "late",
        members[1].pk: "present",
    }


def test_a_sheet_opened_before_a_qr_check_in_is_refused_for_that_row(client_as, cast):
    session, members = _sheet(cast, n=1)
    Attendance.objects.create(session=session, member=members[0], status="present", method="qr")
    response = client_as("township_a").post(
        reverse("courses:attendance-sheet", args=[session.pk]),
        {f"status-{members[0].pk}": "absent"},
        follow=True,
    )
    assert "已被他人修改" in response.content.decode()
    assert Attendance.objects.get().status == "present"


def test_another_township_cannot_open_the_sheet(client_as, cast):
    session = live_session(cast.township_b)
    assert (
        client_as("township_a").get(reverse("courses:attendance-sheet", args=[session.pk])).status_code == 404
    )


def test_the_missing_reason_is_shown_on_its_own_row(client_as, cast):
    session, members = _sheet(cast, n=2)
    data = {f"status-{m.pk}": "present" for m in members}
    data[f"status-{members[1].pk}"] = "excused"
    response = client_as("township_a").post(reverse("courses:attendance-sheet", args=[session.pk]), data)
    body = response.content.decode()
    rows = body.split("<tbody>")[1].split("</tbody>")[0].split("<tr")[1:]
    flagged = [row for row in rows if "请假须填写事由" in row]
    assert len(flagged) == 1 and members[1].name in flagged[0] and 'class="table-danger"' in flagged[0]


def test_a_forged_status_is_refused_with_a_message_not_an_error_page(client_as, cast):
    session, members = _sheet(cast, n=1)
    response = client_as("township_a").post(
        reverse("courses:attendance-sheet", args=[session.pk]),
        {f"status-{members[0].pk}": "teleported", f"version-{members[0].pk}": "x"},
    )
    assert response.status_code == 400
    assert "出勤情况无效" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_posted_row_of_a_member_not_on_the_sheet_is_ignored(client_as, cast):
    session, members = _sheet(cast, n=1)
    outsider = MemberFactory(branch=cast.branch_a)
    client_as("township_a").post(
        reverse("courses:attendance-sheet", args=[session.pk]),
        {f"status-{members[0].pk}": "present", f"status-{outsider.pk}": "present"},
    )
    assert list(Attendance.objects.values_list("member", flat=True)) == [members[0].pk]
