"""The production stack of deploy/ through nginx over HTTPS (make test-stack; deploy/run-stack).

nginx (TLS, the site file of deploy/nginx/) in front of gunicorn with DEBUG=False, the Celery
worker and the one beat, on the real PostgreSQL and Redis. The client connects from 127.0.0.2,
so the address the portal records can be told apart from nginx's (127.0.0.1).
Set STACK_STATE to a folder where ``deploy/run-stack up`` already ran to reuse that stack.
"""

import http.client
import json
import os
import re
import ssl
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ADDRESS = "127.0.0.2"
PASSWORD = "Ningjin2026demo"  # seed_demo's demo logins
pytestmark = pytest.mark.stack


def read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and line[0] != "#")
    return {key: value for key, value in pairs}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    reuse = os.environ.get("STACK_STATE")
    state = Path(reuse) if reuse else tmp_path_factory.mktemp("stack")
    if not reuse:
        subprocess.run([str(ROOT / "deploy" / "run-stack"), "up", str(state)], check=True, timeout=900)
    info = read_env(state / "stack.env")
    info["state"] = str(state)
    yield info
    if not reuse:
        for name in ("web", "worker", "beat", "nginx-error"):
            log = state / f"{name}.log"
            if log.exists():
                sys.stdout.write(f"\n--- {name} log ---\n{log.read_text()[-2000:]}\n")
        subprocess.run([str(ROOT / "deploy" / "run-stack"), "down", str(state)], check=False, timeout=300)


def portal_shell(stack, code: str) -> str:
    """Run Python in the stack's own environment (its database), as an operator would."""
    env = {
        **os.environ,
        **read_env(Path(stack["STACK_ENV_FILE"])),
        "DJANGO_SETTINGS_MODULE": "ningjin_training.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


class Browser:
    """HTTPS to nginx from CLIENT_ADDRESS, with cookies; no redirects followed."""

    def __init__(self, stack, port_key="HTTPS_PORT", tls=True):
        self.port = int(stack[port_key])
        self.host = f"localhost:{self.port}"
        self.tls = tls
        self.cookies: dict[str, str] = {}

    def request(self, method, path, form=None, headers=None):
        if self.tls:
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # throwaway certificate
            conn = http.client.HTTPSConnection(
                "127.0.0.1", self.port, context=context, source_address=(CLIENT_ADDRESS, 0), timeout=30
            )
        else:
            conn = http.client.HTTPConnection(
                "127.0.0.1", self.port, source_address=(CLIENT_ADDRESS, 0), timeout=30
            )
        body = urlencode(form) if form is not None else None
        sent = {"Host": self.host, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Referer"] = f"https://{self.host}{path}"
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        response.text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        conn.close()
        return response

    def csrf(self, path):
        page = self.request("GET", path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match, (path, page.status, page.text[:500])
        return match.group(1)

    def sign_in(self, username, password=PASSWORD):
        token = self.csrf("/accounts/login/")
        form = {"csrfmiddlewaretoken": token, "login": username, "password": password}
        response = self.request("POST", "/accounts/login/", form)
        if response.getheader("Location") == self.AUTHENTICATE:  # enrolled earlier in this run
            page = self.request("GET", self.AUTHENTICATE)
            self.request(
                "POST", self.AUTHENTICATE, {"csrfmiddlewaretoken": self._token(page), "code": totp(username)}
            )
        self.enrol_if_asked(username)
        return response

    ENROL = "/accounts/2fa/totp/activate/"
    AUTHENTICATE = "/accounts/2fa/authenticate/"

    @staticmethod
    def _token(page):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    def enrol_if_asked(self, username):
        """County and township admins enrol an authenticator at their first sign-in (DEBUG=False:
        no demo skip): read the secret off the page and answer with the current code."""
        home = self.request("GET", "/")
        if home.status != 302 or home.getheader("Location") != self.ENROL:
            return
        page = self.request("GET", self.ENROL)
        secret = re.search(
            r'id="authenticator_secret"[^>]*value="([A-Z2-7=]+)"|value="([A-Z2-7=]{16,})"[^>]*id="authenticator_secret"',
            page.text,
        )
        assert secret, page.text[:1000]
        TOTP_SECRETS[username] = secret.group(1) or secret.group(2)
        done = self.request(
            "POST", self.ENROL, {"csrfmiddlewaretoken": self._token(page), "code": totp(username)}
        )
        assert done.status == 302, done.text[:1000]


TOTP_SECRETS: dict[str, str] = {}
_LAST_COUNTER: dict[str, int] = {}


def totp(username: str) -> str:
    """The authenticator code for ``username`` now; a code is taken once, so wait for the next one."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(time.time()) // 30
    if _LAST_COUNTER.get(username) == counter:
        time.sleep(30 - time.time() % 30 + 0.5)
        counter = int(time.time()) // 30
    _LAST_COUNTER[username] = counter
    return format_hotp_value(hotp_value(TOTP_SECRETS[username], counter))


def test_plain_http_is_sent_to_https(stack):
    response = Browser(stack, "HTTP_PORT", tls=False).request("GET", "/courses/")

    assert response.status == 301
    assert response.getheader("Location") == f"https://localhost:{stack['HTTPS_PORT']}/courses/"


@pytest.mark.parametrize(
    ("username", "page", "marker"),
    [
        ("county", "/courses/heatmap/", "落实情况"),
        ("auditor", "/audit/", "审计"),
        ("township1", "/org/members/", "党员"),
        ("instructor", "/", "教师工作台"),
        ("trainee", "/", "我的学习"),
    ],
)
def test_each_demo_role_signs_in_and_opens_its_page(stack, username, page, marker):
    browser = Browser(stack)
    signed_in = browser.sign_in(username)
    assert signed_in.status == 302, signed_in.text[:1000]
    assert signed_in.getheader("Strict-Transport-Security")

    response = browser.request("GET", page)

    assert response.status == 200, response.text[:1000]
    assert marker in response.text


def test_a_trainee_checks_in_with_the_qr_code_and_the_worker_delivers_a_reminder(stack):
    planned = json.loads(
        portal_shell(
            stack,
            """
import datetime, json
from django.contrib.auth import get_user_model
from django.utils import timezone
from courses.cycle.services import checkin_token
from courses.models import Enrollment, Session
from notifications.models import Kind
from notifications.services import reminder_rows, reminders_plan
from notifications.tasks import reminders_dispatch_due
from tests.factories_courses import SessionFactory
from trainees.models import Member
from trainees.scoping import member_id_of
user = get_user_model().objects.get(username="trainee")
member = Member.objects.select_related("branch").get(pk=member_id_of(user))
now = timezone.now()
session = SessionFactory(township=member.branch.township, starts_at=now - datetime.timedelta(minutes=5),
    ends_at=now + datetime.timedelta(hours=2), status=Session.Status.PUBLISHED)
Enrollment.objects.get_or_create(session=session, member=member)
later = SessionFactory(township=member.branch.township, starts_at=now + datetime.timedelta(days=1),
    ends_at=now + datetime.timedelta(days=1, hours=2), status=Session.Status.PUBLISHED)
Enrollment.objects.get_or_create(session=later, member=member)
reminders_plan(reminder_rows(kind=Kind.SESSION_UPCOMING, recipient_ids=[user.pk], obj=later, due_at=now))
queued = reminders_dispatch_due()
print(json.dumps({"session": session.pk, "later": later.pk, "code": checkin_token(session), "queued": queued}))
""",
        )
    )
    assert planned["queued"] >= 1
    browser = Browser(stack)
    assert browser.sign_in("trainee").status == 302
    path = f"/courses/sessions/{planned['session']}/check-in/"

    token = browser.csrf(f"{path}?code={planned['code']}")
    checked_in = browser.request("POST", path, {"csrfmiddlewaretoken": token, "code": planned["code"]})

    assert checked_in.status == 200, checked_in.text[:2000]
    status_code = (
        "from courses.models import Attendance, Session; from notifications.models import Reminder; "
        f"s = Session.objects.get(pk={planned['session']}); "
        "print(Attendance.objects.filter(session=s).count(), "
        f"Reminder.objects.filter(object_id={planned['later']}, status=Reminder.Status.SENT).count())"
    )
    deadline = time.monotonic() + 60
    while True:
        attendance, sent = portal_shell(stack, status_code).split()
        if sent != "0" or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert attendance == "1"
    assert sent == "1", "the worker did not deliver the reminder"
    inbox = browser.request("GET", "/notifications/")
    assert inbox.status == 200


def test_lockout_and_audit_see_the_client_address_not_nginx(stack):
    # A forged X-Forwarded-For is not believed: nginx appends the address it saw, the one trusted entry.
    refused = Browser(stack)
    token = refused.csrf("/accounts/login/")
    refused.request(
        "POST",
        "/accounts/login/",
        {"csrfmiddlewaretoken": token, "login": "nobody-smoke", "password": "wrong-password-1"},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    lockout = portal_shell(
        stack,
        "from axes.models import AccessAttempt; "
        "print(*AccessAttempt.objects.order_by('-pk').values_list('ip_address', flat=True)[:1])",
    )
    assert lockout == CLIENT_ADDRESS

    assert Browser(stack).sign_in("county").status == 302
    audit = portal_shell(
        stack,
        "from audit.models import AuditEntry as E; print(E.objects.exclude(ip=None).order_by('-pk')[0].ip)",
    )
    assert audit == CLIENT_ADDRESS


def test_a_protected_file_downloads_through_nginx_and_media_is_not_served(stack):
    url = portal_shell(
        stack,
        "from django.contrib.auth import get_user_model; from django.core.files.base import ContentFile; "
        "from courses.models import Course, CourseMaterial; "
        "c = Course.objects.first(); m = CourseMaterial(course=c, kind='document', title='smoke', "
        "uploaded_by=get_user_model().objects.get(username='county')); "
        "m.file.save('smoke.pdf', ContentFile(b'%PDF-1.4 smoke'), save=False); m.save(); "
        "print(m.get_absolute_url(), m.file.name)",
    )
    path, name = url.split()
    browser = Browser(stack)
    assert browser.sign_in("trainee").status == 302

    response = browser.request("GET", path)

    assert response.status == 200
    assert response.text == "%PDF-1.4 smoke"
    assert response.getheader("X-Accel-Redirect") is None  # nginx consumed it
    assert Browser(stack).request("GET", f"/protected/{name}").status == 404
    assert Browser(stack).request("GET", f"/media/{name}").status in (302, 404)
