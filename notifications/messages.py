"""Message texts: ``templates/notifications/messages/<kind>.txt`` rendered in the recipient's language.

The first line of a rendered template is the title, the rest the body. Each
kind has a builder that loads what the message is about and checks it still
applies at send time (the session is still published, the trainee still
enrolled, the item still open …); a builder returning ``None`` cancels the
reminder instead of sending a stale message.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
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


def _url(obj, name: str = "") -> str:
    # Detail pages of other apps may not exist on every branch: a missing one means no link.
    try:
        return reverse(name, args=[obj.pk]) if name else obj.get_absolute_url()
    except (NoReverseMatch, AttributeError):
        return ""


class Lookups:
    """What the builders of one chunk look up, loaded once for the whole chunk.

    Each lookup covers every reminder of the chunk it applies to, so composing
    500 messages costs the same few queries as composing one.
    """

    def __init__(self, reminders: list[Reminder]):
        self.reminders = reminders
        self._loaded: dict = {}

    def _once(self, key, load: Callable):
        if key not in self._loaded:
            self._loaded[key] = load()
        return self._loaded[key]

    def _pairs(self, kind: str) -> tuple[set[int], set[int]]:
        rows = [r for r in self.reminders if r.kind == kind]
        return {r.object_id for r in rows}, {r.recipient_id for r in rows}

    def enrolled(self, session_id: int, user_id: int) -> bool:
        """The user is enrolled (not waitlisted, not withdrawn) in the session."""

        def load():
            from courses.models import Enrollment

            sessions, users = self._pairs(Kind.SESSION_UPCOMING)
            return set(
                Enrollment.objects.filter(
                    session_id__in=sessions, member__user_id__in=users, status=Enrollment.Status.ENROLLED
                )
                .order_by()
                .values_list("session_id", "member__user_id")
            )

        return (session_id, user_id) in self._once("enrolled", load)

    def teaches(self, session_id: int, user_id: int) -> bool:
        """The user is one of the session's instructors."""

        def load():
            from courses.models import Session

            sessions, users = self._pairs(Kind.INSTRUCTOR_SESSION)
            return set(
                Session.instructors.through.objects.filter(
                    session_id__in=sessions, instructor__user_id__in=users
                ).values_list("session_id", "instructor__user_id")
            )

        return (session_id, user_id) in self._once("teaches", load)

    def session_dues(self, starts_at: datetime.datetime, audience: str) -> set[datetime.datetime]:
        """When the active rules of ``audience`` send reminders for a session starting at ``starts_at``."""
        rules = self._once(
            "rules",
            lambda: list(
                ReminderRule.objects.filter(is_active=True).values_list("audience", "minutes_before")
            ),
        )
        return {due_time(starts_at, minutes) for rule_audience, minutes in rules if rule_audience == audience}

    def memo(self, key, load: Callable):
        """``load()`` once per ``key`` in this chunk (for checks per township and month, say)."""
        return self._once(("memo", key), load)


def _session(reminder: Reminder, session, now, lookups: Lookups) -> dict | None:
    from courses.models import Session

    if reminder.kind in (Kind.SESSION_UPCOMING, Kind.INSTRUCTOR_SESSION):
        if session.status != Session.Status.PUBLISHED or session.starts_at <= now:
            return None
        if reminder.kind == Kind.SESSION_UPCOMING:
            audience = ReminderRule.Audience.TRAINEES
            takes_part = lookups.enrolled(session.pk, reminder.recipient_id)
        else:
            audience = ReminderRule.Audience.INSTRUCTORS
            takes_part = lookups.teaches(session.pk, reminder.recipient_id)
        if not takes_part or reminder.due_at not in lookups.session_dues(session.starts_at, audience):
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


def _request(reminder: Reminder, request, now, lookups: Lookups) -> dict | None:
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


def _township_month(reminder: Reminder, township, now, lookups: Lookups) -> dict | None:
    from courses.models import Session

    day = timezone.localtime(reminder.due_at).date()
    start = timezone.make_aware(datetime.datetime(day.year, day.month, 1))
    end = timezone.make_aware(datetime.datetime(day.year + day.month // 12, day.month % 12 + 1, 1))
    published = Session.objects.published().filter(township=township, starts_at__gte=start, starts_at__lt=end)
    if lookups.memo(("published", township.pk, start), published.exists):
        return None
    return {"township": township.name, "year": day.year, "month": day.month}


def _member(reminder: Reminder, member, now, lookups: Lookups) -> dict | None:
    return {"member": member.name, "branch": member.branch.name, "township": member.branch.township.name}


def _improvement_item(reminder: Reminder, item, now, lookups: Lookups) -> dict | None:
    if item.status not in item.OPEN_STATES:
        return None
    return {"problem": item.problem, "due_date": item.due_date, "link": _url(item)}


def _annual_report(reminder: Reminder, township, now, lookups: Lookups) -> dict | None:
    year = timezone.localtime(reminder.due_at).year
    try:
        report_model = apps.get_model("evaluations", "AnnualReport")
    except LookupError:
        return None
    done = report_model.objects.filter(township=township, year=year, status__in=["submitted", "approved"])
    if lookups.memo(("annual_report", township.pk, year), done.exists):
        return None
    return {"township": township.name, "year": year}


# A builder's context depends on the object and the due time only, never on the
# recipient (who is only checked): compose_many renders a text once for all the
# recipients of one object, kind, due time and language.
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

# What the builders read through a message's object, loaded with it.
SUBJECT_RELATED: dict[str, tuple[str, ...]] = {
    "courses.session": ("township",),
    "courses.courserequest": ("course", "township", "instructor"),
    "trainees.member": ("branch__township",),
}


def _subjects(reminders: list[Reminder]) -> dict[tuple[int, int], models.Model]:
    """The objects the reminders are about, one query per type of object."""
    wanted: dict[ContentType, set[int]] = {}
    for reminder in reminders:
        wanted.setdefault(reminder.content_type, set()).add(reminder.object_id)
    subjects = {}
    for content_type, object_ids in wanted.items():
        model = content_type.model_class()
        related = SUBJECT_RELATED.get(model._meta.label_lower, ())
        for pk, obj in model._base_manager.select_related(*related).in_bulk(object_ids).items():
            subjects[(content_type.pk, pk)] = obj
    return subjects


def compose_many(
    reminders: list[Reminder], *, languages: dict[int, str], now: datetime.datetime
) -> dict[int, Message | None]:
    """The message for each reminder (by id) in its language (``languages[reminder.pk]``).

    ``None`` for a reminder that no longer applies. The queries are a few for
    the whole list, whatever its length.
    """
    subjects = _subjects(reminders)
    lookups = Lookups(reminders)
    rendered: dict[tuple, Message] = {}
    messages: dict[int, Message | None] = {}
    for reminder in reminders:
        subject = subjects.get((reminder.content_type_id, reminder.object_id))
        context = None if subject is None else BUILDERS[reminder.kind](reminder, subject, now, lookups)
        if context is None:
            messages[reminder.pk] = None
            continue
        language = languages[reminder.pk]
        key = (
            reminder.kind,
            language,
            reminder.content_type_id,
            reminder.object_id,
            reminder.due_at,
            json.dumps(reminder.context, sort_keys=True, default=str),
        )
        if key not in rendered:
            rendered[key] = _render(reminder, context, language)
        messages[reminder.pk] = rendered[key]
    return messages


def _render(reminder: Reminder, context: dict, language: str) -> Message:
    with translation.override(language):
        text = render_to_string(
            f"notifications/messages/{reminder.kind}.txt", {**reminder.context, **context}
        )
    title, _newline, body = text.strip().partition("\n")
    return Message(title=title.strip(), body=body.strip(), link=context.get("link", ""))


def compose(reminder: Reminder, *, language: str, now: datetime.datetime) -> Message | None:
    """The message for ``reminder`` in ``language``, or ``None`` when it no longer applies."""
    return compose_many([reminder], languages={reminder.pk: language}, now=now)[reminder.pk]
