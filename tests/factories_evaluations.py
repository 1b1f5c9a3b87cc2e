"""Factories for the evaluations app."""

import datetime

import factory

from evaluations.models import AnnualReport, ImprovementItem, PracticeTask, QuarterlyReview, SessionFeedback
from tests.factories import DistrictFactory, MemberFactory, TownshipFactory, UserFactory
from tests.factories_courses import SessionFactory


class QuarterlyReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuarterlyReview
        skip_postgeneration_save = True

    district = factory.SubFactory(DistrictFactory)
    year = 2026
    quarter = factory.Sequence(lambda n: n % 4 + 1)
    held_on = factory.LazyAttribute(lambda o: datetime.date(o.year, o.quarter * 3, 10))
    venue = "县委党校报告厅"
    agenda = "交流各乡镇月训开展情况"
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def townships(self, create, extracted, **kwargs):
        if create and extracted:
            self.townships.set(extracted)


class ImprovementItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImprovementItem

    review = factory.SubFactory(QuarterlyReviewFactory)
    township = factory.SubFactory(TownshipFactory)
    problem = factory.Sequence(lambda n: f"问题{n}：集体备课记录不完整")
    measure = "每月集体备课留存记录"
    owner = "张书记"
    due_date = datetime.date(2026, 9, 30)
    evidence_required = "备课记录照片"
    created_by = factory.SubFactory(UserFactory)


class AnnualReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualReport

    township = factory.SubFactory(TownshipFactory)
    year = 2026
    capability_gains = "党员理论水平和履职能力明显提升"
    problems_solved = "解决群众急难愁盼问题12件"
    next_year_plan = "加强现场教学"
    created_by = factory.SubFactory(UserFactory)


class PracticeTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeTask

    member = factory.SubFactory(MemberFactory)
    kind = PracticeTask.Kind.MEDIATION
    title = factory.Sequence(lambda n: f"实践任务{n}")
    due_date = datetime.date(2026, 6, 30)


class SessionFeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionFeedback

    session = factory.SubFactory(SessionFactory)
    member = factory.SubFactory(MemberFactory)
    content = 5
    instructor = 4
    usefulness = 4


def make_survey(*, by, status="draft", tags=()):
    """A survey with a single-choice question whose options carry ``tags``, a multiple, a rating, a text."""
    from evaluations.models import NeedsSurvey
    from evaluations.services import survey_question_add

    survey = NeedsSurvey.objects.create(title="2026年培训需求调查", created_by=by)
    survey_question_add(
        survey=survey,
        text="您最需要哪方面的培训？",
        kind="single",
        required=True,
        options=[(f"选项{i}", [tag]) for i, tag in enumerate(tags, start=1)] or [("理论", []), ("技能", [])],
    )
    survey_question_add(
        survey=survey,
        text="您希望的培训形式（可多选）",
        kind="multiple",
        required=False,
        options=[("课堂讲授", []), ("现场教学", []), ("线上学习", [])],
    )
    survey_question_add(survey=survey, text="对去年培训的满意度", kind="rating", required=True, options=[])
    survey_question_add(survey=survey, text="其他建议", kind="text", required=False, options=[])
    if status != "draft":
        NeedsSurvey.objects.filter(pk=survey.pk).update(status=status)
        survey.refresh_from_db()
    return survey
