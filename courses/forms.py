from __future__ import annotations

import zipfile

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.roles import Role
from trainees.forms import ModelMultipleIdChoiceField
from trainees.models import Branch, Department

from .models import (
    Course,
    CourseLink,
    CourseMaterial,
    CourseRequest,
    Instructor,
    Tag,
    TeachingBase,
    TeachingRoute,
    Theme,
)
from .models.sessions import SESSION_HOURS_MAX, hours_help, hours_validators

MB = 1024 * 1024


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", **kwargs)


# ---------------------------------------------------------------------------
# Catalog


class ThemeForm(forms.ModelForm):
    class Meta:
        model = Theme
        fields = ["year", "month", "title", "description", "recommended_courses"]
        field_classes = {"recommended_courses": ModelMultipleIdChoiceField}
        widgets = {"recommended_courses": forms.SelectMultiple(attrs={"size": 10})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recommended_courses"].queryset = Course.objects.exclude(
            stage=Course.Stage.REJECTED
        ).only("pk", "title")


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = [
            "title",
            "summary",
            "category",
            "format",
            "level",
            "hours",
            "owner_department",
            "township",
            "tags",
        ]
        field_classes = {"tags": ModelMultipleIdChoiceField}
        widgets = {"tags": forms.CheckboxSelectMultiple, "summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, county: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].queryset = Tag.objects.all()
        if not county:
            # A township admin writes township-level courses of their own township.
            del self.fields["township"]
            del self.fields["level"]

    def clean(self):
        data = super().clean()
        if (
            data.get("level") == Course.Level.TOWNSHIP
            and "township" in self.fields
            and not data.get("township")
        ):
            self.add_error("township", _("乡镇级课程须选择所属乡镇（街道）。"))
        return data


class CourseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("关键词"), method="filter_search")
    category = django_filters.ChoiceFilter(label=_("课程类别"), choices=Course.Category.choices)
    format = django_filters.ChoiceFilter(label=_("授课形式"), choices=Course.Format.choices)
    level = django_filters.ChoiceFilter(label=_("课程级别"), choices=Course.Level.choices)
    stage = django_filters.ChoiceFilter(label=_("开发阶段"), choices=Course.Stage.choices)
    premium = django_filters.BooleanFilter(
        label=_("只看精品课程"), method="filter_premium", widget=forms.CheckboxInput
    )
    theme = django_filters.ModelChoiceFilter(
        label=_("月度主题"), field_name="themes", queryset=Theme.objects.order_by("-year", "-month")
    )
    tag = django_filters.ModelChoiceFilter(label=_("专题标签"), field_name="tags", queryset=Tag.objects.all())

    class Meta:
        model = Course
        fields = ["q", "category", "format", "level", "stage", "premium", "theme", "tag"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__contains=value) | Q(summary__contains=value))

    def filter_premium(self, queryset, name, value):
        return queryset.filter(stage=Course.Stage.PREMIUM) if value else queryset


class InstructorFilterForm(forms.Form):
    """The instructor list's filters (GET); a value outside the choices is ignored."""

    kind = forms.ChoiceField(label=_("师资类型"), required=False, choices=Instructor.Kind.choices)
    star = forms.BooleanField(label=_("只看明星师资"), required=False)

    def filter_queryset(self, instructors):
        self.is_valid()
        data = self.cleaned_data
        if data.get("kind"):
            instructors = instructors.filter(kind=data["kind"])
        if data.get("star"):
            instructors = instructors.filter(is_star=True)
        return instructors


class CourseRequestFilterForm(forms.Form):
    """The request list's status filter (GET); a value outside the choices is ignored."""

    status = forms.ChoiceField(label=_("状态"), required=False, choices=CourseRequest.Status.choices)

    def filter_queryset(self, requests):
        self.is_valid()
        status = self.cleaned_data.get("status")
        return requests.filter(status=status) if status else requests


class StageChangeForm(forms.Form):
    """One pipeline step with its dated record."""

    to = forms.ChoiceField(label=_("变更为"))
    date = forms.DateField(label=_("日期"), widget=DateInput())
    participants = forms.CharField(
        label=_("参加人员"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    instructors = ModelMultipleIdChoiceField(
        label=_("参与师资"),
        queryset=Instructor.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("记录或原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("退回或不通过时须填写原因。"),
    )

    def __init__(self, *args, targets: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Course.Stage.choices)
        self.fields["to"].choices = [(t, labels[t]) for t in targets]
        self.fields["instructors"].queryset = Instructor.objects.active().only("pk", "name")


# Upload rules: extension → (allowed kinds, content check). Size limits per kind.
MATERIAL_SIZE_LIMITS = {
    CourseMaterial.Kind.VIDEO: 200 * MB,
    CourseMaterial.Kind.SLIDES: 50 * MB,
    CourseMaterial.Kind.DOCUMENT: 20 * MB,
}
OOXML_PARTS = {"pptx": "ppt/presentation.xml", "docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
MATERIAL_EXTENSIONS = {
    "pptx": {CourseMaterial.Kind.SLIDES},
    "pdf": {CourseMaterial.Kind.SLIDES, CourseMaterial.Kind.DOCUMENT},
    "docx": {CourseMaterial.Kind.DOCUMENT},
    "xlsx": {CourseMaterial.Kind.DOCUMENT},
    "mp4": {CourseMaterial.Kind.VIDEO},
}


def _content_matches(upload, extension: str) -> bool:
    """Sniff the file's first bytes (and the zip directory for Office files)."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension == "mp4":
        return len(head) >= 12 and head[4:8] == b"ftyp"
    if extension in OOXML_PARTS:
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return False
        finally:
            upload.seek(0)
        return "[Content_Types].xml" in names and OOXML_PARTS[extension] in names
    return False


class CourseMaterialForm(forms.ModelForm):
    class Meta:
        model = CourseMaterial
        fields = ["kind", "title", "file"]
        help_texts = {
            "file": _(
                "课件：PPTX/PDF，不超过 50 MB；文档：DOCX/XLSX/PDF，不超过 20 MB；视频：MP4，不超过 200 MB。"
            )
        }

    def clean(self):
        data = super().clean()
        upload, kind = data.get("file"), data.get("kind")
        if not upload or not kind:
            return data
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        allowed_kinds = MATERIAL_EXTENSIONS.get(extension)
        if not allowed_kinds or kind not in allowed_kinds:
            self.add_error(
                "file",
                _("不支持的文件类型“%(ext)s”：%(kind)s只接受 %(allowed)s 格式。")
                % {
                    "ext": extension or "—",
                    "kind": CourseMaterial.Kind(kind).label,
                    "allowed": "、".join(
                        e.upper() for e, kinds in MATERIAL_EXTENSIONS.items() if kind in kinds
                    ),
                },
            )
            return data
        limit = MATERIAL_SIZE_LIMITS[kind]
        if upload.size > limit:
            self.add_error(
                "file",
                _("文件过大（%(size).1f MB），%(kind)s不能超过 %(limit)d MB。")
                % {"size": upload.size / MB, "kind": CourseMaterial.Kind(kind).label, "limit": limit // MB},
            )
            return data
        if not _content_matches(upload, extension):
            self.add_error(
                "file", _("文件内容与扩展名“%(ext)s”不符，可能已损坏或被改名。") % {"ext": extension}
            )
        return data


class CourseLinkForm(forms.ModelForm):
    url = forms.URLField(label=_("链接地址"), max_length=500, assume_scheme="https")

    class Meta:
        model = CourseLink
        fields = ["title", "url"]


# ---------------------------------------------------------------------------
# Instructors, bases, routes


class InstructorForm(forms.ModelForm):
    class Meta:
        model = Instructor
        fields = ["name", "kind", "department", "township", "bio", "is_star", "is_active", "user", "courses"]
        field_classes = {"courses": ModelMultipleIdChoiceField}
        widgets = {
            "courses": forms.SelectMultiple(attrs={"size": 8}),
            "bio": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.filter(portal_profile__role=Role.INSTRUCTOR)
        self.fields["courses"].queryset = Course.objects.only("pk", "title")


class TeachingBaseForm(forms.ModelForm):
    class Meta:
        model = TeachingBase
        fields = ["name", "kind", "township", "address", "description"]


class TeachingRouteForm(forms.ModelForm):
    class Meta:
        model = TeachingRoute
        fields = ["name", "theme", "is_premium", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class RouteStopForm(forms.Form):
    order = forms.IntegerField(
        label=_("顺序"),
        min_value=1,
        max_value=99,
        error_messages={
            "min_value": _("顺序须为 1 到 99 的整数。"),
            "max_value": _("顺序须为 1 到 99 的整数。"),
        },
    )
    base = forms.ModelChoiceField(label=_("教学基地"), queryset=TeachingBase.objects.all())
    duration_hours = forms.DecimalField(
        label=_("学时"),
        max_digits=3,
        decimal_places=1,
        error_messages={
            "max_digits": _("单个站点学时不超过 99.9。"),
            "max_decimal_places": _("学时最多保留一位小数。"),
        },
    )
    note = forms.CharField(label=_("教学内容"), max_length=200, required=False)

    def clean_duration_hours(self):
        hours = self.cleaned_data["duration_hours"]
        if hours <= 0:
            raise forms.ValidationError(_("学时须大于 0。"))
        return hours


class BaseRouteStopFormSet(forms.BaseFormSet):
    """A route's stops: at least one, each order number once; base choices are read once for all rows.

    A plain formset (not a model formset): the service replaces the stops as a
    whole, so swapping two order numbers never trips the unique (route, order)
    constraint half-way.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bases = TeachingBase.objects.select_related("township").only("pk", "name", "township__name")
        choices = [("", "---------"), *((b.pk, f"{b.name}（{b.township.name}）") for b in bases)]
        for form in [*self.forms, self.empty_form]:
            form.fields["base"].choices = choices

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("删除此站点")

    def stops(self) -> list[dict]:
        """The kept rows (deleted and blank rows left out), in route order."""
        rows = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        ]
        return sorted(rows, key=lambda row: row["order"])

    def clean(self):
        if any(form.errors for form in self.forms if not self._should_delete_form(form)):
            return
        rows = self.stops()
        if not rows:
            raise forms.ValidationError(_("教学路线至少需要一个站点。"))
        orders = [row["order"] for row in rows]
        duplicates = sorted({order for order in orders if orders.count(order) > 1})
        if duplicates:
            raise forms.ValidationError(
                _("站点顺序不能重复：%(orders)s。"),
                params={"orders": "、".join(str(order) for order in duplicates)},
            )


RouteStopFormSet = forms.formset_factory(
    RouteStopForm, formset=BaseRouteStopFormSet, extra=3, can_delete=True
)


def route_stop_initial(route: TeachingRoute | None) -> list[dict]:
    """The formset's starting rows: the route's stops in order (none for a new route)."""
    if route is None:
        return []
    return list(route.stops.order_by("order").values("order", "base", "duration_hours", "note"))


# ---------------------------------------------------------------------------
# On-demand delivery


class CourseRequestForm(forms.Form):
    course = forms.ModelChoiceField(label=_("课程"), queryset=Course.objects.none())
    branch = forms.ModelChoiceField(
        label=_("党支部"), queryset=Branch.objects.none(), required=False, help_text=_("留空表示全乡镇。")
    )
    preferred_month = forms.DateField(
        label=_("期望月份"), input_formats=["%Y-%m", "%Y-%m-%d"], widget=MonthInput()
    )
    audience = forms.CharField(label=_("培训对象"), max_length=200)
    expected_size = forms.IntegerField(label=_("预计人数"), min_value=1, max_value=2000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = (
            Course.objects.visible_to(user)
            .exclude(stage__in=[Course.Stage.REJECTED, *Course.DEVELOPMENT_STAGES])
            .only("pk", "title")
        )
        self.fields["branch"].queryset = Branch.objects.visible_to(user).only("pk", "name")


class DispatchForm(forms.Form):
    department = forms.ModelChoiceField(label=_("承接部门"), queryset=Department.objects.all())
    instructor = forms.ModelChoiceField(
        label=_("授课师资"), queryset=Instructor.objects.active().only("pk", "name"), required=False
    )
    note = forms.CharField(label=_("派单说明"), required=False, max_length=500)


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("拒单原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500)


class ScheduleForm(forms.Form):
    title = forms.CharField(
        label=_("培训名称"), max_length=150, required=False, help_text=_("留空则按课程名称生成。")
    )
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DateTimeInput())
    hours = forms.DecimalField(
        label=_("学时"),
        max_digits=4,
        decimal_places=1,
        validators=hours_validators(SESSION_HOURS_MAX),
        help_text=hours_help(SESSION_HOURS_MAX),
    )
    venue = forms.CharField(label=_("地点"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("结束时间须晚于开始时间。"))
        return data


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, max_length=500)
