"""Editing a session: more seats go to the waiting list first; county-wide sessions are read-only to townships."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Enrollment, Session
from tests.cycle_fixtures import enrol, live_session
from tests.factories import MemberFactory
from tests.factories_courses import SessionFactory

pytestmark = pytest.mark.django_db


def _edit_data(session, **overrides):
    data = {
        "title": session.title,
        "kind": session.kind,
        "venue_kind": session.venue_kind,
        "venue": session.venue,
        "starts_at": timezone.localtime(session.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(session.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "hours": str(session.hours),
        "capacity": session.capacity or "",
    }
    data.update(overrides)
    return data


def _queue(session, members, *, minutes_ago):
    """Waitlist ``members``, each queued ``minutes_ago`` (so the queue order differs from pk order)."""
    for member, minutes in zip(members, minutes_ago, strict=True):
        (enrollment,) = enrol(session, member, status=Enrollment.Status.WAITLISTED)
        Enrollment.objects.filter(pk=enrollment.pk).update(
            created_at=timezone.now() - datetime.timedelta(minutes=minutes)
        )


def _statuses(session):
    return dict(session.enrollments.values_list("member_id", "status"))


def test_raising_the_capacity_promotes_the_waiting_list_first_come_first_served(client_as, cast):
    session = live_session(cast.township_a, minutes_from_now=60 * 24, capacity=1)
    enrol(session, cast.member_a)
    first, second, third = MemberFactory.create_batch(3, branch=cast.branch_a)
    _queue(session, [third, first, second], minutes_ago=[10, 30, 20])
    response = client_as("township_a").post(
        reverse("courses:session-edit", args=[session.pk]), _edit_data(session, capacity=3)
    )
    assert response.status_code == 302
    statuses = _statuses(session)
    assert statuses[first.pk] == statuses[second.pk] == Enrollment.Status.ENROLLED
    assert statuses[third.pk] == Enrollment.Status.WAITLISTED


def test_removing_the_limit_promotes_everyone_queued(client_as, cast):
    session = live_session(cast.township_a, minutes_from_now=60 * 24, capacity=1)
    enrol(session, cast.member_a)
    queued = MemberFactory.create_batch(2, branch=cast.branch_a)
    _queue(session, queued, minutes_ago=[2, 1])
    client_as("township_a").post(
        reverse("courses:session-edit", args=[session.pk]), _edit_data(session, capacity="")
    )
    assert set(_statuses(session).values()) == {Enrollment.Status.ENROLLED}


def test_lowering_or_keeping_the_capacity_promotes_nobody(client_as, cast):
    session = live_session(cast.township_a, minutes_from_now=60 * 24, capacity=2)
    enrol(session, cast.member_a, cast.trainee_member)
    queued = MemberFactory(branch=cast.branch_a)
    _queue(session, [queued], minutes_ago=[1])
    client = client_as("township_a")
    client.post(reverse("courses:session-edit", args=[session.pk]), _edit_data(session, venue="新地点"))
    client.post(reverse("courses:session-edit", args=[session.pk]), _edit_data(session, capacity=1))
    assert _statuses(session)[queued.pk] == Enrollment.Status.WAITLISTED
    session.refresh_from_db()
    assert session.capacity == 1


def test_raising_the_capacity_after_the_start_promotes_nobody(client_as, cast):
    session = live_session(cast.township_a, minutes_from_now=-5, capacity=1)
    enrol(session, cast.member_a)
    queued = MemberFactory(branch=cast.branch_a)
    _queue(session, [queued], minutes_ago=[60])
    response = client_as("township_a").post(
        reverse("courses:session-edit", args=[session.pk]), _edit_data(session, capacity=5)
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.capacity == 5
    assert _statuses(session)[queued.pk] == Enrollment.Status.WAITLISTED


def test_a_township_admin_sees_county_wide_sessions_in_the_list_but_not_county_drafts(client_as, cast):
    county_wide = SessionFactory(township=None, title="全县示范培训", status=Session.Status.PUBLISHED)
    SessionFactory(township=None, title="全县草稿培训")
    SessionFactory(township=cast.township_b, title="乙镇培训", status=Session.Status.PUBLISHED)
    SessionFactory(township=cast.township_a, title="甲镇培训")
    page = client_as("township_a").get(reverse("courses:session-list")).content.decode()
    assert "全县示范培训" in page and "甲镇培训" in page
    assert "全县草稿培训" not in page and "乙镇培训" not in page
    assert "只读" in page
    assert client_as("township_a").get(county_wide.get_absolute_url()).status_code == 200


def test_a_county_wide_session_is_read_only_to_a_township_admin(client_as, cast):
    session = SessionFactory(township=None, status=Session.Status.PUBLISHED, capacity=1)
    client = client_as("township_a")
    page = client.get(session.get_absolute_url()).content.decode()
    assert "乡镇只能查看" in page
    assert reverse("courses:session-edit", args=[session.pk]) not in page
    for name in ["session-edit", "session-enrollments", "attendance-sheet", "session-series"]:
        assert client.get(reverse(f"courses:{name}", args=[session.pk])).status_code == 404, name
    changes = ["session-edit", "session-transition", "session-cancel", "session-invite", "session-duplicate"]
    for name in changes:
        assert client.post(reverse(f"courses:{name}", args=[session.pk]), {"to": "held"}).status_code == 404
    session.refresh_from_db()
    assert session.status == Session.Status.PUBLISHED
    assert client_as("county").get(reverse("courses:session-edit", args=[session.pk])).status_code == 200


def test_a_county_wide_draft_stays_hidden_from_township_admins(client_as, cast):
    draft = SessionFactory(township=None)
    assert client_as("township_a").get(draft.get_absolute_url()).status_code == 404
