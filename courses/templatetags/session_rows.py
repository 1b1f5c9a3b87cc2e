"""``{% session_rows page read_only_badges %}``: the session list's table rows.

The list is the page township admins open most; rendering its 25 rows through the template
engine (a lookup per variable, the choices rebuilt for every ``get_…_display``) was a third of
its CPU. The same markup is built here directly, every value escaped by format_html.
"""

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from courses.models import Session

register = template.Library()


@register.simple_tag
def session_rows(page, read_only_badges: bool):
    kinds, statuses = dict(Session.Kind.choices), dict(Session.Status.choices)
    county_wide = _("全县")
    read_only = format_html(' <span class="badge text-bg-secondary">{}</span>', _("只读"))

    def row(s):
        return (
            s.get_absolute_url(),
            s.title,
            s.township.name if s.township_id else county_wide,
            read_only if read_only_badges and not s.township_id else "",
            dateformat.format(timezone.localtime(s.starts_at), "Y-m-d H:i"),
            kinds.get(s.kind, s.kind),
            statuses.get(s.status, s.status),
            f"{s.enrolled}/{s.capacity}" if s.capacity else s.enrolled,
        )

    return format_html_join(
        "\n",
        '<tr><td><a href="{}">{}</a></td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td>'
        '<td class="text-end">{}</td></tr>',
        (row(s) for s in page),
    )
