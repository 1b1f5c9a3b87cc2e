"""Who reaches the check-in page: it fetches the session by pk, so the signed code must be the key."""

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from courses.cycle.services import CHECKIN_SALT, checkin_token
from courses.models import Attendance
from tests.cycle_fixtures import enrol, live_session
from tests.factories import MemberFactory, make_user
from tests.factories import Role as Roles

pytestmark = pytest.mark.django_db


def _url(session, code=None):
    url = reverse("courses:session-checkin", args=[session.pk])
    return url if code is None else f"{url}?code={code}"


@pytest.fixture
def session(cast):
    session = live_session(cast.township_a, title="甲镇五月月训")
    enrol(session, cast.trainee_member, cast.member_a)
    Attendance.objects.create(session=session, member=cast.member_a, status=Attendance.Status.PRESENT)
    return session


@pytest.mark.parametrize("role", ["township_b", "instructor"])
@pytest.mark.parametrize("code", [None, "nonsense", "forged"])
def test_without_an_authentic_code_an_outsider_gets_404(client_as, cast, session, role, code):
    if code == "forged":
        other = live_session(cast.township_b)
        code = checkin_token(other)  # authentic, but for another session
    for method in ("get", "post"):
        response = getattr(client_as(role), method)(_url(session, code), {"code": code or ""})
        assert response.status_code == 404, (method, role, code)
    assert "甲镇五月月训" not in response.content.decode()
    assert Attendance.objects.count() == 1


def test_a_trainee_of_another_township_cannot_walk_session_pks(client, cast, session):
    outsider = MemberFactory(branch=cast.branch_b)
    client.force_login(make_user(Roles.TRAINEE, member=outsider, username="outsider"))
    assert client.get(_url(session)).status_code == 404
    assert client.get(_url(session, "nonsense")).status_code == 404


def test_a_trainee_outside_the_audience_is_refused_with_a_reason_already_on_the_page(client, cast, session):
    outsider = MemberFactory(branch=cast.branch_b)
    client.force_login(make_user(Roles.TRAINEE, member=outsider, username="outsider"))
    page = client.get(_url(session, checkin_token(session)))
    assert page.status_code == 400
    assert "不在本次培训的参训名单中" in page.content.decode()
    assert "确认签到" not in page.content.decode()
    done = client.post(_url(session), {"code": checkin_token(session)})
    assert done.status_code == 400 and "参训名单" in done.content.decode()
    assert not Attendance.objects.filter(member=outsider).exists()


@pytest.mark.parametrize("role", ["township_b", "instructor", "county", "township_a"])
def test_a_staff_account_with_the_live_code_sees_the_session_but_no_member(client_as, cast, session, role):
    page = client_as(role).get(_url(session, checkin_token(session)))
    body = page.content.decode()
    assert page.status_code == 400
    assert "只有关联了党员信息的学员账号可以签到" in body
    assert "甲镇五月月训" in body  # shown on the projector in the room anyway
    for member in (cast.member_a, cast.trainee_member):
        assert member.name not in body
        assert member.masked_id_number not in body
    assert Attendance.objects.count() == 1


def test_an_expired_code_of_this_session_still_says_why(client_as, cast, session, monkeypatch):
    # An expired code still names this session, so its own trainee is told to rescan.
    signer = signing.TimestampSigner(salt=CHECKIN_SALT)
    ten_minutes_ago = int(timezone.now().timestamp()) - 600
    monkeypatch.setattr(signer, "timestamp", lambda: signing.b62_encode(ten_minutes_ago))
    code = signer.sign_object({"s": session.pk, "k": 0})
    page = client_as("trainee").get(_url(session, code))
    assert page.status_code == 400 and "签到码已过期" in page.content.decode()


def test_the_enrolled_trainee_checks_in_with_the_live_code(client_as, cast, session):
    client = client_as("trainee")
    page = client.get(_url(session, checkin_token(session)))
    assert page.status_code == 200 and "确认签到" in page.content.decode()
    done = client.post(_url(session), {"code": checkin_token(session)})
    assert "签到成功" in done.content.decode()
