"""``{% portal_nav %}``: the main navigation, rendered once per kind of viewer and process.

partials/nav_links.html depends only on the role, the language, staff status, the township
admin's township and whether the page is the home page; it holds some thirty links and
translations, about a millisecond of every page's CPU. Each process keeps the HTML per such
key (a few hundred at most); a deploy restarts the processes, so a changed template or
translation is never served from the memo.
"""

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import translation

from core.roles import Role
from trainees.scoping import township_id_of

register = template.Library()

_rendered: dict[tuple, str] = {}
_MAX_ENTRIES = 1000


@register.simple_tag(takes_context=True)
def portal_nav(context):
    request, user = context["request"], context["user"]
    role = context.get("portal_role")
    key = (
        role,
        translation.get_language(),
        user.is_staff,
        tuple(sorted(context.get("portal_duties") or ())),
        township_id_of(user) if role == Role.TOWNSHIP else None,
        request.path == reverse("home"),
        get_script_prefix(),
    )
    html = _rendered.get(key)
    if html is None:
        if len(_rendered) >= _MAX_ENTRIES:
            _rendered.clear()
        html = _rendered[key] = context.template.engine.get_template("partials/nav_links.html").render(
            context
        )
    return html
