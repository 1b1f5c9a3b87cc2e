from __future__ import annotations

from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from courses.models import Course, Tag
from trainees.forms import DateInput, ModelMultipleIdChoiceField
from trainees.models import Branch, District, Township

from .models import (
    AnnualReport,
    ImprovementItem,
    NeedsSurvey,
    PracticeTask,
    QuarterlyReview,
    SessionFeedback,
    SurveyQuestion,
    TeachingPlanItem,
)

# Evidence files: office documents, PDFs and photos, each checked by extension and leading bytes.
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_MAX_FILES = 10
_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0",)
EVIDENCE_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".docx": _ZIP,
    ".xlsx": _ZIP,
    ".pptx": _ZIP,
    ".doc": _OLE,
    ".xls": _OLE,
}


def check_evidence_file(upload) -> None:
    """Refuse a file whose type is not allowed, whose content does not match it, or that is too big."""
    suffix = Path(upload.name).suffix.lower()
    signatures = EVIDENCE_SIGNATURES.get(suffix)
    if signatures is None:
        raise ValidationError(
            _("“%(name)s”的文件类型不允许；可上传 PDF、Word、Excel、PPT 或 JPG/PNG 图片。"),
            params={"name": upload.name},
            code="file_type",
        )
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError(_("“%(name)s”超过 10 MB。"), params={"name": upload.name}, code="file_size")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in signatures):
        raise ValidationError(
            _("“%(name)s”的内容与文件类型不符。"), params={"name": upload.name}, code="file_content"
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(EVIDENCE_SIGNATURES)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [single(f, initial) for f in files]


class TownshipCheckboxes(forms.CheckboxSelectMultiple):
    """Township tick boxes that carry their 片区 (data-district), for static/js/review_form.js."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None and instance.district_id:
            option["attrs"]["data-district"] = str(instance.district_id)
        return option


class QuarterlyReviewForm(forms.ModelForm):
    class Meta:
        model = QuarterlyReview
        fields = [
            "district",
            "year",
            "quarter",
            "held_on",
            "venue",
            "townships",
            "agenda",
            "minutes",
            "difficulties",
        ]
        field_classes = {"townships": ModelMultipleIdChoiceField}
        widgets = {
            "held_on": DateInput(),
            "townships": TownshipCheckboxes,
            "agenda": forms.Textarea(attrs={"rows": 3}),
            "minutes": forms.Textarea(attrs={"rows": 4}),
            "difficulties": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.all()
        self.fields["townships"].queryset = Township.objects.select_related("district").order_by("code")
        self.fields["townships"].label_from_instance = lambda t: (
            f"{t.name}（{t.district.name}）" if t.district_id else t.name
        )
        self.fields["townships"].help_text = _("选择片区后会自动勾选该片区的乡镇，可再调整。")

    def clean(self):
        data = super().clean()
        held_on, year, quarter = data.get("held_on"), data.get("year"), data.get("quarter")
        if held_on and year and held_on.year != year:
            self.add_error("held_on", _("研讨日期须在所选年份内。"))
        if held_on and quarter and (held_on.month - 1) // 3 + 1 != int(quarter):
            self.add_error("held_on", _("研讨日期须在所选季度内。"))
        return data


class ImprovementItemForm(forms.ModelForm):
    class Meta:
        model = ImprovementItem
        fields = ["township", "problem", "measure", "owner", "due_date", "evidence_required"]
        widgets = {"due_date": DateInput(), "measure": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, review: QuarterlyReview, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = review.townships.order_by("code")
        self.fields["township"].empty_label = _("县委组织部（县级）")


class EvidenceForm(forms.Form):
    text = forms.CharField(label=_("整改情况说明"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    files = MultipleFileField(
        label=_("佐证文件"),
        required=False,
        help_text=_("可多选；PDF、Word、Excel、PPT、JPG/PNG，每个不超过 10 MB，最多 10 个。"),
    )

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if len(files) > EVIDENCE_MAX_FILES:
            raise ValidationError(_("一次最多上传 10 个文件。"))
        errors = []
        for upload in files:
            try:
                check_evidence_file(upload)
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        return files


class TransitionForm(forms.Form):
    to = forms.CharField()
    note = forms.CharField(required=False, max_length=2000)


class AnnualReportForm(forms.ModelForm):
    class Meta:
        model = AnnualReport
        fields = ["capability_gains", "problems_solved", "next_year_plan"]
        widgets = {
            "capability_gains": forms.Textarea(attrs={"rows": 6}),
            "problems_solved": forms.Textarea(attrs={"rows": 6}),
            "next_year_plan": forms.Textarea(attrs={"rows": 6}),
        }


class ItemFilterForm(forms.Form):
    district = forms.ModelChoiceField(
        label=_("片区"), queryset=District.objects.all(), required=False, empty_label=_("全部片区")
    )
    township = forms.ModelChoiceField(
        label=_("乡镇（街道）"),
        queryset=Township.objects.order_by("code"),
        required=False,
        empty_label=_("全部乡镇"),
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部状态")), ("overdue", _("已逾期")), *ImprovementItem.Status.choices],
    )

    def filter_queryset(self, items):
        """``items`` narrowed by the filters that are valid; a bad value is ignored and shown on its field."""
        if not self.is_bound:
            return items
        self.is_valid()
        data = self.cleaned_data
        if data.get("district"):
            items = items.filter(review__district=data["district"])
        if data.get("township"):
            items = items.filter(township=data["township"])
        if data.get("status") == "overdue":
            items = items.overdue()
        elif data.get("status"):
            items = items.filter(status=data["status"])
        return items


# ---- Issue B ------------------------------------------------------------------------------


class TaskFilterForm(forms.Form):
    """The practice task list's status filter (GET); a value outside the choices is ignored."""

    status = forms.ChoiceField(label=_("状态"), required=False, choices=PracticeTask.Status.choices)

    def filter_queryset(self, tasks):
        self.is_valid()
        status = self.cleaned_data.get("status")
        return tasks.filter(status=status) if status else tasks


class NeedsSurveyForm(forms.ModelForm):
    target_domains = forms.MultipleChoiceField(
        label=_("面向领域"),
        choices=Branch.Domain.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示全部领域。"),
    )

    class Meta:
        model = NeedsSurvey
        fields = ["title", "intro", "target_townships", "target_domains", "target_groups"]
        field_classes = dict.fromkeys(["target_townships", "target_groups"], ModelMultipleIdChoiceField)
        widgets = {
            "intro": forms.Textarea(attrs={"rows": 3}),
            "target_townships": forms.CheckboxSelectMultiple,
            "target_groups": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_townships"].queryset = Township.objects.order_by("code")


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("题目"), max_length=200)
    kind = forms.ChoiceField(label=_("题型"), choices=SurveyQuestion.Kind.choices)
    required = forms.BooleanField(label=_("必答"), required=False, initial=True)
    options = forms.CharField(
        label=_("选项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "单选、多选题每行一个选项；可在竖线“|”后写专题标签，多个用逗号分隔，例如：电商直播|电子商务,产业发展"
        ),
    )

    def clean(self):
        data = super().clean()
        kind, raw = data.get("kind"), data.get("options", "")
        lines = [line.strip() for line in raw.splitlines() if line.strip()]
        if kind in (SurveyQuestion.Kind.SINGLE, SurveyQuestion.Kind.MULTIPLE):
            if len(lines) < 2:
                self.add_error("options", _("单选、多选题至少需要两个选项。"))
                return data
            names = {
                name.strip()
                for line in lines
                if "|" in line
                for name in line.split("|", 1)[1].replace("，", ",").split(",")
                if name.strip()
            }
            tags = {t.name: t for t in Tag.objects.filter(name__in=names)}
            unknown = sorted(names - set(tags))
            if unknown:
                self.add_error("options", _("没有这些专题标签：%(names)s") % {"names": "、".join(unknown)})
                return data
            parsed = []
            for line in lines:
                text, _sep, tag_text = line.partition("|")
                tag_names = [n.strip() for n in tag_text.replace("，", ",").split(",") if n.strip()]
                parsed.append((text.strip()[:120], [tags[n] for n in tag_names]))
            data["parsed_options"] = parsed
        else:
            data["parsed_options"] = []
        return data


class SurveyAnswerForm(forms.Form):
    """One field per question of the survey."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = {}
        for q in questions:
            name = f"q{q.pk}"
            label = f"{q.order}. {q.text}"
            choices = [(o.pk, o.text) for o in q.options.all()]
            if q.kind == SurveyQuestion.Kind.SINGLE:
                field = forms.TypedChoiceField(
                    label=label, choices=choices, coerce=int, widget=forms.RadioSelect, required=q.required
                )
            elif q.kind == SurveyQuestion.Kind.MULTIPLE:
                field = forms.TypedMultipleChoiceField(
                    label=label,
                    choices=choices,
                    coerce=int,
                    widget=forms.CheckboxSelectMultiple,
                    required=q.required,
                )
            elif q.kind == SurveyQuestion.Kind.RATING:
                field = forms.TypedChoiceField(
                    label=label,
                    choices=[(i, str(i)) for i in range(1, 6)],
                    coerce=int,
                    widget=forms.RadioSelect,
                    required=q.required,
                    help_text=_("1 分最低，5 分最高。"),
                )
            else:
                field = forms.CharField(
                    label=label,
                    widget=forms.Textarea(attrs={"rows": 3}),
                    required=q.required,
                    max_length=1000,
                )
            self.fields[name] = field
            self.questions[name] = q

    def answers(self) -> dict:
        return {q: self.cleaned_data.get(name) for name, q in self.questions.items()}


class PlanItemForm(forms.ModelForm):
    month = forms.DateField(
        label=_("月份"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    class Meta:
        model = TeachingPlanItem
        fields = ["course", "month", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.filter(
            stage__in=(Course.Stage.STANDARD, Course.Stage.PREMIUM)
        ).order_by("title")

    def clean_month(self):
        return self.cleaned_data["month"].replace(day=1)


# The five points of every rating, each with its word: nothing preselected, no blank choice.
RATING_WORDS = [
    (1, _("很不满意")),
    (2, _("不满意")),
    (3, _("一般")),
    (4, _("满意")),
    (5, _("很满意")),
]


class RatingField(forms.TypedChoiceField):
    """A required 1–5 rating shown as five large buttons (templates/partials/rating_field.html)."""

    widget = forms.RadioSelect

    def __init__(self, *, label, **kwargs):
        kwargs.setdefault("error_messages", {"required": _("请选择一个评分（1 很不满意 … 5 很满意）。")})
        super().__init__(label=label, choices=RATING_WORDS, coerce=int, empty_value=None, **kwargs)


class FeedbackForm(forms.ModelForm):
    content = RatingField(label=_("内容评分"))
    instructor = RatingField(label=_("授课评分"))
    usefulness = RatingField(label=_("实用性评分"))

    rating_fields = ("content", "instructor", "usefulness")

    class Meta:
        model = SessionFeedback
        fields = ["content", "instructor", "usefulness", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}

    def ratings(self):
        return [self[name] for name in self.rating_fields]


class PracticeTaskForm(forms.ModelForm):
    class Meta:
        model = PracticeTask
        fields = ["kind", "title", "description", "due_date"]
        widgets = {"due_date": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}


class TaskReportForm(forms.ModelForm):
    problem_solved = forms.TypedChoiceField(
        label=_("问题是否解决"),
        choices=[("", _("不涉及")), ("yes", _("已解决")), ("no", _("未解决"))],
        coerce=lambda v: v == "yes",
        empty_value=None,
        required=False,
    )

    class Meta:
        model = PracticeTask
        fields = ["satisfaction_pct", "problem_solved", "innovations", "outcome"]
        widgets = {
            "innovations": forms.Textarea(attrs={"rows": 2}),
            "outcome": forms.Textarea(attrs={"rows": 3}),
        }


class PerformanceFilterForm(forms.Form):
    township = forms.ModelChoiceField(label=_("乡镇（街道）"), queryset=Township.objects.order_by("code"))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
