"""Thin views of the courses app: scoped fetch → form → model method or service → redirect."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.files import serve_protected
from core.roles import ALL_ROLES, STAFF_AND_INSTRUCTOR_ROLES, STAFF_ROLES, Role, role_of, role_required
from core.workflow import IllegalTransition
from trainees.scoping import township_id_of

from . import selectors, services
from .forms import (
    CourseFilter,
    CourseForm,
    CourseLinkForm,
    CourseMaterialForm,
    CourseRequestFilterForm,
    CourseRequestForm,
    DeclineForm,
    DispatchForm,
    InstructorFilterForm,
    InstructorForm,
    NoteForm,
    RouteStopFormSet,
    ScheduleForm,
    StageChangeForm,
    TeachingBaseForm,
    TeachingRouteForm,
    ThemeForm,
    route_stop_initial,
)
from .models import (
    Course,
    CourseLink,
    CourseMaterial,
    CourseRequest,
    Instructor,
    RouteStop,
    TeachingBase,
    TeachingRoute,
    Theme,
)

PAGE_SIZE = 25


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# ---------------------------------------------------------------------------
# Monthly themes


@role_required(*ALL_ROLES)
def theme_list(request):
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    themes = {
        t.month: t for t in Theme.objects.in_year(year).annotate(course_count=Count("recommended_courses"))
    }
    months = [(month, themes.get(month)) for month in range(1, 13)]
    return render(
        request,
        "courses/theme_list.html",
        {
            "year": year,
            "months": months,
            "current": (today.year, today.month),
            "can_edit": role_of(request.user) == Role.COUNTY,
        },
    )


@role_required(*ALL_ROLES)
def theme_detail(request, pk):
    theme = get_object_or_404(Theme.objects.visible_to(request.user), pk=pk)
    courses = theme.recommended_courses.visible_to(request.user).select_related("owner_department")
    return render(
        request,
        "courses/theme_detail.html",
        {"theme": theme, "courses": courses, "can_edit": role_of(request.user) == Role.COUNTY},
    )


@role_required(Role.COUNTY)
def theme_edit(request, pk=None):
    theme = get_object_or_404(Theme.objects.managed_by(request.user), pk=pk) if pk else None
    form = ThemeForm(request.POST or None, instance=theme)
    if request.method == "POST" and form.is_valid():
        theme = form.save()
        messages.success(request, _("已保存月度主题。"))
        return redirect(theme)
    return render(
        request,
        "courses/form.html",
        {
            "form": form,
            "title": _("编辑月度主题") if theme else _("新增月度主题"),
            "back": theme.get_absolute_url() if theme else None,
        },
    )


# ---------------------------------------------------------------------------
# Course catalog


@role_required(*ALL_ROLES)
def course_list(request):
    course_filter = CourseFilter(request.GET, queryset=selectors.course_list_queryset(request.user))
    page = Paginator(course_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/course_list.html",
        {
            "filter": course_filter,
            "page": page,
            "query": _query_without_page(request),
            "can_create": role_of(request.user) in STAFF_ROLES,
        },
    )


@role_required(*ALL_ROLES)
def course_detail(request, pk):
    course = get_object_or_404(
        Course.objects.visible_to(request.user).select_related("owner_department", "township"), pk=pk
    )
    can_manage = Course.objects.managed_by(request.user).filter(pk=course.pk).exists()
    stage_targets = services.course_stage_allowed_targets(course=course, user=request.user)
    context = {
        "course": course,
        "tags": course.tags.all(),
        "instructors": course.instructors.select_related("department"),
        "materials": course.materials.all(),
        "links": course.links.all(),
        "themes": course.themes.all(),
        "sessions": selectors.course_sessions(course),
        "stage_records": course.stage_records.select_related("recorded_by").prefetch_related(
            Prefetch("instructors", queryset=Instructor.objects.only("pk", "name"))
        ),
        "can_manage": can_manage,
        "stage_form": StageChangeForm(targets=stage_targets, initial={"date": timezone.localdate()})
        if stage_targets
        else None,
        # Distinct ids: both forms have a "title" field on the same page.
        "material_form": CourseMaterialForm(auto_id="material_%s") if can_manage else None,
        "link_form": CourseLinkForm(auto_id="link_%s") if can_manage else None,
    }
    return render(request, "courses/course_detail.html", context)


@role_required(*STAFF_ROLES)
def course_edit(request, pk=None):
    county = role_of(request.user) == Role.COUNTY
    course = get_object_or_404(Course.objects.managed_by(request.user), pk=pk) if pk else None
    form = CourseForm(request.POST or None, instance=course, county=county)
    if request.method == "POST" and form.is_valid():
        course = form.save(commit=False)
        if not county:
            course.township_id = township_id_of(request.user)
            course.level = Course.Level.TOWNSHIP
        if course.pk is None:
            course.created_by = request.user
        course.save()
        form.save_m2m()
        messages.success(request, _("已保存课程“%(title)s”。") % {"title": course.title})
        return redirect(course)
    return render(
        request,
        "courses/form.html",
        {
            "form": form,
            "title": _("编辑课程") if course else _("新增课程"),
            "back": course.get_absolute_url() if course else None,
        },
    )


@role_required(*STAFF_ROLES)
def course_board(request):
    """Courses in the development pipeline, one column per stage."""
    courses = (
        Course.objects.visible_to(request.user)
        .exclude(stage=Course.Stage.STANDARD)
        .select_related("owner_department")
        .only("pk", "title", "stage", "category", "owner_department__name")
    )
    columns = {
        stage: [] for stage in [*Course.DEVELOPMENT_STAGES, Course.Stage.PREMIUM, Course.Stage.REJECTED]
    }
    for course in courses:
        columns[course.stage].append(course)
    labels = dict(Course.Stage.choices)
    return render(
        request,
        "courses/course_board.html",
        {"columns": [(stage, labels[stage], rows) for stage, rows in columns.items()]},
    )


@require_POST
@role_required(*STAFF_ROLES)
def course_stage_change(request, pk):
    course = get_object_or_404(Course.objects.visible_to(request.user), pk=pk)
    # The catalog is readable by all; another township's course is not theirs to move.
    if not services.course_stage_may_change(course=course, user=request.user):
        raise PermissionDenied
    to = request.POST.get("to", "")
    try:
        course.check_transition(to, note=request.POST.get("notes", ""))
    except IllegalTransition as error:
        messages.error(request, error.message)
        return redirect(course)
    targets = services.course_stage_allowed_targets(course=course, user=request.user)
    if to not in targets:
        raise PermissionDenied
    form = StageChangeForm(request.POST, targets=targets)
    if not form.is_valid():
        # Also catches a target not offered to this user: nothing changes.
        messages.error(request, _("未能变更阶段：%(errors)s") % {"errors": _form_errors(form)})
        return redirect(course)
    try:
        services.course_stage_change(
            course=course,
            to=form.cleaned_data["to"],
            by=request.user,
            date=form.cleaned_data["date"],
            participants=form.cleaned_data["participants"],
            instructors=form.cleaned_data["instructors"],
            notes=form.cleaned_data["notes"],
        )
    except IllegalTransition as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("课程已进入“%(stage)s”阶段。") % {"stage": course.get_stage_display()})
    return redirect(course)


def _form_errors(form) -> str:
    return "；".join(str(e) for errors in form.errors.values() for e in errors)


@require_POST
@role_required(*STAFF_ROLES)
def course_material_add(request, pk):
    course = get_object_or_404(Course.objects.managed_by(request.user), pk=pk)
    form = CourseMaterialForm(request.POST, request.FILES)
    if form.is_valid():
        services.course_material_add(
            course=course,
            kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"],
            file=form.cleaned_data["file"],
            by=request.user,
        )
        messages.success(request, _("已上传资料。"))
    else:
        messages.error(request, _("上传失败：%(errors)s") % {"errors": _form_errors(form)})
    return redirect(course)


@require_POST
@role_required(*STAFF_ROLES)
def course_material_delete(request, pk, material_pk):
    course = get_object_or_404(Course.objects.managed_by(request.user), pk=pk)
    material = get_object_or_404(CourseMaterial, course=course, pk=material_pk)
    services.course_material_delete(material=material)
    messages.success(request, _("已删除资料。"))
    return redirect(course)


def course_material_file(request, pk, material_pk):
    """A course's uploaded file, for anyone who may see the course (inline: videos play in the page)."""
    material = get_object_or_404(
        CourseMaterial.objects.visible_to(request.user), course_id=pk, pk=material_pk
    )
    filename = material.title + Path(material.file.name).suffix
    return serve_protected(request, material.file, filename=filename, attachment=False)


@require_POST
@role_required(*STAFF_ROLES)
def course_link_add(request, pk):
    course = get_object_or_404(Course.objects.managed_by(request.user), pk=pk)
    form = CourseLinkForm(request.POST)
    if form.is_valid():
        CourseLink.objects.create(course=course, **form.cleaned_data)
        messages.success(request, _("已添加链接。"))
    else:
        messages.error(request, _("未能添加链接：%(errors)s") % {"errors": _form_errors(form)})
    return redirect(course)


@require_POST
@role_required(*STAFF_ROLES)
def course_link_delete(request, pk, link_pk):
    course = get_object_or_404(Course.objects.managed_by(request.user), pk=pk)
    get_object_or_404(CourseLink, course=course, pk=link_pk).delete()
    messages.success(request, _("已删除链接。"))
    return redirect(course)


# ---------------------------------------------------------------------------
# Instructors, bases, routes


@role_required(*ALL_ROLES)
def instructor_list(request):
    instructors = (
        Instructor.objects.visible_to(request.user)
        .select_related("department", "township")
        .annotate(
            course_count=Count("courses", distinct=True), session_count=Count("sessions", distinct=True)
        )
        .order_by("-is_star", "name", "pk")
    )
    filters = InstructorFilterForm(request.GET)
    instructors = filters.filter_queryset(instructors)
    page = Paginator(instructors, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/instructor_list.html",
        {
            "page": page,
            "kinds": Instructor.Kind.choices,
            "kind": filters.cleaned_data.get("kind", ""),
            "star": filters.cleaned_data.get("star", False),
            "query": _query_without_page(request),
            "can_edit": role_of(request.user) == Role.COUNTY,
        },
    )


@role_required(*ALL_ROLES)
def instructor_detail(request, pk):
    instructor = get_object_or_404(
        Instructor.objects.visible_to(request.user).select_related("department", "township"), pk=pk
    )
    return render(
        request,
        "courses/instructor_detail.html",
        {
            "instructor": instructor,
            "courses": instructor.courses.only("pk", "title", "stage"),
            "sessions": selectors.instructor_sessions(instructor)[:50],
            "can_edit": role_of(request.user) == Role.COUNTY,
            # The ratings page (evaluations) is for county staff and the instructor themself.
            "can_see_ratings": role_of(request.user) == Role.COUNTY
            or (instructor.user_id is not None and instructor.user_id == request.user.pk),
        },
    )


@role_required(Role.COUNTY)
def instructor_edit(request, pk=None):
    instructor = get_object_or_404(Instructor.objects.managed_by(request.user), pk=pk) if pk else None
    form = InstructorForm(request.POST or None, instance=instructor)
    if request.method == "POST" and form.is_valid():
        instructor = form.save()
        messages.success(request, _("已保存师资“%(name)s”。") % {"name": instructor.name})
        return redirect(instructor)
    return render(
        request,
        "courses/form.html",
        {
            "form": form,
            "title": _("编辑师资") if instructor else _("新增师资"),
            "back": instructor.get_absolute_url() if instructor else None,
        },
    )


@role_required(*ALL_ROLES)
def base_list(request):
    bases = (
        TeachingBase.objects.visible_to(request.user)
        .select_related("township")
        .annotate(route_count=Count("stops__route", distinct=True))
    )
    routes = TeachingRoute.objects.visible_to(request.user).prefetch_related(
        Prefetch("stops", queryset=RouteStop.objects.select_related("base").order_by("order"))
    )
    return render(
        request,
        "courses/base_list.html",
        {"bases": bases, "routes": routes, "can_edit": role_of(request.user) == Role.COUNTY},
    )


@role_required(Role.COUNTY)
def base_edit(request, pk=None):
    base = get_object_or_404(TeachingBase.objects.managed_by(request.user), pk=pk) if pk else None
    form = TeachingBaseForm(request.POST or None, instance=base)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("已保存教学基地。"))
        return redirect("courses:base-list")
    return render(
        request,
        "courses/form.html",
        {"form": form, "title": _("编辑教学基地") if base else _("新增教学基地"), "back": None},
    )


@role_required(*ALL_ROLES)
def route_list(request):
    routes = (
        TeachingRoute.objects.visible_to(request.user)
        .annotate(session_count=Count("sessions", distinct=True))
        .prefetch_related(
            Prefetch("stops", queryset=RouteStop.objects.select_related("base__township").order_by("order"))
        )
        .order_by("-is_premium", "name", "pk")
    )
    premium = bool(request.GET.get("premium"))
    if premium:
        routes = routes.filter(is_premium=True)
    page = Paginator(routes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/route_list.html",
        {
            "page": page,
            "premium": premium,
            "query": _query_without_page(request),
            "can_edit": role_of(request.user) == Role.COUNTY,
        },
    )


@role_required(Role.COUNTY)
def route_edit(request, pk=None):
    """A route and its ordered stops, saved together; the stops are replaced as a whole."""
    route = get_object_or_404(TeachingRoute.objects.managed_by(request.user), pk=pk) if pk else None
    form = TeachingRouteForm(request.POST or None, instance=route)
    formset = RouteStopFormSet(request.POST or None, initial=route_stop_initial(route), prefix="stops")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        route = services.teaching_route_save(route=route, stops=formset.stops(), **form.cleaned_data)
        messages.success(request, _("已保存教学路线“%(name)s”。") % {"name": route.name})
        return redirect("courses:route-detail", pk=route.pk)
    return render(
        request,
        "courses/route_form.html",
        {
            "form": form,
            "formset": formset,
            "route": route,
            "total_hours": route.total_hours if route else None,
        },
    )


@role_required(*ALL_ROLES)
def route_detail(request, pk):
    route = get_object_or_404(
        TeachingRoute.objects.visible_to(request.user).prefetch_related(
            Prefetch("stops", queryset=RouteStop.objects.select_related("base__township").order_by("order"))
        ),
        pk=pk,
    )
    sessions = route.sessions.select_related("township").order_by("-starts_at")[:20]
    return render(
        request,
        "courses/route_detail.html",
        {"route": route, "sessions": sessions, "can_edit": role_of(request.user) == Role.COUNTY},
    )


# ---------------------------------------------------------------------------
# On-demand delivery


@role_required(*STAFF_AND_INSTRUCTOR_ROLES)
def request_list(request):
    requests = CourseRequest.objects.visible_to(request.user).select_related(
        "township", "branch", "course", "department", "instructor"
    )
    filters = CourseRequestFilterForm(request.GET)
    requests = filters.filter_queryset(requests)
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/request_list.html",
        {
            "waiting": selectors.requests_waiting_on(request.user)[:50],
            "page": page,
            "statuses": CourseRequest.Status.choices,
            "status": filters.cleaned_data.get("status", ""),
            "query": _query_without_page(request),
            "can_order": role_of(request.user) == Role.TOWNSHIP,
        },
    )


@role_required(Role.TOWNSHIP)
def request_create(request):
    form = CourseRequestForm(
        request.POST or None, user=request.user, initial={"course": request.GET.get("course")}
    )
    if request.method == "POST" and form.is_valid():
        course_request = services.course_request_create(
            township=request.user.portal_profile.township, by=request.user, **form.cleaned_data
        )
        messages.success(request, _("已点单，等待县委组织部派单。"))
        return redirect(course_request)
    return render(request, "courses/form.html", {"form": form, "title": _("基层点单"), "back": None})


def _visible_request(request, pk) -> CourseRequest:
    return get_object_or_404(
        CourseRequest.objects.visible_to(request.user).select_related(
            "township", "branch", "course", "department", "instructor", "session", "requested_by"
        ),
        pk=pk,
    )


@role_required(*STAFF_AND_INSTRUCTOR_ROLES)
def request_detail(request, pk):
    course_request = _visible_request(request, pk)
    targets = services.course_request_allowed_targets(request=course_request, user=request.user)
    Status = CourseRequest.Status
    return render(
        request,
        "courses/request_detail.html",
        {
            "req": course_request,
            "events": course_request.events.select_related("by"),
            "targets": targets,
            "dispatch_form": DispatchForm(
                initial={
                    "department": course_request.department_id,
                    "instructor": course_request.instructor_id,
                }
            )
            if Status.DISPATCHED in targets
            else None,
            "decline_form": DeclineForm() if Status.DECLINED in targets else None,
            "schedule_form": ScheduleForm(initial={"hours": course_request.course.hours})
            if Status.SCHEDULED in targets
            else None,
            "note_form": NoteForm(),
        },
    )


def _dispatch(req, user, data):
    services.course_request_dispatch(
        request=req, department=data["department"], instructor=data["instructor"], by=user, note=data["note"]
    )


def _schedule(req, user, data):
    services.course_request_schedule(request=req, by=user, **data)


def _simple(service):
    return lambda req, user, data: service(request=req, by=user, **data)


# action in the URL → (form, service call, success message)
REQUEST_ACTIONS = {
    "dispatch": (DispatchForm, _dispatch, gettext_lazy("已派单。")),
    "accept": (NoteForm, _simple(services.course_request_accept), gettext_lazy("已接单。")),
    "decline": (DeclineForm, _simple(services.course_request_decline), gettext_lazy("已拒单。")),
    "schedule": (ScheduleForm, _schedule, gettext_lazy("已排课并发布培训场次。")),
    "deliver": (NoteForm, _simple(services.course_request_deliver), gettext_lazy("已标记为送教完成。")),
    "close": (NoteForm, _simple(services.course_request_close), gettext_lazy("已办结。")),
    "cancel": (NoteForm, _simple(services.course_request_cancel), gettext_lazy("已取消点单。")),
}


@require_POST
@role_required(*STAFF_AND_INSTRUCTOR_ROLES)
def request_action(request, pk, action):
    if action not in REQUEST_ACTIONS:
        raise Http404
    course_request = _visible_request(request, pk)
    form_class, call, done = REQUEST_ACTIONS[action]
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _("操作未完成：%(errors)s") % {"errors": _form_errors(form)})
        return redirect(course_request)
    try:
        call(course_request, request.user, form.cleaned_data)
    except IllegalTransition as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(course_request)
