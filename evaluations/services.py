"""Write workflows of the evaluations app: rectification, annual-report review.

Each service checks *who* may make the move; the model's ``transition()``
checks *whether* the move is allowed and records who/when.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import IllegalTransition
from trainees.models import Township
from trainees.scoping import Role, role_of, township_id_of

from .models import AnnualReport, EvidenceFile, ImprovementEvidence, ImprovementItem
from .selectors import township_metrics


def owns(user, township_id: int | None) -> bool:
    """A township's admin owns its rows; county staff own the county's own rows (no township)."""
    role = role_of(user)
    if township_id is None:
        return role == Role.COUNTY
    return role == Role.TOWNSHIP and township_id_of(user) == township_id


def _check_mover(user, township_id: int | None, to: str, county_moves: frozenset[str]) -> None:
    if to in county_moves:
        if role_of(user) != Role.COUNTY:
            raise PermissionDenied
    elif not owns(user, township_id):
        raise PermissionDenied


@transaction.atomic
def item_transition(*, item: ImprovementItem, to: str, by, note: str = "") -> ImprovementItem:
    """Start, verify or send back an improvement item (evidence goes through item_submit_evidence)."""
    if to == ImprovementItem.Status.RECTIFIED:
        raise IllegalTransition(_("提交整改须附整改情况说明。"))
    _check_mover(by, item.township_id, to, ImprovementItem.COUNTY_MOVES)
    item.transition(to, by=by, note=note)
    return item


@transaction.atomic
def item_submit_evidence(
    *, item: ImprovementItem, by, text: str, files: Iterable[UploadedFile] = ()
) -> ImprovementEvidence:
    """The owner reports the item rectified with a description and files (already type/size-checked)."""
    _check_mover(by, item.township_id, ImprovementItem.Status.RECTIFIED, ImprovementItem.COUNTY_MOVES)
    if not (text or "").strip():
        raise IllegalTransition(_("提交整改须附整改情况说明。"))
    item.transition(ImprovementItem.Status.RECTIFIED, by=by, note=text.strip()[:200])
    evidence = ImprovementEvidence.objects.create(
        item=item, text=text.strip(), submitted_by=by, submitted_at=timezone.now()
    )
    for upload in files:
        EvidenceFile.objects.create(evidence=evidence, file=upload, name=upload.name[:200], size=upload.size)
    return evidence


@transaction.atomic
def report_start(*, township: Township, year: int, by) -> AnnualReport:
    """The township's report for ``year``, created as a draft on first use."""
    if not owns(by, township.pk):
        raise PermissionDenied
    report, _created = AnnualReport.objects.get_or_create(
        township=township, year=year, defaults={"created_by": by}
    )
    return report


@transaction.atomic
def report_transition(*, report: AnnualReport, to: str, by, note: str = "") -> AnnualReport:
    """Submit (freezing the metrics), approve or return an annual report."""
    _check_mover(by, report.township_id, to, AnnualReport.COUNTY_MOVES)
    if to == AnnualReport.Status.SUBMITTED and report.can_transition(to):
        if not all(
            [report.capability_gains.strip(), report.problems_solved.strip(), report.next_year_plan.strip()]
        ):
            raise IllegalTransition(_("请先填写能力提升、解决问题和改进措施三部分内容再提交。"))
        # Frozen here: later attendance, feedback or rectification no longer changes the report.
        report.metrics = township_metrics([report.township_id], report.year)[report.township_id]
    report.transition(to, by=by, note=note)
    return report
