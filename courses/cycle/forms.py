"""Forms of the monthly cycle: sessions, series, cancellation, lesson preparation, filters."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.db.models import Q
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT, ManagementForm
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.roles import Role, role_of
from courses.models import (
    Attendance,
    Course,
    Enrollment,
    Instructor,
    LessonPreparation,
    Session,
    StudyHoursEntry,
    TeachingBase,
    TeachingRoute,
    Theme,
)
from courses.models.sessions import ENTRY_HOURS_MAX, hours_help, hours_validators
from trainees.forms import ModelMultipleIdChoiceField
from trainees.models import Branch, Member, MemberGroup, Township
from trainees.scoping import township_id_of

from .services import AttendanceRow, is_scanned

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class SessionForm(forms.ModelForm):
    audience_domains = forms.MultipleChoiceField(
        label=_("面向领域"),
        choices=Branch.Domain.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Session
        fields = [
            "township",
            "course",
            "title",
            "theme",
            "kind",
            "instructors",
            "venue_kind",
            "venue",
            "base",
            "route",
            "starts_at",
            "ends_at",
            "hours",
            "capacity",
            "open_signup",
            "audience_branches",
            "audience_domains",
            "audience_groups",
        ]
        field_classes = dict.fromkeys(
            ["instructors", "audience_branches", "audience_groups"], ModelMultipleIdChoiceField
        )
        widgets = {
            "starts_at": DateTimeLocalInput(),
            "ends_at": DateTimeLocalInput(),
            "audience_groups": forms.CheckboxSelectMultiple,
            # Tick boxes, not a <select multiple> that needs Ctrl-click (long lists scroll: portal.css).
            "instructors": forms.CheckboxSelectMultiple,
            "audience_branches": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "title": _("选择课程时可留空，自动使用课程名称。"),
            "audience_branches": _("不选支部、领域和群体时，面向本乡镇全体在册党员。"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["title"].required = False
        self.fields["course"].queryset = Course.objects.visible_to(user).exclude(stage=Course.Stage.REJECTED)
        self.fields["theme"].queryset = Theme.objects.order_by("-year", "-month")
        self.fields["instructors"].queryset = Instructor.objects.visible_to(user).filter(is_active=True)
        self.fields["base"].queryset = TeachingBase.objects.visible_to(user)
        self.fields["route"].queryset = TeachingRoute.objects.visible_to(user)
        self.fields["audience_groups"].queryset = MemberGroup.objects.all()
        branches = Branch.objects.visible_to(user).select_related("township")
        if role_of(user) == Role.COUNTY:
            self.fields["township"].queryset = Township.objects.all()
            self.fields["township"].empty_label = _("全县性培训")
            if self.instance.township_id:
                branches = branches.filter(township_id=self.instance.township_id)
        else:
            del self.fields["township"]
        self.fields["audience_branches"].queryset = branches.order_by("township__code", "name")

    def clean(self):
        data = super().clean()
        if not data.get("title") and data.get("course"):
            data["title"] = data["course"].title
        if not data.get("title"):
            self.add_error("title", _("请填写培训名称，或选择一门课程。"))
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("结束时间须晚于开始时间。"))
        township = data.get("township") if "township" in self.fields else None
        township_id = (
            township.pk if township else (None if "township" in self.fields else township_id_of(self.user))
        )
        for branch in data.get("audience_branches") or []:
            if township_id and branch.township_id != township_id:
                self.add_error("audience_branches", _("面向支部须属于本场培训所在的乡镇。"))
                break
        return data

    def session_fields(self) -> dict:
        """The cleaned values as Session fields, for the services (the township goes apart)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "township"}

    @property
    def township_id(self) -> int | None:
        if "township" in self.fields:
            township = self.cleaned_data.get("township")
            return township.pk if township else None
        return township_id_of(self.user)


class SeriesForm(forms.Form):
    dates = forms.CharField(
        label=_("其他日期"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个日期，格式如 2026-06-18；时间与本场相同。"),
    )
    per_branch = forms.BooleanField(
        label=_("按面向支部分别开班"), required=False, help_text=_("为所选的每个支部各建一场。")
    )

    def clean_dates(self):
        text = self.cleaned_data["dates"]
        dates = []
        for part in re.split(r"[\s,，;；]+", text.strip()):
            if not part:
                continue
            try:
                dates.append(datetime.date.fromisoformat(part))
            except ValueError:
                raise forms.ValidationError(
                    _("“%(value)s”不是有效日期，请按 2026-06-18 的格式填写。"), params={"value": part}
                ) from None
        return dates

    def clean(self):
        data = super().clean()
        if not data.get("dates") and not data.get("per_branch") and not self.errors:
            raise forms.ValidationError(_("请填写至少一个日期，或选择按支部分别开班。"))
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500)


class MoveForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DateTimeLocalInput())


class LessonPreparationForm(forms.ModelForm):
    class Meta:
        model = LessonPreparation
        fields = ["date", "participants", "notes", "instructors"]
        field_classes = {"instructors": ModelMultipleIdChoiceField}
        widgets = {
            "instructors": forms.CheckboxSelectMultiple,
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "participants": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instructors"].queryset = Instructor.objects.visible_to(user).filter(is_active=True)
        self.fields["instructors"].required = False
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())


# --- the attendance sheet ---------------------------------------------------------------------------


class AttendanceRowForm(forms.Form):
    """One member's row of the attendance sheet: status, leave reason, and the version it was opened with."""

    status = forms.ChoiceField(
        label=_("出勤情况"),
        required=False,
        choices=[("", _("未登记")), *Attendance.Status.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    reason = forms.CharField(
        label=_("请假事由"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    override_scan = forms.BooleanField(label=_("覆盖扫码签到"), required=False)

    def __init__(self, *args, member: Member, current: Attendance | None, editable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.member, self.current = member, current
        self.scanned = is_scanned(current)
        if not editable:
            self.fields["status"].widget.attrs["disabled"] = True
        self.fields["status"].error_messages["invalid_choice"] = _("%(name)s：出勤情况无效。") % {
            "name": member.name
        }

    def add_prefix(self, field_name: str) -> str:
        # The sheet's field names are status-<member pk>, reason-<member pk>, version-<member pk>.
        return f"{field_name}-{self.prefix}"

    def clean(self):
        data = super().clean()
        if data.get("status") == Attendance.Status.EXCUSED and not data.get("reason"):
            self.add_error("reason", _("%(name)s：请假须填写事由。") % {"name": self.member.name})
        status = data.get("status")
        seen = data.get("version") == getattr(self.current, "version", None)  # else stale: refused later
        if (
            self.scanned
            and seen
            and status
            and status != self.current.status
            and not data.get("override_scan")
        ):
            # A member's own scan is never replaced by a sheet without the staff saying so.
            self.add_error(
                "status",
                _(
                    "%(name)s 已于 %(time)s 扫码签到（%(status)s）。确需改为“%(new)s”，请勾选本行的“覆盖扫码签到”。"
                )
                % {
                    "name": self.member.name,
                    "time": timezone.localtime(self.current.checked_in_at).strftime("%H:%M")
                    if self.current.checked_in_at
                    else "—",
                    "status": self.current.get_status_display(),
                    "new": dict(Attendance.Status.choices).get(status, status),
                },
            )
        return data

    def row(self) -> AttendanceRow:
        status = self.cleaned_data["status"]
        return AttendanceRow(
            member_id=self.member.pk,
            status=status,
            leave_reason=self.cleaned_data["reason"] if status == Attendance.Status.EXCUSED else "",
            version=self.cleaned_data["version"],
            override_scan=bool(self.cleaned_data.get("override_scan")),
        )


class BaseAttendanceSheet(forms.BaseFormSet):
    """The sheet of a session: a row per enrolled member and per member already marked.

    The rows are decided here from the session, never by the browser, so the page
    sends no management form and a posted row of someone else's member is ignored.
    """

    def __init__(self, data=None, *, session: Session, prefill: bool = False):
        self.session = session
        self.editable = session.status in (
            Session.Status.PUBLISHED,
            Session.Status.HELD,
            Session.Status.CLOSED,
        )
        member_ids = session.enrollments.filter(status=Enrollment.Status.ENROLLED).values("member_id")
        marked_ids = session.attendances.values("member_id")
        self.members = list(
            Member.objects.filter(Q(pk__in=member_ids) | Q(pk__in=marked_ids))
            .select_related("branch")
            .order_by("branch__name", "name", "pk")
        )
        self.existing = {a.member_id: a for a in session.attendances.all()}
        initial = []
        for member in self.members:
            current = self.existing.get(member.pk)
            if current is not None:
                initial.append(
                    {"status": current.status, "reason": current.leave_reason, "version": current.version}
                )
            else:
                initial.append({"status": Attendance.Status.PRESENT if prefill else ""})
        super().__init__(data, initial=initial, prefix="attendance", auto_id="%s")

    @cached_property
    def management_form(self):
        count = len(self.members)
        form = ManagementForm(
            {f"{self.prefix}-{TOTAL_FORM_COUNT}": count, f"{self.prefix}-{INITIAL_FORM_COUNT}": count},
            prefix=self.prefix,
        )
        form.full_clean()
        return form

    def total_form_count(self) -> int:
        return len(self.members)

    def initial_form_count(self) -> int:
        return len(self.members)

    def add_prefix(self, index) -> str:
        return str(self.members[index].pk) if isinstance(index, int) else super().add_prefix(index)

    def get_form_kwargs(self, index):
        if index is None:
            return {"member": Member(), "current": None}
        member = self.members[index]
        return {"member": member, "current": self.existing.get(member.pk), "editable": self.editable}

    def rows(self) -> list[AttendanceRow]:
        """The validated rows, for :func:`services.attendance_bulk_save`."""
        return [form.row() for form in self.forms]

    def errors_by_row(self) -> list[dict]:
        """Every row's messages, for the summary above the sheet (each also shows on its row)."""
        return [
            {"member_id": form.member.pk, "message": error}
            for form in self.forms
            for errors in form.errors.values()
            for error in errors
        ]


# The size comes from the session, not the browser; the caps only keep Django's "too many forms"
# check out of the way of a county-wide session with thousands of members.
AttendanceSheet = forms.formset_factory(
    AttendanceRowForm, formset=BaseAttendanceSheet, extra=0, max_num=100_000, absolute_max=100_000
)


def valid_filters(form: forms.Form) -> dict:
    """The filter values of a GET form that passed validation: all of them on a clean form, the
    good ones otherwise (a bad value is left out and reported beside its field, never a 500)."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


class SessionFilterForm(forms.Form):
    q = forms.CharField(label=_("名称"), required=False)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部"))] + Session.Status.choices
    )
    kind = forms.ChoiceField(
        label=_("培训类型"), required=False, choices=[("", _("全部"))] + Session.Kind.choices
    )
    month = forms.CharField(
        label=_("月份"), required=False, widget=forms.DateInput(attrs={"type": "month"}), help_text=""
    )
    township = forms.ModelChoiceField(
        label=_("乡镇（街道）"), required=False, queryset=Township.objects.none()
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if role_of(user) == Role.COUNTY:
            self.fields["township"].queryset = Township.objects.all()
        else:
            del self.fields["township"]

    def filter_queryset(self, sessions):
        """``sessions`` narrowed by the filters that are valid; a bad one is reported beside its field
        and ignored."""
        data = valid_filters(self)
        if data.get("q"):
            sessions = sessions.filter(title__contains=data["q"])
        if data.get("status"):
            sessions = sessions.filter(status=data["status"])
        if data.get("kind"):
            sessions = sessions.filter(kind=data["kind"])
        if data.get("month"):
            sessions = sessions.in_month(data["month"].year, data["month"].month)
        if data.get("township"):
            sessions = sessions.filter(township=data["township"])
        return sessions

    def clean_month(self):
        value = self.cleaned_data["month"]
        if not value:
            return None
        try:
            year, month = (int(x) for x in value.split("-")[:2])
            return datetime.date(year, month, 1)
        except ValueError:
            raise forms.ValidationError(_("月份格式应为 2026-06。")) from None


class LedgerFilterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    township = forms.ModelChoiceField(
        label=_("乡镇（街道）"), required=False, queryset=Township.objects.none()
    )
    branch = forms.ModelChoiceField(label=_("党支部"), required=False, queryset=Branch.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.visible_to(user).order_by("name")
        if role_of(user) == Role.COUNTY:
            self.fields["township"].queryset = Township.objects.all()
        else:
            del self.fields["township"]

    def year_or(self, default: int) -> int:
        """The year asked for, or ``default`` when none (or a bad one) is given."""
        return valid_filters(self).get("year") or default

    def filter_queryset(self, members):
        """``members`` narrowed to the valid township and branch filters; a bad one is ignored."""
        data = valid_filters(self)
        if data.get("township"):
            members = members.filter(branch__township=data["township"])
        if data.get("branch"):
            members = members.filter(branch=data["branch"])
        return members


# --- manual study hours ---------------------------------------------------------------------------


class _HoursFields(forms.Form):
    """Date, hours (0.5–16, no future dates), source and note: shared by single and branch entry."""

    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    hours = forms.DecimalField(
        label=_("学时"),
        max_digits=3,
        decimal_places=1,
        help_text=hours_help(ENTRY_HOURS_MAX),
        validators=hours_validators(ENTRY_HOURS_MAX),
        error_messages={
            "invalid": _("请填写数字学时。"),
            "max_digits": _("学时须在 0.5 到 16 之间。"),
            "max_decimal_places": _("学时最多保留一位小数。"),
        },
    )
    source = forms.ChoiceField(label=_("来源"), choices=StudyHoursEntry.Source.choices)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("日期不能晚于今天。"))
        return date


class StudyHoursEntryForm(_HoursFields):
    """One member's hours; the member comes from the (scoped) page."""


class BranchHoursForm(_HoursFields):
    """A branch meeting: the same hours for every active member of one branch."""

    branch = forms.ModelChoiceField(label=_("党支部"), queryset=Branch.objects.none())
    field_order = ["branch", "date", "hours", "source", "note"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = (
            Branch.objects.visible_to(user).select_related("township").order_by("township__code", "name")
        )
        self.fields["branch"].label_from_instance = lambda b: f"{b.township.name} · {b.name}"
        self.initial.setdefault("source", StudyHoursEntry.Source.BRANCH_MEETING)
