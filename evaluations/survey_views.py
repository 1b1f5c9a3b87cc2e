"""Pages of needs surveys (培训需求问卷) and the classified teaching plans drafted from them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.roles import STAFF_ROLES, Role, role_of, role_required
from core.spreadsheets import xlsx_download
from core.workflow import IllegalTransition
from trainees.exporting import dated_filename, export_grant
from trainees.models import Member, Township
from trainees.scoping import member_id_of, township_id_of

from . import exports, selectors, services
from .forms import NeedsSurveyForm, PlanItemForm, QuestionForm, SurveyAnswerForm, TransitionForm
from .models import NeedsSurvey, PlannedSession, SurveyOption, SurveyResponse, TeachingPlan, TeachingPlanItem


def _me(request) -> Member | None:
    member_id = member_id_of(request.user)
    if member_id is None:
        return None
    return Member.objects.select_related("branch").filter(pk=member_id).first()


@role_required(Role.COUNTY, Role.TRAINEE)
def survey_list(request):
    """County staff: every survey; a trainee: the open surveys aimed at them."""
    if role_of(request.user) == Role.TRAINEE:
        member = _me(request)
        surveys = []
        if member is not None:
            answered = set(SurveyResponse.objects.filter(member=member).values_list("survey_id", flat=True))
            surveys = [
                (s, s.pk in answered)
                for s in NeedsSurvey.objects.for_member(member)
                if not s.target_domains or member.branch.domain in s.target_domains
            ]
        return render(request, "evaluations/survey_list_trainee.html", {"surveys": surveys})
    surveys = NeedsSurvey.objects.annotate(
        question_count=Count("questions", distinct=True), response_count=Count("responses", distinct=True)
    )
    return render(request, "evaluations/survey_list.html", {"surveys": surveys})


@role_required(Role.COUNTY)
def survey_create(request):
    form = NeedsSurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.created_by = request.user
        survey = form.save()
        messages.success(request, _("已创建问卷，请添加题目。"))
        return redirect(survey)
    return render(request, "evaluations/survey_form.html", {"form": form})


@role_required(Role.COUNTY)
def survey_detail(request, pk):
    survey = get_object_or_404(
        NeedsSurvey.objects.visible_to(request.user).prefetch_related(
            "target_townships",
            "target_groups",
            Prefetch("questions__options", queryset=SurveyOption.objects.prefetch_related("tags")),
        ),
        pk=pk,
    )
    plans = survey.plans.select_related("group").annotate(item_count=Count("items"))
    return render(
        request,
        "evaluations/survey_detail.html",
        {
            "survey": survey,
            "question_form": QuestionForm(),
            "plans": plans,
            "response_count": survey.responses.count(),
        },
    )


@require_POST
@role_required(Role.COUNTY)
def survey_question_add(request, pk):
    survey = get_object_or_404(NeedsSurvey.objects.managed_by(request.user), pk=pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.survey_question_add(
                survey=survey,
                text=data["text"],
                kind=data["kind"],
                required=data["required"],
                options=data["parsed_options"],
            )
        except IllegalTransition as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已添加题目。"))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(survey)


@require_POST
@role_required(Role.COUNTY)
def survey_transition(request, pk):
    survey = get_object_or_404(NeedsSurvey.objects.managed_by(request.user), pk=pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.survey_transition(survey=survey, to=form.cleaned_data["to"], by=request.user)
        except IllegalTransition as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("问卷状态已更新为“%(status)s”。") % {"status": survey.get_status_display()}
            )
    return redirect(survey)


@role_required(Role.TRAINEE)
def survey_answer(request, pk):
    member = _me(request)
    survey = get_object_or_404(NeedsSurvey.objects.open(), pk=pk)
    if member is None or not survey.targets_member(member):
        raise PermissionDenied
    if SurveyResponse.objects.filter(survey=survey, member=member).exists():
        messages.info(request, _("您已经填写过这份问卷，谢谢！"))
        return redirect("evaluations:survey-list")
    questions = list(survey.questions.prefetch_related("options"))
    form = SurveyAnswerForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_answer(survey=survey, member=member, answers=form.answers())
        except IllegalTransition as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("问卷已提交，谢谢您的参与！"))
        return redirect("evaluations:survey-list")
    return render(request, "evaluations/survey_answer.html", {"survey": survey, "form": form})


@role_required(Role.COUNTY)
def survey_results(request, pk):
    survey = get_object_or_404(
        NeedsSurvey.objects.visible_to(request.user).prefetch_related("target_townships", "target_groups"),
        pk=pk,
    )
    return render(
        request, "evaluations/survey_results.html", {"survey": survey, **selectors.survey_results(survey)}
    )


@require_GET
@role_required(Role.COUNTY)
def survey_results_xlsx(request, pk):
    """Every answer sheet of the survey as .xlsx (townships and domains, no names)."""
    survey = get_object_or_404(NeedsSurvey.objects.visible_to(request.user), pk=pk)
    export_grant(request, survey, back_url=reverse("evaluations:survey-results", args=[survey.pk]))
    return xlsx_download(
        exports.survey_xlsx(survey), dated_filename(_("问卷结果-%(title)s") % {"title": survey.title})
    )


@require_POST
@role_required(Role.COUNTY)
def survey_plans_draft(request, pk):
    survey = get_object_or_404(NeedsSurvey.objects.managed_by(request.user), pk=pk)
    try:
        plans = services.plans_draft_from_survey(survey=survey, by=request.user)
    except IllegalTransition as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已生成 %(n)s 份分类教学计划草稿。") % {"n": len(plans)})
    return redirect(survey)


# ---- classified teaching plans --------------------------------------------------------------


@role_required(*STAFF_ROLES)
def plan_list(request):
    plans = (
        TeachingPlan.objects.visible_to(request.user)
        .select_related("survey", "group")
        .annotate(item_count=Count("items"))
    )
    return render(
        request, "evaluations/plan_list.html", {"plans": plans.order_by("-survey__created_at", "domain")}
    )


def _visible_plan(request, pk):
    if role_of(request.user) not in STAFF_ROLES:
        raise PermissionDenied
    return get_object_or_404(
        TeachingPlan.objects.visible_to(request.user).select_related("survey", "group"), pk=pk
    )


@role_required(*STAFF_ROLES)
def plan_detail(request, pk):
    plan = _visible_plan(request, pk)
    items = list(plan.items.select_related("course"))
    township_id = township_id_of(request.user) if role_of(request.user) == Role.TOWNSHIP else None
    made = {}
    if township_id:
        made = dict(
            PlannedSession.objects.filter(item__plan=plan, township_id=township_id).values_list(
                "item_id", "session_id"
            )
        )
    for item in items:
        item.session_id = made.get(item.pk)
    return render(
        request,
        "evaluations/plan_detail.html",
        {
            "plan": plan,
            "items": items,
            "county": role_of(request.user) == Role.COUNTY,
            "township_id": township_id,
            "item_form": PlanItemForm(),
        },
    )


@require_POST
@role_required(Role.COUNTY)
def plan_item_add(request, pk):
    plan = get_object_or_404(TeachingPlan.objects.managed_by(request.user), pk=pk)
    form = PlanItemForm(request.POST)
    if plan.status != TeachingPlan.Status.DRAFT:
        messages.error(request, _("已审定的计划不能修改，请先退回草稿。"))
    elif form.is_valid():
        form.instance.plan = plan
        form.save()
        messages.success(request, _("已加入课程。"))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(plan)


@require_POST
@role_required(Role.COUNTY)
def plan_item_delete(request, pk):
    item = get_object_or_404(
        TeachingPlanItem.objects.filter(
            plan__in=TeachingPlan.objects.managed_by(request.user)
        ).select_related("plan"),
        pk=pk,
    )
    if item.plan.status != TeachingPlan.Status.DRAFT:
        messages.error(request, _("已审定的计划不能修改，请先退回草稿。"))
    else:
        item.delete()
        messages.success(request, _("已移除课程。"))
    return redirect(item.plan)


@require_POST
@role_required(Role.COUNTY)
def plan_transition(request, pk):
    plan = get_object_or_404(TeachingPlan.objects.managed_by(request.user), pk=pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.plan_transition(plan=plan, to=form.cleaned_data["to"], by=request.user)
        except IllegalTransition as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("计划状态已更新为“%(status)s”。") % {"status": plan.get_status_display()}
            )
    return redirect(plan)


@require_POST
@role_required(Role.TOWNSHIP)
def plan_item_session(request, pk):
    item = get_object_or_404(
        TeachingPlanItem.objects.filter(
            plan__in=TeachingPlan.objects.visible_to(request.user)
        ).select_related("plan", "course"),
        pk=pk,
    )
    township = get_object_or_404(Township.objects.visible_to(request.user), pk=township_id_of(request.user))
    try:
        services.plan_item_to_session(item=item, township=township, by=request.user)
    except IllegalTransition as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已生成草稿场次，请在月训管理中完善时间、地点和授课教师后发布。"))
    return redirect(item.plan)
