"""Pages of session feedback, practice tasks and member performance (双向印证)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.roles import STAFF_ROLES, Role, role_of, role_required
from core.spreadsheets import xlsx_download
from core.workflow import IllegalTransition
from courses.models import Attendance, Instructor
from trainees.exporting import export_grant
from trainees.models import Member, Township
from trainees.scoping import member_id_of, township_id_of

from . import exports, selectors, services
from .forms import (
    FeedbackForm,
    PerformanceFilterForm,
    PracticeTaskForm,
    TaskFilterForm,
    TaskReportForm,
    TransitionForm,
)
from .models import PointsWeight, PracticeTask, SessionFeedback

PAGE_SIZE = 30


def _me(request) -> Member:
    member = Member.objects.select_related("branch").filter(pk=member_id_of(request.user)).first()
    if member is None:
        raise PermissionDenied
    return member


# ---- session feedback -----------------------------------------------------------------------


@role_required(Role.TRAINEE)
def feedback_mine(request):
    """The held sessions the trainee checked in to, with a rating link for those not yet rated."""
    member = _me(request)
    attended = (
        Attendance.objects.filter(
            member=member,
            status__in=selectors.ATTENDED_STATES,
            session__status__in=selectors.HELD_STATES,
        )
        .select_related("session__township")
        .order_by("-session__starts_at")[:50]
    )
    rated = set(SessionFeedback.objects.filter(member=member).values_list("session_id", flat=True))
    rows = [(a.session, a.session_id in rated) for a in attended]
    return render(request, "evaluations/feedback_mine.html", {"rows": rows})


@role_required(Role.TRAINEE)
def feedback_create(request, session_pk):
    member = _me(request)
    session = services.attended_session(member=member, session_id=session_pk)
    if session is None:
        raise PermissionDenied  # never checked in: nothing to rate
    if SessionFeedback.objects.filter(session=session, member=member).exists():
        messages.info(request, _("您已经评价过这次培训，谢谢！"))
        return redirect("evaluations:feedback-mine")
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_submit(member=member, session=session, **form.cleaned_data)
        except IllegalTransition as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("评价已提交，谢谢！"))
        return redirect("evaluations:feedback-mine")
    return render(request, "evaluations/feedback_form.html", {"session": session, "form": form})


@role_required(Role.COUNTY)
def feedback_summary(request):
    """Averages by course, instructor and township (visible to county staff only)."""
    return render(
        request,
        "evaluations/feedback_summary.html",
        {
            "by_course": selectors.feedback_by_course(),
            "by_instructor": selectors.feedback_by_instructor(),
            "by_township": selectors.feedback_by_township(),
        },
    )


@role_required(Role.INSTRUCTOR)
def my_ratings(request):
    """The instructor's own anonymous averages (the 我的评价 link), without knowing their pk."""
    instructor = Instructor.objects.filter(user_id=request.user.pk).first()
    if instructor is None:
        return render(request, "evaluations/instructor_ratings.html", {"instructor": None, "mine": True})
    return render(
        request,
        "evaluations/instructor_ratings.html",
        {"instructor": instructor, "ratings": selectors.instructor_feedback(instructor.pk), "mine": True},
    )


@role_required(Role.COUNTY, Role.INSTRUCTOR)
def instructor_ratings(request, pk):
    """An instructor's ratings: county staff see averages and comments; the instructor only averages."""
    instructor = get_object_or_404(Instructor.objects.visible_to(request.user), pk=pk)
    county = role_of(request.user) == Role.COUNTY
    if not county and instructor.user_id != request.user.pk:
        raise PermissionDenied
    comments = None
    if county:
        comments = Paginator(selectors.instructor_comments(instructor.pk), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    return render(
        request,
        "evaluations/instructor_ratings.html",
        {
            "instructor": instructor,
            "ratings": selectors.instructor_feedback(instructor.pk),
            "comments": comments,
            "mine": not county,
        },
    )


# ---- practice tasks ---------------------------------------------------------------------------


@role_required(Role.COUNTY, Role.TOWNSHIP, Role.TRAINEE)
def task_list(request):
    tasks = PracticeTask.objects.visible_to(request.user).select_related("member__branch__township")
    filters = TaskFilterForm(request.GET)
    tasks = filters.filter_queryset(tasks)
    status = filters.cleaned_data.get("status", "")
    return render(
        request,
        "evaluations/task_list.html",
        {
            "page": Paginator(tasks.order_by("-due_date", "pk"), PAGE_SIZE).get_page(request.GET.get("page")),
            "trainee": role_of(request.user) == Role.TRAINEE,
            "statuses": PracticeTask.Status.choices,
            "status": status,
            "query": f"status={status}" if status else "",
        },
    )


@role_required(Role.TRAINEE)
def task_create(request):
    member = _me(request)
    form = PracticeTaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.member = member
        task = form.save()
        messages.success(request, _("已领取实践任务。"))
        return redirect(task)
    return render(request, "evaluations/task_form.html", {"form": form})


def _visible_task(request, pk):
    if role_of(request.user) not in (Role.COUNTY, Role.TOWNSHIP, Role.TRAINEE):
        raise PermissionDenied
    return get_object_or_404(
        PracticeTask.objects.visible_to(request.user).select_related("member__branch__township"), pk=pk
    )


@role_required(Role.COUNTY, Role.TOWNSHIP, Role.TRAINEE)
def task_detail(request, pk):
    task = _visible_task(request, pk)
    mine = member_id_of(request.user) == task.member_id
    verifier = role_of(request.user) in STAFF_ROLES
    return render(
        request,
        "evaluations/task_detail.html",
        {
            "task": task,
            "report_form": TaskReportForm(instance=task)
            if mine and task.can_transition("reported")
            else None,
            "can_verify": verifier and task.status == PracticeTask.Status.REPORTED,
            "events": task.events.select_related("by"),
        },
    )


@require_POST
@role_required(Role.TRAINEE)
def task_report(request, pk):
    task = _visible_task(request, pk)
    form = TaskReportForm(request.POST, instance=task)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.task_report(task=task, by=request.user, **data)
        except IllegalTransition as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已报送实践成效，等待核实。"))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(task)


@require_POST
@role_required(Role.COUNTY, Role.TOWNSHIP, Role.TRAINEE)
def task_transition(request, pk):
    task = _visible_task(request, pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.task_transition(
                task=task, to=form.cleaned_data["to"], by=request.user, note=form.cleaned_data["note"]
            )
        except IllegalTransition as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("任务状态已更新为“%(status)s”。") % {"status": task.get_status_display()}
            )
    return redirect(task)


# ---- member performance (双向印证) ----------------------------------------------------------------


def _performance(request):
    county = role_of(request.user) == Role.COUNTY
    default_township = None if county else township_id_of(request.user)
    if default_township is None:
        default_township = Township.objects.order_by("code").values_list("pk", flat=True).first()
    form = PerformanceFilterForm(
        {
            "township": request.GET.get("township") if county else default_township,
            "year": request.GET.get("year") or timezone.localdate().year,
        }
    )
    if not county:
        form.fields["township"].queryset = Township.objects.visible_to(request.user)
    if not form.is_valid():
        form = PerformanceFilterForm({"township": default_township, "year": timezone.localdate().year})
        form.is_valid()
    township, year = form.cleaned_data.get("township"), form.cleaned_data.get("year")
    weights = selectors.performance_weights()
    members = (
        selectors.member_performance(year, weights)
        .filter(branch__township=township)
        .select_related("branch")
        .order_by("-points", "name", "pk")
    )
    return form, township, year, weights, members


@role_required(*STAFF_ROLES)
def performance_ranking(request):
    form, township, year, weights, members = _performance(request)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "evaluations/performance.html",
        {
            "form": form,
            "county": role_of(request.user) == Role.COUNTY,
            "township": township,
            "year": year,
            "weights": [(label, weights[value]) for value, label in PointsWeight.Measure.choices],
            "page": Paginator(members, PAGE_SIZE).get_page(request.GET.get("page")),
            "query": query.urlencode(),
        },
    )


@require_GET
@role_required(*STAFF_ROLES)
def performance_xlsx(request):
    """The ranking as .xlsx with the page's township and year (audited like every export)."""
    _form, township, year, _weights, members = _performance(request)
    export_grant(request, township, back_url=reverse("evaluations:performance"), year=year)
    content = exports.performance_xlsx(township, year, members)
    filename = _("%(township)s%(year)s年积分排名.xlsx") % {"township": township.name, "year": year}
    return xlsx_download(content, filename)
