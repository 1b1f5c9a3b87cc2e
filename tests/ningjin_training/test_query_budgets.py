"""Query budgets: every page's SQL query count stays flat as data grows, under a written ceiling.

Each named URL pattern of the portal needs an entry in BUDGETS (role, ceiling,
URL kwargs) or in NOT_PAGES (with the reason it is not a page). A new URL with
neither fails ``test_every_url_pattern_has_a_budget``.
"""

import datetime
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import BranchFactory, MemberFactory, TownshipFactory
from tests.factories_courses import (
    CourseFactory,
    CourseRequestFactory,
    InstructorFactory,
    RouteStopFactory,
    TeachingBaseFactory,
    ThemeFactory,
)
from trainees.models import ImportBatch, Member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded files made for the pages land in a temporary folder."""
    settings.MEDIA_ROOT = tmp_path


@dataclass
class Budget:
    role: str
    ceiling: int
    kwargs: object = field(default=lambda cast: {})


def _township_a(cast):
    return {"pk": cast.township_a.pk}


def _member_a(cast):
    return {"pk": cast.member_a.pk}


def _hours_a(cast):
    """Manual hours of township A's members (recorded by a branch meeting) for the hours pages."""
    from courses.cycle.services import study_hours_record_branch

    study_hours_record_branch(
        branch=cast.branch_a,
        date=datetime.date(2026, 5, 8),
        hours=2,
        source="branch_meeting",
        by=cast.users["township_a"],
    )
    return {}


def _member_a_with_hours(cast):
    _hours_a(cast)
    return _member_a(cast)


def _import_batch_a(cast):
    batch = ImportBatch.objects.create(
        created_by=cast.users["township_a"],
        township=cast.township_a,
        original_name="名册.xlsx",
        file="imports/members/test.xlsx",
        errors=[{"row": 3, "name": "甲", "messages": ["缺少必填项：学历。"]}],
    )
    return {"pk": batch.pk}


def _course(cast):
    return {"pk": CourseFactory().pk}


def _township_course(cast):
    return {"pk": CourseFactory(township=cast.township_a, level="township").pk}


def _theme(cast):
    return {"pk": ThemeFactory().pk}


def _instructor(cast):
    return {"pk": InstructorFactory().pk}


def _base(cast):
    return {"pk": TeachingBaseFactory().pk}


def _route(cast):
    return {"pk": RouteStopFactory().route_id}


def _request_a(cast):
    return {"pk": CourseRequestFactory(township=cast.township_a).pk}


def _session_a(cast):
    """A live session of township A with the trainee and a few members enrolled and marked."""
    from courses.models import Attendance, Enrollment
    from tests.cycle_fixtures import live_session

    session = live_session(cast.township_a, open_signup=True, capacity=30)
    for member in (cast.trainee_member, cast.member_a):
        Enrollment.objects.create(session=session, member=member)
    Attendance.objects.create(session=session, member=cast.member_a, status=Attendance.Status.PRESENT)
    return session


def _api_tokens(cast):
    """A few tokens of township A's admin, one used and one revoked, for the token page."""
    from api.models import ApiToken

    for name in ("甲", "乙", "丙"):
        ApiToken.mint(cast.users["township_a"], name=name)
    return {}


def _session_pk(cast):
    return {"pk": _session_a(cast).pk}


def _sessions_a(cast):
    """Sessions of township A with instructors, a course and enrolments (what the list export joins)."""
    from tests.factories_courses import SessionFactory

    session = _session_a(cast)
    session.instructors.set([InstructorFactory(), InstructorFactory()])
    SessionFactory.create_batch(3, township=cast.township_a, course=CourseFactory())
    return {}


def _session_everyone_marked(cast):
    """A live session of township A with members enrolled and marked (rows that grow with the
    data are checked in tests/courses/cycle/test_exports.py)."""
    return {"pk": _session_a(cast).pk}


def _checkin(cast):
    from courses.cycle.services import checkin_token

    session = _session_a(cast)
    return {"pk": session.pk, "code": checkin_token(session)}


def _plan_a(cast):
    from courses.models import MonthlyPlan

    return {"pk": MonthlyPlan.objects.create(township=cast.township_a, month=datetime.date(2026, 6, 1)).pk}


def _member_feed(cast):
    from courses.cycle.views import _feed_token

    _session_a(cast)
    return {"token": _feed_token("member", cast.trainee_member.pk)}


def _township_feed(cast):
    from courses.cycle.views import _feed_token

    _session_a(cast)
    return {"token": _feed_token("township", cast.township_a.pk)}


def _review(cast):
    from tests.factories_evaluations import ImprovementItemFactory, QuarterlyReviewFactory

    review = QuarterlyReviewFactory(district=cast.township_a.district, townships=[cast.township_a])
    ImprovementItemFactory.create_batch(3, review=review, township=cast.township_a)
    return {"pk": review.pk}


def _items(cast):
    _review(cast)
    return {}


def _item_a(cast):
    from tests.factories_evaluations import ImprovementItemFactory

    return {"pk": ImprovementItemFactory(township=cast.township_a).pk}


def _report_a(cast):
    from tests.factories_evaluations import AnnualReportFactory

    return {"pk": AnnualReportFactory(township=cast.township_a).pk}


def _material_file(cast):
    from django.core.files.base import ContentFile

    from courses.models import CourseMaterial
    from tests.factories_courses import CourseFactory

    material = CourseMaterial(
        course=CourseFactory(), kind="document", title="资料", uploaded_by=cast.users["county"]
    )
    material.file.save("budget-m.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    return {"pk": material.course_id, "material_pk": material.pk}


def _evidence_a(cast):
    from django.core.files.base import ContentFile

    from evaluations.models import EvidenceFile, ImprovementEvidence
    from tests.factories_evaluations import ImprovementItemFactory

    item = ImprovementItemFactory(township=cast.township_a)
    evidence = ImprovementEvidence.objects.create(
        item=item, text="佐证", submitted_by=cast.users["township_a"]
    )
    attachment = EvidenceFile(evidence=evidence, name="a.pdf", size=9)
    attachment.file.save("budget-a.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    return {"pk": attachment.pk}


def _survey(cast):
    from tests.factories_courses import TagFactory
    from tests.factories_evaluations import make_survey

    return {"pk": make_survey(by=cast.users["county"], status="open", tags=[TagFactory(), TagFactory()]).pk}


def _survey_answered(cast):
    """An open survey answered by two members of township A."""
    from evaluations.models import NeedsSurvey
    from evaluations.services import survey_answer

    survey = NeedsSurvey.objects.get(pk=_survey(cast)["pk"])
    for member in (cast.member_a, cast.trainee_member):
        answers = {}
        for question in survey.questions.prefetch_related("options"):
            options = list(question.options.all())
            answers[question] = {
                "single": options[0].pk if options else None,
                "multiple": [o.pk for o in options[:2]],
                "rating": 5,
                "text": "多讲产业",
            }[question.kind]
        survey_answer(survey=survey, member=member, answers=answers)
    return {"pk": survey.pk}


def _plan(cast):
    from evaluations.models import TeachingPlan, TeachingPlanItem
    from tests.factories_courses import CourseFactory
    from tests.factories_evaluations import make_survey

    survey = make_survey(by=cast.users["county"], status="closed")
    plan = TeachingPlan.objects.create(survey=survey, domain="rural", title="计划", status="approved")
    TeachingPlanItem.objects.create(plan=plan, course=CourseFactory(), month=datetime.date(2026, 6, 1))
    return {"pk": plan.pk}


def _held_session_attended(cast):
    from courses.models import Attendance
    from tests.factories_courses import SessionFactory

    session = SessionFactory(township=cast.township_a, status="held")
    Attendance.objects.create(session=session, member=cast.trainee_member, status="present")
    return {"session_pk": session.pk}


def _rated_instructor(cast):
    from tests.factories_courses import InstructorFactory, SessionFactory
    from tests.factories_evaluations import SessionFeedbackFactory

    instructor = InstructorFactory(user=cast.users["instructor"])
    session = SessionFactory(township=cast.township_a, status="held")
    session.instructors.set([instructor])
    for member in (cast.member_a, cast.trainee_member):
        SessionFeedbackFactory(session=session, member=member, comment="很实用")
    return {"pk": instructor.pk}


def _task_of_trainee(cast):
    from tests.factories_evaluations import PracticeTaskFactory

    return {"pk": PracticeTaskFactory(member=cast.trainee_member).pk}


def _staff_account(cast):
    from tests.factories import make_user

    return {"pk": make_user("instructor", username="teacher-zhang").pk}


BUDGETS: dict[str, list[Budget]] = {
    "home": [
        # county +4, township +4, trainee +6: the monthly-cycle numbers (heatmap, hours, goal);
        # county +1 more: premium courses / star instructors / deliveries.
        Budget("county", 13),
        Budget("township_a", 14),
        Budget("instructor", 6),
        Budget("trainee", 14),
    ],
    "trainees:township-list": [Budget("county", 8), Budget("township_a", 8)],
    "trainees:township-detail": [Budget("county", 8, _township_a)],
    # member pages +2: the members' own SMS numbers and the numbers a gateway refused (the flag).
    "trainees:member-list": [Budget("county", 11), Budget("township_a", 11)],
    "trainees:member-detail": [Budget("township_a", 10, _member_a)],
    "trainees:member-create": [Budget("township_a", 8)],
    "trainees:member-edit": [Budget("township_a", 10, _member_a)],
    "audit-log": [Budget("auditor", 8)],
    "trainees:member-export": [Budget("county", 8), Budget("township_a", 8)],
    "trainees:member-import": [Budget("township_a", 6)],
    "trainees:member-import-history": [Budget("county", 8), Budget("township_a", 8)],
    "trainees:member-import-detail": [Budget("township_a", 8, _import_batch_a)],
    "courses:theme-list": [Budget("trainee", 5)],
    "courses:theme-detail": [Budget("trainee", 6, _theme)],
    "courses:theme-create": [Budget("county", 5)],
    "courses:theme-edit": [Budget("county", 7, _theme)],
    "courses:course-list": [Budget("county", 7), Budget("trainee", 7)],
    "courses:course-detail": [Budget("county", 14, _course), Budget("township_a", 13, _township_course)],
    "courses:course-create": [Budget("township_a", 6)],
    "courses:course-edit": [Budget("township_a", 8, _township_course)],
    "courses:course-board": [Budget("county", 5)],
    "courses:instructor-list": [Budget("trainee", 5)],
    "courses:instructor-detail": [Budget("trainee", 7, _instructor)],
    "courses:instructor-create": [Budget("county", 8)],
    "courses:instructor-edit": [Budget("county", 10, _instructor)],
    "courses:base-list": [Budget("trainee", 6)],
    "courses:base-create": [Budget("county", 5)],
    "courses:base-edit": [Budget("county", 6, _base)],
    "courses:route-detail": [Budget("trainee", 7, _route)],
    "courses:route-list": [Budget("trainee", 6), Budget("county", 6)],
    "courses:route-create": [Budget("county", 6)],
    "courses:route-edit": [Budget("county", 8, _route)],
    "courses:request-list": [Budget("county", 6), Budget("township_a", 6), Budget("instructor", 6)],
    "courses:request-create": [Budget("township_a", 6)],
    "courses:request-detail": [Budget("county", 8, _request_a), Budget("township_a", 6, _request_a)],
    "courses:session-list": [Budget("county", 6), Budget("township_a", 6)],
    # Exports: every row of the page in one file, in a fixed number of queries (the audit row included).
    "courses:session-list-xlsx": [Budget("county", 8, _sessions_a), Budget("township_a", 8, _sessions_a)],
    "courses:session-create": [Budget("township_a", 14), Budget("county", 14)],
    "courses:session-detail": [Budget("township_a", 12, _session_pk), Budget("trainee", 12, _session_pk)],
    "courses:session-edit": [Budget("township_a", 16, _session_pk)],
    "courses:session-series": [Budget("township_a", 10, _session_pk)],
    "courses:session-enrollments": [Budget("township_a", 10, _session_pk)],
    "courses:session-projector": [Budget("township_a", 10, _session_pk)],
    "courses:session-checkin": [Budget("trainee", 12, _checkin)],
    "courses:attendance-sheet": [Budget("township_a", 12, _session_pk)],
    "courses:attendance-xlsx": [Budget("township_a", 8, _session_everyone_marked)],
    "courses:plan-list": [Budget("county", 10), Budget("township_a", 10)],
    "courses:plan-detail": [Budget("township_a", 14, _plan_a)],
    "courses:ledger-township": [Budget("county", 14), Budget("township_a", 14)],
    "courses:ledger-member": [Budget("township_a", 12, _member_a)],
    "courses:ledger-xlsx": [Budget("county", 8, _hours_a), Budget("township_a", 8, _hours_a)],
    "courses:ledger-member-xlsx": [Budget("township_a", 10, _member_a_with_hours)],
    "courses:hours-member": [Budget("township_a", 8, _member_a_with_hours)],
    "courses:hours-branch": [Budget("township_a", 9, _hours_a), Budget("county", 9, _hours_a)],
    "courses:my-schedule": [Budget("trainee", 8)],
    "courses:my-hours": [Budget("trainee", 8)],
    "courses:feed-member": [Budget("trainee", 6, _member_feed)],
    "courses:feed-township": [Budget("trainee", 6, _township_feed)],
    "courses:feed-member-reset": [Budget("trainee", 6)],
    "courses:feed-township-reset": [Budget("township_a", 6)],
    "courses:heatmap": [Budget("county", 8), Budget("township_a", 8)],
    "evaluations:review-list": [Budget("county", 8)],
    "evaluations:review-create": [Budget("county", 8)],
    "evaluations:review-detail": [Budget("county", 10, _review)],
    "evaluations:review-edit": [Budget("county", 10, _review)],
    "evaluations:item-create": [Budget("county", 8, _review)],
    "evaluations:item-list": [Budget("county", 12), Budget("township_a", 12)],
    "evaluations:item-list-xlsx": [Budget("county", 8, _items), Budget("township_a", 8, _items)],
    "evaluations:item-detail": [Budget("county", 10, _item_a), Budget("township_a", 10, _item_a)],
    "evaluations:evidence-file": [Budget("township_a", 6, _evidence_a)],
    "courses:material-file": [Budget("trainee", 6, _material_file)],
    "evaluations:report-list": [Budget("county", 14), Budget("township_a", 8)],
    "evaluations:report-summary-xlsx": [Budget("county", 13)],  # +1: the audit row of the export
    "evaluations:report-detail": [Budget("county", 12, _report_a), Budget("township_a", 12, _report_a)],
    "evaluations:report-pdf": [Budget("county", 12, _report_a)],
    "evaluations:township-loop": [Budget("county", 12, _township_a), Budget("township_a", 12, _township_a)],
    "evaluations:survey-list": [Budget("county", 8), Budget("trainee", 10)],
    "evaluations:survey-create": [Budget("county", 10)],
    "evaluations:survey-detail": [Budget("county", 14, _survey)],
    "evaluations:survey-answer": [Budget("trainee", 12, _survey)],
    "evaluations:survey-results": [Budget("county", 18, _survey)],
    "evaluations:survey-results-xlsx": [Budget("county", 10, _survey_answered)],
    "evaluations:plan-list": [Budget("county", 8), Budget("township_a", 8)],
    "evaluations:plan-detail": [Budget("county", 10, _plan), Budget("township_a", 10, _plan)],
    "evaluations:feedback-mine": [Budget("trainee", 8)],
    "evaluations:feedback-create": [Budget("trainee", 8, _held_session_attended)],
    "evaluations:feedback-summary": [Budget("county", 8)],
    "evaluations:my-ratings": [Budget("instructor", 8, lambda cast: (_rated_instructor(cast), {})[1])],
    "evaluations:instructor-ratings": [
        Budget("county", 8, _rated_instructor),
        Budget("instructor", 8, _rated_instructor),
    ],
    "evaluations:task-list": [Budget("county", 8), Budget("township_a", 8), Budget("trainee", 8)],
    "evaluations:task-create": [Budget("trainee", 8)],
    "evaluations:task-detail": [
        Budget("trainee", 8, _task_of_trainee),
        Budget("township_a", 8, _task_of_trainee),
    ],
    "evaluations:performance": [Budget("county", 10), Budget("township_a", 10)],
    "evaluations:performance-xlsx": [Budget("county", 10)],
    "notifications:inbox": [Budget("trainee", 8), Budget("county", 8)],
    "notifications:preferences": [Budget("trainee", 8)],
    "notifications:reminder-list": [Budget("county", 8)],
    "accounts:staff-list": [Budget("county", 8)],
    "accounts:staff-create": [Budget("county", 8)],
    "accounts:staff-edit": [Budget("county", 10, _staff_account)],
    "accounts:staff-deactivate": [Budget("county", 8, _staff_account)],
    "accounts:staff-sign-ins": [Budget("county", 10, _township_a), Budget("township_a", 10, _township_a)],
    # The integration API (session auth here; tokens add no query per row).
    "api:township-list": [Budget("county", 8), Budget("township_a", 8)],
    "api:township-detail": [Budget("county", 8, _township_a), Budget("township_a", 8, _township_a)],
    "api:session-list": [Budget("county", 8, _sessions_a), Budget("township_a", 8, _sessions_a)],
    "api:session-detail": [Budget("county", 8, _session_pk), Budget("township_a", 8, _session_pk)],
    "api:tokens": [Budget("township_a", 8, _api_tokens)],
}

NOT_PAGES = {
    "api:schema": "the OpenAPI document, generated from code, no data (tests/api/test_api.py)",
    "api:docs": "Swagger UI's shell page, no data",
    "api:token-revoke": "a confirmation of one of the user's own tokens, then a POST",
    # Sign-in (accounts, django-allauth): forms about the signed-in login alone, no lists.
    **dict.fromkeys(
        [
            "account_login",
            "account_logout",
            "account_inactive",
            "account_request_login_code",
            "account_confirm_login_code",
            "account_change_password",
            "account_set_password",
            "account_reauthenticate",
            "account_request_reauthentication_code",
            "account_confirm_reauthentication_code",
            "accounts:password-reset",
            "accounts:password-reset-confirm",
            "mfa_index",
            "mfa_authenticate",
            "mfa_reauthenticate",
            "mfa_activate_totp",
            "mfa_deactivate_totp",
            "mfa_view_recovery_codes",
            "mfa_generate_recovery_codes",
            "mfa_download_recovery_codes",
        ],
        "a sign-in or second-factor form about one login, no list (tests/accounts)",
    ),
    "accounts:release-phone": "a POST that changes one member and redirects",
    "accounts:reset-second-factor": "a POST that changes one login and redirects",
    "audit-export": "a streamed download of the whole audit chain: one query per 2,000 rows (tests/ningjin_training/test_duties.py)",
    "healthz": "health check, three fixed queries",
    "login": "Django's login form, no data",
    "logout": "POST only",
    "set_language": "POST only",
    "text-size": "POST only, no queries",
    "trainees:member-reveal": "POST only (audited reveal of one member)",
    "trainees:member-import-confirm": "POST only; the import's own budget is in test_import_service.py",
    "trainees:member-import-file": "file download of one scoped batch",
    "courses:course-stage": "POST only (pipeline step)",
    "courses:material-add": "POST only (upload)",
    "courses:material-delete": "POST only",
    "courses:link-add": "POST only",
    "courses:link-delete": "POST only",
    "courses:request-action": "POST only (delivery workflow moves)",
    "courses:session-transition": "POST only (status move)",
    "courses:session-cancel": "POST only",
    "courses:session-duplicate": "POST only",
    "courses:session-invite": "POST only, one bulk insert",
    "courses:session-signup": "POST only",
    "courses:session-withdraw": "POST only",
    "evaluations:item-evidence": "POST only",
    "evaluations:item-transition": "POST only",
    "evaluations:report-start": "POST only",
    "evaluations:report-transition": "POST only",
    "evaluations:survey-question-add": "POST only",
    "evaluations:survey-transition": "POST only",
    "evaluations:survey-plans-draft": "POST only",
    "evaluations:plan-item-add": "POST only",
    "evaluations:plan-item-delete": "POST only",
    "evaluations:plan-transition": "POST only",
    "evaluations:plan-item-session": "POST only",
    "evaluations:task-report": "POST only",
    "evaluations:task-transition": "POST only",
    "notifications:mark-read": "POST only",
    "notifications:mark-all-read": "POST only",
    "accounts:staff-reactivate": "POST only",
    "accounts:staff-invite": "POST only (one SMS)",
    "accounts:staff-set-password": "the one-time SMS link: one user lookup, then a two-field form",
}


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin" or str(entry.pattern).startswith("admin/"):
                continue
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_patterns(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_url_pattern_has_a_budget():
    missing = sorted(set(_named_patterns()) - set(BUDGETS) - set(NOT_PAGES))
    assert not missing, f"URL patterns without a query budget (add them to BUDGETS or NOT_PAGES): {missing}"


def grow(cast):
    """Ten times more of everything the pages list."""
    for _ in range(3):
        township = TownshipFactory()
        for _ in range(3):
            branch = BranchFactory(township=township)
            MemberFactory.create_batch(5, branch=branch)
    extra_a = BranchFactory(township=cast.township_a)
    MemberFactory.create_batch(30, branch=extra_a)
    MemberFactory.create_batch(10, branch=cast.branch_a)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return len(queries)


CASES = [(name, budget) for name, budgets in BUDGETS.items() for budget in budgets]


@pytest.mark.parametrize(("url_name", "budget"), CASES, ids=[f"{n}-{b.role}" for n, b in CASES])
def test_query_count_is_flat_and_under_budget(cast, client, url_name, budget):
    kwargs = budget.kwargs(cast)
    code = kwargs.pop("code", None)
    url = reverse(url_name, kwargs=kwargs) + (f"?code={code}" if code else "")
    client.force_login(cast.users[budget.role])
    small = count_queries(client, url)
    grow(cast)
    assert Member.objects.count() > 60
    large = count_queries(client, url)
    assert large == small, f"{url_name}: {small} queries on the small dataset, {large} on the larger one"
    assert large <= budget.ceiling, f"{url_name}: {large} queries, budget {budget.ceiling}"
