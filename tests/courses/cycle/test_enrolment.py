"""Enrolment: invite the audience in one action, self sign-up, capacity, a fair waiting list, withdrawal."""

import datetime

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from core.workflow import IllegalTransition
from courses.cycle.services import enrollment_signup, enrollment_withdraw, session_invite, waitlist_promote
from courses.models import Enrollment, Session
from tests.cycle_fixtures import enrol, live_session
from tests.factories import BranchFactory, MemberFactory, MemberGroupFactory
from trainees.models import Branch

pytestmark = pytest.mark.django_db


def _open_session(cast, **kwargs):
    kwargs.setdefault("open_signup", True)
    return live_session(cast.township_a, minutes_from_now=60 * 24, **kwargs)


def test_inviting_enrols_the_target_branch_only_in_constant_queries(cast, django_assert_max_num_queries):
    session = _open_session(cast)
    session.audience_branches.set([cast.branch_a])
    MemberFactory.create_batch(20, branch=cast.branch_a)
    with django_assert_max_num_queries(12):
        result = session_invite(session=session, by=cast.users["township_a"])
    assert result == {"enrolled": 22, "waitlisted": 0}
    assert not Enrollment.objects.filter(member=cast.member_b).exists()


def test_inviting_by_domain_and_group_and_twice_enrols_nobody_twice(cast):
    session = _open_session(cast)
    session.audience_domains = [Branch.Domain.SCHOOL]
    session.save()
    school = BranchFactory(township=cast.township_a, domain=Branch.Domain.SCHOOL)
    teacher = MemberFactory(branch=school)
    secretaries = MemberGroupFactory(code="secretary")
    cast.member_a.groups.add(secretaries)
    session.audience_groups.set([secretaries])
    session_invite(session=session, by=cast.users["township_a"])
    session_invite(session=session, by=cast.users["township_a"])
    assert set(Enrollment.objects.values_list("member", flat=True)) == {teacher.pk, cast.member_a.pk}


def test_a_second_enrolment_row_is_refused_by_the_database(cast):
    session = _open_session(cast)
    enrol(session, cast.member_a)
    with pytest.raises(IntegrityError):
        enrol(session, cast.member_a)


def test_inviting_beyond_capacity_waitlists_the_rest(cast):
    session = _open_session(cast, capacity=2)
    MemberFactory.create_batch(2, branch=cast.branch_a)
    result = session_invite(session=session, by=cast.users["township_a"])
    assert result == {"enrolled": 2, "waitlisted": 2}


def test_sign_up_fills_capacity_then_queues_on_the_waiting_list(cast):
    session = _open_session(cast, capacity=1)
    first = enrollment_signup(session=session, member=cast.member_a)
    second = enrollment_signup(session=session, member=cast.trainee_member)
    assert first.status == Enrollment.Status.ENROLLED
    assert second.status == Enrollment.Status.WAITLISTED


def test_withdrawal_promotes_the_first_in_the_queue_fairly(cast):
    session = _open_session(cast, capacity=1)
    late_comer = MemberFactory(branch=cast.branch_a)
    enrollment_signup(session=session, member=cast.member_a)
    enrollment_signup(session=session, member=cast.trainee_member)
    enrollment_signup(session=session, member=late_comer)
    enrollment_withdraw(session=session, member=cast.member_a)
    statuses = dict(Enrollment.objects.values_list("member", "status"))
    assert statuses[cast.trainee_member.pk] == Enrollment.Status.ENROLLED
    assert statuses[late_comer.pk] == Enrollment.Status.WAITLISTED


def test_a_newcomer_cannot_jump_the_queue_when_a_seat_is_free(cast):
    session = _open_session(cast, capacity=1)
    queued = MemberFactory(branch=cast.branch_a)
    enrol(session, queued, status=Enrollment.Status.WAITLISTED)
    newcomer = enrollment_signup(session=session, member=cast.trainee_member)
    assert newcomer.status == Enrollment.Status.WAITLISTED
    waitlist_promote(session=session)
    assert Enrollment.objects.get(member=queued).status == Enrollment.Status.ENROLLED
    assert Enrollment.objects.get(member=cast.trainee_member).status == Enrollment.Status.WAITLISTED


def test_nobody_is_promoted_once_the_session_has_started(cast):
    session = live_session(cast.township_a, minutes_from_now=-5, capacity=1, open_signup=True)
    enrol(session, cast.member_a, status=Enrollment.Status.WAITLISTED)
    assert waitlist_promote(session=session) == 0
    assert waitlist_promote(session=session, now=timezone.now() - datetime.timedelta(hours=1)) == 1


def test_sign_up_is_refused_outside_the_audience_and_when_closed(cast):
    session = _open_session(cast)
    session.audience_branches.set([BranchFactory(township=cast.township_a)])
    with pytest.raises(IllegalTransition, match="参训范围"):
        enrollment_signup(session=session, member=cast.trainee_member)
    closed = _open_session(cast, open_signup=False)
    with pytest.raises(IllegalTransition, match="未开放报名"):
        enrollment_signup(session=closed, member=cast.trainee_member)


def test_signing_up_twice_is_refused_and_withdrawing_allows_coming_back_at_the_end(cast):
    session = _open_session(cast)
    enrollment_signup(session=session, member=cast.trainee_member)
    with pytest.raises(IllegalTransition, match="已报名"):
        enrollment_signup(session=session, member=cast.trainee_member)
    enrollment_withdraw(session=session, member=cast.trainee_member)
    again = enrollment_signup(session=session, member=cast.trainee_member)
    assert again.status == Enrollment.Status.ENROLLED
    assert Enrollment.objects.count() == 1


def test_the_trainee_signs_up_and_withdraws_from_their_schedule_page(client_as, cast):
    session = _open_session(cast, title="开放报名的课")
    client = client_as("trainee")
    page = client.get(reverse("courses:my-schedule")).content.decode()
    assert "开放报名的课" in page
    client.post(reverse("courses:session-signup", args=[session.pk]))
    assert Enrollment.objects.get(session=session).status == Enrollment.Status.ENROLLED
    client.post(reverse("courses:session-withdraw", args=[session.pk]))
    assert Enrollment.objects.get(session=session).status == Enrollment.Status.WITHDRAWN


def test_the_invite_view_is_scoped(client_as, cast):
    session = live_session(cast.township_b)
    assert (
        client_as("township_a").post(reverse("courses:session-invite", args=[session.pk])).status_code == 404
    )
    assert session.status == Session.Status.PUBLISHED
