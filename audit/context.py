"""The acting user and client IP of the current request, for the audit trail."""

from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings

_current_request: ContextVar = ContextVar("audit_current_request", default=None)


def client_ip(request) -> str | None:
    """The client's address; behind ``TRUSTED_PROXY_COUNT`` proxies, from X-Forwarded-For.

    Used by django-axes as well (``AXES_CLIENT_IP_CALLABLE``), so lockouts and the
    audit trail name the same address.
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def current_actor():
    """The signed-in user of the current request, or None."""
    request = _current_request.get()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    return None


def current_ip() -> str | None:
    request = _current_request.get()
    return client_ip(request) if request is not None else None


class AuditContextMiddleware:
    """Keep the request at hand so that audit rows know who and from where."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)
