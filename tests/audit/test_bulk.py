"""The audit trail sees the bulk paths too: invitations, closing, the attendance sheet, series, imports."""

import datetime

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from courses.cycle.services import (
    enrollment_withdraw,
    session_invite,
    session_series_create,
    session_transition,
)
from courses.models import Attendance, Enrollment, MonthlyPlan, Session
from tests.cycle_fixtures import enrol, live_session
from tests.factories import MemberFactory
from tests.rosters import private_media, roster_row, upload, xlsx_bytes  # noqa: F401
from trainees.models import ImportBatch, Member
from trainees.services import member_import_commit, member_import_preview

pytestmark = pytest.mark.django_db


_since = {"pk": 0}


@pytest.fixture(autouse=True)
def _every_row():
    _since["pk"] = 0


def forget_earlier_rows():
    """Look only at rows written from now on (audit rows cannot be deleted: the chain and the trigger)."""
    _since["pk"] = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def rows_for(model, action):
    rows = AuditEntry.objects.filter(model_label=model._meta.label, action=action)
    return rows.filter(pk__gt=_since["pk"])


def test_inviting_the_audience_leaves_one_row_per_new_enrolment(cast):
    session = live_session(cast.township_a, capacity=2)
    MemberFactory.create_batch(2, branch=cast.branch_a)  # four in township A: two seats, two waiting
    forget_earlier_rows()
    session_invite(session=session, by=cast.users["township_a"])
    entries = rows_for(Enrollment, AuditAction.BULK_CREATE)
    assert entries.count() == Enrollment.objects.count() == 4
    assert {e.object_pk for e in entries} == {
        str(pk) for pk in Enrollment.objects.values_list("pk", flat=True)
    }
    assert {e.actor for e in entries} == {cast.users["township_a"]}
    assert sorted(e.changes["status"][1] for e in entries) == ["enrolled"] * 2 + ["waitlisted"] * 2
    # A second invitation adds nobody and writes nothing.
    session_invite(session=session, by=cast.users["township_a"])
    assert rows_for(Enrollment, AuditAction.BULK_CREATE).count() == 4


def test_a_promotion_from_the_waiting_list_is_audited(cast):
    session = live_session(cast.township_a, minutes_from_now=60 * 24, capacity=1)
    first, waiting = (
        enrol(session, cast.trainee_member),
        enrol(session, cast.member_a, status=Enrollment.Status.WAITLISTED),
    )
    enrollment_withdraw(session=session, member=cast.trainee_member)
    promoted = rows_for(Enrollment, AuditAction.BULK_UPDATE).get()
    assert promoted.object_pk == str(waiting[0].pk)
    assert promoted.changes == {"status": ["waitlisted", "enrolled"]}
    assert rows_for(Enrollment, AuditAction.UPDATE).get().object_pk == str(first[0].pk)


def test_closing_a_session_audits_every_absence_it_records(cast):
    session = live_session(cast.township_a, status=Session.Status.HELD)
    others = MemberFactory.create_batch(3, branch=cast.branch_a)
    enrol(session, cast.member_a, *others)
    Attendance.objects.create(session=session, member=cast.member_a, status=Attendance.Status.PRESENT)
    session_transition(session=session, to=Session.Status.CLOSED, by=cast.users["county"])
    entries = rows_for(Attendance, AuditAction.BULK_CREATE)
    absent = Attendance.objects.filter(status=Attendance.Status.ABSENT)
    assert entries.count() == absent.count() == 3
    assert {e.object_pk for e in entries} == {str(a.pk) for a in absent}
    assert {e.actor for e in entries} == {cast.users["county"]}
    assert entries.first().changes == {"status": [None, "absent"], "method": [None, "close"]}
    # The status move itself is an ordinary single-row update of the session.
    move = rows_for(Session, AuditAction.UPDATE).get(object_pk=str(session.pk))
    assert move.changes["status"] == ["held", "closed"]


def test_the_attendance_sheet_audits_each_row_it_creates_or_corrects(client_as, cast):
    session = live_session(cast.township_a, status=Session.Status.HELD)
    members = MemberFactory.create_batch(3, branch=cast.branch_a)
    enrol(session, *members)
    client = client_as("township_a")
    url = reverse("courses:attendance-sheet", args=[session.pk])
    client.post(url, {f"status-{m.pk}": "present" for m in members})
    created = rows_for(Attendance, AuditAction.BULK_CREATE)
    assert created.count() == 3
    assert {(e.actor, e.ip) for e in created} == {(cast.users["township_a"], "127.0.0.1")}

    first = Attendance.objects.get(member=members[0])
    data = {f"status-{m.pk}": "present" for m in members}
    data.update({f"version-{a.member_id}": a.version for a in Attendance.objects.all()})
    data.update({f"status-{members[0].pk}": "excused", f"reason-{members[0].pk}": "外出务工"})
    client.post(url, data)
    corrected = rows_for(Attendance, AuditAction.BULK_UPDATE).get()
    assert corrected.object_pk == str(first.pk)
    assert corrected.changes == {"status": ["present", "excused"], "leave_reason": ["", "外出务工"]}


def test_a_series_leaves_a_create_row_per_occurrence(cast):
    session = live_session(cast.township_a, minutes_from_now=60 * 24)
    forget_earlier_rows()
    day = session.starts_at.date()
    created = session_series_create(
        session=session,
        by=cast.users["township_a"],
        dates=[day + datetime.timedelta(days=7), day + datetime.timedelta(days=14)],
        per_branch=False,
    )
    creates = rows_for(Session, AuditAction.CREATE)
    assert {e.object_pk for e in creates} == {str(s.pk) for s in created}
    assert rows_for(Session, AuditAction.UPDATE).filter(object_pk=str(session.pk)).exists()  # its series id


def test_single_row_changes_of_plans_and_requests_are_audited(client_as, cast):
    from tests.factories_courses import CourseFactory

    course = CourseFactory()
    client = client_as("township_a")
    client.post(
        reverse("courses:request-create"),
        {"course": course.pk, "preferred_month": "2026-06-01", "audience": "全体党员", "expected_size": 30},
    )
    assert AuditEntry.objects.filter(model_label="courses.CourseRequest", action="create").count() == 1
    MonthlyPlan.objects.create(township=cast.township_a, month=datetime.date(2026, 7, 1))
    assert AuditEntry.objects.filter(model_label="courses.MonthlyPlan", action="create").count() == 1


@pytest.mark.usefixtures("private_media")
def test_an_import_leaves_one_row_per_action_listing_the_members_and_a_rerun_none(cast):
    county = cast.users["county"]
    rows = [roster_row(n, "甲村党支部") for n in range(1, 4)]
    rows.append(
        roster_row(
            4,
            "甲村党支部",
            公民身份号码=cast.member_a.id_number,
            姓名="甲党员（改名）",
            出生日期=cast.member_a.birth_date,
        )
    )
    content = xlsx_bytes(rows)
    batch = member_import_commit(
        user=county, batch=member_import_preview(user=county, uploaded_file=upload(content))
    )
    assert batch.status == ImportBatch.Status.COMMITTED, batch.errors
    members = AuditEntry.objects.filter(model_label="trainees.Member")
    created = members.get(action=AuditAction.BULK_CREATE)
    new_pks = sorted(Member.objects.filter(name__startswith="导入党员").values_list("pk", flat=True))
    assert created.changes["pks"] == new_pks
    assert created.actor == county and created.object_pk == str(batch.pk)
    updated = members.get(action=AuditAction.BULK_UPDATE)
    assert updated.changes["pks"] == [cast.member_a.pk]
    # The batch itself is audited like any registered model.
    assert AuditEntry.objects.filter(model_label="trainees.ImportBatch", object_pk=str(batch.pk)).exists()

    before = AuditEntry.objects.filter(model_label="trainees.Member").count()
    again = member_import_commit(
        user=county, batch=member_import_preview(user=county, uploaded_file=upload(content))
    )
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 4)
    assert AuditEntry.objects.filter(model_label="trainees.Member").count() == before
