"""Spreadsheets of the monthly cycle: the session list, a session's attendance, the hours ledger.

Each is written by core.spreadsheets (text never a formula, dates as dates, numbers as numbers)
from the queryset its page shows; ID and phone numbers follow trainees.exporting.numbers.
A fixed number of queries whatever the rows: related rows are joined, prefetched or annotated.
"""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.http import HttpResponse
from django.utils.translation import gettext as _

from core.spreadsheets import xlsx_response
from courses.models import Attendance, Enrollment, Instructor, Session
from trainees.exporting import dated_filename, numbers
from trainees.models import Member

from . import selectors


def _label(choices, value) -> str:
    return str(dict(choices).get(value, "")) if value else ""


def session_list_xlsx(sessions) -> HttpResponse:
    """The sessions the list shows (``sessions`` with its filters), every row, newest first."""
    headers = [
        _("培训名称"), _("乡镇（街道）"), _("培训类型"), _("状态"), _("开始时间"), _("结束时间"),
        _("场地类型"), _("地点"), _("学时"), _("名额"), _("已报名"), _("授课师资"), _("课程"),
    ]  # fmt: skip
    sessions = sessions.select_related("township", "course").prefetch_related(
        Prefetch("instructors", queryset=Instructor.objects.only("pk", "name").order_by("name"))
    )
    rows = (
        (
            s.title,
            s.township.name if s.township else _("县级"),
            s.get_kind_display(),
            s.get_status_display(),
            s.starts_at,
            s.ends_at,
            s.get_venue_kind_display(),
            s.venue,
            s.hours,
            s.capacity,
            s.enrolled,
            "、".join(i.name for i in s.instructors.all()),
            s.course.title if s.course else "",
        )
        for s in sessions.iterator(chunk_size=1000)
    )
    return xlsx_response(
        filename=dated_filename(_("培训场次")), headers=headers, rows=rows, sheet_title=_("培训场次")
    )


def attendance_xlsx(session: Session, *, full: bool) -> HttpResponse:
    """Everyone enrolled in ``session`` (not withdrawn) or marked on its sheet, with their attendance."""
    attendance = Attendance.objects.filter(session=session, member=OuterRef("pk"))
    enrollment = Enrollment.objects.filter(session=session, member=OuterRef("pk"))
    members = (
        Member.objects.filter(
            Q(pk__in=session.enrollments.exclude(status=Enrollment.Status.WITHDRAWN).values("member"))
            | Q(pk__in=session.attendances.values("member"))
        )
        .select_related("branch__township")
        .annotate(
            enrollment_status=Subquery(enrollment.values("status")[:1]),
            attendance_status=Subquery(attendance.values("status")[:1]),
            attendance_method=Subquery(attendance.values("method")[:1]),
            checked_in_at=Subquery(attendance.values("checked_in_at")[:1]),
            leave_reason=Subquery(attendance.values("leave_reason")[:1]),
        )
        .order_by("branch__township__code", "branch__name", "name", "pk")
    )
    if not full:
        members = members.defer("id_number_encrypted")
    headers = [
        _("姓名"), _("公民身份号码"), _("联系电话"), _("所在乡镇"), _("所在党支部"), _("报名状态"),
        _("出勤情况"), _("登记方式"), _("签到时间"), _("请假事由"), _("认定学时"),
    ]  # fmt: skip
    rows = (
        (
            m.name,
            *numbers(m, full=full),
            m.branch.township.name,
            m.branch.name,
            _label(Enrollment.Status.choices, m.enrollment_status),
            _label(Attendance.Status.choices, m.attendance_status) or _("未登记"),
            _label(Attendance.Method.choices, m.attendance_method),
            m.checked_in_at,
            m.leave_reason or "",
            session.hours if m.attendance_status in selectors.CREDITED else 0,
        )
        for m in members.iterator(chunk_size=2000)
    )
    return xlsx_response(
        filename=dated_filename(_("考勤-%(title)s") % {"title": session.title}),
        headers=headers,
        rows=rows,
        sheet_title=_("考勤登记"),
    )


def ledger_xlsx(members, year: int, *, full: bool) -> HttpResponse:
    """The year's hours of every member in ``members`` (a township's or a branch's), with their standing."""
    annotated = (
        selectors.with_hours(members, year)
        .select_related("branch__township")
        .order_by("branch__township__code", "branch__name", "name", "pk")
    )
    if not full:
        annotated = annotated.defer("id_number_encrypted")
    headers = [
        _("姓名"), _("公民身份号码"), _("联系电话"), _("所在乡镇"), _("所在党支部"), _("培训学时"),
        _("登记学时"), _("已获学时"), _("年度要求"), _("差额"), _("达标情况"),
    ]  # fmt: skip

    def standing(m) -> str:
        if m.exempt:
            return _("免于考核")
        return _("已达标") if m.total_hours >= m.target_hours else _("未达标")

    rows = (
        (
            m.name,
            *numbers(m, full=full),
            m.branch.township.name,
            m.branch.name,
            m.session_hours,
            m.manual_hours,
            m.total_hours,
            m.target_hours,
            0 if m.exempt else max(m.target_hours - m.total_hours, 0),
            standing(m),
        )
        for m in annotated.iterator(chunk_size=2000)
    )
    return xlsx_response(
        filename=dated_filename(_("%(year)s年学时台账") % {"year": year}),
        headers=headers,
        rows=rows,
        sheet_title=_("%(year)s年学时台账") % {"year": year},
    )


def member_ledger_xlsx(member: Member, year: int) -> HttpResponse:
    """One member's 学时档案 of ``year``: every session attended or marked and every hours entry."""
    record = selectors.member_record(member, year)
    headers = [_("日期"), _("类别"), _("内容"), _("地点"), _("出勤情况"), _("说明"), _("认定学时")]
    rows = [
        (
            a.session.starts_at,
            _("培训"),
            a.session.title,
            a.session.venue,
            a.get_status_display(),
            a.leave_reason,
            a.session.hours if a.status in selectors.CREDITED else 0,
        )
        for a in record["attendances"]
    ] + [(e.date, _("登记学时"), e.get_source_display(), "", "", e.note, e.hours) for e in record["entries"]]
    totals = record["annotated"]
    rows.append(("", _("合计"), "", "", "", _("年度要求 %(target)s") % {"target": totals.target_hours},
                 totals.total_hours))  # fmt: skip
    return xlsx_response(
        filename=dated_filename(_("学时档案-%(name)s") % {"name": member.name}),
        headers=headers,
        rows=rows,
        sheet_title=_("%(year)s年学时档案") % {"year": year},
    )
