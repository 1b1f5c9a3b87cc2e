"""Write workflows of the trainees app: roster import batches."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

import audit
from core.roles import Role, role_of

from .importing import (
    ConcurrentChangeError,
    ImportFileError,
    ImportPlan,
    Progress,
    RowError,
    apply_member_import,
    check_roster_file,
    plan_member_import,
    read_roster,
)
from .models import Branch, ImportBatch, Member
from .scoping import township_id_of

logger = logging.getLogger(__name__)


def importable_branches(user):
    """The branches ``user`` may import into; ``None`` is the county IT command line (all)."""
    branches = Branch.objects.select_related("township")
    return branches.all() if user is None else branches.visible_to(user)


def _batch_township_id(user) -> int | None:
    return township_id_of(user) if user is not None and role_of(user) == Role.TOWNSHIP else None


def _sha256(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1 << 20), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _plan_for(file, filename: str, *, user, size: int | None, progress: Progress | None = None) -> ImportPlan:
    kind = check_roster_file(file, filename, size=size)
    roster = read_roster(file, kind)
    return plan_member_import(roster, branches=importable_branches(user), progress=progress)


def _errors_of(plan: ImportPlan) -> list[dict]:
    return [error.as_dict() for error in plan.errors]


@transaction.atomic
def member_import_preview(*, user, uploaded_file) -> ImportBatch:
    """Validate an uploaded roster and keep it as a batch to confirm; no member is written.

    Raises ImportFileError when the file as a whole is unusable (nothing is kept then).
    """
    plan = _plan_for(uploaded_file, uploaded_file.name, user=user, size=uploaded_file.size)
    batch = ImportBatch(
        created_by=user,
        township_id=_batch_township_id(user),
        original_name=Path(uploaded_file.name).name[:255],
        file_size=uploaded_file.size,
        sha256=_sha256(uploaded_file),
        status=ImportBatch.Status.PREVIEWED if plan.is_valid else ImportBatch.Status.FAILED,
    )
    batch.set_counts(plan.counts(), _errors_of(plan))
    batch.file.save(batch.original_name, uploaded_file, save=False)
    batch.save()
    logger.info("member import %s previewed: %s", batch.pk, plan.counts())
    return batch


@transaction.atomic
def member_import_commit(*, user, batch: ImportBatch) -> ImportBatch:
    """Re-validate the stored file against today's data and write it all, or nothing.

    The batch ends committed, or failed with the rows that are now invalid.
    """
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if not batch.can_commit:
        raise ImportFileError(_("该批次已处理或含有错误行，不能确认导入。"))
    with batch.file.open("rb") as file:
        plan = _plan_for(file, batch.original_name, user=user, size=None)
    written = [], []
    if plan.is_valid:
        try:
            with transaction.atomic():
                written = apply_member_import(plan)
        except ConcurrentChangeError:
            plan.errors.append(_concurrent_change_error())
            written = [], []
    batch.set_counts(plan.counts(), _errors_of(plan))
    batch.move_to(ImportBatch.Status.COMMITTED if plan.is_valid else ImportBatch.Status.FAILED, by=user)
    batch.save()
    _audit_import(batch, *written, actor=user)
    logger.info("member import %s %s: %s", batch.pk, batch.status, plan.counts())
    return batch


def _audit_import(batch: ImportBatch, created: list[int], updated: list[int], *, actor) -> None:
    """The members an import wrote, in one INSERT of at most two audit rows; nothing when nothing changed."""
    audit.record_bulk_summary(
        Member,
        {audit.Action.BULK_CREATE: created, audit.Action.BULK_UPDATE: updated},
        target=batch,
        changes={"import_batch": batch.pk},
        actor=actor,
    )


def _concurrent_change_error() -> RowError:
    return RowError(row=0, name="", messages=[_("导入期间党员数据被他人修改，已全部撤销，请重新上传。")])


def member_import_file(
    *, user, path: Path, dry_run: bool = False, progress: Progress | None = None
) -> tuple[ImportPlan, ImportBatch | None]:
    """The command-line import: no size limit; written and recorded only when every row is valid."""
    with open(path, "rb") as file:
        plan = _plan_for(file, path.name, user=user, size=None, progress=progress)
        if dry_run or not plan.is_valid:
            return plan, None
        with transaction.atomic():
            created, updated = apply_member_import(plan, progress=progress)
            batch = ImportBatch(
                created_by=user,
                township_id=_batch_township_id(user),
                original_name=path.name[:255],
                file_size=path.stat().st_size,
                sha256=_sha256(file),
            )
            batch.set_counts(plan.counts(), [])
            batch.move_to(ImportBatch.Status.COMMITTED, by=user)
            batch.file.save(path.name, File(file), save=False)
            batch.save()
            _audit_import(batch, created, updated, actor=user)
    logger.info("member import %s committed from the command line: %s", batch.pk, plan.counts())
    return plan, batch
