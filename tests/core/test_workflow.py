"""The Workflow base, shared by every state machine: recorded moves, refusals, reasons, labels."""

import pytest
from django.apps import apps
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from core.workflow import IllegalTransition, TransitionEvent, Workflow
from courses.models import Course, CourseRequest, MonthlyPlan, Session, SessionEvent
from evaluations.models import AnnualReport, ImprovementItem, NeedsSurvey, PracticeTask, TeachingPlan
from tests.factories import UserFactory
from tests.factories_courses import CourseFactory, CourseRequestFactory, MonthlyPlanFactory, SessionFactory
from tests.factories_evaluations import (
    AnnualReportFactory,
    ImprovementItemFactory,
    PracticeTaskFactory,
    make_survey,
)

pytestmark = pytest.mark.django_db


def _teaching_plan():
    return TeachingPlan.objects.create(
        survey=make_survey(by=UserFactory()), domain="rural", title="农村党员计划"
    )


# One legal first move of every workflow model, with the factory that makes one.
FIRST_MOVES = {
    Session: (SessionFactory, "published"),
    MonthlyPlan: (MonthlyPlanFactory, "scheduled"),
    CourseRequest: (CourseRequestFactory, "dispatched"),
    Course: (CourseFactory, "proposed"),
    NeedsSurvey: (lambda: make_survey(by=UserFactory()), "open"),
    TeachingPlan: (_teaching_plan, "approved"),
    ImprovementItem: (ImprovementItemFactory, "in_progress"),
    AnnualReport: (AnnualReportFactory, "submitted"),
    PracticeTask: (PracticeTaskFactory, "cancelled"),
}


def test_every_workflow_model_has_a_first_move_tested_here():
    workflows = {model for model in apps.get_models() if issubclass(model, Workflow)}
    assert workflows == set(FIRST_MOVES)


@pytest.mark.parametrize("model", list(FIRST_MOVES), ids=lambda model: model.__name__)
def test_a_move_is_recorded_with_who_when_and_the_note(cast, model):
    make, target = FIRST_MOVES[model]
    obj = make()
    start = obj.state
    user = cast.users["county"]

    record = obj.transition(target, by=user, note="  按计划推进  ")

    obj.refresh_from_db()
    assert obj.state == target
    assert list(getattr(obj, obj.EVENTS).all()) == [record]
    if isinstance(record, TransitionEvent):
        assert (record.from_status, record.to_status, record.by, record.note) == (
            start,
            target,
            user,
            "按计划推进",
        )
        assert record.at is not None
    else:  # a course's pipeline step is a dated stage record
        assert (record.from_stage, record.stage, record.recorded_by, record.notes) == (
            start,
            target,
            user,
            "按计划推进",
        )
        assert record.date is not None


def test_an_illegal_move_is_refused_in_chinese_and_changes_nothing(cast):
    session = SessionFactory(township=cast.township_a)

    with pytest.raises(IllegalTransition) as refused:
        session.transition("closed", by=cast.users["township_a"])

    assert refused.value.message == "当前状态为“草稿”，不能变更为“已结束”。"
    session.refresh_from_db()
    assert session.status == "draft" and not session.events.exists()


@pytest.mark.parametrize("note", ["", "   "])
def test_a_move_that_needs_a_reason_is_refused_without_one(cast, note):
    session = SessionFactory(township=cast.township_a)

    with pytest.raises(IllegalTransition) as refused:
        session.transition("cancelled", by=cast.users["township_a"], note=note)

    assert refused.value.message == "变更为“已取消”须填写原因。"
    session.refresh_from_db()
    assert session.status == "draft" and not session.events.exists()


def test_a_reason_given_is_kept_on_the_record(cast):
    session = SessionFactory(township=cast.township_a)

    session.transition("cancelled", by=cast.users["township_a"], note="场地临时维修")

    assert session.events.get().note == "场地临时维修"


def test_a_record_names_its_states_in_the_active_language(cast):
    session = SessionFactory(township=cast.township_a)
    record = session.transition("published", by=cast.users["township_a"])

    assert (record.from_label, record.to_label) == ("草稿", "已发布")
    with translation.override("en"):
        assert (record.from_label, record.to_label) == ("Draft", "Published")


def test_a_first_record_has_no_state_to_come_from(cast):
    request = CourseRequestFactory(township=cast.township_a)
    record = request.events.create(from_status="", to_status="ordered", by=cast.users["township_a"])

    assert record.from_label == "" and record.to_label == "已点单"


def _history_page(client, session):
    page = client.get(reverse("courses:session-detail", args=[session.pk]))
    assert page.status_code == 200
    return page.content.decode()


def test_the_history_shows_state_names_not_codes_in_both_languages(cast, client_as):
    session = SessionFactory(township=cast.township_a)
    session.transition("published", by=cast.users["township_a"])
    client = client_as("township_a")

    assert "草稿 → 已发布" in _history_page(client, session)

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _history_page(client, session)
    assert "Draft → Published" in english
    assert "draft → published" not in english


def test_a_note_by_the_system_shows_one_state_and_no_author(cast, client_as):
    session = SessionFactory(township=cast.township_a)
    SessionEvent.objects.create(
        session=session, from_status="draft", to_status="draft", by=None, note="已发送变更通知"
    )
    client = client_as("township_a")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = _history_page(client, session)

    assert "<td>System</td><td>Draft</td><td>已发送变更通知</td>" in page


def _transition_form(obj, to):
    return render_to_string(
        "partials/transition_form.html",
        {
            "obj": obj,
            "action": "/move/",
            "to": to,
            "label": "变更",
            "form_id": "move-form",
            "csrf_token": "x",
        },
    )


def test_the_transition_button_appears_only_for_an_allowed_move(cast):
    session = SessionFactory(township=cast.township_a)

    assert 'name="to" value="published"' in _transition_form(session, "published")
    assert _transition_form(session, "closed").strip() == ""


def test_a_move_that_needs_a_reason_gets_a_required_note(cast):
    session = SessionFactory(township=cast.township_a)

    assert 'name="note" rows="2" required' in _transition_form(session, "cancelled")
    assert 'name="note"' not in _transition_form(session, "published")
