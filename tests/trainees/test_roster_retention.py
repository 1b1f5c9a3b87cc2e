"""Raw roster files are deleted ROSTER_FILE_RETENTION_DAYS after their import is confirmed or rejected."""

import datetime
import json
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from audit.models import AuditEntry
from tests.rosters import private_media, roster_row, upload, xlsx_bytes  # noqa: F401
from trainees.models import ImportBatch
from trainees.retention import purge_roster_files
from trainees.tasks import purge_roster_files as purge_task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def _import(client, rows, *, confirm: bool) -> ImportBatch:
    client.post(reverse("trainees:member-import"), {"file": upload(xlsx_bytes(rows))})
    batch = ImportBatch.objects.latest("pk")
    if confirm:
        client.post(reverse("trainees:member-import-confirm", args=[batch.pk]))
    batch.refresh_from_db()
    return batch


def _age(batch, days):
    ImportBatch.objects.filter(pk=batch.pk).update(finished_at=timezone.now() - datetime.timedelta(days=days))


def test_a_confirmed_rosters_file_goes_after_thirty_days_and_the_summary_stays(
    client_as, django_capture_on_commit_callbacks
):
    township = client_as("township_a")
    batch = _import(township, [roster_row(n, "甲村党支部") for n in (1, 2)], confirm=True)
    assert batch.status == ImportBatch.Status.COMMITTED
    path = Path(batch.file.path)
    assert path.exists()

    _age(batch, 29)
    assert purge_roster_files() == 0
    assert path.exists(), "kept until the retention period is over"

    _age(batch, 31)
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the row commits
        assert purge_task.delay().get() == 1
    batch.refresh_from_db()
    assert not path.exists()
    assert not batch.file and batch.file_deleted_at is not None
    assert batch.created_count == 2 and batch.status == ImportBatch.Status.COMMITTED

    # Audited as a change of the batch, the file emptied.
    entry = AuditEntry.objects.filter(model_label="trainees.ImportBatch", object_pk=str(batch.pk)).latest(
        "pk"
    )
    assert entry.action == "update" and "file" in entry.changes

    # The history says the file is gone; the download link is a 404, not a server error.
    history = township.get(reverse("trainees:member-import-history")).content.decode()
    assert "按保存期限删除" in history
    assert township.get(reverse("trainees:member-import-file", args=[batch.pk])).status_code == 404
    assert purge_roster_files() == 0, "nothing left to delete"


def test_a_rejected_roster_goes_too_and_its_error_list_stays_without_full_numbers(client_as, settings):
    settings.ROSTER_FILE_RETENTION_DAYS = 7
    bad = roster_row(1, "甲村党支部")
    full_id = bad["公民身份号码"]
    bad["学历"] = full_id  # the ID typed into the wrong column: quoted in the error message
    township = client_as("township_a")
    batch = _import(township, [bad], confirm=False)
    assert batch.invalid_count == 1
    assert full_id not in json.dumps(batch.errors, ensure_ascii=False)
    township.post(reverse("trainees:member-import-confirm", args=[batch.pk]))
    batch.refresh_from_db()
    if batch.status == ImportBatch.Status.PREVIEWED:  # confirming a batch with errors is refused
        batch.move_to(ImportBatch.Status.FAILED, by=None)
        batch.save()

    _age(batch, 6)
    assert purge_roster_files() == 0
    _age(batch, 8)
    assert purge_roster_files() == 1
    batch.refresh_from_db()
    assert not batch.file
    assert batch.errors and batch.errors[0]["row"]
    assert full_id not in json.dumps(batch.errors, ensure_ascii=False)


def test_older_error_lists_are_scrubbed_when_the_file_goes(cast):
    from django.core.files.base import ContentFile

    batch = ImportBatch(
        township=cast.township_a,
        original_name="名册.xlsx",
        status=ImportBatch.Status.FAILED,
        finished_at=timezone.now() - datetime.timedelta(days=40),
        errors=[{"row": 3, "name": "13912345678", "messages": ["学历“371422199001011234”无法识别"]}],
    )
    batch.file.save("名册.xlsx", ContentFile(b"roster"), save=False)
    batch.save()
    assert purge_roster_files() == 1
    batch.refresh_from_db()
    text = json.dumps(batch.errors, ensure_ascii=False)
    assert "371422199001011234" not in text and "13912345678" not in text


def test_a_batch_still_waiting_for_confirmation_keeps_its_file(client_as):
    batch = _import(client_as("township_a"), [roster_row(1, "甲村党支部")], confirm=False)
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - datetime.timedelta(days=90))
    assert purge_roster_files() == 0
    assert Path(batch.file.path).exists()


def test_beat_runs_the_deletion_daily():
    task = PeriodicTask.objects.get(task="trainees.tasks.purge_roster_files")
    assert task.enabled and task.crontab.hour == "3"
