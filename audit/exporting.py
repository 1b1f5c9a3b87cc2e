"""The audit trail as JSON lines for the assessor, with the hash chain intact.

The first line is a header naming the chain's anchor; every further line is one
entry, in chain order, with its ``prev_hash`` and ``entry_hash``. The file can be
checked without the database: ``manage.py audit_verify --file export.jsonl``.
Every export writes an ``export`` audit row (after the rows it exports).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from . import chain
from .models import AuditAction, AuditChainHead, AuditEntry
from .recording import record

FORMAT = "ningjin-audit-chain/1"


def _line(data: dict) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True) + "\n"


def entry_line(entry: AuditEntry) -> str:
    row = chain.row_of(entry)
    row["at"] = chain._at(entry.at)
    return _line({**row, "pk": entry.pk, "prev_hash": entry.prev_hash, "entry_hash": entry.entry_hash})


def export_lines(*, actor=None) -> Iterator[str]:
    """The header and every entry as JSON lines; the export is audited once all lines are out."""
    head = AuditChainHead.objects.filter(pk=1).first()
    anchor = head.anchor_hash if head else chain.GENESIS
    yield _line({"format": FORMAT, "anchor_hash": anchor, "exported_at": timezone.now()})
    count = 0
    for entry in AuditEntry.objects.order_by("pk").iterator(chunk_size=2000):
        count += 1
        yield entry_line(entry)
    record(AuditAction.EXPORT, AuditEntry, changes={"rows": count, "format": FORMAT}, actor=actor)


def read_export(lines) -> tuple[dict, Iterator[dict]]:
    """The header of an export and an iterator over its entries."""
    lines = iter(lines)
    header = json.loads(next(lines))
    if header.get("format") != FORMAT:
        raise ValueError("not an audit export")
    return header, (json.loads(line) for line in lines if line.strip())
