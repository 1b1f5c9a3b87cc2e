"""Evaluations beyond the matrix: another member's or another township's rows, and what the exports hold.

The matrix (test_authorization_matrix.py) asks with the trainee's own task and township A's
objects; here a trainee reaches for another member's task and township B's admin for township A's
rows with forms that would pass, so a refusal cannot hide behind an invalid form.
"""

from urllib.parse import unquote

import pytest
from django.urls import reverse

from evaluations.models import AnnualReport, ImprovementEvidence, ImprovementItem, PracticeTask
from tests.factories_evaluations import PracticeTaskFactory, make_survey
from tests.ningjin_training.test_authorization_matrix import _evidence_file_a, _item_a, _report_a
from tests.rosters import private_media  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def test_a_trainee_never_reaches_another_members_task(cast, client_as):
    other = PracticeTaskFactory(member=cast.member_a)
    client = client_as("trainee")
    assert client.get(reverse("evaluations:task-detail", args=[other.pk])).status_code == 404
    assert (
        client.post(reverse("evaluations:task-report", args=[other.pk]), {"outcome": "x"}).status_code == 404
    )
    cancel = {"to": "cancelled", "note": "不做了"}
    assert client.post(reverse("evaluations:task-transition", args=[other.pk]), cancel).status_code == 404
    assert other.title not in client.get(reverse("evaluations:task-list")).text
    other.refresh_from_db()
    assert other.status == PracticeTask.Status.TAKEN


def test_another_townships_admin_never_reaches_township_a_rows(cast, client_as):
    item, report = _item_a(cast), _report_a(cast)
    task = PracticeTaskFactory(member=cast.member_a)
    attachment = _evidence_file_a(cast)
    client = client_as("township_b")
    refused = [
        client.post(reverse("evaluations:item-evidence", args=[item.pk]), {"text": "已整改"}),
        client.post(reverse("evaluations:item-transition", args=[item.pk]), {"to": "in_progress"}),
        client.post(reverse("evaluations:report-detail", args=[report.pk]), {"capability_gains": "改写"}),
        client.post(reverse("evaluations:report-transition", args=[report.pk]), {"to": "submitted"}),
        client.get(reverse("evaluations:report-pdf", args=[report.pk])),
        client.get(reverse("evaluations:evidence-file", kwargs=attachment)),
        client.post(reverse("evaluations:task-transition", args=[task.pk]), {"to": "verified"}),
    ]
    assert [r.status_code for r in refused] == [404] * len(refused)
    assert item.problem not in client.get(reverse("evaluations:item-list")).text
    assert task.title not in client.get(reverse("evaluations:task-list")).text
    item.refresh_from_db()
    report.refresh_from_db()
    assert item.status == ImprovementItem.Status.OPEN
    assert not ImprovementEvidence.objects.filter(item=item).exists()
    assert (report.status, report.capability_gains) == (
        AnnualReport.Status.DRAFT,
        "党员理论水平和履职能力明显提升",
    )


def test_the_points_ranking_and_its_export_are_of_the_admins_own_township(cast, client_as):
    client = client_as("township_b")
    asked_for_a = f"?township={cast.township_a.pk}"
    page = client.get(reverse("evaluations:performance") + asked_for_a)
    assert cast.member_b.name in page.text and cast.member_a.name not in page.text
    export = client.get(reverse("evaluations:performance-xlsx") + asked_for_a)
    assert cast.township_b.name in unquote(export["Content-Disposition"])


def test_a_trainee_cannot_answer_a_survey_aimed_elsewhere_nor_read_results(cast, client_as):
    survey = make_survey(by=cast.users["county"], status="open")
    survey.target_townships.set([cast.township_b])
    client = client_as("trainee")
    assert client.get(reverse("evaluations:survey-answer", args=[survey.pk])).status_code == 403
    assert client.get(reverse("evaluations:survey-results", args=[survey.pk])).status_code == 403
