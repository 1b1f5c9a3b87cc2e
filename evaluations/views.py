"""Pages of the review loop: quarterly reviews, improvement items, annual reports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import TruncMonth
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.files import serve_protected
from core.periods import year_param
from core.roles import STAFF_ROLES, Role, role_of, role_required
from core.spreadsheets import xlsx_download
from core.workflow import IllegalTransition
from courses.models import MonthlyPlan
from trainees.exporting import dated_filename, export_grant
from trainees.models import Township
from trainees.scoping import township_id_of

from . import exports, selectors, services
from .forms import (
    AnnualReportForm,
    EvidenceForm,
    ImprovementItemForm,
    ItemFilterForm,
    QuarterlyReviewForm,
    TransitionForm,
)
from .models import AnnualReport, EvidenceFile, ImprovementItem, QuarterlyReview

PAGE_SIZE = 30


def _year_param(request, default: int | None = None) -> int:
    return year_param(request.GET.get("year"), default)


# ---- 一季一研: quarterly reviews ------------------------------------------------


@role_required(Role.COUNTY)
def review_list(request):
    reviews = (
        QuarterlyReview.objects.visible_to(request.user)
        .select_related("district")
        .annotate(
            item_count=Count("items", distinct=True),
            open_count=Count("items", filter=Q(items__status__in=ImprovementItem.OPEN_STATES), distinct=True),
        )
        .order_by("-year", "-quarter", "district__sort_order")
    )
    page = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "evaluations/review_list.html", {"page": page})


@role_required(Role.COUNTY)
def review_create(request):
    form = QuarterlyReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.created_by = request.user
        review = form.save()
        messages.success(request, _("已记录季度研讨，请继续录入改进清单。"))
        return redirect(review)
    return render(request, "evaluations/review_form.html", {"form": form, "review": None})


@role_required(Role.COUNTY)
def review_edit(request, pk):
    review = get_object_or_404(QuarterlyReview.objects.managed_by(request.user), pk=pk)
    form = QuarterlyReviewForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("已保存季度研讨。"))
        return redirect(review)
    return render(request, "evaluations/review_form.html", {"form": form, "review": review})


@role_required(Role.COUNTY)
def review_detail(request, pk):
    review = get_object_or_404(
        QuarterlyReview.objects.visible_to(request.user)
        .select_related("district", "created_by")
        .prefetch_related(
            "townships",
            Prefetch("items", queryset=ImprovementItem.objects.select_related("township")),
        ),
        pk=pk,
    )
    form = ImprovementItemForm(review=review)
    return render(request, "evaluations/review_detail.html", {"review": review, "form": form})


@role_required(Role.COUNTY)
def item_create(request, pk):
    review = get_object_or_404(QuarterlyReview.objects.managed_by(request.user), pk=pk)
    form = ImprovementItemForm(request.POST or None, review=review)
    if request.method == "POST" and form.is_valid():
        form.instance.review = review
        form.instance.created_by = request.user
        form.save()
        messages.success(request, _("已加入改进清单。"))
        return redirect(review)
    return render(request, "evaluations/item_form.html", {"form": form, "review": review})


# ---- 督促整改: improvement items -------------------------------------------------


def _listed_items(request) -> tuple[ItemFilterForm, object]:
    """The item list's filter form and the items it shows (the page and its export)."""
    items = ImprovementItem.objects.visible_to(request.user).select_related("township", "review__district")
    filters = ItemFilterForm(request.GET or None)
    items = filters.filter_queryset(items)
    return filters, items.order_by(
        "review__district__sort_order", "township__code", "status", "due_date", "pk"
    )


@role_required(*STAFF_ROLES)
def item_list(request):
    county = role_of(request.user) == Role.COUNTY
    filters, items = _listed_items(request)
    counts = dict(
        ImprovementItem.objects.visible_to(request.user)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    overdue = ImprovementItem.objects.visible_to(request.user).overdue().count()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "evaluations/item_list.html",
        {
            "page": Paginator(items, PAGE_SIZE).get_page(request.GET.get("page")),
            "filters": filters,
            "county": county,
            "status_counts": [
                (label, counts.get(value, 0)) for value, label in ImprovementItem.Status.choices
            ],
            "overdue_count": overdue,
            "query": query.urlencode(),
            "today": timezone.localdate(),
        },
    )


@require_GET
@role_required(*STAFF_ROLES)
def item_list_xlsx(request):
    """The improvement items as .xlsx with the list's filters."""
    _filters, items = _listed_items(request)
    export_grant(request, ImprovementItem, back_url=reverse("evaluations:item-list"))
    return xlsx_download(exports.items_xlsx(items, today=timezone.localdate()), dated_filename(_("改进清单")))


def _visible_item(request, pk):
    if role_of(request.user) not in STAFF_ROLES:
        raise PermissionDenied
    return get_object_or_404(
        ImprovementItem.objects.visible_to(request.user).select_related("township", "review__district"),
        pk=pk,
    )


@role_required(*STAFF_ROLES)
def item_detail(request, pk):
    item = _visible_item(request, pk)
    evidence = item.evidence.select_related("submitted_by").prefetch_related("files")
    events = item.events.select_related("by")
    county = role_of(request.user) == Role.COUNTY
    owner = services.owns(request.user, item.township_id)
    return render(
        request,
        "evaluations/item_detail.html",
        {
            "item": item,
            "evidence": evidence,
            "events": events,
            "county": county,
            "can_start": owner and item.can_transition(ImprovementItem.Status.IN_PROGRESS),
            "can_submit": owner and item.can_transition(ImprovementItem.Status.RECTIFIED),
            "can_verify": county and item.status == ImprovementItem.Status.RECTIFIED,
            "evidence_form": EvidenceForm(),
        },
    )


@require_POST
@role_required(*STAFF_ROLES)
def item_submit_evidence(request, pk):
    item = _visible_item(request, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(item)
    try:
        services.item_submit_evidence(
            item=item, by=request.user, text=form.cleaned_data["text"], files=form.cleaned_data["files"]
        )
    except IllegalTransition as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已提交整改佐证，等待县委组织部核验。"))
    return redirect(item)


@require_POST
@role_required(*STAFF_ROLES)
def item_transition(request, pk):
    item = _visible_item(request, pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.item_transition(
                item=item, to=form.cleaned_data["to"], by=request.user, note=form.cleaned_data["note"]
            )
        except IllegalTransition as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("状态已更新为“%(status)s”。") % {"status": item.get_status_display()})
    return redirect(item)


@role_required(*STAFF_ROLES)
def evidence_file(request, pk):
    attachment = get_object_or_404(EvidenceFile.objects.visible_to(request.user), pk=pk)
    return serve_protected(request, attachment.file, filename=attachment.name)


# ---- 一年一述: annual reports ------------------------------------------------------


@role_required(*STAFF_ROLES)
def report_list(request):
    """County staff: every township side by side for a year; a township admin: its reports."""
    year = _year_param(request)
    if role_of(request.user) != Role.COUNTY:
        reports = AnnualReport.objects.visible_to(request.user).select_related("township")
        return render(
            request,
            "evaluations/report_list_township.html",
            {"reports": reports, "year": timezone.localdate().year},
        )
    rows = _summary_rows(year)
    sort = request.GET.get("sort", "")
    key = sort.lstrip("-")
    if key in selectors.METRIC_KEYS:
        present = [r for r in rows if r["metrics"].get(key) is not None]
        missing = [r for r in rows if r["metrics"].get(key) is None]
        present.sort(key=lambda r: r["metrics"][key], reverse=sort.startswith("-"))
        rows = present + missing
    charts = {
        key: {"labels": [r["township"].name for r in rows], "values": [r["metrics"].get(key) for r in rows]}
        for key in ("months_held", "attendance_rate", "target_rate", "items_on_time_rate")
    }
    return render(
        request,
        "evaluations/report_summary.html",
        {
            "year": year,
            "rows": rows,
            "metrics": selectors.METRICS,
            "sort": sort,
            "charts": charts,
            "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
        },
    )


def _summary_rows(year: int) -> list[dict]:
    townships = list(Township.objects.select_related("district").order_by("code"))
    reports = {r.township_id: r for r in AnnualReport.objects.in_year(year)}
    live = selectors.township_metrics([t.pk for t in townships], year)
    rows = []
    for township in townships:
        report = reports.get(township.pk)
        metrics = report.metrics if report is not None and report.is_frozen else live[township.pk]
        rows.append({"township": township, "report": report, "metrics": metrics})
    return rows


@require_POST
@role_required(Role.TOWNSHIP)
def report_start(request):
    township = get_object_or_404(Township.objects.visible_to(request.user), pk=township_id_of(request.user))
    year = _year_param(request)
    try:
        year = int(request.POST.get("year", year))
    except ValueError:
        pass
    report = services.report_start(township=township, year=year, by=request.user)
    return redirect(report)


def _visible_report(request, pk):
    if role_of(request.user) not in STAFF_ROLES:
        raise PermissionDenied
    return get_object_or_404(
        AnnualReport.objects.visible_to(request.user).select_related("township__district"), pk=pk
    )


@role_required(*STAFF_ROLES)
def report_detail(request, pk):
    report = _visible_report(request, pk)
    owner = services.owns(request.user, report.township_id)
    form = None
    if owner and report.is_editable:
        form = AnnualReportForm(request.POST or None, instance=report)
        if request.method == "POST" and form.is_valid():
            form.save()
            messages.success(request, _("已保存述职报告草稿。"))
            return redirect(report)
    elif request.method == "POST":
        raise PermissionDenied
    county = role_of(request.user) == Role.COUNTY
    return render(
        request,
        "evaluations/report_detail.html",
        {
            "report": report,
            "form": form,
            "rows": selectors.metric_rows(selectors.report_metrics(report)),
            "events": report.events.select_related("by"),
            "can_submit": owner and report.can_transition(AnnualReport.Status.SUBMITTED),
            "can_review": county and report.status == AnnualReport.Status.SUBMITTED,
        },
    )


@require_POST
@role_required(*STAFF_ROLES)
def report_transition(request, pk):
    report = _visible_report(request, pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.report_transition(
                report=report, to=form.cleaned_data["to"], by=request.user, note=form.cleaned_data["note"]
            )
        except IllegalTransition as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("述职报告状态已更新为“%(status)s”。") % {"status": report.get_status_display()}
            )
    return redirect(report)


@role_required(*STAFF_ROLES)
def report_pdf(request, pk):
    report = _visible_report(request, pk)
    rows = selectors.metric_rows(selectors.report_metrics(report, live=True))
    pdf = exports.report_pdf(report, rows, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="report-{report.township.code}-{report.year}.pdf"'
    )
    return response


@require_GET
@role_required(Role.COUNTY)
def report_summary_xlsx(request):
    year = _year_param(request)
    export_grant(request, AnnualReport, back_url=reverse("evaluations:report-list"), year=year)
    content = exports.summary_xlsx(year, _summary_rows(year))
    return xlsx_download(content, _("%(year)s年度述职汇总.xlsx") % {"year": year})


# ---- the closed loop of one township ------------------------------------------------


@role_required(*STAFF_ROLES)
def township_loop(request, pk):
    """训练→反馈→优化: a township's months, improvement items and reports over the years."""
    township = get_object_or_404(Township.objects.visible_to(request.user).select_related("district"), pk=pk)
    year = _year_param(request)
    held = dict(
        selectors.held_sessions(year)
        .filter(township=township)
        .annotate(month=TruncMonth("starts_at"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    held_by_month = {m.month: n for m, n in held.items()}
    plans = {p.month.month: p for p in MonthlyPlan.objects.filter(township=township, month__year=year)}
    months = [{"month": m, "sessions": held_by_month.get(m, 0), "plan": plans.get(m)} for m in range(1, 13)]
    items = township.improvement_items.select_related("review__district").order_by("-due_date", "pk")
    reports = township.annual_reports.order_by("-year")
    reviews = township.quarterly_reviews.select_related("district").order_by("-year", "-quarter")
    return render(
        request,
        "evaluations/township_loop.html",
        {
            "township": township,
            "year": year,
            "months": months,
            "items": items,
            "reports": reports,
            "reviews": reviews,
            "today": timezone.localdate(),
        },
    )
