"""Aliyun SMS (dysmsapi, API version 2017-05-25) through the official SDK.

``alibabacloud-dysmsapi20170525`` (on ``alibabacloud-tea-openapi``) builds and signs each call
(ACS3-HMAC-SHA256, the V3 signature); the portal only maps its answers. ``SendSms`` sends one
template to one number; ``QuerySendDetails`` gives a message's delivery receipt by its ``BizId``.
The credentials are passed explicitly (no credential-provider chain, so no metadata-service
look-ups), the SDK's own retries are off (the outbox decides about retrying) and every call is
bounded by ``SMS_TIMEOUT_SECONDS``.

Settings: ``SMS_ALIYUN_ACCESS_KEY_ID``, ``SMS_ALIYUN_ACCESS_KEY_SECRET``, ``SMS_SIGN_NAME``,
``SMS_TEMPLATE_CODES`` (template key → ``SMS_123456789``), ``SMS_ALIYUN_ENDPOINT`` (a URL; its
scheme and host are used, e.g. ``http://127.0.0.1:8080/`` for a local stand-in).
"""

from __future__ import annotations

import json
import logging
import urllib.parse

from alibabacloud_dysmsapi20170525 import models as dysms_models
from alibabacloud_dysmsapi20170525.client import Client as DysmsClient
from alibabacloud_tea_openapi import models as openapi_models
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from darabonba.runtime import RuntimeOptions
from django.conf import settings
from django.utils import timezone

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

DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com/"

# darabonba-core sets its logger to DEBUG with a handler of its own and, under DEBUG=sdk, logs
# each request line — the query carries the number and the code. Never below warnings.
logging.getLogger("darabonba-core").setLevel(logging.WARNING)

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


def classify(code: str, message: str) -> SmsError:
    text = f"{code}: {message}" if message else code
    if code in THROTTLED:
        return SmsThrottled(text, code=code)
    if code in TRANSIENT:
        return SmsError(text, code=code)
    return SmsRejected(text, code=code, flag_number=code in NUMBER_AT_FAULT)


def _from_sdk_error(exc: AlibabaCloudException) -> SmsError:
    """An error answer (HTTP 4xx/5xx) the SDK raised, as the portal's error class."""
    data = getattr(exc, "data", None) or {}
    code = str(exc.code or "") if exc.code not in (None, "None") else ""
    status = int(getattr(exc, "status_code", 0) or 0)
    if not code:
        return SmsError(f"HTTP {status}", code=f"http_{status}")
    return classify(code, str(data.get("Message") or ""))


class AliyunSmsBackend(BaseSmsBackend):
    name = "aliyun"
    receipts = True
    receipts_batch = 100  # QuerySendDetails is one call per message

    def __init__(self):
        self.access_key_id = settings.SMS_ALIYUN_ACCESS_KEY_ID
        self.access_key_secret = settings.SMS_ALIYUN_ACCESS_KEY_SECRET
        self.endpoint = getattr(settings, "SMS_ALIYUN_ENDPOINT", "") or DEFAULT_ENDPOINT
        self.sign_name = settings.SMS_SIGN_NAME
        self._client = None

    def client(self) -> DysmsClient:
        if not (self.access_key_id and self.access_key_secret):
            raise SmsNotConfigured("SMS_ALIYUN_ACCESS_KEY_ID / SECRET not set", code="not_configured")
        if self._client is None:
            url = urllib.parse.urlsplit(self.endpoint)
            timeout_ms = int(float(getattr(settings, "SMS_TIMEOUT_SECONDS", 10)) * 1000)
            self._client = DysmsClient(
                openapi_models.Config(
                    type="access_key",
                    access_key_id=self.access_key_id,
                    access_key_secret=self.access_key_secret,
                    endpoint=url.netloc or url.path.strip("/"),
                    protocol=url.scheme or "https",
                    region_id="cn-hangzhou",
                    connect_timeout=timeout_ms,
                    read_timeout=timeout_ms,
                )
            )
        return self._client

    def call(self, method: str, request):
        """One SDK call; the response body when its ``Code`` is ``OK``, else the mapped error."""
        client = self.client()
        try:
            response = getattr(client, method)(request, RuntimeOptions(autoretry=False))
        except AlibabaCloudException as exc:
            raise _from_sdk_error(exc) from exc
        except Exception as exc:  # transport failures come wrapped by the SDK's retry layer
            raise SmsError(f"gateway unreachable: {exc.__class__.__name__}", code="network") from exc
        body = response.body
        code = str(getattr(body, "code", "") or "")
        if code != "OK":
            raise classify(code or "no_code", str(getattr(body, "message", "") or ""))
        return body

    def send_template(self, phone: str, template: SmsTemplate, params: dict[str, str]) -> SmsResult:
        code = self.template_code(template)
        if not code:
            raise SmsNotConfigured(
                f"no Aliyun template code for {template.key}", code="template_not_configured"
            )
        body = self.call(
            "send_sms_with_options",
            dysms_models.SendSmsRequest(
                phone_numbers=phone,
                sign_name=self.sign_name,
                template_code=code,
                template_param=json.dumps(params, ensure_ascii=False, separators=(",", ":")),
            ),
        )
        return SmsResult(message_id=str(body.biz_id or ""), code="OK")

    def pull_receipts(self, messages) -> list[Receipt]:
        """QuerySendDetails for each message (by number, day and BizId); settled ones only."""
        receipts = []
        for message in messages:
            try:
                body = self.call(
                    "query_send_details_with_options",
                    dysms_models.QuerySendDetailsRequest(
                        phone_number=message.phone,
                        biz_id=message.message_id,
                        send_date=timezone.localtime(message.sent_at).strftime("%Y%m%d"),
                        page_size=10,
                        current_page=1,
                    ),
                )
            except SmsError:
                continue
            dtos = body.sms_send_detail_dtos
            for detail in (dtos.sms_send_detail_dto if dtos else None) or []:
                status = int(detail.send_status or 1)
                if status == 1:  # still waiting for the operator's receipt
                    continue
                receipts.append(
                    Receipt(
                        message_id=message.message_id,
                        phone=message.phone,
                        delivered=status == 3,
                        code=str(detail.err_code or ""),
                    )
                )
                break
        return receipts
