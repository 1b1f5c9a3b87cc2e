"""SMS gateways behind one small interface, chosen by the ``SMS_BACKEND`` setting.

A backend gets ``send_template(phone, template, params)`` — the registered
:class:`~notifications.sms.templates.SmsTemplate` and its cleaned parameters — and
returns an :class:`SmsResult` when the gateway took the message, or raises:

- :class:`SmsThrottled` (a rate limit) or :class:`SmsError` (anything transient: network,
  the gateway's own fault, an empty balance): the message is retried later, with backoff;
- :class:`SmsRejected` (invalid number, blacklisted number, template or signature not
  approved …): never retried; ``flag_number`` says the number itself is at fault.

``SMS_BACKEND`` is ``console`` (the default: logs the text, phone masked), ``memory``
(tests), ``aliyun``, ``tencent``, or the dotted path of a :class:`BaseSmsBackend` subclass.
A subclass written against the older interface, ``send(phone, text)``, still works: it is
handed the rendered text.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from core.personal_data import mask_phone

from .templates import SmsTemplate

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "notifications.sms.ConsoleSmsBackend"
BACKEND_ALIASES = {
    "console": "notifications.sms.ConsoleSmsBackend",
    "memory": "notifications.sms.MemorySmsBackend",
    "aliyun": "notifications.sms.aliyun.AliyunSmsBackend",
    "tencent": "notifications.sms.tencent.TencentSmsBackend",
}


class SmsError(Exception):
    """The gateway did not take the message this time; delivery is retried later."""

    retry = True
    flag_number = False

    def __init__(self, message: str = "", *, code: str = ""):
        super().__init__(message or code)
        self.code = code


class SmsThrottled(SmsError):
    """A gateway rate limit (per number, per minute, per day …): retried later with backoff."""


class SmsRejected(SmsError):
    """A permanent refusal: retrying would not help. ``flag_number`` when the number is at fault."""

    retry = False

    def __init__(self, message: str = "", *, code: str = "", flag_number: bool = False):
        super().__init__(message, code=code)
        self.flag_number = flag_number


class SmsNotConfigured(SmsRejected):
    """No gateway template code (or credentials) for this message: the county must register it."""


@dataclass(frozen=True)
class SmsResult:
    """The gateway took the message; ``message_id`` is its id for delivery receipts (BizId, SerialNo)."""

    message_id: str = ""
    code: str = "OK"


@dataclass(frozen=True)
class Receipt:
    """A delivery receipt: the message reached the handset (``delivered``) or finally did not."""

    message_id: str
    phone: str
    delivered: bool
    code: str = ""
    at: datetime.datetime | None = None


class BaseSmsBackend:
    """Send one templated text message to one phone number."""

    name = "base"
    receipts = False  # the gateway offers delivery receipts to pull (:meth:`pull_receipts`)

    def send_template(self, phone: str, template: SmsTemplate, params: dict[str, str]) -> SmsResult:
        self.send(phone, template.render(params))
        return SmsResult()

    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError

    def template_code(self, template: SmsTemplate) -> str:
        """The gateway's code for ``template`` (``SMS_TEMPLATE_CODES``); "" when none is configured."""
        return str(getattr(settings, "SMS_TEMPLATE_CODES", {}).get(template.key, ""))

    def pull_receipts(self, messages) -> list[Receipt]:
        """Receipts for ``messages`` (SmsMessage rows still awaiting one); none by default."""
        return []


class ConsoleSmsBackend(BaseSmsBackend):
    """Development default: log the text the member would read, with the phone masked."""

    name = "console"

    def send_template(self, phone: str, template: SmsTemplate, params: dict[str, str]) -> SmsResult:
        # Codes are shown only in development (DEBUG): a log never holds a live sign-in code.
        shown = params if settings.DEBUG else template.redacted(params)
        logger.info("SMS to %s [%s]: %s", mask_phone(phone), template.key, template.render(shown))
        return SmsResult()

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), text)


class MemorySmsBackend(BaseSmsBackend):
    """For tests: ``outbox`` keeps (phone, text) as a member reads it, ``sent`` the template and parameters."""

    name = "memory"
    outbox: list[tuple[str, str]] = []
    sent: list[tuple[str, str, dict[str, str]]] = []

    def send_template(self, phone: str, template: SmsTemplate, params: dict[str, str]) -> SmsResult:
        self.outbox.append((phone, template.render(params)))
        self.sent.append((phone, template.key, dict(params)))
        return SmsResult()

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))

    @classmethod
    def clear(cls) -> None:
        cls.outbox.clear()
        cls.sent.clear()


def backend_path() -> str:
    path = getattr(settings, "SMS_BACKEND", "") or DEFAULT_BACKEND
    return BACKEND_ALIASES.get(path, path)


def get_sms_backend() -> BaseSmsBackend:
    return import_string(backend_path())()
