"""Spreadsheets of the review loop: the improvement items (with the list's filters, scoped) and a
survey's answer sheets — written by the one writer and audited like the member export."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEntry
from evaluations.models import NeedsSurvey
from evaluations.services import survey_answer
from tests.factories_evaluations import ImprovementItemFactory, make_survey

pytestmark = pytest.mark.django_db


def read(response):
    assert response.status_code == 200, response.status_code
    sheet = load_workbook(io.BytesIO(response.content)).active
    return sheet, [list(row) for row in sheet.iter_rows(values_only=True)]


def column(rows, header):
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


def test_the_item_export_applies_the_list_filters_and_the_scope(cast, client_as):
    ImprovementItemFactory(township=cast.township_a, problem="甲镇备课不足", status="open")
    ImprovementItemFactory(township=cast.township_a, problem="甲镇已核验", status="verified")
    ImprovementItemFactory(township=cast.township_b, problem="乙镇备课不足", status="open")
    client = client_as("township_a")
    page = client.get(reverse("evaluations:item-list"), {"status": "open"})
    assert reverse("evaluations:item-list-xlsx") + "?status=open" in page.content.decode()
    sheet, rows = read(client.get(reverse("evaluations:item-list-xlsx"), {"status": "open"}))
    assert column(rows, "问题") == ["甲镇备课不足"]
    assert column(rows, "整改时限") == [datetime.datetime(2026, 9, 30)]  # a date cell
    assert sheet.title == "改进清单"
    assert AuditEntry.objects.filter(action="export", model_label="evaluations.ImprovementItem").exists()


def test_the_county_item_export_filters_by_township(cast, client_as):
    ImprovementItemFactory(township=cast.township_a, problem="甲")
    ImprovementItemFactory(township=cast.township_b, problem="乙")
    response = client_as("county").get(
        reverse("evaluations:item-list-xlsx"), {"township": cast.township_b.pk}
    )
    assert column(read(response)[1], "问题") == ["乙"]


def _answered_survey(cast):
    survey = make_survey(by=cast.users["county"], status=NeedsSurvey.Status.OPEN)
    single, multiple, rating, text = survey.questions.order_by("order", "pk")
    survey_answer(
        survey=survey,
        member=cast.member_a,
        answers={
            single: single.options.first().pk,
            multiple: [o.pk for o in multiple.options.all()[:2]],
            rating: 4,
            text: "多讲产业政策",
        },
    )
    return survey


def test_the_survey_export_has_one_row_per_answer_sheet_without_names(cast, client_as):
    survey = _answered_survey(cast)
    client = client_as("county")
    page = client.get(reverse("evaluations:survey-results", args=[survey.pk]))
    assert reverse("evaluations:survey-results-xlsx", args=[survey.pk]) in page.content.decode()
    _sheet, rows = read(client.get(reverse("evaluations:survey-results-xlsx", args=[survey.pk])))
    assert rows[0][:4] == ["序号", "乡镇（街道）", "领域", "提交时间"]
    assert rows[0][4:] == [q.text for q in survey.questions.all()]
    assert rows[1][1] == "甲镇" and rows[1][4] == "理论" and rows[1][5] == "课堂讲授、现场教学"
    assert rows[1][6] == 4 and rows[1][7] == "多讲产业政策"
    assert cast.member_a.name not in [value for row in rows for value in row]
    assert AuditEntry.objects.filter(action="export", object_pk=str(survey.pk)).exists()


def test_only_county_staff_export_survey_results(cast, client_as):
    survey = _answered_survey(cast)
    url = reverse("evaluations:survey-results-xlsx", args=[survey.pk])
    assert client_as("township_a").get(url).status_code == 403


def test_the_survey_export_does_not_query_per_answer_sheet(cast, client_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import MemberFactory

    survey = _answered_survey(cast)
    client = client_as("county")
    url = reverse("evaluations:survey-results-xlsx", args=[survey.pk])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    single = survey.questions.get(kind="single")
    for member in MemberFactory.create_batch(15, branch=cast.branch_a):
        survey_answer(survey=survey, member=member, answers={single: single.options.first().pk})
    assert count() == small
    assert len(read(client.get(url))[1]) == 17


def test_the_ranking_and_the_annual_summary_are_audited_exports(cast, client_as):
    client = client_as("county")
    client.get(reverse("evaluations:performance-xlsx"), {"township": cast.township_a.pk, "year": 2026})
    client.get(reverse("evaluations:report-summary-xlsx"), {"year": 2026})
    entries = AuditEntry.objects.filter(action="export").order_by("pk")
    assert [e.model_label for e in entries] == ["trainees.Township", "evaluations.AnnualReport"]
    assert all(e.changes["year"][1] == 2026 for e in entries)
