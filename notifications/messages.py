"""Message texts: ``templates/notifications/messages/<kind>.txt`` rendered in the recipient's language.

The first line of a rendered template is the title, the rest the body. Each
kind has a builder that loads what the message is about and checks it still
applies at send time (the session is still published, the trainee still
enrolled, the item still open …); a builder returning ``None`` cancels the
reminder instead of sending a stale message.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from .models import Kind, Reminder, ReminderRule


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    link: str = ""


def local_text(value: datetime.datetime) -> str:
    """A date and time as the county reads it, in Beijing time, language-neutral."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def due_time(starts_at: datetime.datetime, minutes_before: int) -> datetime.datetime:
    """When a reminder ``minutes_before`` a start goes out, on the local wall clock.

    Aware arithmetic on a local time keeps the wall-clock time: a session at
    08:00 gets its "one day before" reminder at 08:00 the day before, also
    across month and year ends.
    """
    return timezone.localtime(starts_at) - datetime.timedelta(minutes=minutes_before)


def expected_session_dues(starts_at: datetime.datetime, audience: str) -> set[datetime.datetime]:
    minutes = ReminderRule.objects.filter(audience=audience, is_active=True).values_list(
        "minutes_before", flat=True
    )
    return {due_time(starts_at, m) for m in minutes}


def _url(obj, name: str = "") -> str:
    # Detail pages of other apps may not exist on every branch: a missing one means no link.
    try:
        return reverse(name, args=[obj.pk]) if name else obj.get_absolute_url()
    except (NoReverseMatch, AttributeError):
        return ""


def _session(reminder: Reminder, session, now) -> dict | None:
    from courses.models import Enrollment, Session

    if reminder.kind in (Kind.SESSION_UPCOMING, Kind.INSTRUCTOR_SESSION):
        if session.status != Session.Status.PUBLISHED or session.starts_at <= now:
            return None
        if reminder.kind == Kind.SESSION_UPCOMING:
            audience = ReminderRule.Audience.TRAINEES
            takes_part = Enrollment.objects.filter(
                session=session, member__user_id=reminder.recipient_id, status=Enrollment.Status.ENROLLED
            ).exists()
        else:
            audience = ReminderRule.Audience.INSTRUCTORS
            takes_part = session.instructors.filter(user_id=reminder.recipient_id).exists()
        if not takes_part or reminder.due_at not in expected_session_dues(session.starts_at, audience):
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
        "link": _url(session, "courses:session-detail"),
    }


def _request(reminder: Reminder, request, now) -> dict | None:
    if request.status != request.Status.DISPATCHED or request.instructor is None:
        return None
    if request.instructor.user_id != reminder.recipient_id:
        return None
    return {
        "course": request.course.title,
        "township": request.township.name,
        "month": request.preferred_month,
        "link": _url(request),
    }


def _township_month(reminder: Reminder, township, now) -> dict | None:
    from courses.models import Session

    day = timezone.localtime(reminder.due_at).date()
    start = timezone.make_aware(datetime.datetime(day.year, day.month, 1))
    end = timezone.make_aware(datetime.datetime(day.year + day.month // 12, day.month % 12 + 1, 1))
    published = Session.objects.published().filter(township=township, starts_at__gte=start, starts_at__lt=end)
    if published.exists():
        return None
    return {"township": township.name, "year": day.year, "month": day.month}


def _member(reminder: Reminder, member, now) -> dict | None:
    return {"member": member.name, "branch": member.branch.name, "township": member.branch.township.name}


def _improvement_item(reminder: Reminder, item, now) -> dict | None:
    if item.status not in item.OPEN_STATES:
        return None
    return {"problem": item.problem, "due_date": item.due_date, "link": _url(item)}


def _annual_report(reminder: Reminder, township, now) -> dict | None:
    year = timezone.localtime(reminder.due_at).year
    try:
        report_model = apps.get_model("evaluations", "AnnualReport")
    except LookupError:
        return None
    done = report_model.objects.filter(township=township, year=year, status__in=["submitted", "approved"])
    if done.exists():
        return None
    return {"township": township.name, "year": year}


BUILDERS: dict[str, Callable] = {
    Kind.SESSION_UPCOMING: _session,
    Kind.INSTRUCTOR_SESSION: _session,
    Kind.SESSION_CANCELLED: _session,
    Kind.SESSION_MOVED: _session,
    Kind.REQUEST_AWAITING: _request,
    Kind.PLAN_NO_SESSION: _township_month,
    Kind.MEMBER_ABSENT: _member,
    Kind.IMPROVEMENT_OVERDUE: _improvement_item,
    Kind.ANNUAL_REPORT_DUE: _annual_report,
}


def compose(reminder: Reminder, *, language: str, now: datetime.datetime) -> Message | None:
    """The message for ``reminder`` in ``language``, or ``None`` when it no longer applies."""
    try:
        subject = reminder.content_type.get_object_for_this_type(pk=reminder.object_id)
    except reminder.content_type.model_class().DoesNotExist:
        return None
    context = BUILDERS[reminder.kind](reminder, subject, now)
    if context is None:
        return None
    with translation.override(language):
        text = render_to_string(
            f"notifications/messages/{reminder.kind}.txt", {**reminder.context, **context}
        )
    title, _newline, body = text.strip().partition("\n")
    return Message(title=title.strip(), body=body.strip(), link=context.get("link", ""))
