"""Authorisation matrix: every URL pattern, every role, the status it must get.

HOW TO ADD A URL (other branches, read this):

1. Give the pattern a name (unnamed patterns fail the suite).
2. Add one entry to ``MATRIX`` keyed by the full URL name (``"courses:session-detail"``)::

       "courses:session-detail": {
           "kwargs": lambda cast: {"pk": cast.session_a.pk},   # an object of township A
           "get": {ANON: LOGIN, "trainee": 404, "instructor": 404,
                   "township_a": 200, "township_b": 404, "county": 200},
       },

   ``kwargs`` builds the URL arguments from the ``cast`` fixture (tests/conftest.py),
   always with objects of **township A**, so ``township_b`` shows what another
   township gets (404, never the object). ``get`` gives the status of a GET for
   each of the six roles: ``ANON`` (not signed in), ``trainee``, ``instructor``,
   ``township_a``, ``township_b``, ``county``. ``LOGIN`` means "302 to the login
   page". An optional ``post`` dict (same shape, an empty form posted) covers
   POST-only views; give ``post`` wherever GET is refused with 405.
3. Patterns under ``admin/`` and static/media serving are skipped (the Django
   admin has its own staff checks; tests/ningjin_training/test_duties.py covers who may open it).
4. The three administrator-duty accounts (``sysadmin``, ``secadmin``, ``auditor``:
   三员分立, no working role) get 403 for every GET and POST, 405 wherever a method
   is refused to everyone, unless ``DUTY_STATUSES`` names the URL. A new page that
   any signed-in account may open goes into ``DUTY_STATUSES`` too.

A pattern without an entry fails ``test_every_url_pattern_has_an_entry`` with its name.
The crawler in test_personal_data.py reuses this table.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.rosters import private_media  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

ANON = "anonymous"
LOGIN = "login"  # 302 to the login page
ROLES = [ANON, "trainee", "instructor", "township_a", "township_b", "county"]


def everyone(status):
    return dict.fromkeys(ROLES, status)


def signed_in(status):
    return {ANON: LOGIN, **dict.fromkeys(ROLES[1:], status)}


STAFF_ONLY = {
    ANON: LOGIN,
    "trainee": 403,
    "instructor": 403,
    "township_a": 200,
    "township_b": 200,
    "county": 200,
}
TOWNSHIP_A_OBJECT = {
    ANON: LOGIN,
    "trainee": 403,
    "instructor": 403,
    "township_a": 200,
    "township_b": 404,
    "county": 200,
}
COUNTY_ONLY = {
    ANON: LOGIN,
    "trainee": 403,
    "instructor": 403,
    "township_a": 403,
    "township_b": 403,
    "county": 200,
}


# --- URL arguments: always objects of township A (or county-wide catalog rows) ---------------------


def _pk(obj):
    return {"pk": obj.pk}


def _course_a(cast, **kwargs):
    from tests.factories_courses import CourseFactory

    kwargs.setdefault("stage", "proposed")  # a township admin may take it to 基层选题
    return CourseFactory(township=cast.township_a, level="township", **kwargs)


def _material_a(cast):
    from courses.models import CourseMaterial

    course = _course_a(cast)
    material = CourseMaterial.objects.create(
        course=course,
        kind="slides",
        title="课件",
        file="courses/materials/x.pdf",
        uploaded_by=cast.users["county"],
    )
    return {"pk": course.pk, "material_pk": material.pk}


def _material_file_a(cast):
    from django.core.files.base import ContentFile

    from courses.models import CourseMaterial

    material = CourseMaterial(
        course=_course_a(cast), kind="slides", title="课件", uploaded_by=cast.users["county"]
    )
    material.file.save("x.pdf", ContentFile(b"%PDF-1."), save=False)
    material.save()
    return {"pk": material.course_id, "material_pk": material.pk}


def _link_a(cast):
    from courses.models import CourseLink

    course = _course_a(cast)
    link = CourseLink.objects.create(course=course, title="学习强国", url="http://intranet.example/a")
    return {"pk": course.pk, "link_pk": link.pk}


def _theme(cast):
    from tests.factories_courses import ThemeFactory

    return _pk(ThemeFactory())


def _instructor(cast):
    from tests.factories_courses import InstructorFactory

    return _pk(InstructorFactory(township=cast.township_a))


def _base_a(cast):
    from tests.factories_courses import TeachingBaseFactory

    return _pk(TeachingBaseFactory(township=cast.township_a))


def _route(cast):
    from tests.factories_courses import RouteStopFactory, TeachingBaseFactory

    return {"pk": RouteStopFactory(base=TeachingBaseFactory(township=cast.township_a)).route_id}


def _request_a(cast):
    from tests.factories_courses import CourseRequestFactory

    return _pk(CourseRequestFactory(township=cast.township_a, requested_by=cast.users["township_a"]))


def _session_a(cast):
    """A live, open session of township A: the trainee and member A enrolled, member A marked present."""
    from courses.models import Attendance, Enrollment
    from tests.cycle_fixtures import live_session

    session = live_session(cast.township_a, open_signup=True, capacity=30)
    for member in (cast.trainee_member, cast.member_a):
        Enrollment.objects.create(session=session, member=member)
    Attendance.objects.create(session=session, member=cast.member_a, status=Attendance.Status.PRESENT)
    return _pk(session)


def _plan_a(cast):
    import datetime

    from courses.models import MonthlyPlan

    return _pk(MonthlyPlan.objects.create(township=cast.township_a, month=datetime.date(2026, 6, 1)))


def _feed(kind):
    def build(cast):
        from courses.cycle.views import _feed_token

        _session_a(cast)
        pk = cast.trainee_member.pk if kind == "member" else cast.township_a.pk
        return {"token": _feed_token(kind, pk)}

    return build


def _import_batch_a(cast):
    from django.core.files.base import ContentFile

    from trainees.models import ImportBatch

    batch = ImportBatch(
        created_by=cast.users["township_a"],
        township=cast.township_a,
        original_name="名册.xlsx",
        errors=[{"row": 3, "name": "甲", "messages": ["缺少必填项：学历。"]}],
    )
    batch.file.save("名册.xlsx", ContentFile(b"roster"), save=False)
    batch.save()
    return _pk(batch)


def _member_a(cast):
    return _pk(cast.member_a)


def _township_a(cast):
    return _pk(cast.township_a)


# --- evaluations: reviews, improvement items and reports of township A; the trainee's own task,
# feedback and survey; county-wide teaching plans


def _review_a(cast):
    """Township A's district review (one per district and quarter: the crawler asks more than once)."""
    from evaluations.models import QuarterlyReview
    from tests.factories_evaluations import QuarterlyReviewFactory

    review = QuarterlyReview.objects.filter(district=cast.township_a.district).first()
    return review or QuarterlyReviewFactory(
        district=cast.township_a.district, townships=[cast.township_a], created_by=cast.users["county"]
    )


def _item_a(cast):
    from tests.factories_evaluations import ImprovementItemFactory

    return ImprovementItemFactory(
        review=_review_a(cast), township=cast.township_a, created_by=cast.users["county"]
    )


def _evidence_file_a(cast):
    from django.core.files.base import ContentFile

    from evaluations.models import EvidenceFile, ImprovementEvidence

    evidence = ImprovementEvidence.objects.create(
        item=_item_a(cast), text="已整改", submitted_by=cast.users["township_a"]
    )
    attachment = EvidenceFile(evidence=evidence, name="备课记录.pdf", size=7)
    attachment.file.save("备课记录.pdf", ContentFile(b"%PDF-1."), save=False)
    attachment.save()
    return _pk(attachment)


def _report_a(cast):
    """Township A's 2026 report (one per township and year)."""
    from evaluations.models import AnnualReport
    from tests.factories_evaluations import AnnualReportFactory

    report = AnnualReport.objects.filter(township=cast.township_a, year=2026).first()
    return report or AnnualReportFactory(township=cast.township_a, created_by=cast.users["township_a"])


def _task_of_trainee(cast):
    from tests.factories_evaluations import PracticeTaskFactory

    return _pk(PracticeTaskFactory(member=cast.trainee_member))


def _held_session_attended_by_trainee(cast):
    import datetime

    from django.utils import timezone

    from courses.models import Attendance
    from tests.factories_courses import SessionFactory

    start = timezone.now() - datetime.timedelta(days=2)
    session = SessionFactory(
        township=cast.township_a, starts_at=start, ends_at=start + datetime.timedelta(hours=2), status="held"
    )
    Attendance.objects.create(session=session, member=cast.trainee_member, status=Attendance.Status.PRESENT)
    return {"session_pk": session.pk}


def _survey(status):
    def build(cast):
        from tests.factories_evaluations import make_survey

        return _pk(make_survey(by=cast.users["county"], status=status))

    return build


def _plan_item(cast):
    """An approved county-wide teaching plan (every township works from it) with one course."""
    import datetime

    from evaluations.models import TeachingPlan, TeachingPlanItem
    from tests.factories_courses import CourseFactory
    from tests.factories_evaluations import make_survey

    survey = make_survey(by=cast.users["county"], status="closed")
    plan = TeachingPlan.objects.create(
        survey=survey,
        domain="rural",
        title="农村 · 普通党员 分类教学计划",
        status=TeachingPlan.Status.APPROVED,
    )
    course = CourseFactory(stage="standard", level="county")
    return TeachingPlanItem.objects.create(plan=plan, course=course, month=datetime.date(2026, 7, 1))


def _notification_of_trainee(cast):
    from notifications.models import Kind, Notification

    notification = Notification.objects.create(
        recipient=cast.users["trainee"], kind=Kind.SESSION_UPCOMING, title="明天上午有培训", link="/"
    )
    return _pk(notification)


def _staff_account(cast):
    """An instructor's login the staff-account pages manage (the same one on every call)."""
    from django.contrib.auth import get_user_model

    from tests.factories import make_user

    user = get_user_model().objects.filter(username="teacher-zhang").first()
    if user is None:
        user = make_user("instructor", username="teacher-zhang")
        user.portal_profile.phone = "13955550001"
        user.portal_profile.save()
    return _pk(user)


def _set_password_link(cast):
    """A set-password link for township A's admin whose token is wrong: the page says so."""
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    return {"uidb64": urlsafe_base64_encode(force_bytes(cast.users["township_a"].pk)), "token": "bad-token"}


# Shapes of the common answers.
EVERY_ROLE_READS = signed_in(200)
POST_ONLY = signed_in(405)  # a GET of a POST-only view, whoever asks
TRAINEE_ONLY = {
    ANON: LOGIN,
    "trainee": 200,
    "instructor": 403,
    "township_a": 403,
    "township_b": 403,
    "county": 403,
}
TOWNSHIP_A_WRITE = {  # a POST on township A's object: done (redirect), another township 404
    ANON: LOGIN,
    "trainee": 403,
    "instructor": 403,
    "township_a": 302,
    "township_b": 404,
    "county": 302,
}

API_ANON = 401  # the API answers anonymous requests itself: 401 with WWW-Authenticate: Bearer


def _api_token_a(cast):
    from api.models import ApiToken

    token, _key = ApiToken.mint(cast.users["township_a"], name="甲镇令牌")
    return {"pk": token.pk}


MATRIX: dict[str, dict] = {
    "home": {"get": signed_in(200)},
    "healthz": {"get": everyone(200)},
    "login": {"get": everyone(200)},
    "logout": {"get": signed_in(405), "post": everyone(LOGIN)},
    "set_language": {"get": everyone(302), "post": everyone(302)},
    "text-size": {"get": everyone(405), "post": everyone(302)},
    # Sign-in (django-allauth, accounts/allauth_urls.py). Pages of a sign-in stage not under way
    # (a code or authenticator step) send everyone back (302); so do those needing a fresh
    # password (reauthentication) or a phone on file (the cast's staff have none).
    "account_login": {"get": everyone(200)},
    "account_logout": {"get": signed_in(405), "post": everyone(LOGIN)},
    "account_inactive": {"get": everyone(200)},
    "account_request_login_code": {"get": everyone(200)},
    "account_confirm_login_code": {"get": signed_in(302)},
    "account_change_password": {"get": signed_in(200)},
    "account_set_password": {"get": signed_in(302)},  # every cast login has a password: to "change"
    "account_reauthenticate": {"get": signed_in(200)},
    "account_request_reauthentication_code": {"get": {**signed_in(302), "trainee": 200}},
    "account_confirm_reauthentication_code": {"get": signed_in(302)},
    "mfa_index": {"get": signed_in(200)},
    "mfa_authenticate": {"get": signed_in(302)},
    "mfa_reauthenticate": {"get": signed_in(302)},
    "mfa_activate_totp": {"get": signed_in(302)},  # asks for the password again first
    "mfa_deactivate_totp": {"get": signed_in(404)},  # none enrolled
    "mfa_view_recovery_codes": {"get": signed_in(404)},
    "mfa_generate_recovery_codes": {"get": signed_in(302)},
    "mfa_download_recovery_codes": {"get": signed_in(404)},
    # Staff actions on sign-in (accounts/urls.py); a forgotten staff password is reset by SMS code.
    "accounts:password-reset": {"get": everyone(200)},
    "accounts:password-reset-confirm": {"get": everyone(200)},
    "accounts:release-phone": {
        "kwargs": _member_a,
        "get": signed_in(405),
        "post": TOWNSHIP_A_WRITE,
    },
    "accounts:reset-second-factor": {
        "kwargs": lambda cast: {"pk": cast.users["instructor"].pk},
        "get": signed_in(405),
        "post": {**COUNTY_ONLY, "county": 302},
    },
    # The audit trail is the security auditor's alone (三员分立): county staff no longer read it.
    "audit-log": {"get": {**COUNTY_ONLY, "county": 403}},
    "audit-export": {"get": {**COUNTY_ONLY, "county": 403}},
    "trainees:township-list": {"get": STAFF_ONLY},
    "trainees:township-detail": {
        "kwargs": _township_a,
        "get": TOWNSHIP_A_OBJECT,
    },
    "trainees:member-list": {"get": STAFF_ONLY},
    "trainees:member-create": {"get": STAFF_ONLY},
    "trainees:member-detail": {
        "kwargs": _member_a,
        "get": TOWNSHIP_A_OBJECT,
    },
    "trainees:member-edit": {
        "kwargs": _member_a,
        "get": TOWNSHIP_A_OBJECT,
    },
    "trainees:member-reveal": {
        "kwargs": _member_a,
        "get": {
            ANON: LOGIN,
            "trainee": 403,
            "instructor": 403,
            "township_a": 405,
            "township_b": 405,
            "county": 405,
        },
        "post": TOWNSHIP_A_OBJECT,
    },
    "trainees:member-export": {"get": STAFF_ONLY},
    "trainees:member-import": {"get": STAFF_ONLY},
    "trainees:member-import-history": {"get": STAFF_ONLY},
    "trainees:member-import-detail": {"kwargs": _import_batch_a, "get": TOWNSHIP_A_OBJECT},
    "trainees:member-import-confirm": {
        # The batch has an error row: confirming is refused with a message (redirect), nothing written.
        "kwargs": _import_batch_a,
        "get": POST_ONLY,
        "post": TOWNSHIP_A_WRITE,
    },
    "trainees:member-import-file": {"kwargs": _import_batch_a, "get": TOWNSHIP_A_OBJECT},
    # --- courses: catalog (readable by every role; written by county staff or the owning township)
    "courses:theme-list": {"get": EVERY_ROLE_READS},
    "courses:theme-create": {"get": COUNTY_ONLY},
    "courses:theme-detail": {"kwargs": _theme, "get": EVERY_ROLE_READS},
    "courses:theme-edit": {"kwargs": _theme, "get": COUNTY_ONLY},
    "courses:course-list": {"get": EVERY_ROLE_READS},
    "courses:course-create": {"get": STAFF_ONLY},
    "courses:course-board": {"get": STAFF_ONLY},
    "courses:course-detail": {"kwargs": lambda cast: _pk(_course_a(cast)), "get": EVERY_ROLE_READS},
    "courses:course-edit": {"kwargs": lambda cast: _pk(_course_a(cast)), "get": TOWNSHIP_A_OBJECT},
    "courses:course-stage": {
        # An empty form names no stage: refused with a message (redirect) for those who may move it;
        # another township's admin may read the course but never move it (403).
        "kwargs": lambda cast: _pk(_course_a(cast)),
        "get": POST_ONLY,
        "post": {**TOWNSHIP_A_WRITE, "township_b": 403},
    },
    "courses:material-add": {
        "kwargs": lambda cast: _pk(_course_a(cast)),
        "get": POST_ONLY,
        "post": TOWNSHIP_A_WRITE,
    },
    # Course files are read like the catalog, only through this view (never /media/).
    "courses:material-file": {"kwargs": _material_file_a, "get": EVERY_ROLE_READS},
    "courses:material-delete": {"kwargs": _material_a, "get": POST_ONLY, "post": TOWNSHIP_A_WRITE},
    "courses:link-add": {
        "kwargs": lambda cast: _pk(_course_a(cast)),
        "get": POST_ONLY,
        "post": TOWNSHIP_A_WRITE,
    },
    "courses:link-delete": {"kwargs": _link_a, "get": POST_ONLY, "post": TOWNSHIP_A_WRITE},
    "courses:instructor-list": {"get": EVERY_ROLE_READS},
    "courses:instructor-create": {"get": COUNTY_ONLY},
    "courses:instructor-detail": {"kwargs": _instructor, "get": EVERY_ROLE_READS},
    "courses:instructor-edit": {"kwargs": _instructor, "get": COUNTY_ONLY},
    "courses:base-list": {"get": EVERY_ROLE_READS},
    "courses:base-create": {"get": COUNTY_ONLY},
    "courses:base-edit": {"kwargs": _base_a, "get": COUNTY_ONLY},
    "courses:route-detail": {"kwargs": _route, "get": EVERY_ROLE_READS},
    # --- on-demand delivery: township admins order, county dispatches, instructors see what names them
    "courses:request-list": {"get": {**STAFF_ONLY, "instructor": 200}},
    "courses:request-create": {
        "get": {
            ANON: LOGIN,
            "trainee": 403,
            "instructor": 403,
            "township_a": 200,
            "township_b": 200,
            "county": 403,
        }
    },
    "courses:request-detail": {"kwargs": _request_a, "get": {**TOWNSHIP_A_OBJECT, "instructor": 404}},
    "courses:request-action": {
        # Cancelling an order: its township and the county may; the instructor is not dispatched to it.
        "kwargs": lambda cast: {**_request_a(cast), "action": "cancel"},
        "get": POST_ONLY,
        "post": {**TOWNSHIP_A_WRITE, "instructor": 404},
    },
    # --- the monthly cycle: sessions, enrolment, attendance, plans, ledger
    "courses:session-list": {"get": STAFF_ONLY},
    # Exports: the page's rows as .xlsx. A POST asks for full numbers: county staff only, and
    # without a reason it is refused with a message (redirect) — nothing exported.
    "courses:session-list-xlsx": {"get": STAFF_ONLY},
    "courses:session-create": {"get": STAFF_ONLY},
    "courses:session-detail": {
        # The enrolled trainee sees their session; an instructor not teaching it does not.
        "kwargs": _session_a,
        "get": {**TOWNSHIP_A_OBJECT, "trainee": 200, "instructor": 404},
    },
    "courses:session-edit": {"kwargs": _session_a, "get": TOWNSHIP_A_OBJECT},
    "courses:session-transition": {"kwargs": _session_a, "get": POST_ONLY, "post": TOWNSHIP_A_WRITE},
    "courses:session-cancel": {"kwargs": _session_a, "get": POST_ONLY, "post": TOWNSHIP_A_WRITE},
    "courses:session-duplicate": {"kwargs": _session_a, "get": POST_ONLY, "post": TOWNSHIP_A_WRITE},
    "courses:session-series": {"kwargs": _session_a, "get": TOWNSHIP_A_OBJECT},
    "courses:session-invite": {"kwargs": _session_a, "get": POST_ONLY, "post": TOWNSHIP_A_WRITE},
    "courses:session-enrollments": {"kwargs": _session_a, "get": TOWNSHIP_A_OBJECT},
    "courses:session-projector": {"kwargs": _session_a, "get": TOWNSHIP_A_OBJECT},
    "courses:session-checkin": {
        # No code in the URL: those who may see the session get the scanner (a member) or the reason
        # they cannot check in (staff), 200 — nothing was submitted; a POST without a code is told the
        # code is invalid (400); everyone else gets 404 (tests/courses/cycle/test_checkin_access.py
        # covers live and forged codes).
        "kwargs": _session_a,
        "get": {
            ANON: LOGIN,
            "trainee": 200,
            "instructor": 404,
            "township_a": 200,
            "township_b": 404,
            "county": 200,
        },
        "post": {
            ANON: LOGIN,
            "trainee": 400,
            "instructor": 404,
            "township_a": 400,
            "township_b": 404,
            "county": 400,
        },
    },
    "courses:session-signup": {
        # Already enrolled: refused with a message, back to the schedule.
        "kwargs": _session_a,
        "get": POST_ONLY,
        "post": {**TRAINEE_ONLY, "trainee": 302},
    },
    "courses:session-withdraw": {
        "kwargs": _session_a,
        "get": POST_ONLY,
        "post": {**TRAINEE_ONLY, "trainee": 302},
    },
    "courses:attendance-sheet": {"kwargs": _session_a, "get": TOWNSHIP_A_OBJECT},
    "courses:attendance-xlsx": {
        "kwargs": _session_a,
        "get": TOWNSHIP_A_OBJECT,
        "post": {**TOWNSHIP_A_WRITE, "township_a": 403},
    },
    "courses:plan-list": {"get": STAFF_ONLY},
    "courses:plan-detail": {"kwargs": _plan_a, "get": TOWNSHIP_A_OBJECT},
    "courses:ledger-township": {"get": STAFF_ONLY},
    "courses:ledger-xlsx": {
        "get": STAFF_ONLY,
        "post": {**TOWNSHIP_A_WRITE, "township_a": 403, "township_b": 403},
    },
    "courses:ledger-member": {"kwargs": _member_a, "get": TOWNSHIP_A_OBJECT},
    "courses:ledger-member-xlsx": {"kwargs": _member_a, "get": TOWNSHIP_A_OBJECT},
    "courses:my-schedule": {"get": TRAINEE_ONLY},
    "courses:my-hours": {"get": TRAINEE_ONLY},
    # Calendar feeds: no login, the signed token is the secret (a forged one is 404: test_cycle_feeds_access).
    "courses:feed-member": {"kwargs": _feed("member"), "get": everyone(200)},
    "courses:feed-township": {"kwargs": _feed("township"), "get": everyone(200)},
    # Resetting a feed link: GET asks for confirmation, POST revokes the old link (the member's own,
    # or a township admin's for their township's feed).
    "courses:feed-member-reset": {"get": TRAINEE_ONLY, "post": {**TRAINEE_ONLY, "trainee": 302}},
    "courses:feed-township-reset": {
        "get": {**TRAINEE_ONLY, "trainee": 403, "township_a": 200, "township_b": 200},
        "post": {**TRAINEE_ONLY, "trainee": 403, "township_a": 302, "township_b": 302},
    },
    "courses:heatmap": {"get": STAFF_ONLY},
    # The instructor's own ratings page (no pk): instructors only; without an instructor record it says so.
    "evaluations:my-ratings": {
        "kwargs": lambda cast: (_instructor_of_the_cast(cast), {})[1],
        "get": {**COUNTY_ONLY, "county": 403, "instructor": 200},
    },
    "evaluations:instructor-ratings": {
        "kwargs": lambda cast: {"pk": _instructor_of_the_cast(cast)},
        "get": {**COUNTY_ONLY, "instructor": 200},
    },
    "courses:hours-member": {
        "kwargs": lambda cast: {"pk": cast.member_a.pk},
        "get": TOWNSHIP_A_OBJECT,
        "post": TOWNSHIP_A_OBJECT,  # an empty form: 200 with its errors, nothing saved
    },
    "courses:hours-branch": {"get": STAFF_ONLY, "post": STAFF_ONLY},
    "courses:route-list": {"get": signed_in(200)},
    "courses:route-create": {"get": COUNTY_ONLY},
    "courses:route-edit": {
        "kwargs": lambda cast: {"pk": _route_with_a_stop(cast)},
        "get": COUNTY_ONLY,
    },
    # --- evaluations: 一季一研 (county), improvement items and annual reports (township A's)
    "evaluations:review-list": {"get": COUNTY_ONLY},
    "evaluations:review-create": {"get": COUNTY_ONLY},
    "evaluations:review-detail": {"kwargs": lambda cast: _pk(_review_a(cast)), "get": COUNTY_ONLY},
    "evaluations:review-edit": {"kwargs": lambda cast: _pk(_review_a(cast)), "get": COUNTY_ONLY},
    "evaluations:item-create": {"kwargs": lambda cast: _pk(_review_a(cast)), "get": COUNTY_ONLY},
    "evaluations:item-list": {"get": STAFF_ONLY},
    "evaluations:item-list-xlsx": {"get": STAFF_ONLY},
    "evaluations:item-detail": {"kwargs": lambda cast: _pk(_item_a(cast)), "get": TOWNSHIP_A_OBJECT},
    "evaluations:item-evidence": {
        # No description: refused with a message (redirect), nothing submitted.
        "kwargs": lambda cast: _pk(_item_a(cast)),
        "get": POST_ONLY,
        "post": TOWNSHIP_A_WRITE,
    },
    "evaluations:item-transition": {
        "kwargs": lambda cast: _pk(_item_a(cast)),
        "get": POST_ONLY,
        "post": TOWNSHIP_A_WRITE,
    },
    "evaluations:evidence-file": {"kwargs": _evidence_file_a, "get": TOWNSHIP_A_OBJECT},
    "evaluations:report-list": {"get": STAFF_ONLY},
    "evaluations:report-start": {
        # A township admin starts (or opens) their own township's report; county staff write none.
        "get": POST_ONLY,
        "post": {**TOWNSHIP_A_WRITE, "township_b": 302, "county": 403},
    },
    "evaluations:report-summary-xlsx": {"get": COUNTY_ONLY},
    "evaluations:report-detail": {"kwargs": lambda cast: _pk(_report_a(cast)), "get": TOWNSHIP_A_OBJECT},
    "evaluations:report-transition": {
        "kwargs": lambda cast: _pk(_report_a(cast)),
        "get": POST_ONLY,
        "post": TOWNSHIP_A_WRITE,
    },
    "evaluations:report-pdf": {"kwargs": lambda cast: _pk(_report_a(cast)), "get": TOWNSHIP_A_OBJECT},
    "evaluations:township-loop": {"kwargs": _township_a, "get": TOWNSHIP_A_OBJECT},
    # --- needs surveys (county builds, trainees answer) and county-wide teaching plans
    "evaluations:survey-list": {"get": {**COUNTY_ONLY, "trainee": 200}},
    "evaluations:survey-create": {"get": COUNTY_ONLY},
    "evaluations:survey-detail": {"kwargs": _survey("draft"), "get": COUNTY_ONLY},
    "evaluations:survey-question-add": {
        "kwargs": _survey("draft"),
        "get": POST_ONLY,
        "post": {**COUNTY_ONLY, "county": 302},
    },
    "evaluations:survey-transition": {
        "kwargs": _survey("draft"),
        "get": POST_ONLY,
        "post": {**COUNTY_ONLY, "county": 302},
    },
    "evaluations:survey-answer": {"kwargs": _survey("open"), "get": TRAINEE_ONLY},
    "evaluations:survey-results": {"kwargs": _survey("open"), "get": COUNTY_ONLY},
    "evaluations:survey-results-xlsx": {"kwargs": _survey("open"), "get": COUNTY_ONLY},
    "evaluations:survey-plans-draft": {
        # Still open: refused with a message (redirect), no plan drafted.
        "kwargs": _survey("open"),
        "get": POST_ONLY,
        "post": {**COUNTY_ONLY, "county": 302},
    },
    "evaluations:plan-list": {"get": STAFF_ONLY},
    "evaluations:plan-detail": {"kwargs": lambda cast: _pk(_plan_item(cast).plan), "get": STAFF_ONLY},
    "evaluations:plan-item-add": {
        "kwargs": lambda cast: _pk(_plan_item(cast).plan),
        "get": POST_ONLY,
        "post": {**COUNTY_ONLY, "county": 302},
    },
    "evaluations:plan-item-delete": {
        # The plan is approved: refused with a message (redirect), nothing deleted.
        "kwargs": lambda cast: _pk(_plan_item(cast)),
        "get": POST_ONLY,
        "post": {**COUNTY_ONLY, "county": 302},
    },
    "evaluations:plan-transition": {
        "kwargs": lambda cast: _pk(_plan_item(cast).plan),
        "get": POST_ONLY,
        "post": {**COUNTY_ONLY, "county": 302},
    },
    "evaluations:plan-item-session": {
        # Each township admin drafts a session of its own township from the approved plan.
        "kwargs": lambda cast: _pk(_plan_item(cast)),
        "get": POST_ONLY,
        "post": {**STAFF_ONLY, "township_a": 302, "township_b": 302, "county": 403},
    },
    # --- feedback (the trainee's own; county sees averages), practice tasks, points
    "evaluations:feedback-mine": {"get": TRAINEE_ONLY},
    "evaluations:feedback-create": {"kwargs": _held_session_attended_by_trainee, "get": TRAINEE_ONLY},
    "evaluations:feedback-summary": {"get": COUNTY_ONLY},
    "evaluations:task-list": {"get": {**STAFF_ONLY, "trainee": 200}},
    "evaluations:task-create": {"get": TRAINEE_ONLY},
    "evaluations:task-detail": {"kwargs": _task_of_trainee, "get": {**TOWNSHIP_A_OBJECT, "trainee": 200}},
    "evaluations:task-report": {
        # Only the member reports their outcome (empty: reported without figures).
        "kwargs": _task_of_trainee,
        "get": POST_ONLY,
        "post": {**TRAINEE_ONLY, "trainee": 302},
    },
    "evaluations:task-transition": {
        # No target state: refused with a message (redirect); another township's admin never sees it.
        "kwargs": _task_of_trainee,
        "get": POST_ONLY,
        "post": {**TOWNSHIP_A_WRITE, "trainee": 302},
    },
    "evaluations:performance": {"get": STAFF_ONLY},
    "evaluations:performance-xlsx": {"get": STAFF_ONLY},
    # --- notifications: everyone's own inbox; the reminder ledger is county staff's
    "notifications:inbox": {"get": EVERY_ROLE_READS},
    "notifications:mark-read": {
        "kwargs": _notification_of_trainee,
        "get": POST_ONLY,
        "post": {ANON: LOGIN, **dict.fromkeys(ROLES[1:], 404), "trainee": 302},
    },
    "notifications:mark-all-read": {"get": POST_ONLY, "post": signed_in(302)},
    "notifications:preferences": {"get": EVERY_ROLE_READS},
    "notifications:reminder-list": {"get": COUNTY_ONLY},
    # --- staff accounts: county staff (and the security administrator, DUTY_STATUSES) manage them
    "accounts:staff-list": {"get": COUNTY_ONLY},
    "accounts:staff-create": {"get": COUNTY_ONLY},
    "accounts:staff-edit": {"kwargs": _staff_account, "get": COUNTY_ONLY},
    "accounts:staff-deactivate": {
        # GET asks for confirmation; POST deactivates (redirect to the account's page).
        "kwargs": _staff_account,
        "get": COUNTY_ONLY,
        "post": {**COUNTY_ONLY, "county": 302},
    },
    "accounts:staff-reactivate": {
        "kwargs": _staff_account,
        "get": POST_ONLY,
        "post": {**COUNTY_ONLY, "county": 302},
    },
    "accounts:staff-invite": {
        "kwargs": _staff_account,
        "get": POST_ONLY,
        "post": {**COUNTY_ONLY, "county": 302},
    },
    # The SMS link needs no login; a wrong token shows "link invalid", whoever opens it.
    "accounts:staff-set-password": {
        "kwargs": _set_password_link,
        "get": everyone(200),
        "post": everyone(200),
    },
    # Which of township A's members have signed in: its admin and county staff.
    "accounts:staff-sign-ins": {"kwargs": _township_a, "get": TOWNSHIP_A_OBJECT},
    # The integration API answers for itself: anonymous gets 401 (no login redirect); every working
    # role reads through the pages' scope (a trainee's township list is empty, another township's
    # object a 404). The duty accounts get 403 (no working role). Tokens: tests/api/test_api.py.
    "api:township-list": {"get": {**signed_in(200), ANON: API_ANON}},
    "api:township-detail": {
        "kwargs": _township_a,
        "get": {**TOWNSHIP_A_OBJECT, ANON: API_ANON, "trainee": 404, "instructor": 404},
    },
    "api:session-list": {"get": {**signed_in(200), ANON: API_ANON}},
    "api:session-detail": {
        "kwargs": _session_a,
        "get": {**TOWNSHIP_A_OBJECT, ANON: API_ANON, "trainee": 200, "instructor": 404},
    },
    "api:schema": {"get": {**signed_in(200), ANON: API_ANON}},
    "api:docs": {"get": {**signed_in(200), ANON: API_ANON}},
    # Staff manage their own tokens; another user's token is a 404.
    "api:tokens": {"get": STAFF_ONLY, "post": STAFF_ONLY},
    "api:token-revoke": {
        "kwargs": _api_token_a,
        "get": {**STAFF_ONLY, "township_b": 404, "county": 404},
        "post": {**STAFF_ONLY, "township_a": 302, "township_b": 404, "county": 404},
    },
}


def _route_with_a_stop(cast):
    from tests.factories_courses import RouteStopFactory

    return RouteStopFactory(base__township=cast.township_a).route_id


def _instructor_of_the_cast(cast):
    """The cast instructor's own record, made once however often a URL is built."""
    from courses.models import Instructor
    from tests.factories_courses import InstructorFactory

    mine = Instructor.objects.filter(user=cast.users["instructor"]).first()
    return (mine or InstructorFactory(user=cast.users["instructor"], township=cast.township_a)).pk


SKIPPED_PREFIXES = ("admin/", settings.STATIC_URL.lstrip("/"), settings.MEDIA_URL.lstrip("/"))


def url_patterns(resolver=None, prefix="", namespace=""):
    """(full name or None, route) for every pattern, walking into includes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES) or route.lstrip("^").startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry, route, inner)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else None), route


def test_every_url_pattern_has_an_entry():
    patterns = list(url_patterns())
    unnamed = [route for name, route in patterns if name is None]
    missing = sorted({name for name, _ in patterns if name and name not in MATRIX})
    assert not unnamed, f"URL patterns without a name (name them, then add them to MATRIX): {unnamed}"
    assert not missing, (
        f"URL patterns without an entry in tests/ningjin_training/test_authorization_matrix.py MATRIX: {missing} — "
        "see the module docstring for how to add one"
    )


def test_the_matrix_names_only_existing_urls():
    names = {name for name, _ in url_patterns()}
    assert not set(MATRIX) - names, f"MATRIX entries for URLs that no longer exist: {set(MATRIX) - names}"


DUTIES = ["sysadmin", "secadmin", "auditor"]


def duties(status, *, auditor=None):
    return {"sysadmin": status, "secadmin": status, "auditor": status if auditor is None else auditor}


# Where the duty accounts do not get the default (403; 405 for a method nobody may use).
# The auditor's POSTs are refused everywhere (AuditorReadOnlyMiddleware) but signing out
# and the language switch.
DUTY_STATUSES: dict[str, dict] = {
    "home": {"get": duties(200)},
    "healthz": {"get": duties(200)},
    "login": {"get": duties(200)},
    "logout": {"post": duties(LOGIN)},
    "set_language": {"get": duties(302), "post": duties(302)},
    "account_login": {"get": duties(200)},
    "account_logout": {"post": duties(LOGIN)},
    "account_inactive": {"get": duties(200)},
    "account_request_login_code": {"get": duties(200)},
    "account_confirm_login_code": {"get": duties(302)},
    "account_change_password": {"get": duties(200)},
    "account_set_password": {"get": duties(302)},
    "account_reauthenticate": {"get": duties(200)},
    "account_request_reauthentication_code": {"get": duties(302)},
    "account_confirm_reauthentication_code": {"get": duties(302)},
    "mfa_index": {"get": duties(200)},
    "mfa_authenticate": {"get": duties(302)},
    "mfa_reauthenticate": {"get": duties(302)},
    "mfa_activate_totp": {"get": duties(302)},
    "mfa_deactivate_totp": {"get": duties(404)},
    "mfa_view_recovery_codes": {"get": duties(404)},
    "mfa_generate_recovery_codes": {"get": duties(302)},
    "mfa_download_recovery_codes": {"get": duties(404)},
    "accounts:password-reset": {"get": duties(200)},
    "accounts:password-reset-confirm": {"get": duties(200)},
    # The security administrator resets second factors beside county staff.
    "accounts:reset-second-factor": {"post": {**duties(403), "secadmin": 302}},
    "text-size": {"post": duties(302, auditor=403)},
    "audit-log": {"get": duties(403, auditor=200)},
    "audit-export": {"get": duties(403, auditor=200)},
    # A course's files are read through the course's scope: an account without a working role sees none.
    "courses:material-file": {"get": duties(404)},
    # Calendar feeds answer to their token, not to a login.
    "courses:feed-member": {"get": duties(200)},
    "courses:feed-township": {"get": duties(200)},
    # A session of township A (or its check-in) is not in a duty account's scope.
    "courses:session-detail": {"get": duties(404)},
    "courses:session-checkin": {"get": duties(404), "post": duties(404, auditor=403)},
    # Every login has an inbox and preferences (empty for the duty accounts).
    "notifications:inbox": {"get": duties(200)},
    "notifications:preferences": {"get": duties(200)},
    "notifications:mark-read": {"post": duties(404, auditor=403)},
    "notifications:mark-all-read": {"post": duties(302, auditor=403)},
    # Staff accounts are the security administrator's work (三员分立) as well as county staff's.
    "accounts:staff-list": {"get": duties(403) | {"secadmin": 200}},
    "accounts:staff-create": {"get": duties(403) | {"secadmin": 200}},
    "accounts:staff-edit": {"get": duties(403) | {"secadmin": 200}},
    "accounts:staff-deactivate": {
        "get": duties(403) | {"secadmin": 200},
        "post": duties(403) | {"secadmin": 302},
    },
    "accounts:staff-reactivate": {"post": duties(403) | {"secadmin": 302}},
    "accounts:staff-invite": {"post": duties(403) | {"secadmin": 302}},
    "accounts:staff-set-password": {"get": duties(200), "post": duties(200, auditor=403)},
}


def duty_expectations(name, method) -> dict:
    entry = MATRIX[name]
    if method not in entry:
        return {}
    refused_to_all = {status for role, status in entry[method].items() if role != ANON} == {405}
    default = duties(405 if refused_to_all else 403)
    return {**default, **DUTY_STATUSES.get(name, {}).get(method, {})}


def matrix_cases(method):
    for name, entry in MATRIX.items():
        expectations = {**entry.get(method, {}), **duty_expectations(name, method)}
        for role, expected in expectations.items():
            yield pytest.param(name, role, expected, id=f"{method} {name} as {role}")


def test_duty_statuses_name_only_matrix_entries():
    assert not set(DUTY_STATUSES) - set(MATRIX)


def url_for(name, cast):
    builder = MATRIX[name].get("kwargs")
    return reverse(name, kwargs=builder(cast) if builder else None)


def client_for(role, client, client_as):
    return client if role == ANON else client_as(role)


def check(response, expected, url):
    if expected == LOGIN:
        assert response.status_code == 302, f"{url}: expected a redirect to login, got {response.status_code}"
        assert response["Location"].startswith(reverse("login")), (
            f"{url} redirected to {response['Location']}"
        )
    else:
        assert response.status_code == expected, f"{url}: expected {expected}, got {response.status_code}"


@pytest.mark.parametrize(("name", "role", "expected"), list(matrix_cases("get")))
def test_get(cast, client, client_as, name, role, expected):
    url = url_for(name, cast)
    check(client_for(role, client, client_as).get(url), expected, url)


@pytest.mark.parametrize(("name", "role", "expected"), list(matrix_cases("post")))
def test_post(cast, client, client_as, name, role, expected):
    url = url_for(name, cast)
    check(client_for(role, client, client_as).post(url, {}), expected, url)


def test_a_url_without_an_entry_fails_naming_it(monkeypatch):
    monkeypatch.delitem(MATRIX, "trainees:member-list")
    with pytest.raises(AssertionError, match="trainees:member-list"):
        test_every_url_pattern_has_an_entry()
