"""Views of the monthly cycle: sessions, plans, attendance, ledger, trainee pages, feeds, heatmap."""

from __future__ import annotations

import datetime
import zoneinfo

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe
from icalendar import Calendar, Event

from core.periods import year_param
from core.roles import STAFF_ROLES, Role, role_of, role_required
from core.workflow import IllegalTransition
from courses.models import Attendance, Enrollment, MonthlyPlan, Session, StudyHoursEntry, Theme
from trainees.exporting import export_grant
from trainees.models import Branch, Member, Township
from trainees.scoping import member_id_of, township_id_of

from . import exports, feeds, selectors, services
from .forms import (
    AttendanceSheet,
    BranchHoursForm,
    CancelForm,
    LedgerFilterForm,
    LessonPreparationForm,
    SeriesForm,
    SessionFilterForm,
    SessionForm,
    StudyHoursEntryForm,
)

PAGE_SIZE = 25
STAFF_MOVES = {Session.Status.PUBLISHED, Session.Status.HELD, Session.Status.CLOSED, Session.Status.DRAFT}


def _managed_session(request, pk) -> Session:
    return get_object_or_404(Session.objects.managed_by(request.user), pk=pk)


def _my_member(request, *, hours_of_year: int | None = None) -> Member:
    """The member record linked to this login (one query), with its hours of a year if asked."""
    members = Member.objects.select_related("branch__township").filter(user_id=request.user.pk)
    if hours_of_year is not None:
        members = selectors.with_hours(members, hours_of_year)
    member = members.first()
    if member is None:
        raise PermissionDenied
    request.user.member = member  # later member_id_of() calls need no query
    return member


def _year(request) -> int:
    return year_param(request.GET.get("year"))


# --- sessions ------------------------------------------------------------------------------------


def _listed_sessions(request) -> tuple[SessionFilterForm, object]:
    """The session list's filter form and the sessions it shows (the page and its export)."""
    form = SessionFilterForm(request.GET or None, user=request.user)
    sessions = form.filter_queryset(
        Session.objects.visible_to(request.user)
        .select_related("township")
        .with_enrolled()
        .order_by("-starts_at", "pk")
    )
    return form, sessions


def _back(name: str, request, *args) -> str:
    """The page an export came from, with its filters (where a refused full export returns)."""
    query = request.GET.urlencode()
    return reverse(name, args=args) + (f"?{query}" if query else "")


@role_required(*STAFF_ROLES)
def session_list(request):
    form, sessions = _listed_sessions(request)
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    feed = None
    if role_of(request.user) == Role.TOWNSHIP:
        township = Township.objects.filter(pk=township_id_of(request.user)).first()
        feed = feeds.subscription(request, "township", township) if township else None
    return render(
        request,
        "courses/cycle/session_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "feed": feed,
            "county_wide_read_only": role_of(request.user) == Role.TOWNSHIP,
        },
    )


@require_GET
@role_required(*STAFF_ROLES)
def session_list_xlsx(request):
    """The session list as .xlsx with the list's filters (no personal numbers in it)."""
    _form, sessions = _listed_sessions(request)
    export_grant(request, Session, back_url=_back("courses:session-list", request))
    return exports.session_list_xlsx(sessions)


def _month_initial(request) -> dict:
    """``?month=2026-06`` (the 新建培训 button of a month's plan): that month's first day (or, in
    the current month, tomorrow) from 09:00 to 11:00, with the month's county theme. A bad
    value prefills nothing."""
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        first = datetime.date(year, month, 1)
    except (TypeError, ValueError):
        return {}
    day = first
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    if (first.year, first.month) == (tomorrow.year, tomorrow.month) and tomorrow > first:
        day = tomorrow
    zone = timezone.get_current_timezone()
    starts = datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=zone)
    initial = {"starts_at": starts, "ends_at": starts + datetime.timedelta(hours=2)}
    theme = Theme.objects.filter(year=first.year, month=first.month).first()
    if theme is not None:
        initial["theme"] = theme.pk
    township = request.GET.get("township", "")
    if township.isdigit() and role_of(request.user) == Role.COUNTY:
        initial["township"] = int(township)
    return initial


@role_required(*STAFF_ROLES)
def session_create(request):
    form = SessionForm(request.POST or None, user=request.user, initial=_month_initial(request))
    if request.method == "POST" and form.is_valid():
        session = services.session_create(
            by=request.user, township_id=form.township_id, fields=form.session_fields()
        )
        messages.success(request, _("已创建培训“%(title)s”（草稿）。") % {"title": session.title})
        return redirect(session)
    return render(request, "courses/cycle/session_form.html", {"form": form, "session": None})


@role_required(*STAFF_ROLES)
def session_edit(request, pk):
    session = _managed_session(request, pk)
    if session.status not in (Session.Status.DRAFT, Session.Status.PUBLISHED):
        messages.error(request, _("已举办、已结束或已取消的培训不能再修改。"))
        return redirect(session)
    form = SessionForm(
        request.POST or None,
        instance=session,
        user=request.user,
        initial={"audience_domains": session.audience_domains},
    )
    if request.method == "POST" and form.is_valid():
        services.session_update(session=session, by=request.user, fields=form.session_fields())
        messages.success(request, _("已保存培训“%(title)s”。") % {"title": session.title})
        return redirect(session)
    return render(request, "courses/cycle/session_form.html", {"form": form, "session": session})


def session_detail(request, pk):
    session = get_object_or_404(
        Session.objects.visible_to(request.user)
        .distinct()
        .select_related("township", "course", "theme", "plan"),
        pk=pk,
    )
    can_manage = Session.objects.managed_by(request.user).filter(pk=pk).exists()
    counts = dict(session.enrollments.values_list("status").annotate(n=Count("pk")).order_by())
    attendance_counts = dict(session.attendances.values_list("status").annotate(n=Count("pk")).order_by())
    context = {
        "session": session,
        "can_manage": can_manage,
        "counts": counts,
        "enrolled_count": counts.get(Enrollment.Status.ENROLLED, 0),
        "waitlisted_count": counts.get(Enrollment.Status.WAITLISTED, 0),
        "attendance_counts": [
            (label, attendance_counts.get(value, 0)) for value, label in Attendance.Status.choices
        ],
        "instructors": session.instructors.all(),
        "branches": session.audience_branches.all(),
        "groups": session.audience_groups.all(),
        "domains": [
            label for value, label in Branch.Domain.choices if value in (session.audience_domains or [])
        ],
        "events": session.events.select_related("by").order_by("-at", "-pk")[:20],
        "series": Session.objects.filter(series=session.series).exclude(pk=session.pk).order_by("starts_at")
        if session.series
        else [],
        "moves": [m for m in session.allowed_transitions() if m in STAFF_MOVES],
        "cancel_form": CancelForm(),
        "series_form": SeriesForm(),
        "status": Session.Status,
    }
    return render(request, "courses/cycle/session_detail.html", context)


@require_POST
@role_required(*STAFF_ROLES)
def session_transition(request, pk):
    session = _managed_session(request, pk)
    to = request.POST.get("to", "")
    if to not in STAFF_MOVES:
        messages.error(request, _("不支持的操作。"))
        return redirect(session)
    try:
        services.session_transition(session=session, to=to, by=request.user)
    except IllegalTransition as error:
        messages.error(request, error.message)
    else:
        if to == Session.Status.CLOSED:
            messages.success(request, _("培训已结束，未登记考勤的学员已记为缺勤。"))
        else:
            messages.success(
                request, _("状态已变更为“%(status)s”。") % {"status": session.get_status_display()}
            )
    return redirect(session)


@require_POST
@role_required(*STAFF_ROLES)
def session_cancel(request, pk):
    session = _managed_session(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("取消培训须填写原因。"))
        return redirect(session)
    try:
        services.session_cancel(session=session, by=request.user, reason=form.cleaned_data["reason"])
    except IllegalTransition as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("培训已取消，已报名学员将收到通知。"))
    return redirect(session)


@require_POST
@role_required(*STAFF_ROLES)
def session_duplicate(request, pk):
    session = _managed_session(request, pk)
    copy = services.session_duplicate(session=session, by=request.user)
    messages.success(request, _("已复制为新的草稿，请核对时间后发布。"))
    return redirect("courses:session-edit", pk=copy.pk)


@role_required(*STAFF_ROLES)
def session_series(request, pk):
    session = _managed_session(request, pk)
    form = SeriesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = services.session_series_create(
            session=session,
            by=request.user,
            dates=form.cleaned_data["dates"] or [timezone.localtime(session.starts_at).date()],
            per_branch=form.cleaned_data["per_branch"],
        )
        messages.success(request, _("已创建 %(n)d 场系列培训（草稿），可分别修改。") % {"n": len(created)})
        return redirect(session)
    return render(request, "courses/cycle/session_series.html", {"form": form, "session": session})


@require_POST
@role_required(*STAFF_ROLES)
def session_invite(request, pk):
    session = _managed_session(request, pk)
    try:
        result = services.session_invite(session=session, by=request.user)
    except IllegalTransition as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("已邀请参训对象：新增报名 %(enrolled)d 人，候补 %(waitlisted)d 人。") % result,
        )
    return redirect(session)


@role_required(*STAFF_ROLES)
def session_enrollments(request, pk):
    session = _managed_session(request, pk)
    enrollments = session.enrollments.select_related("member__branch").order_by("status", "created_at", "pk")
    page = Paginator(enrollments, 50).get_page(request.GET.get("page"))
    return render(request, "courses/cycle/session_enrollments.html", {"session": session, "page": page})


@never_cache
@role_required(*STAFF_ROLES)
def session_projector(request, pk):
    """The QR code for the projector; vendored htmx polls for the next code as it rotates."""
    session = _managed_session(request, pk)
    token = services.checkin_token(session)
    url = request.build_absolute_uri(reverse("courses:session-checkin", args=[session.pk]) + f"?code={token}")
    qr_svg = segno.make(url, error="m").svg_inline(scale=8, dark="#000", light="#fff")
    template = "courses/cycle/session_projector.html"
    return render(
        request,
        f"{template}#qr" if request.htmx else template,
        {
            "session": session,
            "qr_svg": qr_svg,
            "checkin_url": url,
            "refresh": services.CHECKIN_SLOT_SECONDS,
            "checked_in": session.attendances.filter(method=Attendance.Method.QR).count(),
        },
    )


@never_cache
def session_checkin(request, pk):
    """The scanned deep link: GET confirms (nothing changes), POST checks in.

    The session is fetched by pk because the signed code is the key: a code of this
    session (even an expired one) shows its title and time, and nothing about its
    members. Without such a code only those who may see the session get a reason;
    everyone else gets a 404, so pks cannot be walked to read other townships' sessions.
    """
    session = get_object_or_404(Session.objects.select_related("township"), pk=pk)
    token = (request.POST.get("code") if request.method == "POST" else request.GET.get("code")) or ""
    if not services.checkin_code_names(session=session, token=token):
        if not Session.objects.visible_to(request.user).filter(pk=pk).exists():
            raise Http404
    refusal, attendance, already = None, None, None
    member = None
    if role_of(request.user) == Role.TRAINEE and member_id_of(request.user):
        member = Member.objects.select_related("branch").get(pk=member_id_of(request.user))
        already = Attendance.objects.filter(
            session=session, member=member, status__in=(Attendance.Status.PRESENT, Attendance.Status.LATE)
        ).first()
    if request.method == "GET" and already is not None:
        # A link used once already (or the button pressed again): say so, nothing to confirm.
        return render(request, "courses/cycle/checkin.html", {"session": session, "already": already})
    if request.method == "GET" and not token:
        # The member's own button: no code yet, so the page scans the projected QR (camera), or
        # explains how to scan it with the phone's camera app. Window and audience are told first.
        try:
            services.checkin_window_check(session, timezone.now())
            if member is None:
                raise services.CheckInRefused(_("只有关联了党员信息的学员账号可以签到。"))
        except services.CheckInRefused as error:
            refusal = error.message
        return render(
            request,
            "courses/cycle/checkin.html",
            {"session": session, "scan": refusal is None, "refusal": refusal},
        )
    try:
        if request.method == "POST":
            attendance = services.attendance_check_in(
                session=session, member=member, by=request.user, token=token
            )
        else:
            # The same checks as the POST, so a member outside the audience is told now.
            services.checkin_check(session=session, member=member, token=token, now=timezone.now())
    except services.CheckInRefused as error:
        refusal = error.message
    status = 200 if refusal is None else 400
    return render(
        request,
        "courses/cycle/checkin.html",
        {"session": session, "code": token, "refusal": refusal, "attendance": attendance},
        status=status,
    )


@require_POST
@role_required(Role.TRAINEE)
def session_signup(request, pk):
    member = _my_member(request)
    session = get_object_or_404(Session.objects.filter(status=Session.Status.PUBLISHED), pk=pk)
    try:
        enrollment = services.enrollment_signup(session=session, member=member)
    except IllegalTransition as error:
        messages.error(request, error.message)
    else:
        if enrollment.status == Enrollment.Status.ENROLLED:
            messages.success(request, _("报名成功：%(title)s。") % {"title": session.title})
        else:
            messages.info(request, _("名额已满，您已进入候补名单，有空位时按报名先后自动递补。"))
    return redirect("courses:my-schedule")


@require_POST
@role_required(Role.TRAINEE)
def session_withdraw(request, pk):
    member = _my_member(request)
    session = get_object_or_404(Session.objects.visible_to(request.user).distinct(), pk=pk)
    try:
        services.enrollment_withdraw(session=session, member=member)
    except IllegalTransition as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已退出：%(title)s。") % {"title": session.title})
    return redirect("courses:my-schedule")


# --- attendance sheet ----------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
def attendance_sheet(request, pk):
    """One form for the whole session: "mark all present", adjust, save once."""
    session = _managed_session(request, pk)
    data = request.POST if request.method == "POST" else None
    sheet = AttendanceSheet(data, session=session, prefill=request.GET.get("prefill") == "present")
    if sheet.is_bound and sheet.is_valid():
        try:
            result = services.attendance_bulk_save(session=session, by=request.user, rows=sheet.rows())
        except services.StaleAttendance as stale:
            message = _(
                "保存失败：%(names)s 的考勤已被他人修改。为避免覆盖，本次未保存任何记录，请刷新后重新登记。"
            )
            messages.error(request, message % {"names": "、".join(stale.names[:10])})
            return redirect("courses:attendance-sheet", pk=session.pk)
        except IllegalTransition as error:
            messages.error(request, error.message)
            return redirect(session)
        messages.success(request, _("考勤已保存：新增 %(created)d 条，修改 %(updated)d 条。") % result)
        return redirect("courses:attendance-sheet", pk=session.pk)
    rows = [
        {"member": f.member, "current": f.current, "form": f, "status": f["status"].value()} for f in sheet
    ]
    return render(
        request,
        "courses/cycle/attendance_sheet.html",
        {"session": session, "rows": rows, "errors": sheet.errors_by_row(), "editable": sheet.editable},
        status=400 if sheet.is_bound else 200,
    )


@role_required(*STAFF_ROLES)
def attendance_xlsx(request, pk):
    """The session's attendance as .xlsx: masked numbers, or full ones for county staff with a reason."""
    session = _managed_session(request, pk)
    grant = export_grant(request, session, back_url=_back("courses:session-detail", request, session.pk))
    if grant.refusal:
        return grant.refusal
    return exports.attendance_xlsx(session, full=grant.full)


# --- monthly plans -------------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
def plan_list(request):
    year = _year(request)
    plans = (
        MonthlyPlan.objects.visible_to(request.user)
        .filter(month__year=year)
        .select_related("township", "theme")
        .annotate(
            session_count=Count("sessions", distinct=True),
            preparation_count=Count("preparations", distinct=True),
        )
        .order_by("-month", "township__code")
    )
    page = Paginator(plans, 50).get_page(request.GET.get("page"))
    return render(
        request, "courses/cycle/plan_list.html", {"page": page, "year": year, "query": f"year={year}"}
    )


@role_required(*STAFF_ROLES)
def plan_detail(request, pk):
    plan = get_object_or_404(
        MonthlyPlan.objects.visible_to(request.user).select_related("township", "theme"), pk=pk
    )
    form = LessonPreparationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.lesson_preparation_record(plan=plan, by=request.user, **form.cleaned_data)
        messages.success(request, _("已记录集体备课。"))
        return redirect("courses:plan-detail", pk=plan.pk)
    return render(
        request,
        "courses/cycle/plan_detail.html",
        {
            "plan": plan,
            "form": form,
            "preparations": plan.preparations.select_related("recorded_by").prefetch_related("instructors"),
            "sessions": plan.sessions.order_by("starts_at"),
            "events": plan.events.select_related("by").order_by("-at")[:20],
            "can_create": role_of(request.user) in STAFF_ROLES,
        },
    )


# --- study-hours ledger --------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
def ledger_member(request, pk):
    member = get_object_or_404(
        Member.objects.visible_to(request.user).select_related("branch__township"), pk=pk
    )
    year = _year(request)
    return render(
        request,
        "courses/cycle/ledger_member.html",
        {"member": member, "year": year, "query": f"year={year}", **selectors.member_record(member, year)},
    )


def _ledger_members(request) -> tuple[LedgerFilterForm, object, int]:
    """The ledger's filter form, the active members it covers and the year (the page and its export)."""
    form = LedgerFilterForm(request.GET or None, user=request.user)
    members = form.filter_queryset(Member.objects.visible_to(request.user).active())
    return form, members, form.year_or(timezone.localdate().year)


@role_required(*STAFF_ROLES)
def ledger_township(request):
    """Who is behind their yearly target in a township or branch; exempt members listed apart."""
    form, members, year = _ledger_members(request)
    behind = selectors.behind_target(members, year)
    page = Paginator(behind, 50).get_page(request.GET.get("page"))
    exempt = selectors.exempt_members(members, year)[:100]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "courses/cycle/ledger_township.html",
        {
            "form": form,
            "year": year,
            "page": page,
            "exempt": exempt,
            "member_total": members.count(),
            "query": query.urlencode(),
        },
    )


@role_required(*STAFF_ROLES)
def ledger_xlsx(request):
    """Every member the ledger covers (its township and branch filters) with the year's hours."""
    _form, members, year = _ledger_members(request)
    grant = export_grant(request, Member, back_url=_back("courses:ledger-township", request), year=year)
    if grant.refusal:
        return grant.refusal
    return exports.ledger_xlsx(members, year, full=grant.full)


@require_GET
@role_required(*STAFF_ROLES)
def ledger_member_xlsx(request, pk):
    """One member's 学时档案 of the year as .xlsx (no personal numbers in it)."""
    member = get_object_or_404(
        Member.objects.visible_to(request.user).select_related("branch__township"), pk=pk
    )
    year = _year(request)
    export_grant(request, member, back_url=_back("courses:ledger-member", request, member.pk), year=year)
    return exports.member_ledger_xlsx(member, year)


# --- manual study hours --------------------------------------------------------------------------


def _recent_entries(user):
    return (
        StudyHoursEntry.objects.visible_to(user)
        .select_related("member__branch__township", "recorded_by")
        .order_by("-created_at", "-pk")
    )


@role_required(*STAFF_ROLES)
def hours_member(request, pk):
    """Record one member's study hours (branch meetings, online study…); their own township only."""
    member = get_object_or_404(
        Member.objects.managed_by(request.user).select_related("branch__township"), pk=pk
    )
    form = StudyHoursEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        StudyHoursEntry.objects.create(member=member, recorded_by=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("已为%(name)s登记 %(hours)s 学时。")
            % {"name": member.name, "hours": form.cleaned_data["hours"]},
        )
        return redirect("courses:hours-member", pk=member.pk)
    return render(
        request,
        "courses/cycle/hours_member.html",
        {"member": member, "form": form, "entries": _recent_entries(request.user).filter(member=member)[:20]},
    )


@role_required(*STAFF_ROLES)
def hours_branch(request):
    """A branch meeting's hours for every active member of the branch, and the latest entries."""
    form = BranchHoursForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        result = services.study_hours_record_branch(**form.cleaned_data, by=request.user)
        messages.success(
            request,
            _("已为%(branch)s %(created)d 名党员登记学时；%(skipped)d 人当天已有同类登记，未重复登记。")
            % {"branch": form.cleaned_data["branch"].name, **result},
        )
        return redirect("courses:hours-branch")
    page = Paginator(_recent_entries(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "courses/cycle/hours_branch.html", {"form": form, "page": page})


# --- the trainee's pages -------------------------------------------------------------------------


@role_required(Role.TRAINEE)
def my_schedule(request):
    year = timezone.localdate().year
    member = _my_member(request, hours_of_year=year)
    return render(
        request,
        "courses/cycle/my_schedule.html",
        {
            "member": member,
            "year": year,
            "feed": feeds.subscription(request, "member", member),
            **selectors.my_schedule(member, year),
        },
    )


@role_required(Role.TRAINEE)
def my_hours(request):
    member = _my_member(request)
    year = _year(request)
    return render(
        request,
        "courses/cycle/my_hours.html",
        {"member": member, "year": year, **selectors.member_record(member, year)},
    )


# --- iCalendar feeds -----------------------------------------------------------------------------


_feed_token = feeds.feed_token  # tests build links with it


def _calendar(request, name: str, sessions) -> HttpResponse:
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    calendar = Calendar()
    calendar.add("prodid", "-//Ningjin County//Monthly Training Portal//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    for session in sessions:
        event = Event()
        event.add("uid", f"session-{session.pk}@ningjin-training")
        event.add("summary", session.title)
        event.add("dtstart", session.starts_at.astimezone(tz))
        event.add("dtend", session.ends_at.astimezone(tz))
        event.add("dtstamp", session.updated_at)
        event.add("location", session.venue or (session.township.party_school if session.township else ""))
        event.add("status", _event_status(session))
        event.add("description", _("学时：%(hours)s") % {"hours": session.hours})
        calendar.add_component(event)
    calendar.add_missing_timezones()
    body = calendar.to_ical()
    # HEAD (calendar apps probe with it): the headers of the GET, no body.
    response = HttpResponse(
        b"" if request.method == "HEAD" else body, content_type="text/calendar; charset=utf-8"
    )
    response["Content-Length"] = str(len(body))
    response["Content-Disposition"] = 'inline; filename="sessions.ics"'
    return response


def _event_status(session) -> str:
    """CANCELLED, TENTATIVE for a member still on the waiting list, otherwise CONFIRMED."""
    if session.status == Session.Status.CANCELLED:
        return "CANCELLED"
    if getattr(session, "my_enrollment_status", None) == Enrollment.Status.WAITLISTED:
        return "TENTATIVE"
    return "CONFIRMED"


@login_not_required
@require_safe
def feed_member(request, token):
    """A member's sessions for a phone calendar; the signed token in the URL is the secret."""
    member = feeds.feed_owner("member", token, Member.objects.active())
    since = timezone.now() - datetime.timedelta(days=90)
    sessions = (
        Session.objects.filter(
            enrollments__member=member,
            enrollments__status__in=[Enrollment.Status.ENROLLED, Enrollment.Status.WAITLISTED],
            starts_at__gte=since,
        )
        .exclude(status=Session.Status.DRAFT)
        .annotate(
            my_enrollment_status=Subquery(
                Enrollment.objects.filter(session=OuterRef("pk"), member=member).values("status")[:1]
            )
        )
        .select_related("township")
        .order_by("starts_at")
    )
    return _calendar(request, _("我的培训"), sessions)


@login_not_required
@require_safe
def feed_township(request, token):
    township = feeds.feed_owner("township", token, Township.objects.all())
    since = timezone.now() - datetime.timedelta(days=90)
    sessions = (
        Session.objects.filter(township=township, starts_at__gte=since)
        .exclude(status=Session.Status.DRAFT)
        .select_related("township")
        .order_by("starts_at")
    )
    return _calendar(request, _("%(name)s培训安排") % {"name": township.name}, sessions)


def _feed_reset_page(request, kind: str, owner, back: str):
    """GET: what a reset does and a confirm button; POST: the old link stops, a new one is shown."""
    if request.method == "POST":
        feeds.feed_reset(kind, owner)
        messages.success(request, _("已重置日历订阅链接：旧链接已失效，请在日历中用新链接重新订阅。"))
        return redirect(back)
    return render(request, "courses/cycle/feed_reset.html", {"kind": kind, "back": reverse(back)})


@role_required(Role.TRAINEE)
def feed_member_reset(request):
    return _feed_reset_page(request, "member", _my_member(request), "courses:my-schedule")


@role_required(Role.TOWNSHIP)
def feed_township_reset(request):
    township = get_object_or_404(Township, pk=township_id_of(request.user))
    return _feed_reset_page(request, "township", township, "courses:session-list")


# --- the county's 131 heatmap --------------------------------------------------------------------


@role_required(*STAFF_ROLES)
def heatmap(request):
    year = _year(request)
    townships = Township.objects.visible_to(request.user).order_by("code")
    return render(
        request,
        "courses/cycle/heatmap.html",
        {"year": year, "prev_year": year - 1, "next_year": year + 1, **selectors.heatmap(year, townships)},
    )
