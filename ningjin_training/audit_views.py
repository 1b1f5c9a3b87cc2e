"""County staff browse the audit trail (read-only)."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.filters import AuditEntryFilter
from audit.models import AuditEntry
from core.roles import Role, role_required

PAGE_SIZE = 50


@role_required(Role.COUNTY)
@require_GET
def audit_log(request):
    entries = AuditEntryFilter(request.GET, queryset=AuditEntry.objects.all())
    page = Paginator(entries.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "audit/entry_list.html", {"filter": entries, "page": page, "query": query.urlencode()}
    )
