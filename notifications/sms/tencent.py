"""Tencent Cloud SMS (API version 2021-01-11) through the official SDK.

``tencentcloud-sdk-python-sms`` (on ``tencentcloud-sdk-python-common``) builds and signs each
call (TC3-HMAC-SHA256); the portal only maps its answers. ``SendSms`` sends one template
(``TemplateId``, numbered parameters in the order the portal's template lists them) to one
number; ``PullSmsSendStatus`` pulls the delivery receipts not yet pulled. The credentials are
passed explicitly, the SDK's retryer and region breaker stay off (the outbox decides about
retrying) and every call is bounded by ``SMS_TIMEOUT_SECONDS``.

Settings: ``SMS_TENCENT_SECRET_ID``, ``SMS_TENCENT_SECRET_KEY``, ``SMS_TENCENT_SDK_APP_ID``,
``SMS_TENCENT_REGION``, ``SMS_SIGN_NAME``, ``SMS_TEMPLATE_CODES``, ``SMS_TENCENT_ENDPOINT`` (a URL;
its scheme and host:port are used, e.g. ``http://127.0.0.1:8080/`` for a local stand-in).
"""

from __future__ import annotations

import logging
import math
import urllib.parse

from django.conf import settings
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as sms_models
from tencentcloud.sms.v20210111.sms_client import SmsClient

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

DEFAULT_ENDPOINT = "https://sms.tencentcloudapi.com/"

# The SDK logs whole responses at debug level (numbers included): never below warnings.
logging.getLogger("tencentcloud_sdk_common").setLevel(logging.WARNING)
# What the SDK raises when no API answer came back (connection, timeout, a non-200 status).
SDK_NETWORK_CODES = {"ClientNetworkError", "ServerNetworkError"}

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
        self._client = None

    def client(self) -> SmsClient:
        if not (self.secret_id and self.secret_key and self.app_id):
            raise SmsNotConfigured(
                "SMS_TENCENT_SECRET_ID / SECRET_KEY / SDK_APP_ID not set", code="not_configured"
            )
        if self._client is None:
            url = urllib.parse.urlsplit(self.endpoint)
            timeout = max(1, math.ceil(float(getattr(settings, "SMS_TIMEOUT_SECONDS", 10))))
            http_profile = HttpProfile(
                protocol=url.scheme or "https",
                endpoint=url.netloc or url.path.strip("/"),
                reqMethod="POST",
                reqTimeout=timeout,
            )
            self._client = SmsClient(
                Credential(self.secret_id, self.secret_key),
                self.region,
                ClientProfile(signMethod="TC3-HMAC-SHA256", httpProfile=http_profile),
            )
        return self._client

    def call(self, method: str, request):
        """One SDK call; its response when no error came back, else the mapped error."""
        client = self.client()
        try:
            return getattr(client, method)(request)
        except TencentCloudSDKException as exc:
            code = str(exc.get_code() or "")
            if code in SDK_NETWORK_CODES:
                raise SmsError(f"gateway unreachable: {code}", code="network") from exc
            raise classify(code, str(exc.get_message() or "")) from exc

    def send_template(self, phone: str, template: SmsTemplate, params: dict[str, str]) -> SmsResult:
        code = self.template_code(template)
        if not code:
            raise SmsNotConfigured(
                f"no Tencent template id for {template.key}", code="template_not_configured"
            )
        request = sms_models.SendSmsRequest()
        request.PhoneNumberSet = [e164(phone)]
        request.SmsSdkAppId = self.app_id
        request.SignName = self.sign_name
        request.TemplateId = code
        request.TemplateParamSet = [params[name] for name in template.params]
        response = self.call("SendSms", request)
        statuses = response.SendStatusSet or []
        if not statuses:
            raise SmsError("SendSms answered without a status", code="no_status")
        status = statuses[0]
        result_code = str(status.Code or "")
        if result_code != "Ok":
            raise classify(result_code, str(status.Message or ""))
        return SmsResult(message_id=str(status.SerialNo or ""), code="Ok")

    def pull_receipts(self, messages) -> list[Receipt]:
        """PullSmsSendStatus: the receipts the gateway holds that were not pulled yet (any message)."""
        request = sms_models.PullSmsSendStatusRequest()
        request.Limit = 100
        request.SmsSdkAppId = self.app_id
        try:
            response = self.call("PullSmsSendStatus", request)
        except SmsError:
            return []
        return [
            Receipt(
                message_id=str(item.SerialNo or ""),
                phone=str(item.PhoneNumber or ""),
                delivered=item.ReportStatus == "SUCCESS",
                code=str(item.Description or ""),
            )
            for item in response.PullSmsSendStatusSet or []
        ]
