"""Every text is a registered template with named parameters; development shows what a member reads."""

import pytest

from notifications.models import SYSTEM_KINDS, Kind, SmsMessage
from notifications.services import reminders_deliver
from notifications.sms import TEMPLATES, MemorySmsBackend, send_template
from notifications.sms.templates import clean_param

pytestmark = pytest.mark.django_db


def test_every_reminder_kind_and_code_has_a_template():
    expected = (set(Kind.values) - SYSTEM_KINDS) | {"login_code", "password_code", "staff_invite"}
    assert expected <= set(TEMPLATES)


def test_parameters_are_cut_to_the_gateway_limit_and_links_removed(settings):
    settings.SMS_PARAM_MAX_LENGTH = 10
    assert clean_param("甲镇2026年第一期党员冬训班全体学员") == "甲镇2026年第一…"
    assert clean_param("见 https://evil.example/x 详情") == "见  详情"
    assert clean_param("【宁津组工】") == "[宁津组工]"
    link = "https://px.example/accounts/set-password/abcdefghijklmnopqrstuvwxyz/"
    assert TEMPLATES["staff_invite"].clean({"name": "张三", "url": link})["url"] == link  # whole


def test_a_missing_parameter_is_refused():
    with pytest.raises(ValueError):
        TEMPLATES["login_code"].render({})


def test_memory_backend_renders_the_template_and_keeps_its_parameters(settings):
    settings.SMS_BACKEND = "memory"
    MemorySmsBackend.clear()
    row = send_template("13812345678", "login_code", code="123456")
    assert MemorySmsBackend.outbox == [
        ("13812345678", "您的登录验证码为123456，5分钟内有效。如非本人操作，请忽略。")
    ]
    assert MemorySmsBackend.sent == [("13812345678", "login_code", {"code": "123456"})]
    assert SmsMessage.objects.get(pk=row.pk).status == SmsMessage.Status.ACCEPTED


def test_console_backend_logs_the_text_with_the_phone_masked(settings, caplog):
    settings.SMS_BACKEND = "console"
    with caplog.at_level("INFO", logger="notifications.sms.backends"):
        send_template("13812345678", "password_code", code="654321")
    assert "138****5678" in caplog.text and "13812345678" not in caplog.text
    assert "您正在设置或找回平台密码" in caplog.text
    assert "654321" not in caplog.text  # no live code in a production log
    assert SmsMessage.objects.get().params == {"code": "******"}  # nor in the outcome rows


def test_in_development_the_console_shows_the_code(settings, caplog):
    settings.SMS_BACKEND = "console"
    settings.DEBUG = True
    with caplog.at_level("INFO", logger="notifications.sms.backends"):
        send_template("13812345678", "login_code", code="654321")
    assert "654321" in caplog.text


def test_a_session_reminder_goes_out_as_its_template_and_parameters(cast, settings):
    from notifications.models import NotificationPreference
    from tests.notifications.test_delivery import due_reminder

    settings.SMS_BACKEND = "memory"
    MemorySmsBackend.clear()
    NotificationPreference.objects.create(user=cast.users["trainee"], by_email=False, by_sms=True)
    reminder = due_reminder(cast)
    assert reminders_deliver(reminder_ids=[reminder.pk]) == {"sent": 1}
    ((phone, key, params),) = MemorySmsBackend.sent
    assert key == "session_upcoming"
    assert set(params) == {"title", "starts_at", "venue"} and params["title"]
    assert MemorySmsBackend.outbox[0][1].startswith(f"您报名的培训“{params['title']}”")
    assert SmsMessage.objects.get().reminder_id == reminder.pk


def test_county_staff_see_each_reminders_text_outcome(cast, client_as, settings):
    from django.urls import reverse

    from notifications.models import NotificationPreference
    from tests.notifications.test_delivery import due_reminder

    settings.SMS_BACKEND = "aliyun"  # no credentials: refused for good, kept on the row
    NotificationPreference.objects.create(user=cast.users["trainee"], by_email=False, by_sms=True)
    reminder = due_reminder(cast)
    assert reminders_deliver(reminder_ids=[reminder.pk]) == {"sent": 1}
    page = client_as("county").get(reverse("notifications:reminder-list")).content.decode()
    assert "网关拒绝" in page and "not_configured" in page


def test_a_user_whose_own_number_bounced_is_told_on_the_preferences_page(cast, client_as):
    from django.urls import reverse

    from notifications.models import FlaggedPhone, NotificationPreference
    from notifications.sms.outbox import phone_hash

    NotificationPreference.objects.create(user=cast.users["trainee"], by_sms=True, phone="13912345678")
    page = client_as("trainee").get(reverse("notifications:preferences")).content.decode()
    assert "短信网关已拒收号码" not in page
    FlaggedPhone.objects.create(phone_hash=phone_hash("13912345678"), masked_phone="139****5678", reason="x")
    page = client_as("trainee").get(reverse("notifications:preferences")).content.decode()
    assert "短信网关已拒收号码 139****5678" in page
