"""SMS delivery behind a small interface, chosen by the ``SMS_BACKEND`` setting.

The default :class:`ConsoleSmsBackend` only logs (with the phone masked). To
use a real gateway (a provincial government SMS platform, Aliyun, Tencent
Cloud …) write a subclass of :class:`BaseSmsBackend` whose ``send`` calls the
gateway and raises :class:`SmsError` on a transient failure, and point
``SMS_BACKEND`` at it, e.g. ``SMS_BACKEND=gateway.sms.ProvincialSmsBackend``.
Credentials belong in the environment, read by that backend.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from core.personal_data import mask_phone

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "notifications.sms.ConsoleSmsBackend"


class SmsError(Exception):
    """The gateway did not take the message; delivery is retried later."""


class BaseSmsBackend:
    """Send one text message to one phone number."""

    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Development default: log the message with the phone masked."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), text)


class MemorySmsBackend(BaseSmsBackend):
    """For tests: keep sent messages in ``MemorySmsBackend.outbox``."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


def get_sms_backend() -> BaseSmsBackend:
    return import_string(getattr(settings, "SMS_BACKEND", DEFAULT_BACKEND))()


@dataclass(frozen=True)
class SmsTemplate:
    """One kind of text message: the key the portal uses, its text and its named parameters.

    Mainland gateways send only a registered signature with a pre-approved template and its
    parameters; ``text`` is how the console and memory backends render the same template.
    """

    key: str
    text: str
    params: tuple[str, ...]

    def render(self, params: dict[str, str]) -> str:
        missing = set(self.params) - set(params)
        if missing:
            raise ValueError(f"SMS template {self.key} misses parameters {sorted(missing)}")
        return str(self.text).format(**{name: params[name] for name in self.params})


TEMPLATES: dict[str, SmsTemplate] = {}


def register_template(key: str, text, params: tuple[str, ...]) -> SmsTemplate:
    template = SmsTemplate(key, text, params)
    TEMPLATES[key] = template
    return template


LOGIN_CODE = register_template(
    "login_code", _("您的登录验证码为{code}，5分钟内有效。如非本人操作，请忽略。"), ("code",)
)
PASSWORD_CODE = register_template(
    "password_code", _("您正在设置或找回平台密码，验证码为{code}，5分钟内有效。请勿告诉他人。"), ("code",)
)

STAFF_INVITE = register_template(
    "staff_invite",
    _("{name}，您好：月训工程平台已为您开通工作人员账号，请打开链接设置登录密码（仅可使用一次）：{url}"),
    ("name", "url"),
)


def send_template(phone: str, key: str, **params: str) -> None:
    """Send the registered template ``key`` with ``params`` to ``phone``."""
    get_sms_backend().send(phone, TEMPLATES[key].render(params))
