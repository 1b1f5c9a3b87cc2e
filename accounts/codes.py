"""One-time codes: 6 digits, kept only as a keyed hash.

allauth's login-by-code stage stores "the code" in the session; the portal hands it the
code's HMAC instead (accounts.adapter), and the confirm form compares the hash of what was
typed. The plain code lives only in the request that sends the SMS.
"""

from __future__ import annotations

import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

_PLAIN = "_portal_plain_codes"
LENGTH = 6


def new_code() -> str:
    return f"{secrets.randbelow(10**LENGTH):0{LENGTH}d}"


def digest(code: str) -> str:
    return salted_hmac("accounts.login-code", code.strip(), algorithm="sha256").hexdigest()


def issue(request, phone: str) -> str:
    """A fresh code for ``phone``; returns its hash and keeps the plain code on the request."""
    code = new_code()
    hashed = digest(code)
    if request is not None:
        getattr(request, _PLAIN, None) or setattr(request, _PLAIN, {})
        getattr(request, _PLAIN)[hashed] = code
    return hashed


def take_plain(request, hashed: str) -> str:
    """The plain code behind ``hashed`` (once: it is dropped from the request)."""
    return getattr(request, _PLAIN, {}).pop(hashed)


def matches(typed: str, hashed: str | None) -> bool:
    typed = "".join((typed or "").split())
    if not hashed or not typed.isdigit() or len(typed) != LENGTH:
        return False
    return constant_time_compare(digest(typed), hashed)
