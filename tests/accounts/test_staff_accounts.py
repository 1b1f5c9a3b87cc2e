"""Staff accounts managed in the portal (issue 15, item 3): accounts, the set-password SMS, sign-in state."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.test import Client
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from notifications.sms import MemorySmsBackend
from tests.factories import MemberFactory, make_user
from tests.factories_courses import InstructorFactory
from trainees.models import Profile

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "Test-password-2026"  # tests.factories.UserFactory's
NEW_PASSWORD = "Ningjin-yuexun-2027"


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SMS_BACKEND = "notifications.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    yield MemorySmsBackend.outbox
    MemorySmsBackend.outbox.clear()


def new_account(**overrides):
    data = {"username": "wang-xz", "name": "王秀珍", "phone": "13912345678", "role": "township"}
    data.update(overrides)
    return data


def audit_rows(model_label, user, action=AuditAction.UPDATE):
    return AuditEntry.objects.filter(action=action, model_label=model_label, object_pk=str(user.pk))


def sign_in(username, password=PASSWORD):
    client = Client()
    response = client.post(reverse("login"), {"login": username, "password": password})
    return client, response


def test_a_township_admin_needs_a_township_and_its_creation_is_audited(cast, client_as):
    client = client_as("county")
    refused = client.post(reverse("accounts:staff-create"), new_account())
    assert refused.status_code == 200
    assert "乡镇党校管理员须选择所属乡镇（街道）。" in refused.text
    assert not User.objects.filter(username="wang-xz").exists()

    response = client.post(reverse("accounts:staff-create"), new_account(township=cast.township_a.pk))
    user = User.objects.get(username="wang-xz")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:staff-edit", args=[user.pk])
    assert (user.first_name, user.portal_profile.role, user.portal_profile.township) == (
        "王秀珍",
        "township",
        cast.township_a,
    )
    assert user.portal_profile.phone == "13912345678"
    assert not user.has_usable_password()  # the account signs in once its owner has set a password
    assert audit_rows("auth.User", user, AuditAction.CREATE).get().actor == cast.users["county"]
    profile_entry = audit_rows("trainees.Profile", user.portal_profile, AuditAction.CREATE).get()
    assert profile_entry.actor == cast.users["county"]
    assert profile_entry.changes["phone"] == [None, "139****5678"]  # masked in the trail too

    listing = client.get(reverse("accounts:staff-list"), {"role": "township", "q": "王秀"})
    assert "wang-xz" in listing.text
    assert "139****5678" in listing.text
    assert "13912345678" not in listing.text


def test_bad_input_is_refused_with_a_chinese_message_and_nothing_saved(cast, client_as):
    make_user("county", username="taken")
    Profile.objects.filter(user__username="taken").update(phone="13800001111")
    client = client_as("county")
    cases = [
        (new_account(username="taken", role="county"), "该登录账号已被使用"),
        (new_account(role="county", phone="0534-5512345"), "请填写11位手机号码"),
        (new_account(role="county", phone="12345"), "联系电话格式不正确"),
        (new_account(role="county", phone="13800001111"), "该手机号码已用于其他工作人员账号。"),
        (new_account(role="county", phone="", send_invite="on"), "发送设置密码短信须填写手机号码。"),
        (new_account(role="trainee"), "选择一个有效的选项"),
    ]
    for data, message in cases:
        response = client.post(reverse("accounts:staff-create"), data)
        assert response.status_code == 200
        assert message in response.text, data
    assert not User.objects.filter(username="wang-xz").exists()
    assert not MemorySmsBackend.outbox


def test_changing_a_role_links_the_instructor_clears_the_township_and_is_audited(cast, client_as):
    admin = make_user("township", township=cast.township_a, username="li-jun", first_name="李军")
    teacher = InstructorFactory(name="李军")
    response = client_as("county").post(
        reverse("accounts:staff-edit", args=[admin.pk]),
        {"username": "li-jun", "name": "李军", "phone": "", "role": "instructor", "instructor": teacher.pk},
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=admin)
    assert (profile.role, profile.township) == ("instructor", None)
    teacher.refresh_from_db()
    assert teacher.user == admin
    entry = audit_rows("trainees.Profile", profile).get()
    assert entry.actor == cast.users["county"]
    assert entry.changes["role"] == ["township", "instructor"]
    linked = AuditEntry.objects.get(model_label="courses.Instructor", object_pk=str(teacher.pk))
    assert linked.actor == cast.users["county"]
    assert linked.changes == {"user": [None, admin.pk]}


def test_deactivating_asks_first_ends_the_sessions_and_stops_sign_in_until_reactivated(cast, client_as):
    target = make_user("instructor", username="zhao-min")
    their_client, _ = sign_in("zhao-min")
    assert their_client.get(reverse("home")).status_code == 200
    county = client_as("county")

    confirm = county.get(reverse("accounts:staff-deactivate", args=[target.pk]))
    assert "确认停用" in confirm.text
    target.refresh_from_db()
    assert target.is_active  # asking changes nothing

    response = county.post(reverse("accounts:staff-deactivate", args=[target.pk]), follow=True)
    assert "其所有登录会话已结束" in response.text
    target.refresh_from_db()
    assert not target.is_active
    assert their_client.get(reverse("home")).status_code == 302  # signed out on their device
    refused_client, refused = sign_in("zhao-min")
    assert refused["Location"] == reverse("account_inactive")  # told the account is off, no session
    assert refused_client.get(reverse("home")).status_code == 302
    entry = audit_rows("auth.User", target).get()
    assert (entry.actor, entry.changes["is_active"]) == (cast.users["county"], [True, False])

    county.post(reverse("accounts:staff-reactivate", args=[target.pk]))
    target.refresh_from_db()
    assert target.is_active
    again, signed_in = sign_in("zhao-min")
    assert signed_in.status_code == 302
    assert again.get(reverse("home")).status_code == 200
    assert audit_rows("auth.User", target).filter(changes__is_active=[False, True]).exists()


def test_nobody_deactivates_their_own_account(cast, client_as):
    county = cast.users["county"]
    response = client_as("county").post(reverse("accounts:staff-deactivate", args=[county.pk]), follow=True)
    assert "不能停用自己正在使用的账号。" in response.text
    county.refresh_from_db()
    assert county.is_active


def _link_path(text):
    return re.search(r"https?://[^/\s]+(/\S+/)", text).group(1)


def test_the_set_password_sms_goes_to_the_phone_and_the_link_sets_the_password_once(cast, client_as):
    client_as("county").post(
        reverse("accounts:staff-create"),
        new_account(township=cast.township_a.pk, send_invite="on"),
    )
    user = User.objects.get(username="wang-xz")
    [(phone, text)] = MemorySmsBackend.outbox
    assert phone == "13912345678"
    assert "王秀珍" in text
    sent = audit_rows("auth.User", user).get()
    assert sent.actor == cast.users["county"]
    assert sent.changes == {"set_password_sms": [None, "139****5678"]}

    link = _link_path(text)
    owner = Client()  # not signed in
    opened = owner.get(link)
    assert opened.status_code == 302  # the token moves into the session, out of the address bar
    form_page = owner.get(opened["Location"])
    assert "设置登录密码" in form_page.text

    weak = owner.post(opened["Location"], {"new_password1": "12345678", "new_password2": "12345678"})
    assert "密码必须同时包含英文字母和数字。" in weak.text
    user.refresh_from_db()
    assert not user.has_usable_password()

    done = owner.post(
        opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert done.redirect_chain[-1][0] == reverse("login")
    assert "密码已设置" in done.text
    _, signed_in = sign_in("wang-xz", NEW_PASSWORD)
    assert signed_in.status_code == 302
    changed = audit_rows("auth.User", user).filter(changes__has_key="password").get()
    assert changed.actor == user  # the person the link was sent to
    assert NEW_PASSWORD not in str(changed.changes)

    reused = Client().get(link)
    assert reused.status_code == 200
    assert "链接无效或已过期" in reused.text


def test_the_link_expires_after_password_reset_timeout(cast, client_as, settings, monkeypatch):
    settings.PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
    target = make_user("county", username="sun-li")
    Profile.objects.filter(user=target).update(phone="13712345678")
    client_as("county").post(reverse("accounts:staff-invite", args=[target.pk]))
    link = _link_path(MemorySmsBackend.outbox[0][1])
    now = datetime.datetime.now()
    monkeypatch.setattr(
        PasswordResetTokenGenerator, "_now", lambda self: now + datetime.timedelta(days=3, hours=1)
    )
    expired = Client().get(link)
    assert "链接无效或已过期" in expired.text


def test_no_sms_for_an_account_without_a_phone_or_deactivated(cast, client_as):
    target = make_user("instructor", username="no-phone")
    response = client_as("county").post(reverse("accounts:staff-invite", args=[target.pk]), follow=True)
    assert "该账号没有登记手机号码" in response.text
    Profile.objects.filter(user=target).update(phone="13612345678")
    User.objects.filter(pk=target.pk).update(is_active=False)
    response = client_as("county").post(reverse("accounts:staff-invite", args=[target.pk]), follow=True)
    assert "账号已停用" in response.text
    assert not MemorySmsBackend.outbox


def test_a_township_admin_cannot_manage_accounts(cast, client_as):
    other = make_user("instructor", username="teacher-x")
    client = client_as("township_a")
    assert client.get(reverse("accounts:staff-list")).status_code == 403
    assert client.post(reverse("accounts:staff-create"), new_account(role="county")).status_code == 403
    assert client.post(reverse("accounts:staff-deactivate", args=[other.pk])).status_code == 403
    assert client.post(reverse("accounts:staff-invite", args=[other.pk])).status_code == 403
    assert not User.objects.filter(username="wang-xz").exists()
    other.refresh_from_db()
    assert other.is_active


def test_the_security_administrator_manages_staff_but_duty_accounts_are_not_managed_here(cast, client_as):
    client = client_as("secadmin")
    assert client.get(reverse("accounts:staff-list")).status_code == 200
    assert client.post(reverse("accounts:staff-create"), new_account(role="county")).status_code == 302
    assert User.objects.get(username="wang-xz").portal_profile.role == "county"
    # The administrator duties (三员) are granted and withdrawn in the Django admin only.
    for duty_account in ("secadmin", "auditor", "sysadmin"):
        pk = cast.users[duty_account].pk
        assert client_as("county").get(reverse("accounts:staff-edit", args=[pk])).status_code == 404
        assert client_as("county").post(reverse("accounts:staff-deactivate", args=[pk])).status_code == 404


def test_the_nav_offers_the_account_pages_to_county_staff_and_the_security_administrator(cast, client_as):
    url = f'href="{reverse("accounts:staff-list")}"'
    assert url in client_as("county").get(reverse("home")).text
    assert url in client_as("secadmin").get(reverse("home")).text
    assert url not in client_as("township_a").get(reverse("home")).text
    own = reverse("accounts:staff-sign-ins", args=[cast.township_a.pk])
    assert own in client_as("township_a").get(reverse("home")).text


def _signed_in_member(branch, name, *, at=datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)):
    member = MemberFactory(branch=branch, name=name)
    user = make_user("trainee", member=member, username=f"m-{member.pk}")
    User.objects.filter(pk=user.pk).update(last_login=at)
    return member


def test_signed_in_counts_per_township_on_the_township_list_and_the_county_dashboard(cast, client_as):
    # Township A: member_a and the trainee's member record never signed in; two members did.
    _signed_in_member(cast.branch_a, "甲一")
    _signed_in_member(cast.branch_a, "甲二")
    left = _signed_in_member(cast.branch_a, "甲已转出")
    left.is_active = False
    left.save()
    _signed_in_member(cast.branch_b, "乙一")
    MemberFactory(branch=cast.branch_a, user=make_user("trainee", username="never"))  # an account, no sign-in

    listing = client_as("county").get(reverse("trainees:township-list"))
    townships = {t.pk: t for t in listing.context["townships"]}
    assert townships[cast.township_a.pk].signed_in_count == 2
    assert townships[cast.township_b.pk].signed_in_count == 1
    sign_ins_a = reverse("accounts:staff-sign-ins", args=[cast.township_a.pk])
    assert f'<a href="{sign_ins_a}">2</a>' in listing.text

    home = client_as("county").get(reverse("home"))
    assert home.context["signed_in_total"] == 3
    assert "已登录平台党员" in home.text

    page = client_as("township_a").get(sign_ins_a)
    assert (page.context["total"], page.context["signed_in"], page.context["not_signed_in"]) == (5, 2, 3)
    assert page.context["percent"] == 40


def test_a_township_admin_sees_only_their_own_townships_sign_in_state(cast, client_as):
    _signed_in_member(cast.branch_a, "甲一")
    _signed_in_member(cast.branch_b, "乙一")
    client = client_as("township_a")
    own = client.get(reverse("accounts:staff-sign-ins", args=[cast.township_a.pk]))
    assert own.status_code == 200
    assert "甲一" in own.text and "甲党员" in own.text
    assert "乙一" not in own.text and "乙党员" not in own.text
    assert "2026-12-01 17:00" in own.text  # Asia/Shanghai
    assert cast.member_a.phone not in own.text  # masked
    assert cast.member_a.masked_phone in own.text

    never = client.get(reverse("accounts:staff-sign-ins", args=[cast.township_a.pk]), {"signed_in": "no"})
    names = [m.name for m in never.context["page"]]
    assert "甲一" not in names and "甲党员" in names

    assert client.get(reverse("accounts:staff-sign-ins", args=[cast.township_b.pk])).status_code == 404
    assert (
        client_as("county").get(reverse("accounts:staff-sign-ins", args=[cast.township_b.pk])).status_code
        == 200
    )


def test_the_staff_pages_offer_the_second_factor_reset_and_the_member_page_the_binding_release(client):
    """The two POST actions are reachable from the pages where staff look for them."""
    from allauth.mfa.models import Authenticator

    county = make_user("county")
    member = MemberFactory()
    township_admin = make_user("township", township=member.branch.township)
    Authenticator.objects.create(user=township_admin, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(county)
    page = client.get(reverse("accounts:staff-edit", args=[township_admin.pk])).content.decode()
    assert reverse("accounts:reset-second-factor", args=[township_admin.pk]) in page

    member.user = make_user("trainee")
    member.save()
    page = client.get(reverse("trainees:member-detail", args=[member.pk])).content.decode()
    assert reverse("accounts:release-phone", args=[member.pk]) in page
