"""What the domain apps want reminded, registered by them: notifications imports none of them.

Each domain app has a ``reminders.py``, imported by its ``AppConfig.ready()``, that registers

- its periodic **scans** (``@scan("name")``): a function of keyword arguments that writes ledger
  rows; a Celery task of :mod:`notifications.tasks` runs it by name and then queues what is due;
- its message **builders** (``@builder(kind, …)``): ``builder(reminder, subject, now, lookups)``
  loads what a message about ``subject`` needs and returns the template context, or ``None``
  when the reminder no longer applies (the row is cancelled instead of sending a stale text);
  ``related`` names what to ``select_related`` with the subjects of a model (by label);
- its **phone books** (``@phone_book``): user ids → the number to text when the user chose
  SMS but gave no number of their own.

A scan or builder nobody registered does nothing: an app that is not installed is not reminded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Scan = Callable[..., None]
Builder = Callable[..., dict | None]
PhoneBook = Callable[[list[int]], dict[int, str]]

_scans: dict[str, Scan] = {}
_builders: dict[str, Builder] = {}
_related: dict[str, tuple[str, ...]] = {}
_phone_books: list[PhoneBook] = []


def scan(name: str) -> Callable[[Scan], Scan]:
    """Register the decorated function as the periodic scan ``name``."""

    def register(func: Scan) -> Scan:
        _scans[name] = func
        return func

    return register


def builder(*kinds: str, related: dict[str, Iterable[str]] | None = None) -> Callable[[Builder], Builder]:
    """Register the decorated function as the message builder of ``kinds``."""

    def register(func: Builder) -> Builder:
        for kind in kinds:
            _builders[kind] = func
        for label, fields in (related or {}).items():
            _related[label] = tuple(fields)
        return func

    return register


def phone_book(func: PhoneBook) -> PhoneBook:
    """Register the decorated function as a source of fallback SMS numbers."""
    _phone_books.append(func)
    return func


def run_scan(name: str, **kwargs) -> bool:
    """Run the scan registered as ``name``; False when none is."""
    func = _scans.get(name)
    if func is None:
        return False
    func(**kwargs)
    return True


def builder_for(kind: str) -> Builder | None:
    return _builders.get(kind)


def related_for(model_label: str) -> tuple[str, ...]:
    return _related.get(model_label, ())


def fallback_phones(user_ids: list[int]) -> dict[int, str]:
    """The registered phone books' numbers for ``user_ids`` (the first book to know a user wins)."""
    phones: dict[int, str] = {}
    for book in _phone_books:
        missing = [user_id for user_id in user_ids if user_id not in phones]
        if not missing:
            break
        phones.update({user_id: phone for user_id, phone in book(missing).items() if phone})
    return phones
