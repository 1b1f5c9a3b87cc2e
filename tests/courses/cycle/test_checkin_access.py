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


def test_the_members_button_without_a_code_opens_the_scanner_not_an_error(client_as, cast, session):
    from tests.html_parse import elements

    page = client_as("trainee").get(_url(session))
    body = page.content.decode()
    assert page.status_code == 200
    assert "签到码无效" not in body and not elements(body, "button", id="checkin-button")
    assert elements(body, "section", id="checkin-scan")
    assert elements(body, "video", id="scan-video")
    # The decoder is vendored and loaded as files (no inline script, CSP 'self').
    sources = [s["src"] for s in elements(body, "script") if "src" in s]
    assert any(s.endswith("vendor/jsqr/jsQR.js") for s in sources)
    assert any(s.endswith("js/checkin_scan.js") for s in sources)
    assert not [s for s in elements(body, "script") if "src" not in s and s.get("type") != "application/json"]
    # Without a camera, the page says how to scan with the phone's camera app.
    assert "打开手机自带的相机" in body


def test_the_members_button_on_my_schedule_leads_to_the_scanner(client_as, cast, session):
    schedule = client_as("trainee").get(reverse("courses:my-schedule")).content.decode()
    assert f'href="{_url(session)}"' in schedule
    assert client_as("trainee").get(_url(session)).status_code == 200


def test_without_a_code_a_closed_window_is_told_instead_of_the_camera(client_as, cast):
    later = live_session(cast.township_a, minutes_from_now=60 * 24)
    enrol(later, cast.trainee_member)
    body = client_as("trainee").get(_url(later)).content.decode()
    assert "签到尚未开始" in body and 'id="checkin-scan"' not in body


@pytest.mark.parametrize("with_code", [True, False])
def test_an_already_used_link_says_checked_in_on_get_with_no_confirm_button(
    client_as, cast, session, with_code
):
    client = client_as("trainee")
    code = checkin_token(session)
    assert client.post(_url(session), {"code": code}).status_code == 200
    page = client.get(_url(session, code if with_code else None))
    body = page.content.decode()
    assert page.status_code == 200
    assert "您已签到" in body
    assert 'id="checkin-button"' not in body and 'id="checkin-scan"' not in body
    assert Attendance.objects.filter(member=cast.trainee_member).count() == 1


def test_the_scanner_script_and_decoder_are_vendored_with_their_licence():
    from django.contrib.staticfiles import finders

    assert finders.find("vendor/jsqr/jsQR.js") and finders.find("vendor/jsqr/LICENSE")
    assert "Apache License" in open(finders.find("vendor/jsqr/LICENSE"), encoding="utf-8").read()
    assert finders.find("js/checkin_scan.js")
