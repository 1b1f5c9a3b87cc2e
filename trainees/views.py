from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import audit
from core.files import serve_protected
from core.roles import STAFF_ROLES, role_required

from .exporting import export_grant, member_export
from .filters import MemberFilter
from .forms import MemberForm, MemberImportForm
from .importing import ImportFileError
from .models import ImportBatch, Member, Township
from .scoping import can_see_personal_data
from .selectors import members_sms_flags
from .services import member_import_commit, member_import_preview

PAGE_SIZE = 25


@role_required(*STAFF_ROLES)
def township_list(request):
    townships = Township.objects.visible_to(request.user).select_related("district").with_counts()
    return render(request, "trainees/township_list.html", {"townships": townships})


@role_required(*STAFF_ROLES)
def township_detail(request, pk):
    township = get_object_or_404(Township.objects.visible_to(request.user).select_related("district"), pk=pk)
    branches = township.branches.annotate(
        member_count=Count("members", filter=Q(members__is_active=True))
    ).order_by("domain", "name")
    paginator = Paginator(branches, 50)
    return render(
        request,
        "trainees/township_detail.html",
        {
            "township": township,
            "page": paginator.get_page(request.GET.get("page")),
        },
    )


@role_required(*STAFF_ROLES)
def member_list(request):
    members = Member.objects.visible_to(request.user).select_related("branch__township")
    member_filter = MemberFilter(request.GET, queryset=members, user=request.user)
    paginator = Paginator(member_filter.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    flags = members_sms_flags(page.object_list)
    for member in page.object_list:
        member.sms_flag = flags.get(member.pk)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "trainees/member_list.html",
        {"filter": member_filter, "page": page, "query": query.urlencode()},
    )


def _render_member_detail(request, member, *, revealed: bool):
    return render(
        request,
        "trainees/member_detail.html",
        {
            "member": member,
            "sms_flag": members_sms_flags([member]).get(member.pk),
            "groups": member.groups.all(),
            "can_reveal": can_see_personal_data(request.user),
            "revealed": revealed,
        },
    )


@role_required(*STAFF_ROLES)
def member_detail(request, pk):
    """Masked ID and phone numbers for everyone; the full numbers only through a reveal."""
    member = get_object_or_404(
        Member.objects.visible_to(request.user).select_related("branch__township", "user"), pk=pk
    )
    return _render_member_detail(request, member, revealed=False)


@role_required(*STAFF_ROLES)
@require_POST
def member_reveal(request, pk):
    """Show the full ID and phone numbers once, and leave an audit row saying who looked."""
    member = get_object_or_404(
        Member.objects.visible_to(request.user).select_related("branch__township", "user"), pk=pk
    )
    if not can_see_personal_data(request.user):
        raise PermissionDenied
    audit.record(audit.Action.REVEAL, member)
    return _render_member_detail(request, member, revealed=True)


@role_required(*STAFF_ROLES)
def member_create(request):
    form = MemberForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        member = form.save()
        messages.success(request, _("已新增党员 %(name)s。") % {"name": member.name})
        return redirect(member)
    return render(request, "trainees/member_form.html", {"form": form, "member": None})


@role_required(*STAFF_ROLES)
def member_edit(request, pk):
    member = get_object_or_404(Member.objects.managed_by(request.user), pk=pk)
    form = MemberForm(request.POST or None, instance=member, user=request.user)
    if request.method == "GET":
        # The edit form shows the full numbers to edit them: that is a reveal too.
        audit.record(audit.Action.REVEAL, member)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("已保存 %(name)s 的党员信息。") % {"name": member.name})
        return redirect(member)
    return render(request, "trainees/member_form.html", {"form": form, "member": member})


@role_required(*STAFF_ROLES)
def member_import(request):
    form = MemberImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = member_import_preview(user=request.user, uploaded_file=form.cleaned_data["file"])
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect(batch)
    return render(request, "trainees/member_import.html", {"form": form})


@role_required(*STAFF_ROLES)
def member_import_detail(request, pk):
    batch = get_object_or_404(
        ImportBatch.objects.visible_to(request.user).select_related("created_by"), pk=pk
    )
    errors = Paginator(batch.errors, 200).get_page(request.GET.get("page"))
    return render(request, "trainees/member_import_detail.html", {"batch": batch, "errors": errors})


@require_POST
@role_required(*STAFF_ROLES)
def member_import_confirm(request, pk):
    batch = get_object_or_404(ImportBatch.objects.managed_by(request.user), pk=pk)
    try:
        batch = member_import_commit(user=request.user, batch=batch)
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect(batch)
    if batch.status == ImportBatch.Status.COMMITTED:
        messages.success(
            request,
            _("导入完成：新增 %(created)d 人，更新 %(updated)d 人，无变化 %(unchanged)d 人。")
            % {
                "created": batch.created_count,
                "updated": batch.updated_count,
                "unchanged": batch.unchanged_count,
            },
        )
    else:
        messages.error(request, _("数据已变化，重新校验发现错误，本次没有导入任何数据。"))
    return redirect(batch)


@role_required(*STAFF_ROLES)
def member_import_history(request):
    batches = ImportBatch.objects.visible_to(request.user).select_related("created_by", "township")
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "trainees/member_import_history.html", {"page": page})


@role_required(*STAFF_ROLES)
def member_import_file(request, pk):
    """The original upload, for audit; scoped like the batch itself."""
    batch = get_object_or_404(ImportBatch.objects.visible_to(request.user), pk=pk)
    if not batch.file:  # deleted after the retention period (trainees.retention)
        raise Http404
    return serve_protected(request, batch.file, filename=batch.original_name)


@role_required(*STAFF_ROLES)
def member_export_xlsx(request):
    """The roster as .xlsx with the list's filters: masked numbers by default.

    The full ID and phone numbers (a file that can be imported back) only for county
    staff who POST a reason; the reason goes into the audit row like a reveal.
    """
    members = Member.objects.visible_to(request.user)
    member_filter = MemberFilter(request.GET, queryset=members, user=request.user)
    query = request.GET.urlencode()
    grant = export_grant(
        request, Member, back_url=reverse("trainees:member-list") + (f"?{query}" if query else "")
    )
    if grant.refusal:
        return grant.refusal
    return member_export(members=member_filter.qs, full_numbers=grant.full)
