"""Sign-in events: the audit rows and log lines for them, and ending all of a user's sessions.

Every login records its session key in :class:`UserSession`; logging out, or
being deactivated, ends every session the user has open on any device.
"""

from __future__ import annotations

import logging
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save

from .context import client_ip
from .models import AuditAction, UserSession
from .recording import record

log = logging.getLogger("ningjin.security")


def end_all_sessions(user) -> int:
    """Delete every session the user opened; returns how many were ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


def _ip(request) -> str | None:
    return client_ip(request) if request is not None else None


def _logged_in(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None:
        if session.session_key is None:
            session.save()
        UserSession.objects.get_or_create(session_key=session.session_key, defaults={"user": user})
    log.info("login succeeded: user_id=%s ip=%s", user.pk, _ip(request))
    record(AuditAction.LOGIN, user, actor=user, ip=_ip(request))


def _logged_out(sender, request, user, **kwargs):
    if user is None:
        return
    ended = end_all_sessions(user)
    log.info("logout: user_id=%s ip=%s sessions_ended=%s", user.pk, _ip(request), ended)
    record(AuditAction.LOGOUT, user, actor=user, ip=_ip(request))


def _login_failed(sender, credentials, request=None, **kwargs):
    # The attempted username may be an ID number typed in the wrong box: it is
    # logged nowhere, and reaches the audit row only through the scrubber.
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or "")
    log.info("login failed: ip=%s", _ip(request))
    record(AuditAction.LOGIN_FAILED, None, actor_name=username, ip=_ip(request))


def _locked_out(sender, request, username, ip_address, **kwargs):
    log.warning("login locked out: ip=%s", ip_address)
    record(AuditAction.LOCKOUT, None, actor_name=str(username or ""), ip=ip_address)


def _user_saved(sender, instance, created, raw=False, **kwargs):
    if not raw and not created and not instance.is_active:
        ended = end_all_sessions(instance)
        if ended:
            log.info("deactivated user signed out: user_id=%s sessions_ended=%s", instance.pk, ended)


def connect_signals() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(_logged_in, dispatch_uid="audit_logged_in")
    user_logged_out.connect(_logged_out, dispatch_uid="audit_logged_out")
    user_login_failed.connect(_login_failed, dispatch_uid="audit_login_failed")
    user_locked_out.connect(_locked_out, dispatch_uid="audit_locked_out")
    post_save.connect(_user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="audit_user_deactivated")
