"""The cycle's spreadsheets: session list, a session's attendance, the hours ledger (township,
branch, member) — each from its page with the page's filters, scoped, masked, audited."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEntry
from courses.models import Attendance
from tests.cycle_fixtures import enrol, live_session
from tests.factories import BranchFactory, MemberFactory
from tests.factories_courses import SessionFactory

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def read(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    return sheet, [list(row) for row in sheet.iter_rows(values_only=True)]


def column(rows, header):
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


# --- the session list ----------------------------------------------------------------------------


def test_the_session_list_export_applies_the_list_filters_and_the_scope(cast, client_as):
    SessionFactory(township=cast.township_a, title="甲镇六月党课", status="published")
    SessionFactory(township=cast.township_a, title="甲镇草稿", status="draft")
    SessionFactory(township=cast.township_b, title="乙镇六月党课", status="published")
    client = client_as("township_a")
    page = client.get(reverse("courses:session-list"), {"status": "published"})
    assert reverse("courses:session-list-xlsx") + "?status=published" in page.content.decode()
    sheet, rows = read(client.get(reverse("courses:session-list-xlsx"), {"status": "published"}))
    assert column(rows, "培训名称") == ["甲镇六月党课"]  # the filter, and township A only
    assert sheet.title == "培训场次"
    assert isinstance(column(rows, "开始时间")[0], datetime.datetime)
    assert column(rows, "学时")[0] == 2.0


def test_the_county_session_list_export_filters_by_township(cast, client_as):
    SessionFactory(township=cast.township_a, title="甲镇课")
    SessionFactory(township=cast.township_b, title="乙镇课")
    response = client_as("county").get(reverse("courses:session-list-xlsx"), {"township": cast.township_b.pk})
    assert column(read(response)[1], "培训名称") == ["乙镇课"]


def test_the_session_list_export_is_audited_with_its_filters(cast, client_as):
    client_as("township_a").get(reverse("courses:session-list-xlsx"), {"q": "党课"})
    entry = AuditEntry.objects.filter(action="export").latest("pk")
    assert entry.model_label == "courses.Session"
    assert entry.changes["filter"][1] == "q=%E5%85%9A%E8%AF%BE"


# --- a session's attendance ----------------------------------------------------------------------


def _marked_session(cast):
    session = live_session(cast.township_a)
    enrol(session, cast.member_a, cast.trainee_member)
    Attendance.objects.create(session=session, member=cast.member_a, status=Attendance.Status.PRESENT)
    Attendance.objects.create(
        session=session, member=cast.trainee_member, status=Attendance.Status.EXCUSED, leave_reason="外出务工"
    )
    return session


def test_the_attendance_export_lists_everyone_enrolled_with_status_and_masked_numbers(cast, client_as):
    session = _marked_session(cast)
    unmarked = MemberFactory(branch=cast.branch_a, name="未登记党员")
    enrol(session, unmarked)
    client = client_as("township_a")
    sheet_page = client.get(reverse("courses:attendance-sheet", args=[session.pk]))
    assert reverse("courses:attendance-xlsx", args=[session.pk]) in sheet_page.content.decode()
    _sheet, rows = read(client.get(reverse("courses:attendance-xlsx", args=[session.pk])))
    by_name = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {"甲党员", "学员本人", "未登记党员"}
    assert by_name["甲党员"]["出勤情况"] == "出勤" and by_name["甲党员"]["认定学时"] == 2.0
    assert by_name["学员本人"]["请假事由"] == "外出务工" and by_name["学员本人"]["认定学时"] == 0
    assert by_name["未登记党员"]["出勤情况"] == "未登记"
    assert by_name["甲党员"]["联系电话"] == cast.member_a.masked_phone != cast.member_a.phone
    assert by_name["甲党员"]["公民身份号码"] == cast.member_a.masked_id_number


def test_another_townships_attendance_export_is_not_found(cast, client_as):
    session = _marked_session(cast)
    assert (
        client_as("township_b").get(reverse("courses:attendance-xlsx", args=[session.pk])).status_code == 404
    )


def test_full_numbers_in_an_attendance_export_are_county_staffs_with_a_reason(cast, client_as):
    session = SessionFactory(township=None, status="published")
    enrol(session, cast.member_a)
    url = reverse("courses:attendance-xlsx", args=[session.pk])
    refused = client_as("county").post(url, {"reason": " "})
    assert refused.status_code == 302 and not AuditEntry.objects.filter(action="export").exists()
    _sheet, rows = read(client_as("county").post(url, {"reason": "上报县委组织部"}))
    assert column(rows, "联系电话") == [cast.member_a.phone]
    assert column(rows, "公民身份号码") == [cast.member_a.id_number]
    entry = AuditEntry.objects.filter(action="export").latest("pk")
    assert entry.changes["reason"][1] == "上报县委组织部" and entry.changes["full_numbers"][1] is True


def test_a_township_admin_cannot_export_full_numbers_of_an_attendance(cast, client_as):
    session = _marked_session(cast)
    response = client_as("township_a").post(
        reverse("courses:attendance-xlsx", args=[session.pk]), {"reason": "要"}
    )
    assert response.status_code == 403


# --- the hours ledger ----------------------------------------------------------------------------


def test_the_ledger_export_has_every_member_of_the_branch_with_hours_and_standing(cast, client_as):
    other_branch = BranchFactory(township=cast.township_a, name="甲二村党支部")
    MemberFactory(branch=other_branch, name="别的支部")
    session = SessionFactory(township=cast.township_a, status="held", hours=Decimal("3.0"))
    Attendance.objects.create(session=session, member=cast.member_a, status="present")
    client = client_as("township_a")
    query = {"branch": cast.branch_a.pk, "year": session.starts_at.year}
    page = client.get(reverse("courses:ledger-township"), query)
    assert reverse("courses:ledger-xlsx") in page.content.decode()
    sheet, rows = read(client.get(reverse("courses:ledger-xlsx"), query))
    by_name = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {"甲党员", "学员本人"}  # the branch filter
    assert by_name["甲党员"]["培训学时"] == 3.0 and by_name["甲党员"]["已获学时"] == 3.0
    assert by_name["学员本人"]["已获学时"] == 0
    assert by_name["甲党员"]["联系电话"] == cast.member_a.masked_phone
    assert sheet.freeze_panes == "A2"


def test_the_township_ledger_export_stays_in_the_township(cast, client_as):
    _sheet, rows = read(client_as("township_a").get(reverse("courses:ledger-xlsx")))
    assert set(column(rows, "姓名")) == {"甲党员", "学员本人"}
    _sheet, rows = read(
        client_as("county").get(reverse("courses:ledger-xlsx"), {"township": cast.township_b.pk})
    )
    assert set(column(rows, "姓名")) == {"乙党员"}


def test_the_member_ledger_export_lists_the_sessions_and_the_total(cast, client_as):
    session = SessionFactory(township=cast.township_a, status="held", hours=Decimal("2.5"), title="六月党课")
    Attendance.objects.create(session=session, member=cast.member_a, status="present")
    year = timezone.localtime(session.starts_at).year
    client = client_as("township_a")
    url = reverse("courses:ledger-member-xlsx", args=[cast.member_a.pk])
    page = client.get(reverse("courses:ledger-member", args=[cast.member_a.pk]), {"year": year})
    assert f"{url}?year={year}" in page.content.decode()
    _sheet, rows = read(client.get(url, {"year": year}))
    assert rows[1][2] == "六月党课" and rows[1][-1] == 2.5
    assert rows[-1][1] == "合计" and rows[-1][-1] == 2.5
    assert client_as("township_b").get(url).status_code == 404


def _queries(client, url, data=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, data).status_code == 200
    return len(queries)


def test_the_attendance_and_ledger_exports_do_not_query_per_row(cast, client_as):
    session = _marked_session(cast)
    client = client_as("township_a")
    url = reverse("courses:attendance-xlsx", args=[session.pk])
    small = (_queries(client, url), _queries(client, reverse("courses:ledger-xlsx")))
    for member in MemberFactory.create_batch(20, branch=cast.branch_a):
        enrol(session, member)
        Attendance.objects.create(session=session, member=member, status=Attendance.Status.LATE)
    large = (_queries(client, url), _queries(client, reverse("courses:ledger-xlsx")))
    assert large == small
    assert len(read(client.get(url))[1]) == 23


def test_the_ledger_offers_county_staff_the_full_number_export_with_a_reason(cast, client_as):
    county = client_as("county").get(reverse("courses:ledger-township")).content.decode()
    assert 'name="reason"' in county
    township = client_as("township_a").get(reverse("courses:ledger-township")).content.decode()
    assert reverse("courses:ledger-xlsx") in township and 'name="reason"' not in township
