"""Text messages the way mainland gateways take them: a registered signature, an approved template
and its named parameters.

- :mod:`.templates`: every kind of text the portal sends (key, text, parameters, limits);
- :mod:`.backends`: the interface, the console and memory backends, the error classes;
- :mod:`.aliyun`, :mod:`.tencent`: the real gateways (``SMS_BACKEND=aliyun`` / ``tencent``);
- :mod:`.outbox`: sending with the outcome kept per message, daily caps, flagged numbers,
  delivery receipts.

Callers use :func:`send_template`, e.g. ``send_template(phone, "login_code", code="123456")``.
"""

from __future__ import annotations

from .backends import (
    BaseSmsBackend,
    ConsoleSmsBackend,
    MemorySmsBackend,
    Receipt,
    SmsError,
    SmsNotConfigured,
    SmsRejected,
    SmsResult,
    SmsThrottled,
    get_sms_backend,
)
from .templates import LOGIN_CODE, PASSWORD_CODE, TEMPLATES, SmsTemplate, register_template, template_for

__all__ = [
    "BaseSmsBackend",
    "ConsoleSmsBackend",
    "LOGIN_CODE",
    "MemorySmsBackend",
    "PASSWORD_CODE",
    "Receipt",
    "SmsError",
    "SmsNotConfigured",
    "SmsRejected",
    "SmsResult",
    "SmsTemplate",
    "SmsThrottled",
    "TEMPLATES",
    "get_sms_backend",
    "register_template",
    "send_template",
    "template_for",
]


def send_template(phone: str, key: str, **params):
    """Send the registered template ``key`` with ``params`` to ``phone``; return the kept outcome.

    Raises :class:`SmsError` when the gateway did not take it (:class:`SmsRejected` when
    retrying would not help). Sign-in and password codes go out at once; any other text
    over the daily caps waits for the next day (the returned row is ``queued``).
    """
    from .outbox import send_now

    return send_now(phone, key, params)
