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


def _scanned(cast):
    from django.utils import timezone

    session, members = _sheet(cast, n=2)
    scan = Attendance.objects.create(
        session=session, member=members[0], status="present", method="qr", checked_in_at=timezone.now()
    )
    return session, members, scan


def test_a_scanned_member_set_to_excused_keeps_the_scan_and_the_row_says_why(client_as, cast):
    from tests.html_parse import elements

    session, members, scan = _scanned(cast)
    url = reverse("courses:attendance-sheet", args=[session.pk])
    page = client_as("township_a").get(url).content.decode()
    assert elements(page, "input", type="checkbox", name=f"override_scan-{members[0].pk}")
    assert not elements(page, "input", type="checkbox", name=f"override_scan-{members[1].pk}")
    response = client_as("township_a").post(
        url,
        {
            f"status-{members[0].pk}": "excused",
            f"reason-{members[0].pk}": "临时外出",
            f"version-{members[0].pk}": "1",
            f"status-{members[1].pk}": "present",
        },
    )
    assert response.status_code == 400
    scan.refresh_from_db()
    assert (scan.status, scan.version) == ("present", 1)
    assert not Attendance.objects.filter(member=members[1]).exists()  # nothing saved
    body = response.content.decode()
    row = body.split(f'id="row-{members[0].pk}"')[1].split("</tr>")[0]
    assert "已于" in row and "扫码签到" in row and "覆盖扫码签到" in row
    select = elements(body, "select", name=f"status-{members[0].pk}")[0]
    assert "is-invalid" in select["class"] and select["aria-invalid"] == "true"


def test_an_explicit_override_replaces_the_scan_with_history(client_as, cast):
    session, members, scan = _scanned(cast)
    response = client_as("township_a").post(
        reverse("courses:attendance-sheet", args=[session.pk]),
        {
            f"status-{members[0].pk}": "excused",
            f"reason-{members[0].pk}": "临时外出",
            f"version-{members[0].pk}": "1",
            f"override_scan-{members[0].pk}": "on",
        },
    )
    assert response.status_code == 302
    scan.refresh_from_db()
    assert (scan.status, scan.leave_reason) == ("excused", "临时外出")
    assert scan.changes.get().from_status == "present"


def test_the_service_refuses_to_replace_a_scan_without_the_choice(cast):
    from core.workflow import IllegalTransition
    from courses.cycle.services import AttendanceRow, attendance_bulk_save

    session, members, scan = _scanned(cast)
    with pytest.raises(IllegalTransition, match="覆盖扫码签到"):
        attendance_bulk_save(
            session=session,
            by=cast.users["township_a"],
            rows=[AttendanceRow(members[0].pk, "absent", version=1)],
        )
    scan.refresh_from_db()
    assert scan.status == "present"


def test_the_missing_reason_is_marked_on_its_field_and_the_banner_links_to_the_row(client_as, cast):
    from tests.html_parse import elements

    session, members = _sheet(cast, n=2)
    data = {f"status-{m.pk}": "present" for m in members}
    data[f"status-{members[1].pk}"] = "excused"
    body = client_as("township_a").post(reverse("courses:attendance-sheet", args=[session.pk]), data).text
    reason = elements(body, "input", name=f"reason-{members[1].pk}")[0]
    assert "is-invalid" in reason["class"] and reason["aria-invalid"] == "true"
    error = elements(body, "div", id=reason["aria-describedby"])
    assert error
    assert elements(body, "a", href=f"#row-{members[1].pk}")
    assert not elements(body, "input", name=f"reason-{members[0].pk}", aria_invalid="true")
