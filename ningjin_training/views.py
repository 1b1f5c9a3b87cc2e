from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.roles import Role, role_of

from . import dashboards
from .context_processors import TEXT_SIZE_COOKIE
from .health import beat_status, broker_status, cache_status, database_status


def home(request):
    role = role_of(request.user)
    if role == Role.COUNTY:
        context, template = dashboards.county_dashboard(), "home/county.html"
    elif role == Role.TOWNSHIP:
        context, template = dashboards.township_dashboard(request.user), "home/township.html"
    elif role == Role.INSTRUCTOR:
        context, template = dashboards.instructor_dashboard(request.user), "home/instructor.html"
    elif role == Role.TRAINEE:
        context, template = dashboards.trainee_dashboard(request.user), "home/trainee.html"
    else:
        context, template = {}, "home/no_role.html"
    return render(request, template, context)


@login_not_required
@require_GET
@never_cache
def healthz(request):
    """200 while the database answers; a cache or broker that does not answer is named as degraded.

    ``status`` is ``ok``, ``degraded`` (pages answer, the parts listed under ``degraded`` do
    not: figures are computed in the request, reminders wait for the periodic scan) or ``error``
    (no database: 503). A silent beat is reported under ``beat`` without changing the status.
    """
    database = database_status()
    parts = {"database": database, "cache": cache_status(), "broker": broker_status()}
    degraded = [name for name, state in parts.items() if state != "ok"]
    if database != "ok":
        status = "error"
    else:
        status = "degraded" if degraded else "ok"
    payload = {
        "status": status,
        "degraded": degraded,
        **parts,
        "beat": beat_status() if database == "ok" else None,
    }
    return JsonResponse(payload, status=200 if database == "ok" else 503)


@login_not_required
@require_POST
def text_size(request):
    """Toggle the larger-text display (适老化) and go back where the user was."""
    target = request.POST.get("next", "/")
    # Only a path on this site, and never through redirect(): it would look up "foo" as a URL name.
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.COOKIES.get(TEXT_SIZE_COOKIE) == "large":
        response.delete_cookie(TEXT_SIZE_COOKIE)
    else:
        response.set_cookie(TEXT_SIZE_COOKIE, "large", max_age=365 * 24 * 3600, samesite="Lax")
    return response
