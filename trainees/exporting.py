"""The member roster as a spreadsheet (written by core.spreadsheets, like every export)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.spreadsheets import xlsx_response


def member_export(*, members, full_numbers: bool = False) -> HttpResponse:
    """The member roster as .xlsx; ID and phone numbers masked unless ``full_numbers``.

    Masked ID numbers come from the stored mask; only a full export decrypts (one per row).
    Whether a viewer may have the full numbers is the view's decision (county staff, with a reason).

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
            m.id_number if full else m.masked_id_number,
            m.phone if full else m.masked_phone,
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
