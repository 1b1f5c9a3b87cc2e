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

from trainees.models import Member

from .factories import BranchFactory, MemberFactory, TownshipFactory

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


def _review(cast):
    from .factories_evaluations import ImprovementItemFactory, QuarterlyReviewFactory

    review = QuarterlyReviewFactory(district=cast.township_a.district, townships=[cast.township_a])
    ImprovementItemFactory.create_batch(3, review=review, township=cast.township_a)
    return {"pk": review.pk}


def _item_a(cast):
    from .factories_evaluations import ImprovementItemFactory

    return {"pk": ImprovementItemFactory(township=cast.township_a).pk}


def _report_a(cast):
    from .factories_evaluations import AnnualReportFactory

    return {"pk": AnnualReportFactory(township=cast.township_a).pk}


def _evidence_a(cast):
    from django.core.files.base import ContentFile

    from evaluations.models import EvidenceFile, ImprovementEvidence

    from .factories_evaluations import ImprovementItemFactory

    item = ImprovementItemFactory(township=cast.township_a)
    evidence = ImprovementEvidence.objects.create(
        item=item, text="佐证", submitted_by=cast.users["township_a"]
    )
    attachment = EvidenceFile(evidence=evidence, name="a.pdf", size=9)
    attachment.file.save("budget-a.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    return {"pk": attachment.pk}


def _survey(cast):
    from .factories_courses import TagFactory
    from .factories_evaluations import make_survey

    return {"pk": make_survey(by=cast.users["county"], status="open", tags=[TagFactory(), TagFactory()]).pk}


def _plan(cast):
    from evaluations.models import TeachingPlan, TeachingPlanItem

    from .factories_courses import CourseFactory
    from .factories_evaluations import make_survey

    survey = make_survey(by=cast.users["county"], status="closed")
    plan = TeachingPlan.objects.create(survey=survey, domain="rural", title="计划", status="approved")
    TeachingPlanItem.objects.create(plan=plan, course=CourseFactory(), month=datetime.date(2026, 6, 1))
    return {"pk": plan.pk}


def _held_session_attended(cast):
    from courses.models import Attendance

    from .factories_courses import SessionFactory

    session = SessionFactory(township=cast.township_a, status="held")
    Attendance.objects.create(session=session, member=cast.trainee_member, status="present")
    return {"session_pk": session.pk}


def _task_of_trainee(cast):
    from .factories_evaluations import PracticeTaskFactory

    return {"pk": PracticeTaskFactory(member=cast.trainee_member).pk}


BUDGETS: dict[str, list[Budget]] = {
    "home": [
        Budget("county", 8),
        Budget("township_a", 10),
        Budget("instructor", 6),
        Budget("trainee", 8),
    ],
    "trainees:township-list": [Budget("county", 8), Budget("township_a", 8)],
    "trainees:township-detail": [Budget("county", 8, _township_a)],
    "trainees:member-list": [Budget("county", 10), Budget("township_a", 10)],
    "trainees:member-detail": [Budget("township_a", 8, _member_a)],
    "trainees:member-create": [Budget("township_a", 8)],
    "trainees:member-edit": [Budget("township_a", 10, _member_a)],
    "evaluations:review-list": [Budget("county", 8)],
    "evaluations:review-create": [Budget("county", 8)],
    "evaluations:review-detail": [Budget("county", 10, _review)],
    "evaluations:review-edit": [Budget("county", 10, _review)],
    "evaluations:item-create": [Budget("county", 8, _review)],
    "evaluations:item-list": [Budget("county", 12), Budget("township_a", 12)],
    "evaluations:item-detail": [Budget("county", 10, _item_a), Budget("township_a", 10, _item_a)],
    "evaluations:evidence-file": [Budget("township_a", 6, _evidence_a)],
    "evaluations:report-list": [Budget("county", 14), Budget("township_a", 8)],
    "evaluations:report-summary-xlsx": [Budget("county", 12)],
    "evaluations:report-detail": [Budget("county", 14, _report_a), Budget("township_a", 14, _report_a)],
    "evaluations:report-pdf": [Budget("county", 12, _report_a)],
    "evaluations:township-loop": [Budget("county", 12, _township_a), Budget("township_a", 12, _township_a)],
    "evaluations:survey-list": [Budget("county", 8), Budget("trainee", 10)],
    "evaluations:survey-create": [Budget("county", 10)],
    "evaluations:survey-detail": [Budget("county", 14, _survey)],
    "evaluations:survey-answer": [Budget("trainee", 12, _survey)],
    "evaluations:survey-results": [Budget("county", 18, _survey)],
    "evaluations:plan-list": [Budget("county", 8), Budget("township_a", 8)],
    "evaluations:plan-detail": [Budget("county", 10, _plan), Budget("township_a", 10, _plan)],
    "evaluations:feedback-mine": [Budget("trainee", 8)],
    "evaluations:feedback-create": [Budget("trainee", 8, _held_session_attended)],
    "evaluations:feedback-summary": [Budget("county", 8)],
    "evaluations:task-list": [Budget("county", 8), Budget("township_a", 8), Budget("trainee", 8)],
    "evaluations:task-create": [Budget("trainee", 8)],
    "evaluations:task-detail": [
        Budget("trainee", 8, _task_of_trainee),
        Budget("township_a", 8, _task_of_trainee),
    ],
    "evaluations:performance": [Budget("county", 10), Budget("township_a", 10)],
    "evaluations:performance-xlsx": [Budget("county", 10)],
}

NOT_PAGES = {
    "healthz": "health check, two fixed queries",
    "login": "Django's login form, no data",
    "logout": "POST only",
    "set_language": "POST only",
    "text-size": "POST only, no queries",
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
    url = reverse(url_name, kwargs=budget.kwargs(cast))
    client.force_login(cast.users[budget.role])
    small = count_queries(client, url)
    grow(cast)
    assert Member.objects.count() > 60
    large = count_queries(client, url)
    assert large == small, f"{url_name}: {small} queries on the small dataset, {large} on the larger one"
    assert large <= budget.ceiling, f"{url_name}: {large} queries, budget {budget.ceiling}"
