"""``{% portal_nav %}``: the main navigation, built as data and rendered from that data alone.

``nav_items`` decides which links a viewer sees — plain tuples of label, URL name and
arguments, cheap to build on every request. partials/nav_links.html draws them and sees
nothing else (no request, no user), so its HTML is a function of the items, the language and
the script prefix, and is kept per process under exactly that key. A link added later for one
user (or one township) changes that user's items, hence the key: no viewer is ever served
another's menu. A deploy restarts the processes, so a changed template or translation is
never served from the memo.
"""

from functools import lru_cache
from typing import NamedTuple

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.safestring import SafeString

# Labels are msgids (marked for makemessages): the template translates them when it draws.
from django.utils.translation import gettext_noop as _

from core.roles import STAFF_AND_INSTRUCTOR_ROLES, STAFF_ROLES, Duty, Role, duties_of
from trainees.scoping import township_id_of

register = template.Library()

DIVIDER = None  # a separator line inside a drop-down menu


class Link(NamedTuple):
    label: str  # a msgid: translated when the items are drawn
    url_name: str
    args: tuple = ()
    current: bool = False


class Menu(NamedTuple):
    html_id: str
    label: str
    links: tuple[Link | None, ...]


def nav_items(user, role: str | None, *, at_home: bool) -> tuple[Link | Menu, ...]:
    """The navigation entries this viewer may follow, in display order."""
    county = role == Role.COUNTY
    items: list[Link | Menu] = [Link(_("首页"), "home", current=at_home)]
    township_id = township_id_of(user) if role == Role.TOWNSHIP else None
    if role in STAFF_ROLES:
        org: list[Link | None] = [
            Link(_("乡镇党校"), "trainees:township-list"),
            Link(_("党员名册"), "trainees:member-list"),
            Link(_("名册导入"), "trainees:member-import"),
        ]
        if township_id:
            org.append(Link(_("党员登录情况"), "accounts:staff-sign-ins", (township_id,)))
        items += [
            Menu(
                "nav-cycle",
                _("一月一训"),
                (
                    Link(_("培训场次"), "courses:session-list"),
                    Link(_("月度计划"), "courses:plan-list"),
                    Link(_("落实情况"), "courses:heatmap"),
                    Link(_("学时档案"), "courses:ledger-township"),
                ),
            ),
            Menu("nav-org", _("组织与党员"), tuple(org)),
        ]
    if role == Role.TRAINEE:
        items += [
            Link(_("我的培训"), "courses:my-schedule"),
            Link(_("我的学时"), "courses:my-hours"),
            Link(_("需求问卷"), "evaluations:survey-list"),
            Link(_("培训评价"), "evaluations:feedback-mine"),
            Link(_("实践任务"), "evaluations:task-list"),
        ]
    if role:
        items.append(Link(_("课程师资"), "courses:course-list"))
    if role in STAFF_AND_INSTRUCTOR_ROLES:
        items.append(Link(_("精准送教"), "courses:request-list"))
    if role == Role.INSTRUCTOR:
        items.append(Link(_("我的学员评价"), "evaluations:my-ratings"))
    if role in STAFF_ROLES:
        links: list[Link | None] = [Link(_("一季一研"), "evaluations:review-list")] if county else []
        links += [
            Link(_("改进清单"), "evaluations:item-list"),
            Link(_("一年一述"), "evaluations:report-list"),
        ]
        if township_id:
            links.append(Link(_("培训闭环"), "evaluations:township-loop", (township_id,)))
        links.append(DIVIDER)
        if county:
            links.append(Link(_("需求问卷"), "evaluations:survey-list"))
        links.append(Link(_("分类教学计划"), "evaluations:plan-list"))
        if county:
            links.append(Link(_("培训评价汇总"), "evaluations:feedback-summary"))
        links += [
            Link(_("实践锻炼"), "evaluations:task-list"),
            Link(_("积分排名"), "evaluations:performance"),
        ]
        items.append(Menu("nav-evaluations", _("评估与述职"), tuple(links)))
    duties = duties_of(user)
    system = [Link(_("提醒记录"), "notifications:reminder-list")] if county else []
    if county or Duty.SECURITY_ADMIN in duties:
        system.append(Link(_("工作人员账号"), "accounts:staff-list"))
    if role in STAFF_ROLES:
        system.append(Link(_("接口令牌"), "api:tokens"))
    if Duty.SECURITY_AUDITOR in duties:
        system.append(Link(_("审计日志"), "audit-log"))
    if user.is_staff and duties & {Duty.SYSTEM_ADMIN, Duty.SECURITY_ADMIN}:
        system.append(Link(_("后台管理"), "admin:index"))
    if system:
        items.append(Menu("nav-system", _("系统"), tuple(system)))
    return tuple(items)


def _resolved(link: Link) -> dict:
    return {"label": link.label, "url": reverse(link.url_name, args=link.args), "current": link.current}


@lru_cache(maxsize=1000)
def render_nav(items: tuple[Link | Menu, ...], language: str, script_prefix: str) -> SafeString:
    """partials/nav_links.html for these items; the arguments are the whole input, hence the key."""
    entries = [
        {
            "html_id": item.html_id,
            "label": item.label,
            "links": [link and _resolved(link) for link in item.links],
        }
        if isinstance(item, Menu)
        else _resolved(item)
        for item in items
    ]
    with translation.override(language):
        return render_to_string("partials/nav_links.html", {"items": entries})


@register.simple_tag(takes_context=True)
def portal_nav(context):
    request = context["request"]
    items = nav_items(context["user"], context.get("portal_role"), at_home=request.path == reverse("home"))
    return render_nav(items, translation.get_language(), get_script_prefix())
