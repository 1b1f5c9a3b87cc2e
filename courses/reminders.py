"""The reminders of the courses app, registered with notifications when the app loads.

Scans (run by the beat tasks of :mod:`notifications.tasks`, by name):

- ``session-reminders``: rows for every active rule, for published sessions within the horizon;
- ``townships-without-session``: township admins with no published session this month;
- ``dispatched-requests``: instructors with a dispatched request to answer;
- ``absent-members``: townships and the county, for members absent several months running.

Builders check at send time that each message still applies. :func:`session_change_notify`
is what ``courses.notices`` calls when a session is cancelled or moved.

Every scan is safe to run twice: its rows are keyed by (kind, recipient, object, due time),
and the due time of a daily or monthly chase is the local start of that day, so a second
run the same day adds nothing.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.periods import add_months, local_day_start, month_bounds
from core.roles import Role
from notifications.messages import Lookups, detail_url, due_time, local_text
from notifications.models import Kind, Reminder, ReminderRule
from notifications.registry import builder, scan
from notifications.services import reminder_rows, reminders_cancel, reminders_plan
from notifications.tasks import dispatch_after_commit
from trainees.models import Member, Township
from trainees.selectors import users_with_role

from .models import Attendance, CourseRequest, Enrollment, Session

# Sessions a little further out than the longest rule are planned early, so
# their rows exist before they are due even if the broker is down for a while.
HORIZON_SLACK = datetime.timedelta(hours=6)
SESSION_KINDS = [Kind.SESSION_UPCOMING, Kind.INSTRUCTOR_SESSION]


# --- scans ---------------------------------------------------------------------------------------


@scan("session-reminders")
def session_reminders_plan(
    *, now: datetime.datetime | None = None, session_ids: Iterable[int] | None = None
) -> None:
    """Rows for every active rule whose time is still ahead, for published sessions within the horizon.

    Pending rows of those sessions whose time no longer matches (the session
    moved, a rule was switched off) are cancelled. A rule's time already past
    is never planned: a new rule does not message anyone retroactively.
    """
    now = now or timezone.now()
    rules = list(ReminderRule.objects.filter(is_active=True))
    sessions = Session.objects.filter(status=Session.Status.PUBLISHED, starts_at__gt=now)
    if session_ids is not None:
        sessions = sessions.filter(pk__in=list(session_ids))
    else:
        longest = max((r.minutes_before for r in rules), default=0)
        sessions = sessions.filter(starts_at__lte=now + datetime.timedelta(minutes=longest) + HORIZON_SLACK)
    starts = dict(sessions.values_list("pk", "starts_at"))
    if not starts:
        return
    participants = {
        ReminderRule.Audience.TRAINEES: Enrollment.objects.filter(
            session_id__in=starts,
            status=Enrollment.Status.ENROLLED,
            member__is_active=True,
            member__user__isnull=False,
        ).values_list("session_id", "member__user_id"),
        ReminderRule.Audience.INSTRUCTORS: Session.instructors.through.objects.filter(
            session_id__in=starts, instructor__is_active=True, instructor__user__isnull=False
        ).values_list("session_id", "instructor__user_id"),
    }
    content_type = ContentType.objects.get_for_model(Session)
    of_sessions = Reminder.objects.filter(
        content_type=content_type, object_id__in=list(starts), kind__in=SESSION_KINDS
    )
    existing = set(of_sessions.values_list("kind", "recipient_id", "object_id", "due_at"))
    expected: dict[tuple[str, int], set[datetime.datetime]] = defaultdict(set)
    rows = []
    for rule in rules:
        for session_id, user_id in participants[rule.audience]:
            due = due_time(starts[session_id], rule.minutes_before)
            expected[(rule.kind, session_id)].add(due)
            key = (rule.kind, user_id, session_id, due)
            if due > now and key not in existing:
                existing.add(key)
                rows.append(
                    Reminder(
                        kind=rule.kind,
                        recipient_id=user_id,
                        content_type=content_type,
                        object_id=session_id,
                        due_at=due,
                        expires_at=starts[session_id],
                    )
                )
    reminders_plan(rows)
    stale = [
        pk
        for pk, kind, session_id, due in of_sessions.filter(status=Reminder.Status.PENDING).values_list(
            "pk", "kind", "object_id", "due_at"
        )
        if due not in expected.get((kind, session_id), set())
    ]
    reminders_cancel(Reminder.objects.filter(pk__in=stale))


@scan("townships-without-session")
def townships_without_session_remind(*, now: datetime.datetime | None = None) -> None:
    """Township admins whose township has no published session this month (the beat decides which days)."""
    now = now or timezone.now()
    start, end = month_bounds(timezone.localdate(now))
    published = Session.objects.published().filter(
        township=OuterRef("pk"), starts_at__gte=start, starts_at__lt=end
    )
    township_ids = Township.objects.filter(~Exists(published)).values_list("pk", flat=True)
    admins = users_with_role(Role.TOWNSHIP, township_ids=township_ids)
    due = local_day_start(now)
    rows = []
    for township in Township.objects.filter(pk__in=list(admins)):
        rows += reminder_rows(
            kind=Kind.PLAN_NO_SESSION,
            recipient_ids=admins[township.pk],
            obj=township,
            due_at=due,
            expires_at=due + datetime.timedelta(days=3),
        )
    reminders_plan(rows)


@scan("dispatched-requests")
def instructors_remind_dispatched_requests(*, now: datetime.datetime | None = None) -> None:
    """Instructors with a dispatched course request they have not accepted or declined yet."""
    due = local_day_start(now or timezone.now())
    waiting = CourseRequest.objects.filter(
        status=CourseRequest.Status.DISPATCHED, instructor__is_active=True, instructor__user__isnull=False
    ).select_related("instructor")
    rows = []
    for request in waiting:
        rows += reminder_rows(
            kind=Kind.REQUEST_AWAITING,
            recipient_ids=[request.instructor.user_id],
            obj=request,
            due_at=due,
            expires_at=due + datetime.timedelta(days=1),
        )
    reminders_plan(rows)


def absent_members(*, months: int, today: datetime.date) -> list[int]:
    """Members enrolled in held sessions in each of the last ``months`` whole months and present at none."""
    start, _ = month_bounds(add_months(today, -months))
    end, _ = month_bounds(today)
    held = [Session.Status.HELD, Session.Status.CLOSED]
    window = {"session__status__in": held, "session__starts_at__gte": start, "session__starts_at__lt": end}

    def month_of(value: datetime.datetime) -> datetime.date:
        return timezone.localtime(value).date().replace(day=1)

    enrolled = Enrollment.objects.filter(
        status=Enrollment.Status.ENROLLED, member__is_active=True, **window
    ).values_list("member_id", "session__starts_at")
    attended = {
        (member_id, month_of(starts_at))
        for member_id, starts_at in Attendance.objects.filter(
            status__in=[Attendance.Status.PRESENT, Attendance.Status.LATE], **window
        ).values_list("member_id", "session__starts_at")
    }
    missed: dict[int, set[datetime.date]] = defaultdict(set)
    for member_id, starts_at in enrolled:
        month = month_of(starts_at)
        if (member_id, month) not in attended:
            missed[member_id].add(month)
    return sorted(member_id for member_id, missed_months in missed.items() if len(missed_months) >= months)


@scan("absent-members")
def absent_members_alert(*, months: int = 3, now: datetime.datetime | None = None) -> None:
    """Alert the township (its admins) and the county when a member missed ``months`` months in a row."""
    now = now or timezone.now()
    member_ids = absent_members(months=months, today=timezone.localdate(now))
    if not member_ids:
        return
    township_admins = users_with_role(Role.TOWNSHIP)
    county = users_with_role(Role.COUNTY).get(None, [])
    start, _ = month_bounds(timezone.localdate(now))
    rows = []
    for member in Member.objects.filter(pk__in=member_ids).select_related("branch"):
        rows += reminder_rows(
            kind=Kind.MEMBER_ABSENT,
            recipient_ids=[*township_admins.get(member.branch.township_id, []), *county],
            obj=member,
            due_at=start,
            expires_at=start + datetime.timedelta(days=14),
            context={"months": months},
        )
    reminders_plan(rows)


# --- a session cancelled or moved ----------------------------------------------------------------


def session_change_notify(*, session_id: int, change: str) -> None:
    """Tell the enrolled trainees a session was cancelled or moved, and recompute its reminders.

    Call it inside the transaction that changes the session: the notices are
    ledger rows in that transaction (a rollback sends nothing), and sending is
    queued after commit, outside the web request. The row's due time is the
    session's ``updated_at``, so calling twice for one change notifies once.
    """
    kinds = {"cancelled": Kind.SESSION_CANCELLED, "moved": Kind.SESSION_MOVED}
    if change not in kinds:
        raise ValueError(f"unknown session change: {change!r}")
    session = Session.objects.filter(pk=session_id).first()
    if session is None:
        return
    with transaction.atomic():
        enrolled = Enrollment.objects.filter(
            session=session, status=Enrollment.Status.ENROLLED, member__user__isnull=False
        ).values_list("member__user_id", flat=True)
        reminders_plan(
            reminder_rows(
                kind=kinds[change],
                recipient_ids=enrolled,
                obj=session,
                due_at=session.updated_at,
                expires_at=session.starts_at,
                context={"starts_at": session.starts_at.isoformat()},
            )
        )
        of_session = Reminder.objects.for_object(session)
        if change == "cancelled":
            reminders_cancel(of_session.filter(kind__in=[*SESSION_KINDS, Kind.SESSION_MOVED]))
        else:
            reminders_cancel(of_session.filter(kind=Kind.SESSION_MOVED).exclude(due_at=session.updated_at))
            session_reminders_plan(session_ids=[session.pk])
        dispatch_after_commit()


# --- message builders ----------------------------------------------------------------------------


def _enrolled(lookups: Lookups, session_id: int, user_id: int) -> bool:
    """The user is enrolled (not waitlisted, not withdrawn) in the session."""

    def load():
        sessions, users = lookups.pairs(Kind.SESSION_UPCOMING)
        return set(
            Enrollment.objects.filter(
                session_id__in=sessions, member__user_id__in=users, status=Enrollment.Status.ENROLLED
            )
            .order_by()
            .values_list("session_id", "member__user_id")
        )

    return (session_id, user_id) in lookups.memo("enrolled", load)


def _teaches(lookups: Lookups, session_id: int, user_id: int) -> bool:
    """The user is one of the session's instructors."""

    def load():
        sessions, users = lookups.pairs(Kind.INSTRUCTOR_SESSION)
        return set(
            Session.instructors.through.objects.filter(
                session_id__in=sessions, instructor__user_id__in=users
            ).values_list("session_id", "instructor__user_id")
        )

    return (session_id, user_id) in lookups.memo("teaches", load)


# A builder's context depends on the object and the due time only, never on the
# recipient (who is only checked): the messages are rendered once for all the
# recipients of one object, kind, due time and language.
@builder(
    Kind.SESSION_UPCOMING,
    Kind.INSTRUCTOR_SESSION,
    Kind.SESSION_CANCELLED,
    Kind.SESSION_MOVED,
    related={"courses.session": ("township",)},
)
def session_message(reminder: Reminder, session, now, lookups: Lookups) -> dict | None:
    if reminder.kind in SESSION_KINDS:
        if session.status != Session.Status.PUBLISHED or session.starts_at <= now:
            return None
        if reminder.kind == Kind.SESSION_UPCOMING:
            audience = ReminderRule.Audience.TRAINEES
            takes_part = _enrolled(lookups, session.pk, reminder.recipient_id)
        else:
            audience = ReminderRule.Audience.INSTRUCTORS
            takes_part = _teaches(lookups, session.pk, reminder.recipient_id)
        if not takes_part or reminder.due_at not in lookups.rule_dues(session.starts_at, audience):
            return None
    elif reminder.kind == Kind.SESSION_CANCELLED:
        if session.status != Session.Status.CANCELLED:
            return None
    elif reminder.kind == Kind.SESSION_MOVED:
        # Moved again since: that later move has a notice of its own.
        noticed = reminder.context.get("starts_at")
        if session.status == Session.Status.CANCELLED or (
            noticed and datetime.datetime.fromisoformat(noticed) != session.starts_at
        ):
            return None
    return {
        "session": session,
        "starts_at": local_text(session.starts_at),
        "venue": session.venue or session.township or "",
        "link": detail_url(session, "courses:session-detail"),
    }


@builder(Kind.REQUEST_AWAITING, related={"courses.courserequest": ("course", "township", "instructor")})
def request_message(reminder: Reminder, request, now, lookups: Lookups) -> dict | None:
    if request.status != CourseRequest.Status.DISPATCHED or request.instructor is None:
        return None
    if request.instructor.user_id != reminder.recipient_id:
        return None
    return {
        "course": request.course.title,
        "township": request.township.name,
        "month": request.preferred_month,
        "link": detail_url(request),
    }


@builder(Kind.PLAN_NO_SESSION)
def township_month_message(reminder: Reminder, township, now, lookups: Lookups) -> dict | None:
    day = timezone.localtime(reminder.due_at).date()
    start, end = month_bounds(day)
    published = Session.objects.published().filter(township=township, starts_at__gte=start, starts_at__lt=end)
    if lookups.memo(("published", township.pk, start), published.exists):
        return None
    return {"township": township.name, "year": day.year, "month": day.month}


@builder(Kind.MEMBER_ABSENT, related={"trainees.member": ("branch__township",)})
def member_message(reminder: Reminder, member, now, lookups: Lookups) -> dict | None:
    return {"member": member.name, "branch": member.branch.name, "township": member.branch.township.name}
