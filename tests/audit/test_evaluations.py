"""The audit trail covers improvement items, annual reports and practice tasks (create, moves, edits, delete)."""

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from evaluations.models import AnnualReport, ImprovementItem, PracticeTask
from tests.factories_evaluations import PracticeTaskFactory
from tests.ningjin_training.test_authorization_matrix import _review_a

pytestmark = pytest.mark.django_db


def entries_for(obj, action):
    return AuditEntry.objects.filter(model_label=obj._meta.label, object_pk=str(obj.pk), action=action)


def test_an_improvement_item_is_audited_from_entry_to_deletion(cast, client_as):
    review = _review_a(cast)
    client_as("county").post(
        reverse("evaluations:item-create", args=[review.pk]),
        {
            "township": cast.township_a.pk,
            "problem": "集体备课记录不完整",
            "owner": "张书记",
            "due_date": "2026-09-30",
            "evidence_required": "备课记录照片",
        },
        REMOTE_ADDR="192.0.2.20",
    )
    item = ImprovementItem.objects.get(problem="集体备课记录不完整")
    created = entries_for(item, AuditAction.CREATE).get()
    assert (created.actor, created.ip) == (cast.users["county"], "192.0.2.20")
    assert created.changes["township"] == [None, cast.township_a.pk]
    assert "created_at" not in created.changes

    client_as("township_a").post(
        reverse("evaluations:item-transition", args=[item.pk]), {"to": "in_progress"}
    )
    moved = entries_for(item, AuditAction.UPDATE).get()
    assert moved.actor == cast.users["township_a"]
    assert moved.changes == {"status": ["open", "in_progress"]}

    pk = item.pk
    item.delete()
    assert AuditEntry.objects.filter(
        action=AuditAction.DELETE, model_label="evaluations.ImprovementItem", object_pk=str(pk)
    ).exists()


def test_an_annual_report_is_audited_when_started_edited_and_submitted(cast, client_as):
    client = client_as("township_a")
    client.post(reverse("evaluations:report-start"), {"year": 2026})
    report = AnnualReport.objects.get(township=cast.township_a, year=2026)
    assert entries_for(report, AuditAction.CREATE).get().actor == cast.users["township_a"]

    text = {
        "capability_gains": "理论水平提升",
        "problems_solved": "解决问题12件",
        "next_year_plan": "现场教学",
    }
    client.post(reverse("evaluations:report-detail", args=[report.pk]), text)
    client.post(reverse("evaluations:report-transition", args=[report.pk]), {"to": "submitted"})
    edited, submitted = entries_for(report, AuditAction.UPDATE).order_by("pk")
    assert edited.changes["capability_gains"] == ["", "理论水平提升"]
    assert submitted.changes["status"] == ["draft", "submitted"]
    assert "metrics" in submitted.changes  # the frozen snapshot is on the record
    assert "updated_at" not in edited.changes and "updated_at" not in submitted.changes


def test_a_practice_task_is_audited_when_taken_reported_and_verified(cast, client_as):
    task = PracticeTaskFactory(member=cast.trainee_member)
    assert entries_for(task, AuditAction.CREATE).exists()
    client_as("trainee").post(reverse("evaluations:task-report", args=[task.pk]), {"outcome": "调解成功"})
    client_as("township_a").post(reverse("evaluations:task-transition", args=[task.pk]), {"to": "verified"})
    task.refresh_from_db()
    assert task.status == PracticeTask.Status.VERIFIED
    reported, verified = entries_for(task, AuditAction.UPDATE).order_by("pk")
    assert (reported.actor, reported.changes["status"]) == (cast.users["trainee"], ["taken", "reported"])
    assert (verified.actor, verified.changes["status"]) == (
        cast.users["township_a"],
        ["reported", "verified"],
    )
