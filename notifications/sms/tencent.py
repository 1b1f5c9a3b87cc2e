"""Tencent Cloud SMS (API version 2021-01-11) over its documented HTTP API, signed TC3-HMAC-SHA256.

``SendSms`` sends one template (``TemplateId``, numbered parameters in the order the portal's
template lists them) to one number; ``PullSmsSendStatus`` pulls the delivery receipts not yet
pulled. Requests are signed as the API documents (TC3-HMAC-SHA256 over the canonical request:
method, path, query, the signed headers ``content-type``, ``host`` and ``x-tc-action``, and
the body's SHA-256). The official SDK is not used: two calls need no client stack.

Settings: ``SMS_TENCENT_SECRET_ID``, ``SMS_TENCENT_SECRET_KEY``, ``SMS_TENCENT_SDK_APP_ID``,
``SMS_TENCENT_REGION``, ``SMS_SIGN_NAME``, ``SMS_TEMPLATE_CODES``, ``SMS_TENCENT_ENDPOINT``.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import time
import urllib.parse

from django.conf import settings

from . import http
from .backends import (
    BaseSmsBackend,
    Receipt,
    SmsError,
    SmsNotConfigured,
    SmsRejected,
    SmsResult,
    SmsThrottled,
)
from .templates import SmsTemplate

SERVICE = "sms"
API_VERSION = "2021-01-11"
DEFAULT_ENDPOINT = "https://sms.tencentcloudapi.com/"
CONTENT_TYPE = "application/json; charset=utf-8"
SIGNED_HEADERS = "content-type;host;x-tc-action"

# The documented error codes, by what the portal does about them (prefix match for families).
THROTTLED_PREFIXES = ("LimitExceeded.", "RequestLimitExceeded")
TRANSIENT_PREFIXES = ("InternalError.", "InternalError")
TRANSIENT = {"FailedOperation.InsufficientBalanceInSmsPackage", "FailedOperation.JsonParseFail"}
NUMBER_AT_FAULT = {
    "InvalidParameterValue.IncorrectPhoneNumber",
    "FailedOperation.PhoneNumberInBlacklist",
    "FailedOperation.PhoneNumberOnBlacklist",
    "UnsupportedOperation.UnsupportedRegion",
}
# Everything else is permanent without being the number's fault: the template or signature not
# approved (FailedOperation.TemplateIncorrectOrUnapproved, FailedOperation.SignatureIncorrectOrUnapproved),
# bad parameters (InvalidParameterValue.TemplateParameterFormatError, …LengthLimit,
# …ProhibitedUseUrlInTemplateParameter), credentials (AuthFailure.*), the account.


def tc3_signature(secret_key: str, date: str, string_to_sign: str) -> str:
    def step(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    signing = step(step(step(f"TC3{secret_key}".encode(), date), SERVICE), "tc3_request")
    return hmac.new(signing, string_to_sign.encode(), hashlib.sha256).hexdigest()


def authorization(
    *, secret_id: str, secret_key: str, host: str, action: str, payload: bytes, timestamp: int
) -> str:
    """The ``Authorization`` header of a POST to ``/`` with a JSON ``payload``."""
    date = datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d")
    canonical_headers = f"content-type:{CONTENT_TYPE}\nhost:{host}\nx-tc-action:{action.lower()}\n"
    canonical_request = "\n".join(
        ["POST", "/", "", canonical_headers, SIGNED_HEADERS, hashlib.sha256(payload).hexdigest()]
    )
    scope = f"{date}/{SERVICE}/tc3_request"
    string_to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    signature = tc3_signature(secret_key, date, string_to_sign)
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders={SIGNED_HEADERS}, Signature={signature}"


def classify(code: str, message: str) -> SmsError:
    text = f"{code}: {message}" if message else code
    if code.startswith(THROTTLED_PREFIXES):
        return SmsThrottled(text, code=code)
    if code in TRANSIENT or code.startswith(TRANSIENT_PREFIXES):
        return SmsError(text, code=code)
    return SmsRejected(text, code=code, flag_number=code in NUMBER_AT_FAULT)


def e164(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    return digits if digits.startswith("+") else f"+86{digits}"


class TencentSmsBackend(BaseSmsBackend):
    name = "tencent"
    receipts = True

    def __init__(self):
        self.secret_id = settings.SMS_TENCENT_SECRET_ID
        self.secret_key = settings.SMS_TENCENT_SECRET_KEY
        self.app_id = settings.SMS_TENCENT_SDK_APP_ID
        self.region = getattr(settings, "SMS_TENCENT_REGION", "") or "ap-guangzhou"
        self.endpoint = getattr(settings, "SMS_TENCENT_ENDPOINT", "") or DEFAULT_ENDPOINT
        self.sign_name = settings.SMS_SIGN_NAME

    def call(self, action: str, body: dict) -> dict:
        """One signed call; the ``Response`` when it carries no ``Error``, else the mapped error."""
        if not (self.secret_id and self.secret_key and self.app_id):
            raise SmsNotConfigured(
                "SMS_TENCENT_SECRET_ID / SECRET_KEY / SDK_APP_ID not set", code="not_configured"
            )
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        host = urllib.parse.urlsplit(self.endpoint).netloc
        timestamp = int(time.time())
        headers = {
            "Authorization": authorization(
                secret_id=self.secret_id,
                secret_key=self.secret_key,
                host=host,
                action=action,
                payload=payload,
                timestamp=timestamp,
            ),
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": action,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": API_VERSION,
            "X-TC-Region": self.region,
        }
        status, answer = http.post(self.endpoint, payload, headers)
        response = answer.get("Response")
        if not isinstance(response, dict):
            raise SmsError(f"HTTP {status} without a Response", code=f"http_{status}")
        error = response.get("Error")
        if error:
            raise classify(str(error.get("Code", "")), str(error.get("Message", "")))
        return response

    def send_template(self, phone: str, template: SmsTemplate, params: dict[str, str]) -> SmsResult:
        code = self.template_code(template)
        if not code:
            raise SmsNotConfigured(
                f"no Tencent template id for {template.key}", code="template_not_configured"
            )
        response = self.call(
            "SendSms",
            {
                "PhoneNumberSet": [e164(phone)],
                "SmsSdkAppId": self.app_id,
                "SignName": self.sign_name,
                "TemplateId": code,
                "TemplateParamSet": [params[name] for name in template.params],
            },
        )
        statuses = response.get("SendStatusSet") or []
        if not statuses:
            raise SmsError("SendSms answered without a status", code="no_status")
        status = statuses[0]
        result_code = str(status.get("Code", ""))
        if result_code != "Ok":
            raise classify(result_code, str(status.get("Message", "")))
        return SmsResult(message_id=str(status.get("SerialNo", "")), code="Ok")

    def pull_receipts(self, messages) -> list[Receipt]:
        """PullSmsSendStatus: the receipts the gateway holds that were not pulled yet (any message)."""
        try:
            response = self.call("PullSmsSendStatus", {"Limit": 100, "SmsSdkAppId": self.app_id})
        except SmsError:
            return []
        return [
            Receipt(
                message_id=str(item.get("SerialNo", "")),
                phone=str(item.get("PhoneNumber", "")),
                delivered=item.get("ReportStatus") == "SUCCESS",
                code=str(item.get("Description", "")),
            )
            for item in response.get("PullSmsSendStatusSet") or []
        ]
