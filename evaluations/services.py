"""Write workflows of the evaluations app: rectification, annual-report review.

Each service checks *who* may make the move; the model's ``transition()``
checks *whether* the move is allowed and records who/when.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from core.periods import add_months
from core.roles import Role, role_of
from core.workflow import IllegalTransition
from courses.models import Attendance, Course, Session, Tag
from trainees.models import Branch, Member, MemberGroup, Township
from trainees.scoping import member_id_of, township_id_of

from .models import (
    AnnualReport,
    EvidenceFile,
    ImprovementEvidence,
    ImprovementItem,
    NeedsSurvey,
    PlannedSession,
    PracticeTask,
    SessionFeedback,
    SurveyAnswer,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
    TeachingPlan,
    TeachingPlanItem,
)
from .selectors import township_metrics


def owns(user, township_id: int | None) -> bool:
    """A township's admin owns its rows; county staff own the county's own rows (no township)."""
    role = role_of(user)
    if township_id is None:
        return role == Role.COUNTY
    return role == Role.TOWNSHIP and township_id_of(user) == township_id


def _check_mover(user, township_id: int | None, to: str, county_moves: frozenset[str]) -> None:
    if to in county_moves:
        if role_of(user) != Role.COUNTY:
            raise PermissionDenied
    elif not owns(user, township_id):
        raise PermissionDenied


@transaction.atomic
def item_transition(*, item: ImprovementItem, to: str, by, note: str = "") -> ImprovementItem:
    """Start, verify or send back an improvement item (evidence goes through item_submit_evidence)."""
    if to == ImprovementItem.Status.RECTIFIED:
        raise IllegalTransition(_("提交整改须附整改情况说明。"))
    _check_mover(by, item.township_id, to, ImprovementItem.COUNTY_MOVES)
    item.transition(to, by=by, note=note)
    return item


@transaction.atomic
def item_submit_evidence(
    *, item: ImprovementItem, by, text: str, files: Iterable[UploadedFile] = ()
) -> ImprovementEvidence:
    """The owner reports the item rectified with a description and files (already type/size-checked)."""
    _check_mover(by, item.township_id, ImprovementItem.Status.RECTIFIED, ImprovementItem.COUNTY_MOVES)
    if not (text or "").strip():
        raise IllegalTransition(_("提交整改须附整改情况说明。"))
    item.transition(ImprovementItem.Status.RECTIFIED, by=by, note=text.strip()[:200])
    evidence = ImprovementEvidence.objects.create(
        item=item, text=text.strip(), submitted_by=by, submitted_at=timezone.now()
    )
    for upload in files:
        EvidenceFile.objects.create(evidence=evidence, file=upload, name=upload.name[:200], size=upload.size)
    return evidence


@transaction.atomic
def report_start(*, township: Township, year: int, by) -> AnnualReport:
    """The township's report for ``year``, created as a draft on first use."""
    if not owns(by, township.pk):
        raise PermissionDenied
    report, _created = AnnualReport.objects.get_or_create(
        township=township, year=year, defaults={"created_by": by}
    )
    return report


@transaction.atomic
def report_transition(*, report: AnnualReport, to: str, by, note: str = "") -> AnnualReport:
    """Submit (freezing the metrics), approve or return an annual report."""
    _check_mover(by, report.township_id, to, AnnualReport.COUNTY_MOVES)
    if to == AnnualReport.Status.SUBMITTED and report.can_transition(to):
        if not all(
            [report.capability_gains.strip(), report.problems_solved.strip(), report.next_year_plan.strip()]
        ):
            raise IllegalTransition(_("请先填写能力提升、解决问题和改进措施三部分内容再提交。"))
        # Frozen here: later attendance, feedback or rectification no longer changes the report.
        report.metrics = township_metrics([report.township_id], report.year)[report.township_id]
    report.transition(to, by=by, note=note)
    return report


# ---- Issue B: surveys, plans, feedback, practice -----------------------------------------------

PLAN_TOP_TAGS = 3
PLAN_COURSES = 3
PLAN_MIN_RESPONSES = 5


@transaction.atomic
def survey_question_add(
    *, survey: NeedsSurvey, text: str, kind: str, required: bool, options: list[tuple[str, list[Tag]]]
) -> SurveyQuestion:
    """Add a question (with options and their topic tags) to a survey still in draft."""
    if survey.status != NeedsSurvey.Status.DRAFT:
        raise IllegalTransition(_("问卷已发布，不能再修改题目。"))
    order = survey.questions.count() + 1
    question = SurveyQuestion.objects.create(
        survey=survey, order=order, text=text, kind=kind, required=required
    )
    for i, (option_text, tags) in enumerate(options, start=1):
        option = SurveyOption.objects.create(question=question, order=i, text=option_text)
        option.tags.set(tags)
    return question


@transaction.atomic
def survey_transition(*, survey: NeedsSurvey, to: str, by) -> NeedsSurvey:
    if role_of(by) != Role.COUNTY:
        raise PermissionDenied
    if to == NeedsSurvey.Status.OPEN and not survey.questions.exists():
        raise IllegalTransition(_("问卷还没有题目。"))
    survey.transition(to, by=by)
    return survey


@transaction.atomic
def survey_answer(
    *, survey: NeedsSurvey, member: Member, answers: dict[SurveyQuestion, object]
) -> SurveyResponse:
    """Store one member's answers; a second answer is refused (and the database enforces it)."""
    if survey.status != NeedsSurvey.Status.OPEN:
        raise IllegalTransition(_("问卷未在答卷期内。"))
    if not survey.targets_member(member):
        raise PermissionDenied
    if SurveyResponse.objects.filter(survey=survey, member=member).exists():
        raise IllegalTransition(_("您已经填写过这份问卷。"))
    response = SurveyResponse.objects.create(
        survey=survey, member=member, township_id=member.branch.township_id, domain=member.branch.domain
    )
    rows = []
    for question, value in answers.items():
        if value in (None, "", []):
            continue
        if question.kind == SurveyQuestion.Kind.MULTIPLE:
            rows += [SurveyAnswer(response=response, question=question, option_id=int(v)) for v in value]
        elif question.kind == SurveyQuestion.Kind.SINGLE:
            rows.append(SurveyAnswer(response=response, question=question, option_id=int(value)))
        elif question.kind == SurveyQuestion.Kind.RATING:
            rows.append(SurveyAnswer(response=response, question=question, rating=int(value)))
        else:
            rows.append(SurveyAnswer(response=response, question=question, text=str(value)))
    SurveyAnswer.objects.bulk_create(rows)
    return response


def _first_of_next_months(count: int) -> list[datetime.date]:
    today = timezone.localdate()
    return [add_months(today, ahead) for ahead in range(1, count + 1)]


@transaction.atomic
def plans_draft_from_survey(*, survey: NeedsSurvey, by) -> list[TeachingPlan]:
    """Draft one plan per domain × member group from a closed survey's top needs (缺什么补什么).

    Courses are proposed when their topic tags match the group's most chosen tags,
    best match first, one a month over the coming months. Existing drafts of the
    survey are replaced; approved plans are kept.
    """
    if role_of(by) != Role.COUNTY:
        raise PermissionDenied
    if survey.status != NeedsSurvey.Status.CLOSED:
        raise IllegalTransition(_("问卷结束后才能生成教学计划。"))
    survey.plans.filter(status=TeachingPlan.Status.DRAFT).delete()
    kept = set(survey.plans.values_list("domain", "group_id"))
    votes: dict[tuple[str, int | None], dict[int, int]] = {}
    for domain, group_id, tag_id, n in (
        SurveyAnswer.objects.filter(question__survey=survey, option__tags__isnull=False)
        .values_list("response__domain", "response__member__groups", "option__tags")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        votes.setdefault((domain, group_id), {})[tag_id] = n
    respondents = dict(
        ((domain, group_id), n)
        for domain, group_id, n in survey.responses.values_list("domain", "member__groups")
        .annotate(n=Count("pk"))
        .order_by()
    )
    course_tags: dict[int, set[int]] = {}
    for course_id, tag_id in Course.tags.through.objects.filter(
        course__stage__in=(Course.Stage.STANDARD, Course.Stage.PREMIUM)
    ).values_list("course_id", "tag_id"):
        course_tags.setdefault(course_id, set()).add(tag_id)
    tag_names = dict(Tag.objects.values_list("pk", "name"))
    group_names = dict(MemberGroup.objects.values_list("pk", "name"))
    domain_labels = dict(Branch.Domain.choices)
    months = _first_of_next_months(PLAN_COURSES)
    plans, items = [], []
    for (domain, group_id), tags in sorted(votes.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        # Too few respondents say little about a group's needs: no plan for it.
        if (domain, group_id) in kept or respondents.get((domain, group_id), 0) < PLAN_MIN_RESPONSES:
            continue
        top = sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:PLAN_TOP_TAGS]
        scores = {
            course_id: sum(n for tag_id, n in top if tag_id in course_tag_ids)
            for course_id, course_tag_ids in course_tags.items()
        }
        best = sorted((c for c, s in scores.items() if s > 0), key=lambda c: (-scores[c], c))[:PLAN_COURSES]
        group_label = group_names.get(group_id, _("普通党员"))
        plan = TeachingPlan(
            survey=survey,
            domain=domain,
            group_id=group_id,
            title=_("%(domain)s · %(group)s 分类教学计划")
            % {"domain": domain_labels.get(domain, domain), "group": group_label},
            top_needs=[{"tag": tag_names[tag_id], "votes": n} for tag_id, n in top],
        )
        plans.append(plan)
        items.append([(course_id, month) for course_id, month in zip(best, months, strict=False)])
    TeachingPlan.objects.bulk_create(plans)
    TeachingPlanItem.objects.bulk_create(
        [
            TeachingPlanItem(plan=plan, course_id=course_id, month=month)
            for plan, plan_items in zip(plans, items, strict=True)
            for course_id, month in plan_items
        ]
    )
    return plans


@transaction.atomic
def plan_transition(*, plan: TeachingPlan, to: str, by) -> TeachingPlan:
    if role_of(by) != Role.COUNTY:
        raise PermissionDenied
    if to == TeachingPlan.Status.APPROVED and not plan.items.exists():
        raise IllegalTransition(_("计划中还没有课程。"))
    plan.transition(to, by=by)
    return plan


@transaction.atomic
def plan_item_to_session(*, item: TeachingPlanItem, township: Township, by) -> Session:
    """A township turns an approved plan item into a draft monthly session it then completes."""
    if not owns(by, township.pk):
        raise PermissionDenied
    if item.plan.status != TeachingPlan.Status.APPROVED:
        raise IllegalTransition(_("教学计划审定后才能排课。"))
    if PlannedSession.objects.filter(item=item, township=township).exists():
        raise IllegalTransition(_("本乡镇已按该计划课程生成过场次。"))
    start = timezone.make_aware(datetime.datetime(item.month.year, item.month.month, 15, 9))
    course = item.course
    session = Session.objects.create(
        township=township,
        course=course,
        title=course.title,
        hours=course.hours,
        kind=Session.Kind.MONTHLY,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=max(1, int(course.hours))),
        audience_domains=[item.plan.domain],
        status=Session.Status.DRAFT,
        created_by=by,
    )
    if item.plan.group_id:
        session.audience_groups.add(item.plan.group_id)
    PlannedSession.objects.create(item=item, township=township, session=session)
    return session


def attended_session(*, member: Member, session_id: int):
    """The held session ``member`` checked in to (present or late), or None."""
    return (
        Session.objects.filter(
            pk=session_id,
            status__in=(Session.Status.HELD, Session.Status.CLOSED),
            attendances__member=member,
            attendances__status__in=(Attendance.Status.PRESENT, Attendance.Status.LATE),
        )
        .select_related("course", "township")
        .first()
    )


@transaction.atomic
def feedback_submit(
    *, member: Member, session: Session, content: int, instructor: int, usefulness: int, comment: str = ""
) -> SessionFeedback:
    """Rate a session once, only after checking in to it."""
    if attended_session(member=member, session_id=session.pk) is None:
        raise PermissionDenied
    if SessionFeedback.objects.filter(session=session, member=member).exists():
        raise IllegalTransition(_("您已经评价过这次培训。"))
    try:
        with transaction.atomic():
            return SessionFeedback.objects.create(
                session=session,
                member=member,
                content=content,
                instructor=instructor,
                usefulness=usefulness,
                comment=comment.strip(),
            )
    except IntegrityError as error:  # a double click that raced the check above
        raise IllegalTransition(_("您已经评价过这次培训。")) from error


@transaction.atomic
def task_report(
    *,
    task: PracticeTask,
    by,
    satisfaction_pct: Decimal | None,
    problem_solved: bool | None,
    innovations: str,
    outcome: str,
) -> PracticeTask:
    """The member reports the outcome of their practice task."""
    if member_id_of(by) != task.member_id:
        raise PermissionDenied
    task.satisfaction_pct = satisfaction_pct
    task.problem_solved = problem_solved
    task.innovations = innovations.strip()
    task.outcome = outcome.strip()
    task.transition(PracticeTask.Status.REPORTED, by=by)
    return task


@transaction.atomic
def task_transition(*, task: PracticeTask, to: str, by, note: str = "") -> PracticeTask:
    """Verify or return (the member's township or the county), or cancel (the member)."""
    if to in PracticeTask.VERIFIER_MOVES:
        township_id = task.member.branch.township_id
        if not (role_of(by) == Role.COUNTY or owns(by, township_id)):
            raise PermissionDenied
    elif member_id_of(by) != task.member_id:
        raise PermissionDenied
    task.transition(to, by=by, note=note)
    return task
