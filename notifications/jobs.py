"""The periodic scans behind the beat schedule: each writes ledger rows, then queues what is due.

Every job is safe to run twice: the rows it writes are keyed by (kind,
recipient, object, due time), and the due time of a daily/weekly/monthly
chase is the local start of that day, so a second run the same day adds
nothing.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.roles import Role
from trainees.models import Member, Township

from .messages import due_time
from .models import BeatHeartbeat, Kind, Reminder, ReminderRule
from .services import reminder_rows, reminders_cancel, reminders_plan, users_with_role

# Sessions a little further out than the longest rule are planned early, so
# their rows exist before they are due even if the broker is down for a while.
HORIZON_SLACK = datetime.timedelta(hours=6)


def local_day_start(now: datetime.datetime) -> datetime.datetime:
    """Midnight (Beijing time) of the day ``now`` falls on: the bucket of a daily chase."""
    day = timezone.localdate(now)
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day))


def month_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime(day.year, day.month, 1)
    end = datetime.datetime(day.year + day.month // 12, day.month % 12 + 1, 1)
    return timezone.make_aware(start), timezone.make_aware(end)


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def session_reminders_plan(
    *, now: datetime.datetime | None = None, session_ids: Iterable[int] | None = None
) -> None:
    """Rows for every active rule whose time is still ahead, for published sessions within the horizon.

    Pending rows of those sessions whose time no longer matches (the session
    moved, a rule was switched off) are cancelled. A rule's time already past
    is never planned: a new rule does not message anyone retroactively.
    """
    from courses.models import Enrollment, Session

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
    session_kinds = [Kind.SESSION_UPCOMING, Kind.INSTRUCTOR_SESSION]
    of_sessions = Reminder.objects.filter(
        content_type=content_type, object_id__in=list(starts), kind__in=session_kinds
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


def townships_without_session_remind(*, now: datetime.datetime | None = None) -> None:
    """Township admins whose township has no published session this month (the beat decides which days)."""
    from courses.models import Session

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


def instructors_remind_dispatched_requests(*, now: datetime.datetime | None = None) -> None:
    """Instructors with a dispatched course request they have not accepted or declined yet."""
    from courses.models import CourseRequest

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
    from courses.models import Attendance, Enrollment, Session

    first = add_months(today, -months)
    start, _ = month_bounds(first)
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


def improvement_items_chase(*, now: datetime.datetime | None = None) -> None:
    """Overdue open improvement items: the township's admins, or county staff for county items.

    Does nothing while the evaluations app has no ImprovementItem model.
    """
    try:
        item_model = apps.get_model("evaluations", "ImprovementItem")
    except LookupError:
        return
    now = now or timezone.now()
    due = local_day_start(now)
    overdue = item_model.objects.filter(
        status__in=item_model.OPEN_STATES, due_date__lt=timezone.localdate(now)
    ).only("pk", "township_id")
    township_admins = users_with_role(Role.TOWNSHIP)
    county = users_with_role(Role.COUNTY).get(None, [])
    rows = []
    for item in overdue:
        recipients = township_admins.get(item.township_id, []) if item.township_id else county
        rows += reminder_rows(
            kind=Kind.IMPROVEMENT_OVERDUE,
            recipient_ids=recipients,
            obj=item,
            due_at=due,
            expires_at=due + datetime.timedelta(days=7),
        )
    reminders_plan(rows)


def annual_report_remind(*, now: datetime.datetime | None = None) -> None:
    """Townships that have not submitted this year's report (the beat runs it in December).

    Does nothing while the evaluations app has no AnnualReport model.
    """
    try:
        report_model = apps.get_model("evaluations", "AnnualReport")
    except LookupError:
        return
    now = now or timezone.now()
    due = local_day_start(now)
    submitted = report_model.objects.filter(
        township=OuterRef("pk"), year=timezone.localdate(now).year, status__in=["submitted", "approved"]
    )
    township_ids = Township.objects.filter(~Exists(submitted)).values_list("pk", flat=True)
    admins = users_with_role(Role.TOWNSHIP, township_ids=township_ids)
    rows = []
    for township in Township.objects.filter(pk__in=list(admins)):
        rows += reminder_rows(
            kind=Kind.ANNUAL_REPORT_DUE,
            recipient_ids=admins[township.pk],
            obj=township,
            due_at=due,
            expires_at=due + datetime.timedelta(days=7),
        )
    reminders_plan(rows)


def beat_heartbeat_record(*, now: datetime.datetime | None = None) -> None:
    BeatHeartbeat.objects.update_or_create(pk=1, defaults={"ticked_at": now or timezone.now()})


def last_beat_tick() -> datetime.datetime | None:
    return BeatHeartbeat.objects.filter(pk=1).values_list("ticked_at", flat=True).first()
