"""The hash chain that makes the audit trail tamper-evident.

Every audit row carries ``entry_hash`` = SHA-256 of its own content and of
``prev_hash``, the ``entry_hash`` of the row before it (in primary-key order).
Changing, removing or inserting a row breaks the chain at that row;
``manage.py audit_verify`` walks it and names the first broken entry.

Concurrent writers: rows are chained while holding a lock on the single
:class:`~audit.models.AuditChainHead` row (``SELECT ... FOR UPDATE``) inside the
writing transaction, so two requests never chain onto the same predecessor, and
the primary keys (taken while the lock is held) follow the chain's order. The
lock is held until the writing transaction commits: audited writes are
serialised, which a county portal's write rate easily allows.

Pruning (``prune_audit``) deletes the oldest rows and moves the chain's
``anchor_hash`` (the expected ``prev_hash`` of the first remaining row) on the
head row, so that the remaining chain still verifies.

The functions below on plain dicts are used by the migrations as well, so they
must not change what they hash: a change would break every existing chain.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder

GENESIS = "0" * 64

# The hashed fields. ``actor`` (the user's id) is not hashed: deleting a user
# sets it to NULL (on_delete=SET_NULL); ``actor_name`` keeps who it was.
HASHED_FIELDS = ("actor_name", "at", "ip", "action", "model_label", "object_pk", "object_repr", "changes")


def normal_changes(changes) -> dict:
    """``changes`` as it reads back from the JSON column (so the hash of a row read back matches)."""
    return json.loads(json.dumps(changes or {}, cls=DjangoJSONEncoder))


def _at(value: datetime.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds")


def content_of(row: dict) -> str:
    """The canonical text of one row's hashed fields."""
    data = {name: row.get(name) for name in HASHED_FIELDS}
    data["at"] = _at(data["at"]) if isinstance(data["at"], datetime.datetime) else data["at"]
    data["ip"] = data["ip"] or None
    data["changes"] = normal_changes(data["changes"])
    for name in ("actor_name", "model_label", "object_pk", "object_repr"):
        data[name] = data[name] or ""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(row: dict, prev_hash: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{content_of(row)}".encode()).hexdigest()


def row_of(entry) -> dict:
    return {name: getattr(entry, name) for name in HASHED_FIELDS}


def seal(entries, head) -> None:
    """Chain ``entries`` (unsaved, in insertion order) onto ``head`` and move the head on."""
    previous = head.last_hash
    for entry in entries:
        entry.changes = normal_changes(entry.changes)
        entry.prev_hash = previous
        entry.entry_hash = previous = entry_hash(row_of(entry), previous)
    head.last_hash = previous


def locked_head(model):
    """The chain head, locked for the current transaction (created on first use)."""
    head = model.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head, _created = model.objects.get_or_create(
            pk=1, defaults={"last_hash": GENESIS, "anchor_hash": GENESIS}
        )
        head = model.objects.select_for_update().get(pk=1)
    return head


class Break:
    """The first place the chain is broken."""

    def __init__(self, entry, reason: str):
        self.entry = entry
        self.reason = reason


def verify(entries, *, anchor_hash: str, last_hash: str | None):
    """Walk ``entries`` (in pk order); return (count, Break or None).

    ``entries`` yields objects or dicts with the hashed fields plus ``pk``,
    ``prev_hash`` and ``entry_hash``. ``last_hash`` is the head's record of the
    final hash (None when verifying an export, which has no head).
    """
    expected = anchor_hash
    count = 0
    last = None
    for entry in entries:
        row = (
            entry
            if isinstance(entry, dict)
            else {
                **row_of(entry),
                "pk": entry.pk,
                "prev_hash": entry.prev_hash,
                "entry_hash": entry.entry_hash,
            }
        )
        if row["prev_hash"] != expected:
            return count, Break(row, "link")
        if entry_hash(row, row["prev_hash"]) != row["entry_hash"]:
            return count, Break(row, "content")
        expected = row["entry_hash"]
        count += 1
        last = row
    if last_hash is not None and expected != last_hash:
        return count, Break(last or {"pk": "-", "at": "-", "action": "-"}, "tail")
    return count, None
