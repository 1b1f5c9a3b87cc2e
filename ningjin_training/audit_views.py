"""The security auditor browses and exports the audit trail (read-only).

Only the security auditor duty (三员分立) opens these pages: county staff, the
system administrator and the security administrator do not read the record of
their own actions.
"""

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.exporting import export_lines
from audit.filters import AuditEntryFilter
from audit.models import AuditEntry
from core.roles import Duty, duty_required

PAGE_SIZE = 50


@duty_required(Duty.SECURITY_AUDITOR)
@require_GET
def audit_log(request):
    entries = AuditEntryFilter(request.GET, queryset=AuditEntry.objects.all())
    page = Paginator(entries.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "audit/entry_list.html", {"filter": entries, "page": page, "query": query.urlencode()}
    )


@duty_required(Duty.SECURITY_AUDITOR)
@require_GET
def audit_export(request):
    """The whole trail as JSON lines with its hash chain (check with ``audit_verify --file``); audited."""
    response = StreamingHttpResponse(export_lines(actor=request.user), content_type="application/x-ndjson")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y%m%d}.jsonl"'
    return response
