"""Write workflows of the monthly cycle (一月一训): sessions, plans, enrolment, check-in, attendance, manual study hours."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from core.workflow import IllegalTransition
from courses import notices
from courses.models import (
    Attendance,
    AttendanceChange,
    Enrollment,
    Instructor,
    LessonPreparation,
    MonthlyPlan,
    Session,
    SessionEvent,
    StudyHoursEntry,
)
from trainees.models import Branch, Member

CHECKIN_SALT = "courses.checkin"
CHECKIN_SLOT_SECONDS = 120  # the projector's QR code changes every two minutes
CHECKIN_TOKEN_MAX_AGE = 300  # a scanned code stays valid five minutes
CHECKIN_OPENS_BEFORE = datetime.timedelta(minutes=30)

Status = Session.Status


class CheckInRefused(Exception):
    """A check-in that cannot be accepted; the message says why, for the trainee."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StaleAttendance(Exception):
    """Someone else saved the attendance sheet since it was opened."""

    def __init__(self, names: list[str]):
        super().__init__(", ".join(names))
        self.names = names


# --- monthly plans -------------------------------------------------------------------------------


def plan_for(*, township_id: int | None, month: datetime.date) -> MonthlyPlan | None:
    """The township's plan for ``month`` (created when missing); county-wide sessions have none."""
    if township_id is None:
        return None
    plan, _created = MonthlyPlan.objects.get_or_create(township_id=township_id, month=month.replace(day=1))
    return plan


def plan_sync(*, plan: MonthlyPlan | None, by) -> None:
    """Keep a plan's status in step with its sessions: published → scheduled, held/closed → held."""
    if plan is None:
        return
    statuses = set(plan.sessions.values_list("status", flat=True))
    if statuses & {Status.HELD, Status.CLOSED}:
        wanted = MonthlyPlan.Status.HELD
    elif Status.PUBLISHED in statuses:
        wanted = MonthlyPlan.Status.SCHEDULED
    elif plan.status == MonthlyPlan.Status.SCHEDULED:
        wanted = MonthlyPlan.Status.PLANNED
    else:
        return
    if plan.status == wanted:
        return
    if wanted == MonthlyPlan.Status.HELD and plan.status in (
        MonthlyPlan.Status.PLANNED,
        MonthlyPlan.Status.MISSED,
    ):
        plan.transition(MonthlyPlan.Status.SCHEDULED, by=by)
    if plan.can_transition(wanted):
        plan.transition(wanted, by=by)


@transaction.atomic
def lesson_preparation_record(
    *,
    plan: MonthlyPlan,
    by,
    date: datetime.date,
    participants: str = "",
    notes: str = "",
    instructors: Iterable[Instructor] = (),
) -> LessonPreparation:
    """集体备课 recorded against the month's plan."""
    preparation = LessonPreparation.objects.create(
        plan=plan, date=date, participants=participants, notes=notes, recorded_by=by
    )
    preparation.instructors.set(instructors)
    return preparation


# --- sessions ------------------------------------------------------------------------------------

# Session fields kept as many-to-many relations: set after the row is saved.
SESSION_RELATIONS = ("instructors", "audience_branches", "audience_groups")


def _session_assign(session: Session, fields: dict[str, Any]) -> dict[str, Any]:
    """Set ``fields`` on ``session``; return the many-to-many values to set once it is saved."""
    relations = {}
    for name, value in fields.items():
        if name in SESSION_RELATIONS:
            relations[name] = value
        else:
            setattr(session, name, value)
    return relations


@transaction.atomic
def session_create(*, by, township_id: int | None, fields: dict[str, Any]) -> Session:
    """A new draft session, attached to its township's monthly plan.

    ``fields`` are Session field values by name (``title``, ``starts_at`` …; the
    many-to-many ones — instructors, audience branches and groups — as lists).
    """
    session = Session()
    relations = _session_assign(session, fields)
    session.township_id = township_id
    session.created_by = by
    session.status = Status.DRAFT
    session.plan = plan_for(township_id=township_id, month=session.local_month)
    session.save()
    for name, value in relations.items():
        getattr(session, name).set(value)
    return session


@transaction.atomic
def session_update(*, session: Session, by, fields: dict[str, Any]) -> Session:
    """Save edits (``fields`` as for :func:`session_create`); a changed time on a published
    session is a move, and trainees are told.

    A changed capacity fills free seats from the waiting list (never once the session started).
    """
    before = Session.objects.select_for_update().get(pk=session.pk)
    relations = _session_assign(session, fields)
    moved = (before.starts_at, before.ends_at) != (session.starts_at, session.ends_at)
    session.plan = plan_for(township_id=session.township_id, month=session.local_month)
    session.save()
    for name, value in relations.items():
        getattr(session, name).set(value)
    if moved and session.status == Status.PUBLISHED:
        _record_move(session=session, by=by, before=before)
    if session.capacity != before.capacity and not before.has_started():
        waitlist_promote(session=session)  # new seats go to the queue first, FIFO
    if before.plan_id != session.plan_id and before.plan_id:
        plan_sync(plan=MonthlyPlan.objects.get(pk=before.plan_id), by=by)
    plan_sync(plan=session.plan, by=by)
    return session


def _record_move(*, session: Session, by, before: Session) -> None:
    fmt = "%Y-%m-%d %H:%M"
    SessionEvent.objects.create(
        session=session,
        from_status=session.status,
        to_status=session.status,
        by=by,
        note=_("时间由 %(old)s 调整为 %(new)s。")
        % {
            "old": timezone.localtime(before.starts_at).strftime(fmt),
            "new": timezone.localtime(session.starts_at).strftime(fmt),
        },
    )
    notices.session_changed(session_id=session.pk, change="moved")


@transaction.atomic
def session_move(
    *, session: Session, by, starts_at: datetime.datetime, ends_at: datetime.datetime
) -> Session:
    """Move a session in time, record it, and leave the notice to the hook."""
    if ends_at <= starts_at:
        raise IllegalTransition(_("结束时间须晚于开始时间。"))
    if session.status not in (Status.DRAFT, Status.PUBLISHED):
        raise IllegalTransition(_("只有草稿或已发布的培训可以调整时间。"))
    before = Session.objects.select_for_update().get(pk=session.pk)
    session.starts_at, session.ends_at = starts_at, ends_at
    session.plan = plan_for(township_id=session.township_id, month=session.local_month)
    session.save(update_fields=["starts_at", "ends_at", "plan", "updated_at"])
    if session.status == Status.PUBLISHED:
        _record_move(session=session, by=by, before=before)
    if before.plan_id and before.plan_id != session.plan_id:
        plan_sync(plan=MonthlyPlan.objects.get(pk=before.plan_id), by=by)
    plan_sync(plan=session.plan, by=by)
    return session


@transaction.atomic
def session_transition(*, session: Session, to: str, by, note: str = "") -> Session:
    """Move a session along its workflow and do what goes with the move."""
    if to == Status.CANCELLED:
        return session_cancel(session=session, by=by, reason=note)
    session.transition(to, by=by, note=note)
    if to == Status.CLOSED:
        _mark_unmarked_absent(session=session, by=by)
    plan_sync(plan=session.plan, by=by)
    return session


@transaction.atomic
def session_cancel(*, session: Session, by, reason: str) -> Session:
    """Cancel with a reason; enrolled trainees are told through :mod:`courses.notices`."""
    was_published = session.status != Status.DRAFT
    session.transition(Status.CANCELLED, by=by, note=reason)
    if was_published:
        notices.session_changed(session_id=session.pk, change="cancelled")
    plan_sync(plan=session.plan, by=by)
    return session


def _mark_unmarked_absent(*, session: Session, by=None) -> int:
    """On closing: everyone enrolled with no attendance row is recorded absent (once: closed is final)."""
    marked = set(session.attendances.values_list("member_id", flat=True))
    missing = [
        member_id
        for member_id in session.enrollments.filter(status=Enrollment.Status.ENROLLED).values_list(
            "member_id", flat=True
        )
        if member_id not in marked
    ]
    Attendance.objects.bulk_create(
        [
            Attendance(
                session=session,
                member_id=member_id,
                status=Attendance.Status.ABSENT,
                method=Attendance.Method.CLOSE,
            )
            for member_id in missing
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    created = list(
        session.attendances.filter(member_id__in=missing, method=Attendance.Method.CLOSE).values_list(
            "pk", flat=True
        )
    )
    AttendanceChange.objects.bulk_create(
        [AttendanceChange(attendance_id=pk, to_status=Attendance.Status.ABSENT, by=None) for pk in created],
        batch_size=1000,
    )
    audit.record_bulk(
        Attendance,
        created,
        audit.Action.BULK_CREATE,
        {"status": [None, Attendance.Status.ABSENT], "method": [None, Attendance.Method.CLOSE]},
        actor=by,
    )
    return len(missing)


def _copy(session: Session, *, by, **changes) -> Session:
    copy = Session.objects.get(pk=session.pk)
    copy.pk = None
    copy._state.adding = True
    copy.status = Status.DRAFT
    copy.cancel_reason = ""
    copy.created_by = by
    for name, value in changes.items():
        setattr(copy, name, value)
    copy.plan = plan_for(township_id=copy.township_id, month=copy.local_month)
    copy.save()
    copy.instructors.set(session.instructors.all())
    copy.audience_groups.set(session.audience_groups.all())
    if "audience_branches" not in changes:
        copy.audience_branches.set(session.audience_branches.all())
    return copy


@transaction.atomic
def session_duplicate(*, session: Session, by) -> Session:
    """A new draft with the same content, one week later, ready to edit."""
    week = datetime.timedelta(days=7)
    return _copy(session, by=by, starts_at=session.starts_at + week, ends_at=session.ends_at + week)


@transaction.atomic
def session_series_create(
    *, session: Session, by, dates: list[datetime.date], per_branch: bool
) -> list[Session]:
    """Occurrences of ``session`` on each date (and, if asked, one per audience branch), sharing a series.

    Each occurrence is an independent session that can be edited on its own.
    """
    series = session.series or uuid.uuid4()
    if session.series is None:
        session.series = series
        session.save(update_fields=["series", "updated_at"])
    start = timezone.localtime(session.starts_at)
    length = session.ends_at - session.starts_at
    branches = list(session.audience_branches.all()) if per_branch else [None]
    created = []
    for day in sorted(set(dates)):
        for branch in branches:
            starts_at = timezone.make_aware(datetime.datetime.combine(day, start.time().replace(tzinfo=None)))
            if branch is None and starts_at == session.starts_at:
                continue
            changes = {"starts_at": starts_at, "ends_at": starts_at + length, "series": series}
            if branch is not None:
                changes["title"] = f"{session.title}（{branch.name}）"
            copy = _copy(session, by=by, **changes)
            if branch is not None:
                copy.audience_branches.set([branch])
            created.append(copy)
    return created


# --- enrolment -----------------------------------------------------------------------------------


def audience_members(session: Session):
    """Active members the session is meant for; with no audience set, its whole township (or county)."""
    members = Member.objects.active()
    if session.township_id:
        members = members.filter(branch__township_id=session.township_id)
    branch_ids = [b.pk for b in session.audience_branches.all()]
    group_ids = [g.pk for g in session.audience_groups.all()]
    domains = list(session.audience_domains or [])
    if not (branch_ids or group_ids or domains):
        return members
    condition = Q(pk__in=[])
    if branch_ids:
        condition |= Q(branch_id__in=branch_ids)
    if domains:
        condition |= Q(branch__domain__in=domains)
    if group_ids:
        condition |= Q(
            pk__in=Member.groups.through.objects.filter(membergroup_id__in=group_ids).values("member_id")
        )
    return members.filter(condition)


def in_audience(session: Session, member: Member) -> bool:
    return audience_members(session).filter(pk=member.pk).exists()


def _lock(session: Session) -> Session:
    """Serialise enrolment changes of one session (a row lock on PostgreSQL)."""
    return Session.objects.select_for_update().get(pk=session.pk)


def _seats_left(session: Session) -> int | None:
    if session.capacity is None:
        return None
    taken = session.enrollments.filter(status=Enrollment.Status.ENROLLED).count()
    return max(0, session.capacity - taken)


@transaction.atomic
def session_invite(*, session: Session, by) -> dict[str, int]:
    """Enrol the whole audience in one go: seats first, then the waiting list, in roster order."""
    session = _lock(session)
    if session.status not in (Status.DRAFT, Status.PUBLISHED):
        raise IllegalTransition(_("只有草稿或已发布的培训可以邀请学员。"))
    existing = dict(session.enrollments.values_list("member_id", "pk"))
    seats = _seats_left(session)
    rows = []
    for member_id in audience_members(session).order_by("branch_id", "pk").values_list("pk", flat=True):
        if member_id in existing:
            continue
        status = Enrollment.Status.ENROLLED
        if seats is not None:
            if seats > 0:
                seats -= 1
            else:
                status = Enrollment.Status.WAITLISTED
        rows.append(
            Enrollment(session=session, member_id=member_id, status=status, source=Enrollment.Source.INVITED)
        )
    Enrollment.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    enrolled = sum(1 for r in rows if r.status == Enrollment.Status.ENROLLED)
    if rows:
        # ignore_conflicts leaves the pks unset: read them back in one query for the audit rows.
        known = set(existing.values())
        new = {m: pk for m, pk in session.enrollments.values_list("member_id", "pk") if pk not in known}
        status_of = {r.member_id: r.status for r in rows}
        audit.record_bulk(
            Enrollment,
            sorted(new.values()),
            audit.Action.BULK_CREATE,
            changes_by_pk={
                pk: {"status": [None, status_of.get(m)], "source": [None, Enrollment.Source.INVITED]}
                for m, pk in new.items()
            },
            actor=by,
        )
    return {"enrolled": enrolled, "waitlisted": len(rows) - enrolled}


@transaction.atomic
def enrollment_signup(*, session: Session, member: Member) -> Enrollment:
    """A trainee signs up for an open session: a seat if one is free, else the end of the queue."""
    session = _lock(session)
    if session.status != Status.PUBLISHED or not session.open_signup:
        raise IllegalTransition(_("该培训未开放报名。"))
    if session.has_started():
        raise IllegalTransition(_("培训已开始，不能再报名。"))
    if not in_audience(session, member):
        raise IllegalTransition(_("您不在本次培训的参训范围内。"))
    enrollment = Enrollment.objects.filter(session=session, member=member).first()
    if enrollment is not None and enrollment.status != Enrollment.Status.WITHDRAWN:
        raise IllegalTransition(_("您已报名本次培训。"))
    seats = _seats_left(session)
    status = Enrollment.Status.ENROLLED if seats is None or seats > 0 else Enrollment.Status.WAITLISTED
    # A waiting list is fair only if nobody already queued is passed over.
    if (
        status == Enrollment.Status.ENROLLED
        and session.enrollments.filter(status=Enrollment.Status.WAITLISTED).exists()
    ):
        status = Enrollment.Status.WAITLISTED
    if enrollment is None:
        enrollment = Enrollment.objects.create(
            session=session, member=member, status=status, source=Enrollment.Source.SELF
        )
    else:
        # Coming back after withdrawing queues you again from now.
        Enrollment.objects.filter(pk=enrollment.pk).update(
            status=status, source=Enrollment.Source.SELF, created_at=timezone.now(), updated_at=timezone.now()
        )
        audit.record_bulk(
            Enrollment,
            [enrollment.pk],
            audit.Action.BULK_UPDATE,
            {"status": [enrollment.status, status], "source": [enrollment.source, Enrollment.Source.SELF]},
        )
        enrollment.refresh_from_db()
    return enrollment


@transaction.atomic
def enrollment_withdraw(*, session: Session, member: Member) -> int:
    """Withdraw; a freed seat goes to the first in the queue. Returns how many were promoted."""
    session = _lock(session)
    if session.has_started():
        raise IllegalTransition(_("培训已开始，不能再退出。"))
    enrollment = Enrollment.objects.filter(session=session, member=member).first()
    if enrollment is None or enrollment.status == Enrollment.Status.WITHDRAWN:
        raise IllegalTransition(_("您没有报名本次培训。"))
    enrollment.status = Enrollment.Status.WITHDRAWN
    enrollment.save(update_fields=["status", "updated_at"])
    return waitlist_promote(session=session)


def waitlist_promote(*, session: Session, now: datetime.datetime | None = None) -> int:
    """Fill free seats from the waiting list, first come first served; never once the session started."""
    if session.has_started(now) or session.status not in (Status.DRAFT, Status.PUBLISHED):
        return 0
    seats = _seats_left(session)
    queue = session.enrollments.filter(status=Enrollment.Status.WAITLISTED).order_by("created_at", "pk")
    if seats is not None:
        queue = queue[:seats]
    ids = list(queue.values_list("pk", flat=True))
    promoted = Enrollment.objects.filter(pk__in=ids).update(
        status=Enrollment.Status.ENROLLED, updated_at=timezone.now()
    )
    audit.record_bulk(
        Enrollment,
        ids,
        audit.Action.BULK_UPDATE,
        {"status": [Enrollment.Status.WAITLISTED, Enrollment.Status.ENROLLED]},
    )
    return promoted


# --- QR check-in ---------------------------------------------------------------------------------


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=CHECKIN_SALT)


def checkin_token(session: Session, now: datetime.datetime | None = None) -> str:
    """The code shown on the projector: signed (session, time slot), valid a few minutes."""
    moment = now or timezone.now()
    slot = int(moment.timestamp()) // CHECKIN_SLOT_SECONDS
    return _signer().sign_object({"s": session.pk, "k": slot})


def checkin_verify(*, session: Session, token: str) -> None:
    """Raise :class:`CheckInRefused` unless ``token`` is a live code of this very session."""
    try:
        data = _signer().unsign_object(token or "", max_age=CHECKIN_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise CheckInRefused(_("签到码已过期，请重新扫描现场二维码。")) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise CheckInRefused(_("签到码无效，请重新扫描现场二维码。")) from None
    if not isinstance(data, dict) or data.get("s") != session.pk:
        raise CheckInRefused(_("该签到码属于其他培训场次，不能用于本场培训。"))


def checkin_code_names(*, session: Session, token: str) -> bool:
    """Whether ``token`` is an authentic code of this session, expired or not (it may show the session)."""
    try:
        data = _signer().unsign_object(token or "")
    except (signing.BadSignature, ValueError, TypeError):
        return False
    return isinstance(data, dict) and data.get("s") == session.pk


def checkin_window_check(session: Session, now: datetime.datetime) -> None:
    if session.status not in (Status.PUBLISHED, Status.HELD):
        raise CheckInRefused(
            _("本场培训当前不接受签到（%(status)s）。") % {"status": session.get_status_display()}
        )
    opens = session.starts_at - CHECKIN_OPENS_BEFORE
    if now < opens:
        raise CheckInRefused(
            _("签到尚未开始：开课前 %(minutes)d 分钟（%(time)s）起可以签到。")
            % {
                "minutes": CHECKIN_OPENS_BEFORE.seconds // 60,
                "time": timezone.localtime(opens).strftime("%m-%d %H:%M"),
            }
        )
    if now > session.ends_at:
        raise CheckInRefused(_("本场培训已结束，不能再签到。"))


def checkin_check(*, session: Session, member: Member | None, token: str, now: datetime.datetime) -> None:
    """Everything a check-in needs, in order; raise :class:`CheckInRefused` with the first reason."""
    checkin_verify(session=session, token=token)
    checkin_window_check(session, now)
    if member is None:
        raise CheckInRefused(_("只有关联了党员信息的学员账号可以签到。"))
    enrolled = session.enrollments.filter(member=member, status=Enrollment.Status.ENROLLED).exists()
    if not enrolled and not (session.open_signup and in_audience(session, member)):
        raise CheckInRefused(_("您不在本次培训的参训名单中，请联系乡镇党校管理员。"))


def attendance_check_in(
    *, session: Session, member: Member | None, by, token: str, now: datetime.datetime | None = None
) -> Attendance:
    """Self check-in with a scanned code: checked in order, each refusal says why."""
    now = now or timezone.now()
    checkin_check(session=session, member=member, token=token, now=now)
    late = now > session.starts_at + datetime.timedelta(minutes=15)
    status = Attendance.Status.LATE if late else Attendance.Status.PRESENT
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                session=session,
                member=member,
                status=status,
                method=Attendance.Method.QR,
                checked_in_at=now,
                marked_by=by,
            )
            AttendanceChange.objects.create(attendance=attendance, to_status=status, by=by)
    except IntegrityError:
        raise CheckInRefused(_("您已签到，无需重复签到。")) from None
    return attendance


# --- bulk attendance -----------------------------------------------------------------------------


@dataclass
class AttendanceRow:
    member_id: int
    status: str
    leave_reason: str = ""
    version: int | None = None  # the version the sheet was opened with; None for a new row
    override_scan: bool = False  # the staff chose to replace this member's QR check-in


def is_scanned(attendance: Attendance | None) -> bool:
    """Whether ``attendance`` is the member's own QR check-in (present or late, with its time)."""
    return (
        attendance is not None
        and attendance.method == Attendance.Method.QR
        and attendance.status in (Attendance.Status.PRESENT, Attendance.Status.LATE)
    )


@transaction.atomic
def attendance_bulk_save(*, session: Session, by, rows: list[AttendanceRow]) -> dict[str, int]:
    """Save a whole sheet in a constant number of queries, keeping history; refuse stale sheets."""
    if session.status not in (Status.PUBLISHED, Status.HELD, Status.CLOSED):
        raise IllegalTransition(_("培训发布后才能登记考勤。"))
    existing = {a.member_id: a for a in session.attendances.select_for_update()}
    members = {
        m_id: name
        for m_id, name in Member.objects.filter(pk__in=[r.member_id for r in rows]).values_list("pk", "name")
    }
    stale, to_create, to_update, changes = [], [], [], []
    before: dict[int, tuple[str, str]] = {}  # attendance pk → (status, leave reason) as it was
    for row in rows:
        current = existing.get(row.member_id)
        if current is None:
            if row.version is not None:
                stale.append(members.get(row.member_id, str(row.member_id)))
                continue
            if row.status:
                to_create.append(
                    Attendance(
                        session=session,
                        member_id=row.member_id,
                        status=row.status,
                        leave_reason=row.leave_reason,
                        method=Attendance.Method.MANUAL,
                        marked_by=by,
                    )
                )
            continue
        if row.version != current.version:
            stale.append(members.get(row.member_id, str(row.member_id)))
            continue
        if row.status and (row.status, row.leave_reason) != (current.status, current.leave_reason):
            if is_scanned(current) and row.status != current.status and not row.override_scan:
                raise IllegalTransition(
                    _("%(name)s 已扫码签到，未选择“覆盖扫码签到”，本次未保存任何记录。")
                    % {"name": members.get(row.member_id, "")}
                )
            changes.append(
                AttendanceChange(attendance=current, from_status=current.status, to_status=row.status, by=by)
            )
            before[current.pk] = (current.status, current.leave_reason)
            current.status, current.leave_reason = row.status, row.leave_reason
            current.marked_by, current.version = by, current.version + 1
            current.updated_at = timezone.now()
            to_update.append(current)
    if stale:
        raise StaleAttendance(stale)
    try:
        created = Attendance.objects.bulk_create(to_create, batch_size=1000)
    except IntegrityError:
        raise StaleAttendance([members.get(a.member_id, "") for a in to_create]) from None
    if any(a.pk is None for a in created):
        ids = dict(
            session.attendances.filter(member_id__in=[a.member_id for a in created]).values_list(
                "member_id", "pk"
            )
        )
        for a in created:
            a.pk = ids[a.member_id]
    changes += [AttendanceChange(attendance=a, to_status=a.status, by=by) for a in created]
    Attendance.objects.bulk_update(
        to_update, ["status", "leave_reason", "marked_by", "version", "updated_at"], batch_size=1000
    )
    AttendanceChange.objects.bulk_create(changes, batch_size=1000)
    audit.record_bulk(
        Attendance,
        [a.pk for a in created],
        audit.Action.BULK_CREATE,
        changes_by_pk={
            a.pk: {"status": [None, a.status], "leave_reason": [None, a.leave_reason]} for a in created
        },
        actor=by,
    )
    audit.record_bulk(
        Attendance,
        [a.pk for a in to_update],
        audit.Action.BULK_UPDATE,
        changes_by_pk={
            a.pk: {"status": [before[a.pk][0], a.status], "leave_reason": [before[a.pk][1], a.leave_reason]}
            for a in to_update
        },
        actor=by,
    )
    return {"created": len(created), "updated": len(to_update)}


# ---------------------------------------------------------------------------
# Manual study hours


@transaction.atomic
def study_hours_record_branch(
    *, branch: Branch, date: datetime.date, hours: Decimal, source: str, note: str = "", by
) -> dict[str, int]:
    """One entry per active member of ``branch`` (a branch meeting), in one insert.

    Members who already have an entry of that date and source are skipped, so
    sending the form twice does not count the meeting twice.
    """
    members = branch.members.active().order_by("pk")
    already = set(
        StudyHoursEntry.objects.filter(member__branch=branch, date=date, source=source).values_list(
            "member_id", flat=True
        )
    )
    active_ids = list(members.values_list("pk", flat=True))
    member_ids = [pk for pk in active_ids if pk not in already]
    created = StudyHoursEntry.objects.bulk_create(
        [
            StudyHoursEntry(member_id=pk, date=date, hours=hours, source=source, note=note, recorded_by=by)
            for pk in member_ids
        ],
        batch_size=1000,
    )
    # bulk_create sends no signals: the audit rows are written here (see the audit package).
    audit.record_bulk(
        StudyHoursEntry,
        [entry.pk for entry in created if entry.pk is not None],
        audit.Action.BULK_CREATE,
        {"date": [None, date], "hours": [None, hours], "source": [None, source]},
        actor=by,
    )
    return {"created": len(created), "skipped": len(active_ids) - len(member_ids)}
