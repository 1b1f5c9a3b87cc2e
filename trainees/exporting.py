"""Exports with people in them: the member roster, and the rule every export with ID or phone numbers
follows (written by core.spreadsheets, like every export).

The rule, in :func:`export_grant`: masked numbers by default; the full numbers only for county staff
who POST a reason; every export — masked or full — leaves an audit row with the page's filters
(and the reason), like a reveal. :func:`numbers` gives a member's two cells under that grant.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from core.roles import Role, role_of
from core.spreadsheets import xlsx_response

REASON_MAX = 200


@dataclass(frozen=True)
class ExportGrant:
    """What an export may hold: ``full`` numbers or masked; ``refusal`` is the answer when refused."""

    full: bool = False
    refusal: HttpResponse | None = None


def export_grant(request, target, *, back_url: str, **details) -> ExportGrant:
    """Decide masked or full numbers for the export ``request`` asks for, and audit it.

    A GET is a masked export; a POST asks for the full numbers and is county staff's only
    (403 otherwise), with a reason (without one: back to ``back_url`` with a message, nothing
    exported, nothing audited). ``target`` is the model (or the object) the export is of;
    ``details`` (e.g. the year) go into the audit row beside the filters.
    """
    full = request.method == "POST"
    reason = request.POST.get("reason", "").strip()[:REASON_MAX] if full else ""
    if full and role_of(request.user) != Role.COUNTY:
        raise PermissionDenied
    if full and not reason:
        messages.error(request, _("导出完整号码须填写用途。"))
        return ExportGrant(refusal=redirect(back_url))
    changes = {"filter": [None, request.GET.urlencode()], "full_numbers": [None, full]}
    changes.update({key: [None, value] for key, value in details.items()})
    if full:
        changes["reason"] = [None, reason]
    audit.record(audit.Action.EXPORT, target, changes=changes)
    return ExportGrant(full=full)


def numbers(member, *, full: bool) -> tuple[str, str]:
    """(ID number, phone) of ``member`` as the export shows them: masked unless ``full``."""
    if full:
        return member.id_number, member.phone
    return member.masked_id_number, member.masked_phone


def member_export(*, members, full_numbers: bool = False) -> HttpResponse:
    """The member roster as .xlsx; ID and phone numbers masked unless ``full_numbers``.

    Masked ID numbers come from the stored mask; only a full export decrypts (one per row).
    Whether a viewer may have the full numbers is decided by :func:`export_grant`.

    The headers are the importer's own, so a full export can be edited and imported back.
    """
    full = full_numbers
    headers = [
        _("姓名"), _("性别"), _("民族"), _("出生日期"), _("公民身份号码"), _("联系电话"), _("学历"),
        _("人员类别"), _("工作岗位"), _("入党时间"), _("转正时间"), _("党员状态"), _("所在乡镇"),
        _("所在党支部"), _("党员群体"), _("在册"),
    ]  # fmt: skip
    members = members.select_related("branch__township").prefetch_related("groups")
    if not full:
        members = members.defer("id_number_encrypted")  # the stored mask is enough: nothing is decrypted
    rows = (
        (
            m.name,
            m.get_gender_display(),
            m.ethnicity,
            m.birth_date,
            *numbers(m, full=full),
            m.get_education_display(),
            m.get_category_display(),
            m.position,
            m.join_date,
            m.full_date,
            m.get_status_display(),
            m.branch.township.name,
            m.branch.name,
            "、".join(g.name for g in m.groups.all()),
            _("是") if m.is_active else _("否"),
        )
        for m in members.iterator(chunk_size=2000)
    )
    filename = _("党员名册-%(date)s.xlsx") % {"date": f"{timezone.localdate():%Y%m%d}"}
    return xlsx_response(filename=filename, headers=headers, rows=rows, sheet_title=_("党员名册"))


def dated_filename(stem: str) -> str:
    """``stem`` and today's date as an .xlsx name (``培训场次-20260604.xlsx``)."""
    return f"{stem}-{timezone.localdate():%Y%m%d}.xlsx"
