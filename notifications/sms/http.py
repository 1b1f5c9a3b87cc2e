"""The one HTTP call the gateway backends make: JSON back, transport failures as :class:`SmsError`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.conf import settings

from .backends import SmsError


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    """POST ``body``; return the status and the decoded JSON answer (error statuses included)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    timeout = float(getattr(settings, "SMS_TIMEOUT_SECONDS", 10))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        raise SmsError(f"gateway unreachable: {exc.__class__.__name__}", code="network") from exc
    try:
        return status, json.loads(raw.decode("utf-8") or "{}")
    except ValueError as exc:
        raise SmsError(f"gateway answered HTTP {status} without JSON", code=f"http_{status}") from exc
