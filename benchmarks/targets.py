"""The pages `make bench` measures, with logged-in sessions spread over the townships."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.urls import NoReverseMatch, reverse

from core.roles import Role
from courses.models import Session
from evaluations.models import AnnualReport
from ningjin_training.middleware import SessionLifetimeMiddleware
from trainees.models import Member, Profile, Township

from .page import Page

TRAINEES_PER_TOWNSHIP = 4


def session_cookie(user) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "trainees.backends.PortalModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # As a real login does: the session-lifetime stamps (else the first request writes them).
    SessionLifetimeMiddleware.start(sender=None, request=SimpleNamespace(session=store), user=user)
    store.create()
    return store.session_key


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def bench_users():
    User = get_user_model()
    admins, trainees = [], []
    for township in Township.objects.order_by("code"):
        user, _ = User.objects.get_or_create(username=f"bench_admin_{township.code}")
        Profile.objects.update_or_create(user=user, defaults={"role": Role.TOWNSHIP, "township": township})
        admins.append((township, user))
        members = Member.objects.filter(branch__township=township, is_active=True).order_by("pk")
        for member in members[:TRAINEES_PER_TOWNSHIP]:
            if member.user_id is None:
                member.user, _ = User.objects.get_or_create(username=f"bench_trainee_{member.pk}")
                member.save(update_fields=["user"])
            Profile.objects.update_or_create(user=member.user, defaults={"role": Role.TRAINEE})
            trainees.append(member.user)
    return admins, trainees


def build_pages() -> list[Page]:
    admins, trainees = bench_users()
    county = get_user_model().objects.get(username="county")
    county_cookie = session_cookie(county)
    admin_cookies = [(township, session_cookie(user)) for township, user in admins]
    trainee_cookies = [session_cookie(user) for user in trainees]

    pages = [Page("healthz", "/healthz", None, targets=[("/healthz", "")])]
    schedule = _url("courses:my-schedule")
    if schedule:
        pages.append(
            Page(
                "trainee_schedule",
                "我的课表 trainee schedule",
                "trainee",
                0.15,
                100,
                [(schedule, c) for c in trainee_cookies],
            )
        )
    sessions = _url("courses:session-list")
    if sessions:
        pages.append(
            Page(
                "session_list",
                "班次列表 session list",
                "township",
                0.10,
                None,
                [(sessions, c) for _, c in admin_cookies],
            )
        )
    detail_targets = []
    for township, cookie in admin_cookies:
        session = Session.objects.filter(township=township).order_by("-starts_at").first()
        if session is not None:
            url = _url("courses:session-detail", session.pk)
            if url:
                detail_targets.append((url, cookie))
    if detail_targets:
        pages.append(
            Page("session_detail", "班次详情 session detail", "township", 0.10, None, detail_targets)
        )
    pages.append(
        Page(
            "member_list",
            "党员名册 member list",
            "township",
            0.10,
            None,
            [(reverse("trainees:member-list"), c) for _, c in admin_cookies],
        )
    )
    pages.append(
        Page(
            "county_dashboard",
            "县级工作台 county dashboard",
            "county",
            0.03,
            300,
            [(reverse("home"), county_cookie)],
        )
    )
    report = AnnualReport.objects.order_by("-year", "pk").first()
    url = report and _url("evaluations:report-detail", report.pk)
    if url:
        pages.append(
            Page("annual_report", "年度述职 annual report", "county", 0.03, 300, [(url, county_cookie)])
        )
    return pages
