"""The cycle's write services take plain values, so a task, a command or the API can call them."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.cycle.services import lesson_preparation_record, session_create, session_update
from courses.models import MonthlyPlan, Session
from tests.factories_courses import InstructorFactory, MonthlyPlanFactory

pytestmark = pytest.mark.django_db


def _fields(**overrides):
    start = timezone.localtime() + datetime.timedelta(days=5)
    fields = {
        "title": "学习贯彻全会精神",
        "kind": Session.Kind.MONTHLY,
        "starts_at": start.replace(hour=9, minute=0, second=0, microsecond=0),
        "ends_at": start.replace(hour=11, minute=0, second=0, microsecond=0),
        "hours": Decimal("2.0"),
    }
    fields.update(overrides)
    return fields


def test_a_session_created_without_a_form_is_a_draft_in_its_township_plan(cast):
    instructor = InstructorFactory()
    session = session_create(
        by=cast.users["township_a"],
        township_id=cast.township_a.pk,
        fields=_fields(instructors=[instructor], audience_branches=[cast.branch_a]),
    )
    assert session.status == Session.Status.DRAFT
    assert session.plan == MonthlyPlan.objects.get(township=cast.township_a)
    assert list(session.instructors.all()) == [instructor]
    assert list(session.audience_branches.all()) == [cast.branch_a]


def test_a_session_updated_without_a_form_keeps_the_relations_not_named(cast):
    instructor = InstructorFactory()
    session = session_create(
        by=cast.users["township_a"],
        township_id=cast.township_a.pk,
        fields=_fields(instructors=[instructor]),
    )
    session_update(session=session, by=cast.users["township_a"], fields={"title": "改名后的培训"})
    session.refresh_from_db()
    assert session.title == "改名后的培训"
    assert list(session.instructors.all()) == [instructor]


def test_lesson_preparation_is_recorded_from_plain_values(cast):
    plan = MonthlyPlanFactory(township=cast.township_a)
    instructor = InstructorFactory()
    preparation = lesson_preparation_record(
        plan=plan, by=cast.users["township_a"], date=datetime.date(2026, 6, 3), instructors=[instructor]
    )
    assert preparation.plan == plan and preparation.recorded_by == cast.users["township_a"]
    assert list(preparation.instructors.all()) == [instructor]


def test_the_plan_page_records_a_preparation_with_its_instructors(client_as, cast):
    plan = MonthlyPlanFactory(township=cast.township_a)
    instructor = InstructorFactory()
    response = client_as("township_a").post(
        reverse("courses:plan-detail", args=[plan.pk]),
        {
            "date": "2026-06-03",
            "participants": "全体教员",
            "notes": "分工备课",
            "instructors": [instructor.pk],
        },
    )
    assert response.status_code == 302
    preparation = plan.preparations.get()
    assert preparation.notes == "分工备课"
    assert list(preparation.instructors.all()) == [instructor]
