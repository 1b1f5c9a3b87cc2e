"""Forms of the monthly cycle: sessions, series, cancellation, lesson preparation, filters."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import (
    Course,
    Instructor,
    LessonPreparation,
    Session,
    StudyHoursEntry,
    TeachingBase,
    TeachingRoute,
    Theme,
)
from trainees.forms import ModelMultipleIdChoiceField
from trainees.models import Branch, MemberGroup, Township
from trainees.scoping import Role, role_of, township_id_of

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
        self.fields["audience_branches"].widget.attrs["size"] = 8

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

    def save(self, commit=True):
        self.instance.title = self.cleaned_data["title"]
        return super().save(commit=commit)

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


# --- manual study hours ---------------------------------------------------------------------------

HOURS_MIN, HOURS_MAX = Decimal("0.5"), Decimal("16")


class _HoursFields(forms.Form):
    """Date, hours (0.5–16, no future dates), source and note: shared by single and branch entry."""

    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    hours = forms.DecimalField(
        label=_("学时"),
        max_digits=3,
        decimal_places=1,
        help_text=_("0.5 到 16 学时，最多一位小数。"),
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

    def clean_hours(self):
        hours = self.cleaned_data["hours"]
        if not HOURS_MIN <= hours <= HOURS_MAX:
            raise forms.ValidationError(_("学时须在 0.5 到 16 之间。"))
        return hours


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
