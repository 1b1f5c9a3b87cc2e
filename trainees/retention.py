"""Raw roster files are kept only as long as needed (docs/security.md, "Personal data").

An uploaded roster holds the ID and phone numbers of every row. Once its import is confirmed
or rejected the file is needed only for a short while (to answer "what did we upload?"), so
``ROSTER_FILE_RETENTION_DAYS`` after that the file is deleted from storage. The batch row
stays with its counts and error list (which name rows and never hold full numbers:
``RowError.as_dict`` scrubs them; older lists are scrubbed here too); each deletion is an
audited change of the batch (``file`` emptied, ``file_deleted_at`` set).
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.personal_data import scrub

from .models import ImportBatch

log = logging.getLogger(__name__)

FINISHED = (ImportBatch.Status.COMMITTED, ImportBatch.Status.FAILED)


def _scrubbed(errors: list) -> list:
    cleaned = []
    for error in errors or []:
        if isinstance(error, dict):
            error = {
                **error,
                "name": scrub(str(error.get("name", ""))),
                "messages": [scrub(str(m)) for m in error.get("messages", [])],
            }
        cleaned.append(error)
    return cleaned


def due_batches(*, now: datetime.datetime | None = None):
    """Finished batches whose file is older than the retention period and still kept."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.ROSTER_FILE_RETENTION_DAYS)
    return ImportBatch.objects.filter(status__in=FINISHED, finished_at__lte=cutoff).exclude(file="")


def purge_roster_files(*, now: datetime.datetime | None = None) -> int:
    """Delete the raw files of batches past retention; returns how many were deleted."""
    now = now or timezone.now()
    deleted = 0
    for pk in list(due_batches(now=now).values_list("pk", flat=True)):
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().filter(pk=pk).exclude(file="").first()
            if batch is None:  # purged meanwhile by a concurrent run
                continue
            storage, name = batch.file.storage, batch.file.name
            batch.file = ""
            batch.file_deleted_at = now
            batch.errors = _scrubbed(batch.errors)
            batch.save(update_fields=["file", "file_deleted_at", "errors"])  # audited (trainees.apps)
            # The row says the file is gone only once the deletion commits; a file left
            # behind by a failed deletion is logged, never kept silently.
            transaction.on_commit(lambda storage=storage, name=name: _delete(storage, name))
        deleted += 1
    return deleted


def _delete(storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:
        log.exception("could not delete the roster file of a purged import batch")
