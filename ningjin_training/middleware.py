import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponseForbidden
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _

from core.roles import Duty, Role, duties_of, profile_of, role_of

security_log = logging.getLogger("ningjin.security")


class PortalLocaleMiddleware:
    """Chinese for everyone unless the user picked another language.

    Django's LocaleMiddleware follows the browser's Accept-Language, which on
    many office machines says en-US; the portal's users expect Chinese, so only
    the language cookie set by the header switch changes the language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = dict(settings.LANGUAGES)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class NoStoreForUsersMiddleware:
    """No browser or proxy may keep a copy of a page shown to a signed-in user.

    Pages behind the login carry personal data (names, masked or revealed ID
    and phone numbers); ``Cache-Control: no-store`` keeps them out of shared
    and back-button caches on the township offices' shared computers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            response.headers["Pragma"] = "no-cache"
        return response


class SessionLifetimeMiddleware:
    """End a session after its role's idle timeout or absolute lifetime.

    Staff (county, township, instructor, or no role) get 30 minutes idle and 12
    hours in all; trainees, mostly on their own phones, 7 days idle and 30 days
    in all (settings ``SESSION_LIMITS_*``, docs/security.md). Only this session
    ends — a timeout on the office computer leaves the user's phone signed in.
    """

    AUTH_AT = "_portal_auth_at"
    SEEN_AT = "_portal_seen_at"
    BROWSER_SESSION = "_portal_browser_session"  # set by the sign-in forms (accounts.forms)
    # Write the "last seen" stamp at most once a minute, not on every request.
    SEEN_RESOLUTION = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check(request, user)
        elif user is not None and self._session_expired(request):
            # The store already dropped the session (its expiry is the idle limit).
            messages.info(request, _("登录已过期，请重新登录。"))
        return self.get_response(request)

    @staticmethod
    def _session_expired(request) -> bool:
        """A session cookie came with the request, but no live session answers to it."""
        return settings.SESSION_COOKIE_NAME in request.COOKIES and request.session.session_key is None

    @classmethod
    def start(cls, sender, request, user, **kwargs) -> None:
        """At login (``user_logged_in``): the absolute lifetime starts now."""
        session = getattr(request, "session", None)
        if session is not None:
            now = time.time()
            cls._stamp(session, user, now, now)

    def _check(self, request, user) -> None:
        idle, absolute = self.limits_for(user)
        session = request.session
        now = time.time()
        auth_at = session.get(self.AUTH_AT, now)
        seen_at = session.get(self.SEEN_AT, now)
        if now - seen_at > idle or now - auth_at > absolute:
            security_log.info("session timed out: user_id=%s", user.pk)
            session.flush()
            request.user = AnonymousUser()
            messages.info(request, _("登录已过期，请重新登录。"))
            return
        if (
            self.AUTH_AT not in session
            or self.SEEN_AT not in session
            or now - seen_at >= self.SEEN_RESOLUTION
        ):
            self._stamp(session, user, auth_at, now)

    @staticmethod
    def limits_for(user) -> tuple[float, float]:
        """(idle, absolute) seconds for the user's role."""
        limits = (
            settings.SESSION_LIMITS_TRAINEE
            if role_of(user) == Role.TRAINEE
            else settings.SESSION_LIMITS_STAFF
        )
        return limits["idle"].total_seconds(), limits["absolute"].total_seconds()

    @classmethod
    def _stamp(cls, session, user, auth_at: float, now: float) -> None:
        idle, absolute = cls.limits_for(user)
        session[cls.AUTH_AT] = auth_at
        session[cls.SEEN_AT] = now
        if session.get(cls.BROWSER_SESSION):
            # Signed in without "记住我": the cookie goes when the browser closes (limits still apply).
            session.set_expiry(0)
        else:
            session.set_expiry(int(min(idle, absolute - (now - auth_at))) + 1)


class AuditorReadOnlyMiddleware:
    """The security auditor changes nothing: every POST (PUT, PATCH, DELETE) is refused with 403.

    Signing out (and the language switch, which changes only a cookie) stay open to them.
    """

    ALLOWED = ("logout", "set_language")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD", "OPTIONS") and Duty.SECURITY_AUDITOR in duties_of(
            request.user
        ):
            from django.urls import reverse

            if request.path not in {reverse(name) for name in self.ALLOWED}:
                security_log.warning(
                    "auditor write refused: user_id=%s path=%s", request.user.pk, request.path
                )
                return HttpResponseForbidden(_("安全审计员只能查阅，不能修改任何数据。"))
        return self.get_response(request)


def admin_site_has_permission(request) -> bool:
    """The Django admin opens to the system and security administrators only (not to county staff).

    The bootstrap superuser created by ``createsuperuser`` (no portal profile) still gets in,
    so that the first duties can be assigned; docs/mlps.md says to retire it afterwards.
    """
    user = request.user
    if not (user.is_active and user.is_staff):
        return False
    if duties_of(user) & {Duty.SYSTEM_ADMIN, Duty.SECURITY_ADMIN}:
        return True
    return user.is_superuser and profile_of(user) is None
