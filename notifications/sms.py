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

from django.conf import settings
from django.utils.module_loading import import_string

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
