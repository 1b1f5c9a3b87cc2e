"""Aliyun SMS (dysmsapi, API version 2017-05-25) over its documented RPC-style HTTP API.

Requests are signed the way the API documents for RPC calls (``SignatureVersion=1.0``,
``HMAC-SHA1`` over the sorted, percent-encoded parameters, keyed with the AccessKey secret
and ``&``). ``SendSms`` sends one template to one number; ``QuerySendDetails`` gives a
message's delivery receipt by its ``BizId``. The official SDK is not used: it pulls in a
stack of Tea/Darabonba packages for two calls, and these are plain HTTPS requests.

Settings: ``SMS_ALIYUN_ACCESS_KEY_ID``, ``SMS_ALIYUN_ACCESS_KEY_SECRET``, ``SMS_SIGN_NAME``,
``SMS_TEMPLATE_CODES`` (template key → ``SMS_123456789``), ``SMS_ALIYUN_ENDPOINT``.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import urllib.parse
import uuid

from django.conf import settings
from django.utils import timezone

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

API_VERSION = "2017-05-25"
DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com/"

# The documented error codes of SendSms, by what the portal does about them.
THROTTLED = {
    "isv.BUSINESS_LIMIT_CONTROL",  # per-number minute/hour/day flow control
    "isv.DAY_LIMIT_CONTROL",
    "Throttling",
    "Throttling.User",
    "Throttling.Api",
}
TRANSIENT = {
    "isp.SYSTEM_ERROR",
    "isp.GATEWAY_ERROR",
    "ServiceUnavailable",
    "InternalError",
    "isv.AMOUNT_NOT_ENOUGH",
}
NUMBER_AT_FAULT = {
    "isv.MOBILE_NUMBER_ILLEGAL",  # not a valid number
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
    "isv.MOBILE_IN_BLACK",  # the number is on the blacklist
    "isv.PHONE_NUMBER_BLACKLISTED",
}
# Everything else is permanent without being the number's fault: the template or signature not
# approved (isv.SMS_TEMPLATE_ILLEGAL, isv.SMS_SIGNATURE_ILLEGAL), bad parameters
# (isv.INVALID_PARAMETERS, isv.PARAM_LENGTH_LIMIT, isv.PARAM_NOT_SUPPORT_URL,
# isv.TEMPLATE_MISSING_PARAMETERS), forbidden content (isv.BLACK_KEY_CONTROL_LIMIT), the
# account or credentials (isv.OUT_OF_SERVICE, SignatureDoesNotMatch, InvalidAccessKeyId.NotFound).


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as the API signs it: space as %20, ``*`` as %2A, ``~`` kept."""
    return urllib.parse.quote(str(value), safe="~")


def sign(params: dict[str, str], secret: str, method: str = "POST") -> str:
    """The RPC signature of ``params`` (all request parameters but ``Signature``)."""
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def classify(code: str, message: str) -> SmsError:
    text = f"{code}: {message}" if message else code
    if code in THROTTLED:
        return SmsThrottled(text, code=code)
    if code in TRANSIENT:
        return SmsError(text, code=code)
    return SmsRejected(text, code=code, flag_number=code in NUMBER_AT_FAULT)


class AliyunSmsBackend(BaseSmsBackend):
    name = "aliyun"
    receipts = True
    receipts_batch = 100  # QuerySendDetails is one call per message

    def __init__(self):
        self.access_key_id = settings.SMS_ALIYUN_ACCESS_KEY_ID
        self.access_key_secret = settings.SMS_ALIYUN_ACCESS_KEY_SECRET
        self.endpoint = getattr(settings, "SMS_ALIYUN_ENDPOINT", "") or DEFAULT_ENDPOINT
        self.sign_name = settings.SMS_SIGN_NAME

    def call(self, action: str, **params: str) -> dict:
        """One signed RPC call; the decoded answer when its ``Code`` is ``OK``, else the mapped error."""
        if not (self.access_key_id and self.access_key_secret):
            raise SmsNotConfigured("SMS_ALIYUN_ACCESS_KEY_ID / SECRET not set", code="not_configured")
        request = {
            "AccessKeyId": self.access_key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            **params,
        }
        request["Signature"] = sign(request, self.access_key_secret)
        body = urllib.parse.urlencode(request, quote_via=urllib.parse.quote).encode()
        status, answer = http.post(
            self.endpoint, body, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        )
        code = str(answer.get("Code", "") or f"http_{status}")
        if code != "OK":
            if status >= 500 and code == f"http_{status}":
                raise SmsError(f"HTTP {status}", code=code)
            raise classify(code, str(answer.get("Message", "")))
        return answer

    def send_template(self, phone: str, template: SmsTemplate, params: dict[str, str]) -> SmsResult:
        code = self.template_code(template)
        if not code:
            raise SmsNotConfigured(
                f"no Aliyun template code for {template.key}", code="template_not_configured"
            )
        answer = self.call(
            "SendSms",
            PhoneNumbers=phone,
            SignName=self.sign_name,
            TemplateCode=code,
            TemplateParam=json.dumps(params, ensure_ascii=False, separators=(",", ":")),
        )
        return SmsResult(message_id=str(answer.get("BizId", "")), code="OK")

    def pull_receipts(self, messages) -> list[Receipt]:
        """QuerySendDetails for each message (by number, day and BizId); settled ones only."""
        receipts = []
        for message in messages:
            try:
                answer = self.call(
                    "QuerySendDetails",
                    PhoneNumber=message.phone,
                    BizId=message.message_id,
                    SendDate=timezone.localtime(message.sent_at).strftime("%Y%m%d"),
                    PageSize="10",
                    CurrentPage="1",
                )
            except SmsError:
                continue
            details = (answer.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
            for detail in details:
                status = int(detail.get("SendStatus", 1))
                if status == 1:  # still waiting for the operator's receipt
                    continue
                receipts.append(
                    Receipt(
                        message_id=message.message_id,
                        phone=message.phone,
                        delivered=status == 3,
                        code=str(detail.get("ErrCode", "")),
                    )
                )
                break
        return receipts
