"""Model-level rules of the courses app: state machines, constraints, scoping."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from core.workflow import IllegalTransition
from courses.models import (
    Course,
    CourseRequest,
    Enrollment,
    Session,
    StudyHoursEntry,
    StudyHoursTarget,
    Theme,
)
from tests.factories_courses import (
    CourseFactory,
    CourseRequestFactory,
    InstructorFactory,
    RouteStopFactory,
    SessionFactory,
    TeachingRouteFactory,
)

pytestmark = pytest.mark.django_db


def test_a_legal_request_transition_moves_status_and_records_who_and_when(cast):
    county = cast.users["county"]
    request = CourseRequestFactory(township=cast.township_a)

    event = request.transition(CourseRequest.Status.DISPATCHED, by=county, note="派给县党校")

    request.refresh_from_db()
    assert request.status == CourseRequest.Status.DISPATCHED
    assert (event.from_status, event.to_status, event.by, event.note) == (
        "ordered",
        "dispatched",
        county,
        "派给县党校",
    )
    assert event.at is not None


def test_an_illegal_transition_is_refused_in_chinese_and_leaves_the_record_unchanged(cast):
    request = CourseRequestFactory(township=cast.township_a)

    with pytest.raises(IllegalTransition) as excinfo:
        request.transition(CourseRequest.Status.DELIVERED, by=cast.users["county"])

    assert "已点单" in str(excinfo.value) and "已送教" in str(excinfo.value)
    assert request.status == CourseRequest.Status.ORDERED
    request.refresh_from_db()
    assert request.status == CourseRequest.Status.ORDERED
    assert not request.events.exists()


def test_declining_needs_a_reason_which_is_kept_on_the_request(cast):
    request = CourseRequestFactory(township=cast.township_a, status=CourseRequest.Status.DISPATCHED)

    with pytest.raises(IllegalTransition, match="原因"):
        request.transition(CourseRequest.Status.DECLINED, by=cast.users["instructor"], note="  ")
    request.transition(CourseRequest.Status.DECLINED, by=cast.users["instructor"], note="当月已满")

    request.refresh_from_db()
    assert request.status == CourseRequest.Status.DECLINED
    assert request.decline_reason == "当月已满"


def test_a_stale_copy_cannot_move_a_record_someone_else_already_moved(cast):
    request = CourseRequestFactory(township=cast.township_a)
    stale = CourseRequest.objects.get(pk=request.pk)
    request.transition(CourseRequest.Status.CANCELLED, by=cast.users["township_a"])

    with pytest.raises(IllegalTransition, match="已被他人修改"):
        stale.transition(CourseRequest.Status.DISPATCHED, by=cast.users["county"])

    request.refresh_from_db()
    assert request.status == CourseRequest.Status.CANCELLED


def test_a_course_walks_the_pipeline_to_premium_with_a_dated_record_per_step(cast):
    county = cast.users["county"]
    course = CourseFactory()
    for stage in ["proposed", "selected", "discussion", "preparation", "trial", "premium"]:
        course.transition(stage, by=county)

    course.refresh_from_db()
    assert course.is_premium
    records = list(course.stage_records.values_list("from_stage", "stage"))
    assert records[0] == ("standard", "proposed")
    assert records[-1] == ("trial", "premium")
    assert len(records) == 6


def test_a_returned_course_resumes_at_an_earlier_step(cast):
    county = cast.users["county"]
    course = CourseFactory(stage=Course.Stage.TRIAL)

    course.transition(Course.Stage.RETURNED, by=county, note="案例需更新")
    course.transition(Course.Stage.PREPARATION, by=county)

    assert course.stage == Course.Stage.PREPARATION
    assert not course.can_transition(Course.Stage.PREMIUM)


def test_a_course_cannot_skip_straight_to_premium(cast):
    course = CourseFactory(stage=Course.Stage.PROPOSED)
    with pytest.raises(IllegalTransition):
        course.transition(Course.Stage.PREMIUM, by=cast.users["county"])
    course.refresh_from_db()
    assert course.stage == Course.Stage.PROPOSED
    assert not course.stage_records.exists()


def test_cancelling_a_session_keeps_the_reason_and_records_an_event(cast):
    session = SessionFactory(township=cast.township_a, status=Session.Status.PUBLISHED)
    session.transition(Session.Status.CANCELLED, by=cast.users["township_a"], note="暴雨")
    session.refresh_from_db()
    assert session.cancel_reason == "暴雨"
    assert session.events.get().to_status == "cancelled"
    assert session.allowed_transitions() == []


def test_a_session_must_end_after_it_starts(cast):
    session = SessionFactory.build(township=cast.township_a)
    session.ends_at = session.starts_at
    with pytest.raises(IntegrityError), transaction.atomic():
        session.save()


def test_one_theme_per_year_month():
    Theme.objects.create(year=2026, month=3, title="甲")
    with pytest.raises(IntegrityError), transaction.atomic():
        Theme.objects.create(year=2026, month=3, title="乙")


def test_a_member_enrols_once_per_session(cast):
    session = SessionFactory(township=cast.township_a)
    Enrollment.objects.create(session=session, member=cast.member_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(session=session, member=cast.member_a)


def test_the_baseline_study_hours_target_is_data():
    baseline = StudyHoursTarget.objects.get(year__isnull=True, group__isnull=True)
    assert baseline.hours == Decimal("32")


def test_a_route_totals_its_stops_hours():
    route = TeachingRouteFactory()
    RouteStopFactory(route=route, order=1, duration_hours=Decimal("1.5"))
    RouteStopFactory(route=route, order=2, duration_hours=Decimal("2.0"))
    assert route.total_hours == Decimal("3.5")
    assert type(route).objects.with_hours_total().get(pk=route.pk).hours_total == Decimal("3.5")


def test_requests_are_scoped_to_township_and_dispatched_instructor(cast):
    instructor = InstructorFactory(user=cast.users["instructor"])
    mine = CourseRequestFactory(township=cast.township_a, instructor=instructor)
    theirs = CourseRequestFactory(township=cast.township_b)

    def visible(user_key):
        return set(CourseRequest.objects.visible_to(cast.users[user_key]))

    assert visible("county") == {mine, theirs}
    assert visible("township_a") == {mine}
    assert visible("township_b") == {theirs}
    assert visible("instructor") == {mine}
    assert visible("trainee") == set()


def test_sessions_and_hours_are_scoped_to_township_and_own_member(cast):
    session_a = SessionFactory(township=cast.township_a)
    SessionFactory(township=cast.township_b)
    Enrollment.objects.create(session=session_a, member=cast.trainee_member)
    own = StudyHoursEntry.objects.create(
        member=cast.trainee_member,
        date=datetime.date(2026, 5, 1),
        hours=Decimal("2"),
        source=StudyHoursEntry.Source.ONLINE,
        recorded_by=cast.users["township_a"],
    )
    StudyHoursEntry.objects.create(
        member=cast.member_b,
        date=datetime.date(2026, 5, 1),
        hours=Decimal("2"),
        source=StudyHoursEntry.Source.ONLINE,
        recorded_by=cast.users["township_b"],
    )

    assert list(Session.objects.visible_to(cast.users["township_a"])) == [session_a]
    assert list(Session.objects.visible_to(cast.users["trainee"])) == [session_a]
    assert list(Enrollment.objects.visible_to(cast.users["township_b"])) == []
    assert list(StudyHoursEntry.objects.visible_to(cast.users["trainee"])) == [own]
    assert StudyHoursEntry.objects.visible_to(cast.users["township_a"]).count() == 1


def test_the_catalog_is_readable_by_every_role_but_managed_in_scope(cast):
    county_course = CourseFactory()
    local_course = CourseFactory(township=cast.township_b, level=Course.Level.TOWNSHIP)

    assert set(Course.objects.visible_to(cast.users["trainee"])) == {county_course, local_course}
    assert list(Course.objects.managed_by(cast.users["township_b"])) == [local_course]
    assert list(Course.objects.managed_by(cast.users["township_a"])) == []
    assert list(Course.objects.managed_by(cast.users["instructor"])) == []
