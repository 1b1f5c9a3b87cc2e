"""Needs surveys: answering once, results from the database, plans drafted from the top needs."""

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.workflow import IllegalTransition
from courses.models import Course, Session
from evaluations.models import PlannedSession, SurveyAnswer, SurveyResponse, TeachingPlan
from evaluations.selectors import survey_results
from evaluations.services import plan_item_to_session, plan_transition, plans_draft_from_survey, survey_answer
from tests.factories import BranchFactory, MemberFactory, MemberGroupFactory, TownshipFactory
from tests.factories_courses import CourseFactory, TagFactory
from tests.factories_evaluations import make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def tags():
    return [TagFactory(name="电子商务"), TagFactory(name="矛盾调解"), TagFactory(name="党史")]


@pytest.fixture
def survey(cast, tags):
    return make_survey(by=cast.users["county"], status="open", tags=tags)


def form_data(survey, choice=0, rating=4):
    q1, q2, q3, q4 = survey.questions.all()
    return {
        f"q{q1.pk}": q1.options.all()[choice].pk,
        f"q{q2.pk}": [o.pk for o in q2.options.all()[:2]],
        f"q{q3.pk}": rating,
        f"q{q4.pk}": "多安排现场教学",
    }


def answer(survey, member, choice=0, rating=4):
    q1, q2, q3, q4 = survey.questions.all()
    return survey_answer(
        survey=survey,
        member=member,
        answers={q1: q1.options.all()[choice].pk, q2: [q2.options.first().pk], q3: rating, q4: ""},
    )


def test_a_trainee_answers_once(cast, client_as, survey):
    client = client_as("trainee")
    assert survey.title in client.get(reverse("evaluations:survey-list")).text
    response = client.post(reverse("evaluations:survey-answer", args=[survey.pk]), form_data(survey))
    assert response.status_code == 302
    assert SurveyResponse.objects.get().member == cast.trainee_member
    assert SurveyAnswer.objects.filter(option__isnull=False).count() == 3
    again = client.post(
        reverse("evaluations:survey-answer", args=[survey.pk]), form_data(survey, 1), follow=True
    )
    assert "已经填写过" in again.text
    assert SurveyResponse.objects.count() == 1
    with pytest.raises(IllegalTransition):
        answer(survey, cast.trainee_member)


def test_the_database_refuses_a_second_response(cast, survey):
    answer(survey, cast.trainee_member)
    with pytest.raises(IntegrityError):
        SurveyResponse.objects.create(
            survey=survey, member=cast.trainee_member, township=cast.township_a, domain="rural"
        )


def test_a_member_outside_the_targets_cannot_answer(cast, client_as, survey):
    survey.target_townships.set([cast.township_b])
    assert client_as("trainee").get(reverse("evaluations:survey-answer", args=[survey.pk])).status_code == 403
    survey.target_townships.set([])
    survey.target_domains = ["school"]
    survey.save()
    assert client_as("trainee").get(reverse("evaluations:survey-answer", args=[survey.pk])).status_code == 403


def test_a_closed_survey_takes_no_answers(cast, client_as, survey):
    survey.transition("closed", by=cast.users["county"])
    assert client_as("trainee").get(reverse("evaluations:survey-answer", args=[survey.pk])).status_code == 404


@pytest.mark.parametrize("role", ["township_a", "instructor", "trainee"])
def test_only_county_staff_build_surveys_and_see_results(client_as, survey, role):
    assert client_as(role).get(reverse("evaluations:survey-results", args=[survey.pk])).status_code == 403
    assert client_as(role).get(reverse("evaluations:survey-create")).status_code == 403


def test_county_staff_build_a_survey_through_the_pages(cast, client_as, tags):
    client = client_as("county")
    client.post(reverse("evaluations:survey-create"), {"title": "需求问卷", "target_domains": ["rural"]})
    from evaluations.models import NeedsSurvey

    survey = NeedsSurvey.objects.get()
    url = reverse("evaluations:survey-question-add", args=[survey.pk])
    client.post(
        url, {"text": "需求", "kind": "single", "required": "on", "options": "电商|电子商务\n调解|矛盾调解"}
    )
    bad = client.post(
        url, {"text": "需求2", "kind": "multiple", "options": "甲|不存在的标签\n乙"}, follow=True
    )
    assert "没有这些专题标签" in bad.text
    question = survey.questions.get()
    assert [list(o.tags.values_list("name", flat=True)) for o in question.options.all()] == [
        ["电子商务"],
        ["矛盾调解"],
    ]
    client.post(reverse("evaluations:survey-transition", args=[survey.pk]), {"to": "open"})
    survey.refresh_from_db()
    assert survey.status == "open" and survey.events.get().by == cast.users["county"]


def _population(cast, survey, n):
    township = TownshipFactory()
    branch = BranchFactory(township=township, domain="enterprise")
    for i, member in enumerate(MemberFactory.create_batch(n, branch=branch)):
        answer(survey, member, choice=i % 3, rating=i % 5 + 1)
    return township


def test_results_equal_independent_counts_and_keep_a_constant_query_count(cast, survey):
    answer(survey, cast.trainee_member, choice=0, rating=5)
    answer(survey, cast.member_b, choice=1, rating=3)
    with CaptureQueriesContext(connection) as small:
        survey_results(survey)
    township = _population(cast, survey, 30)
    with CaptureQueriesContext(connection) as large:
        results = survey_results(survey)
    assert len(small) == len(large)
    q1, _q2, q3, _q4 = survey.questions.all()
    chart = next(r["chart"] for r in results["questions"] if r["question"] == q1)
    expected = [SurveyAnswer.objects.filter(option=o).count() for o in q1.options.all()]
    assert chart["values"] == expected and sum(expected) == 32
    ratings = next(r["chart"] for r in results["questions"] if r["question"] == q3)
    assert ratings["values"] == [
        sum(1 for a in SurveyAnswer.objects.filter(question=q3) if a.rating == r) for r in range(1, 6)
    ]
    rows = {r["township"].pk: r for r in results["by_township"]}
    assert (rows[cast.township_a.pk]["eligible"], rows[cast.township_a.pk]["responses"]) == (2, 1)
    assert rows[cast.township_a.pk]["rate"] == 50.0
    assert rows[township.pk]["rate"] == 100.0
    enterprise = dict(results["top_by_domain"])["非公有制企业"]
    assert dict(enterprise) == {"电子商务": 10, "矛盾调解": 10, "党史": 10}


def test_plans_follow_the_top_needs_and_become_township_sessions(cast, survey, tags):
    ecommerce, mediation, history = tags
    live = CourseFactory(title="农村电商直播实务", hours=3)
    live.tags.add(ecommerce)
    CourseFactory(title="党史专题", hours=2).tags.add(history)
    in_development = CourseFactory(title="开发中的电商课", stage=Course.Stage.TRIAL)
    in_development.tags.add(ecommerce)
    secretaries = MemberGroupFactory(code="secretary", name="支部书记")
    for member in MemberFactory.create_batch(5, branch=cast.branch_a):
        member.groups.add(secretaries)
        answer(survey, member, choice=0)  # 电子商务
    with pytest.raises(IllegalTransition):
        plans_draft_from_survey(survey=survey, by=cast.users["county"])
    survey.transition("closed", by=cast.users["county"])
    plans = plans_draft_from_survey(survey=survey, by=cast.users["county"])
    plan = next(p for p in plans if p.group_id == secretaries.pk)
    assert plan.domain == "rural" and plan.top_needs[0] == {"tag": "电子商务", "votes": 5}
    assert [i.course for i in plan.items.all()] == [live]
    with pytest.raises(IllegalTransition):
        plan_item_to_session(item=plan.items.get(), township=cast.township_a, by=cast.users["township_a"])
    plan_transition(plan=plan, to="approved", by=cast.users["county"])
    item = plan.items.get()
    session = plan_item_to_session(item=item, township=cast.township_a, by=cast.users["township_a"])
    assert (session.township, session.course, session.title, session.hours, session.status) == (
        cast.township_a,
        live,
        live.title,
        live.hours,
        Session.Status.DRAFT,
    )
    assert list(session.audience_groups.all()) == [secretaries]
    with pytest.raises(IllegalTransition):
        plan_item_to_session(item=item, township=cast.township_a, by=cast.users["township_a"])
    assert PlannedSession.objects.count() == 1
    # Redrafting keeps the approved plan.
    plans_draft_from_survey(survey=survey, by=cast.users["county"])
    assert TeachingPlan.objects.filter(pk=plan.pk, status="approved").exists()


def test_a_township_sees_approved_plans_only_and_another_role_none(cast, client_as, survey):
    survey.transition("closed", by=cast.users["county"])
    plan = TeachingPlan.objects.create(survey=survey, domain="rural", title="草稿计划")
    assert client_as("township_a").get(plan.get_absolute_url()).status_code == 404
    assert client_as("county").get(plan.get_absolute_url()).status_code == 200
    assert client_as("trainee").get(plan.get_absolute_url()).status_code == 403
