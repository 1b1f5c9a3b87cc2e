"""A sign-in code and a session reminder reach the Aliyun and the Tencent Cloud stand-ins, signed as
each vendor checks, with the registered signature, the template's code and its parameters; every
documented error class is mapped to retry, give up or flag the number."""

import json

import pytest

from notifications.models import FlaggedPhone, NotificationPreference, Reminder, SmsMessage
from notifications.services import MAX_ATTEMPTS, reminders_deliver
from notifications.sms import SmsError, SmsRejected, SmsThrottled, send_template
from notifications.sms.outbox import receipts_pull
from tests.notifications.sms_stubs import TENCENT_APP, aliyun_error, tencent_error, tencent_status_error
from tests.notifications.test_delivery import due_reminder

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def _sms_reminder(cast):
    NotificationPreference.objects.create(user=cast.users["trainee"], by_email=False, by_sms=True)
    return due_reminder(cast)


# --- Aliyun ---------------------------------------------------------------------------------------


def test_a_login_code_reaches_aliyun_signed_with_the_template_and_its_parameters(aliyun_stub):
    row = send_template(PHONE, "login_code", code="482913")
    (request,) = aliyun_stub.requests
    assert request["Action"] == "SendSms" and request["Version"] == "2017-05-25"
    assert request["PhoneNumbers"] == PHONE
    assert request["SignName"] == "宁津组工"
    assert request["TemplateCode"] == "SMS_465300001"
    assert json.loads(request["TemplateParam"]) == {"code": "482913"}
    row.refresh_from_db()
    assert (row.status, row.backend) == (SmsMessage.Status.ACCEPTED, "aliyun")
    assert row.message_id.startswith("900619746936498440")


def test_a_session_reminder_reaches_aliyun_as_its_template(cast, aliyun_stub):
    reminder = _sms_reminder(cast)
    assert reminders_deliver(reminder_ids=[reminder.pk]) == {"sent": 1}
    (request,) = aliyun_stub.requests
    assert request["TemplateCode"] == "SMS_465300003"
    params = json.loads(request["TemplateParam"])
    assert set(params) == {"title", "starts_at", "venue"}
    assert params["title"] == reminder.subject.title
    assert all(len(value) <= 35 for value in params.values())
    assert SmsMessage.objects.get(reminder=reminder).status == SmsMessage.Status.ACCEPTED


def test_a_wrong_secret_is_refused_by_the_aliyun_signature_check(aliyun_stub, settings):
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"
    with pytest.raises(SmsRejected) as refused:
        send_template(PHONE, "login_code", code="482913")
    assert refused.value.code == "SignatureDoesNotMatch"
    assert aliyun_stub.bad_signatures == 1 and not aliyun_stub.requests


@pytest.mark.parametrize(
    "code, error, flagged",
    [
        ("isv.BUSINESS_LIMIT_CONTROL", SmsThrottled, False),
        ("isv.DAY_LIMIT_CONTROL", SmsThrottled, False),
        ("isp.SYSTEM_ERROR", SmsError, False),
        ("isv.AMOUNT_NOT_ENOUGH", SmsError, False),
        ("isv.MOBILE_NUMBER_ILLEGAL", SmsRejected, True),
        ("isv.MOBILE_IN_BLACK", SmsRejected, True),
        ("isv.SMS_TEMPLATE_ILLEGAL", SmsRejected, False),
        ("isv.SMS_SIGNATURE_ILLEGAL", SmsRejected, False),
        ("isv.BLACK_KEY_CONTROL_LIMIT", SmsRejected, False),
        ("isv.PARAM_LENGTH_LIMIT", SmsRejected, False),
    ],
)
def test_each_aliyun_error_class_is_mapped(aliyun_stub, code, error, flagged):
    aliyun_stub.answer("SendSms", (200, aliyun_error(code)))
    with pytest.raises(error) as raised:
        send_template(PHONE, "login_code", code="482913")
    assert type(raised.value) is error and raised.value.code == code
    assert raised.value.retry is (error is not SmsRejected)
    assert FlaggedPhone.objects.exists() is flagged
    assert SmsMessage.objects.get().error_code == code


def test_aliyun_receipts_settle_accepted_texts(aliyun_stub):
    send_template(PHONE, "login_code", code="482913")
    send_template("13912345678", "login_code", code="111111")
    detail = {"SendDate": "2026-12-04 09:00:00", "SendStatus": 3, "ErrCode": "DELIVERED", "PhoneNum": PHONE}
    failed = {**detail, "SendStatus": 2, "ErrCode": "MK:0001", "PhoneNum": "13912345678"}
    for item in (detail, failed):
        body = {"Code": "OK", "Message": "OK", "RequestId": "r", "TotalCount": 1}
        aliyun_stub.answer(
            "QuerySendDetails", (200, {**body, "SmsSendDetailDTOs": {"SmsSendDetailDTO": [item]}})
        )
    assert receipts_pull() == 2
    query = aliyun_stub.requests[2]
    assert query["Action"] == "QuerySendDetails" and query["PhoneNumber"] == PHONE and query["BizId"]
    statuses = dict(SmsMessage.objects.values_list("phone", "status"))
    assert statuses == {PHONE: SmsMessage.Status.DELIVERED, "13912345678": SmsMessage.Status.UNDELIVERED}


# --- Tencent Cloud --------------------------------------------------------------------------------


def test_a_login_code_reaches_tencent_signed_with_the_template_and_its_parameters(tencent_stub):
    row = send_template(PHONE, "login_code", code="482913")
    (request,) = tencent_stub.requests
    assert request["action"] == "SendSms"
    assert request["PhoneNumberSet"] == ["+86" + PHONE]
    assert request["SmsSdkAppId"] == TENCENT_APP
    assert request["SignName"] == "宁津组工"
    assert request["TemplateId"] == "465300001"
    assert request["TemplateParamSet"] == ["482913"]
    row.refresh_from_db()
    assert (row.status, row.message_id) == (SmsMessage.Status.ACCEPTED, "2640:1")


def test_a_session_reminder_reaches_tencent_with_its_parameters_in_order(cast, tencent_stub):
    reminder = _sms_reminder(cast)
    assert reminders_deliver(reminder_ids=[reminder.pk]) == {"sent": 1}
    (request,) = tencent_stub.requests
    assert request["TemplateId"] == "465300003"
    title, starts_at, venue = request["TemplateParamSet"]
    assert title == reminder.subject.title and starts_at.startswith(str(reminder.subject.starts_at.year))
    assert venue


def test_a_wrong_key_is_refused_by_the_tencent_signature_check(tencent_stub, settings):
    settings.SMS_TENCENT_SECRET_KEY = "not-the-key"
    with pytest.raises(SmsRejected) as refused:
        send_template(PHONE, "login_code", code="482913")
    assert refused.value.code == "AuthFailure.SignatureFailure"
    assert tencent_stub.bad_signatures == 1 and not tencent_stub.requests


@pytest.mark.parametrize(
    "code, error, flagged",
    [
        ("LimitExceeded.PhoneNumberThirtySecondLimit", SmsThrottled, False),
        ("LimitExceeded.PhoneNumberDailyLimit", SmsThrottled, False),
        ("InternalError.Timeout", SmsError, False),
        ("FailedOperation.InsufficientBalanceInSmsPackage", SmsError, False),
        ("InvalidParameterValue.IncorrectPhoneNumber", SmsRejected, True),
        ("FailedOperation.PhoneNumberInBlacklist", SmsRejected, True),
        ("FailedOperation.TemplateIncorrectOrUnapproved", SmsRejected, False),
        ("FailedOperation.SignatureIncorrectOrUnapproved", SmsRejected, False),
        ("InvalidParameterValue.ProhibitedUseUrlInTemplateParameter", SmsRejected, False),
    ],
)
def test_each_tencent_error_class_is_mapped(tencent_stub, code, error, flagged):
    tencent_stub.answer("SendSms", (200, tencent_status_error(code, "+86" + PHONE)))
    with pytest.raises(error) as raised:
        send_template(PHONE, "login_code", code="482913")
    assert type(raised.value) is error and raised.value.code == code
    assert FlaggedPhone.objects.exists() is flagged


def test_a_tencent_request_error_is_mapped_too(tencent_stub):
    tencent_stub.answer("SendSms", (200, tencent_error("RequestLimitExceeded", "too many requests")))
    with pytest.raises(SmsThrottled):
        send_template(PHONE, "login_code", code="482913")


def test_tencent_receipts_are_pulled_and_matched_by_serial_number(tencent_stub):
    send_template(PHONE, "login_code", code="482913")
    tencent_stub.answer(
        "PullSmsSendStatus",
        (
            200,
            {
                "Response": {
                    "PullSmsSendStatusSet": [
                        {
                            "UserReceiveTime": "2026-12-04 09:00:03",
                            "CountryCode": "86",
                            "SubscriberNumber": PHONE,
                            "PhoneNumber": "+86" + PHONE,
                            "SerialNo": "2640:1",
                            "ReportStatus": "SUCCESS",
                            "Description": "DELIVRD",
                            "SessionContext": "",
                        }
                    ],
                    "RequestId": "r",
                }
            },
        ),
    )
    assert receipts_pull() == 1
    assert tencent_stub.requests[1] == {
        "action": "PullSmsSendStatus",
        "Limit": 100,
        "SmsSdkAppId": TENCENT_APP,
    }
    assert SmsMessage.objects.get().status == SmsMessage.Status.DELIVERED


# --- what the reminders do with each class ---------------------------------------------------------


def test_a_throttled_reminder_is_retried_after_a_backoff(cast, aliyun_stub):
    reminder = _sms_reminder(cast)
    aliyun_stub.answer("SendSms", (200, aliyun_error("isv.BUSINESS_LIMIT_CONTROL")))
    assert reminders_deliver(reminder_ids=[reminder.pk]) == {"retry": 1}
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.PENDING and reminder.queued_at is not None
    from notifications.tasks import reminders_dispatch_due

    assert reminders_dispatch_due() == 0  # still backing off
    reminder.queued_at = None
    reminder.save()
    assert reminders_deliver(reminder_ids=[reminder.pk]) == {"sent": 1}
    assert list(SmsMessage.objects.order_by("pk").values_list("status", flat=True)) == [
        "throttled",
        "accepted",
    ]


def test_a_transient_failure_is_retried_up_to_the_limit(cast, tencent_stub):
    reminder = _sms_reminder(cast)
    for _ in range(MAX_ATTEMPTS):
        tencent_stub.answer("SendSms", (200, tencent_error("InternalError.Timeout")))
        reminders_deliver(reminder_ids=[reminder.pk])
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.FAILED and "InternalError.Timeout" in reminder.last_error


def test_a_bounced_number_is_not_retried_flagged_and_skipped_afterwards(cast, aliyun_stub):
    reminder = _sms_reminder(cast)
    aliyun_stub.answer("SendSms", (200, aliyun_error("isv.MOBILE_NUMBER_ILLEGAL")))
    assert reminders_deliver(reminder_ids=[reminder.pk]) == {"sent": 1}  # the inbox got it
    phone = cast.trainee_member.phone
    assert FlaggedPhone.objects.get().masked_phone == phone[:3] + "****" + phone[-4:]
    second = due_reminder(cast)
    assert reminders_deliver(reminder_ids=[second.pk]) == {"sent": 1}
    assert len(aliyun_stub.requests) == 1
    assert SmsMessage.objects.get(reminder=second).status == SmsMessage.Status.SKIPPED


def test_a_template_the_gateway_has_no_code_for_is_given_up_without_flagging(cast, aliyun_stub, settings):
    settings.SMS_TEMPLATE_CODES = {}
    reminder = _sms_reminder(cast)
    assert reminders_deliver(reminder_ids=[reminder.pk]) == {"sent": 1}
    row = SmsMessage.objects.get()
    assert (row.status, row.error_code) == (SmsMessage.Status.REJECTED, "template_not_configured")
    assert not aliyun_stub.requests and not FlaggedPhone.objects.exists()


def test_a_number_whose_texts_keep_coming_back_undelivered_is_flagged(tencent_stub, settings):
    settings.SMS_FLAG_AFTER_UNDELIVERED = 2
    for attempt in range(2):
        send_template(PHONE, "login_code", code="482913")
        serial = SmsMessage.objects.order_by("-pk").first().message_id
        report = {
            "SerialNo": serial,
            "PhoneNumber": "+86" + PHONE,
            "ReportStatus": "FAIL",
            "Description": "MN:0001",
        }
        tencent_stub.answer(
            "PullSmsSendStatus", (200, {"Response": {"PullSmsSendStatusSet": [report], "RequestId": "r"}})
        )
        assert receipts_pull() == 1
        assert FlaggedPhone.objects.exists() is (attempt == 1)
    assert FlaggedPhone.objects.get().error_code == "MN:0001"


# --- the gateway out of reach ---------------------------------------------------------------------


def _closed_port_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.mark.parametrize("vendor", ["aliyun", "tencent"])
def test_an_unreachable_gateway_is_a_transient_error_kept_on_the_row(request, settings, vendor):
    request.getfixturevalue(f"{vendor}_stub")
    setattr(settings, f"SMS_{vendor.upper()}_ENDPOINT", _closed_port_url())
    settings.SMS_TIMEOUT_SECONDS = 2
    with pytest.raises(SmsError) as raised:
        send_template(PHONE, "login_code", code="482913")
    assert type(raised.value) is SmsError and raised.value.retry and raised.value.code == "network"
    assert SmsMessage.objects.get().error_code == "network"
    assert not FlaggedPhone.objects.exists()


@pytest.mark.parametrize("vendor", ["aliyun", "tencent"])
def test_the_sdks_debug_output_never_shows_the_number_or_the_code(
    request, monkeypatch, caplog, capfd, vendor
):
    request.getfixturevalue(f"{vendor}_stub")
    monkeypatch.setenv("DEBUG", "sdk")  # the Aliyun SDK's switch for logging each request line
    caplog.set_level("DEBUG")
    send_template(PHONE, "login_code", code="482913")
    captured = capfd.readouterr()
    for output in (caplog.text, captured.out, captured.err):
        assert PHONE not in output and "482913" not in output
