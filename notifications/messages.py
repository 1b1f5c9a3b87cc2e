"""Message texts: ``templates/notifications/messages/<kind>.txt`` rendered in the recipient's language.

The first line of a rendered template is the title, the rest the body. Each
kind has a builder, registered by the app the message is about (see
:mod:`notifications.registry`), that loads what the message is about and checks
it still applies at send time (the session is still published, the trainee
still enrolled, the item still open …); a builder returning ``None`` cancels
the reminder instead of sending a stale message.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from . import registry
from .models import Reminder, ReminderRule
from .sms.templates import template_for


@dataclass(frozen=True)
class Message:
    """A reminder's text: title and body for the inbox and e-mail, the SMS template's parameters."""

    title: str
    body: str
    link: str = ""
    sms_params: dict = field(default_factory=dict)


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


def detail_url(obj, name: str = "") -> str:
    """The page of ``obj`` (URL ``name`` with its pk, else its absolute URL); "" when it has none."""
    # Detail pages of other apps may not exist on every branch: a missing one means no link.
    try:
        return reverse(name, args=[obj.pk]) if name else obj.get_absolute_url()
    except (NoReverseMatch, AttributeError):
        return ""


class Lookups:
    """What the builders of one chunk look up, loaded once for the whole chunk.

    A builder asks ``lookups.memo(key, load)``: ``load()`` runs once per key in the chunk, and
    a load may cover every reminder of the chunk (``lookups.pairs(kind)`` gives their objects
    and recipients), so composing 500 messages costs the same few queries as composing one.
    """

    def __init__(self, reminders: list[Reminder]):
        self.reminders = reminders
        self._loaded: dict = {}

    def memo(self, key, load: Callable):
        """``load()`` once per ``key`` in this chunk."""
        if key not in self._loaded:
            self._loaded[key] = load()
        return self._loaded[key]

    def pairs(self, kind: str) -> tuple[set[int], set[int]]:
        """The object ids and the recipient ids of the chunk's reminders of ``kind``."""
        rows = [r for r in self.reminders if r.kind == kind]
        return {r.object_id for r in rows}, {r.recipient_id for r in rows}

    def rule_dues(self, starts_at: datetime.datetime, audience: str) -> set[datetime.datetime]:
        """When the active rules of ``audience`` send reminders for something starting at ``starts_at``."""
        rules = self.memo(
            "rules",
            lambda: list(
                ReminderRule.objects.filter(is_active=True).values_list("audience", "minutes_before")
            ),
        )
        return {due_time(starts_at, minutes) for rule_audience, minutes in rules if rule_audience == audience}


def _subjects(reminders: list[Reminder]) -> dict[tuple[int, int], models.Model]:
    """The objects the reminders are about, one query per type of object."""
    wanted: dict[ContentType, set[int]] = {}
    for reminder in reminders:
        wanted.setdefault(reminder.content_type, set()).add(reminder.object_id)
    subjects = {}
    for content_type, object_ids in wanted.items():
        model = content_type.model_class()
        related = registry.related_for(model._meta.label_lower)
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
        build = registry.builder_for(reminder.kind)
        context = None if subject is None or build is None else build(reminder, subject, now, lookups)
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
    full_context = {**reminder.context, **context}
    with translation.override(language):
        text = render_to_string(f"notifications/messages/{reminder.kind}.txt", full_context)
    title, _newline, body = text.strip().partition("\n")
    sms = template_for(reminder.kind)
    return Message(
        title=title.strip(),
        body=body.strip(),
        link=context.get("link", ""),
        sms_params=sms.params_from(full_context) if sms else {},
    )


def compose(reminder: Reminder, *, language: str, now: datetime.datetime) -> Message | None:
    """The message for ``reminder`` in ``language``, or ``None`` when it no longer applies."""
    return compose_many([reminder], languages={reminder.pk: language}, now=now)[reminder.pk]
