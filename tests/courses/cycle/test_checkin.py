"""QR check-in: a signed, rotating code bound to one session; a window; the audience; once per member."""

import datetime
import threading
from urllib.parse import quote

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone

from courses.cycle.services import (
    CHECKIN_TOKEN_MAX_AGE,
    CheckInRefused,
    attendance_check_in,
    checkin_token,
)
from courses.models import Attendance, Session
from tests.cycle_fixtures import enrol, live_session

pytestmark = pytest.mark.django_db


def _check_in(session, member, user, *, token=None, now=None):
    return attendance_check_in(
        session=session, member=member, by=user, token=token or checkin_token(session), now=now
    )


def test_an_enrolled_trainee_checks_in_once_with_a_fresh_code(cast):
    session = live_session(cast.township_a)
    enrol(session, cast.trainee_member)
    attendance = _check_in(session, cast.trainee_member, cast.users["trainee"])
    assert attendance.status == Attendance.Status.PRESENT and attendance.method == Attendance.Method.QR
    assert attendance.changes.get().by == cast.users["trainee"]


def test_a_second_check_in_is_refused_as_already_checked_in(cast):
    session = live_session(cast.township_a)
    enrol(session, cast.trainee_member)
    _check_in(session, cast.trainee_member, cast.users["trainee"])
    with pytest.raises(CheckInRefused, match="已签到"):
        _check_in(session, cast.trainee_member, cast.users["trainee"])
    assert Attendance.objects.count() == 1


def test_an_expired_code_is_refused(cast, monkeypatch):
    session = live_session(cast.township_a)
    enrol(session, cast.trainee_member)
    token = checkin_token(session)
    import time

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + CHECKIN_TOKEN_MAX_AGE + 5)
    with pytest.raises(CheckInRefused, match="过期"):
        _check_in(session, cast.trainee_member, cast.users["trainee"], token=token)


def test_a_tampered_code_is_refused_as_invalid(cast):
    session = live_session(cast.township_a)
    enrol(session, cast.trainee_member)
    with pytest.raises(CheckInRefused, match="无效"):
        _check_in(session, cast.trainee_member, cast.users["trainee"], token=checkin_token(session) + "x")


def test_a_code_replayed_on_another_or_a_future_session_is_refused(cast):
    today = live_session(cast.township_a)
    future = live_session(cast.township_a, minutes_from_now=60 * 24 * 7)
    enrol(future, cast.trainee_member)
    enrol(today, cast.trainee_member)
    with pytest.raises(CheckInRefused, match="其他培训场次"):
        _check_in(future, cast.trainee_member, cast.users["trainee"], token=checkin_token(today))
    with pytest.raises(CheckInRefused, match="尚未开始"):
        _check_in(future, cast.trainee_member, cast.users["trainee"])


def test_it_refuses_check_in_before_the_window_and_after_the_end(cast):
    session = live_session(cast.township_a, minutes_from_now=120)
    enrol(session, cast.trainee_member)
    with pytest.raises(CheckInRefused, match="签到尚未开始"):
        _check_in(session, cast.trainee_member, cast.users["trainee"])
    with pytest.raises(CheckInRefused, match="已结束"):
        _check_in(
            session,
            cast.trainee_member,
            cast.users["trainee"],
            now=session.ends_at + datetime.timedelta(minutes=1),
        )
    opened = _check_in(
        session,
        cast.trainee_member,
        cast.users["trainee"],
        now=session.starts_at - datetime.timedelta(minutes=29),
    )
    assert opened.status == Attendance.Status.PRESENT


def test_a_trainee_outside_the_audience_is_refused(cast):
    session = live_session(cast.township_a)
    enrol(session, cast.member_a)
    with pytest.raises(CheckInRefused, match="参训名单"):
        _check_in(session, cast.trainee_member, cast.users["trainee"])


def test_an_open_session_admits_anyone_in_its_audience(cast):
    session = live_session(cast.township_a, open_signup=True)
    assert _check_in(session, cast.trainee_member, cast.users["trainee"]).pk


def test_a_late_arrival_is_recorded_late(cast):
    session = live_session(cast.township_a, minutes_from_now=-30)
    enrol(session, cast.trainee_member)
    assert _check_in(session, cast.trainee_member, cast.users["trainee"]).status == Attendance.Status.LATE


def test_the_deep_link_survives_the_login_redirect_and_lands_back_on_the_check_in(client, cast):
    session = live_session(cast.township_a)
    enrol(session, cast.trainee_member)
    url = reverse("courses:session-checkin", args=[session.pk]) + "?code=" + quote(checkin_token(session))
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    login = client.post(response.url, {"login": "trainee", "password": "Test-password-2026", "next": url})
    assert login.status_code == 302 and login.url == url
    page = client.get(login.url)
    assert page.status_code == 200 and "确认签到" in page.content.decode()
    done = client.post(reverse("courses:session-checkin", args=[session.pk]), {"code": page.context["code"]})
    assert "签到成功" in done.content.decode()
    assert Attendance.objects.filter(session=session, member=cast.trainee_member).exists()


def test_the_check_in_page_says_why_it_refuses(client_as, cast):
    session = live_session(cast.township_a)
    enrol(session, cast.trainee_member)
    client = client_as("trainee")
    response = client.get(reverse("courses:session-checkin", args=[session.pk]), {"code": "nonsense"})
    assert response.status_code == 400
    assert "签到码无效" in response.content.decode()
    assert not Attendance.objects.exists()


def test_the_projector_shows_an_inline_svg_qr_code_and_polls_without_inline_script(client_as, cast):
    session = live_session(cast.township_a)
    client = client_as("township_a")
    url = reverse("courses:session-projector", args=[session.pk])
    html = client.get(url).content.decode()
    assert "<svg" in html and 'data-hx-trigger="every' in html
    assert "<script>" not in html
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="qr-block"') and "<svg" in fragment


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_record_one_attendance_on_postgresql(cast):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (make test-services)")
    session = live_session(cast.township_a)
    enrol(session, cast.trainee_member)
    token = checkin_token(session)
    barrier = threading.Barrier(2)
    outcomes = []

    def scan():
        try:
            barrier.wait()
            fresh = Session.objects.get(pk=session.pk)
            _check_in(fresh, cast.trainee_member, cast.users["trainee"], token=token)
            outcomes.append("ok")
        except CheckInRefused as refusal:
            outcomes.append(refusal.message)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[0] == "ok" and outcomes.count("ok") == 1, outcomes
    assert "已签到" in [o for o in outcomes if o != "ok"][0]
    assert Attendance.objects.filter(session=session).count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_never_exceed_capacity_on_postgresql(cast):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (make test-services)")
    from courses.cycle.services import enrollment_signup
    from courses.models import Enrollment
    from tests.factories import MemberFactory

    session = live_session(cast.township_a, minutes_from_now=600, open_signup=True, capacity=3)
    members = MemberFactory.create_batch(8, branch=cast.branch_a)
    barrier = threading.Barrier(len(members))

    def sign_up(member):
        try:
            barrier.wait()
            enrollment_signup(session=Session.objects.get(pk=session.pk), member=member)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(m,)) for m in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Enrollment.objects.filter(session=session, status=Enrollment.Status.ENROLLED).count() == 3
    assert Enrollment.objects.filter(session=session, status=Enrollment.Status.WAITLISTED).count() == 5


def test_times_are_local(cast):
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"
