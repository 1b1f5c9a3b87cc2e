from __future__ import annotations

from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from trainees.forms import DateInput
from trainees.models import District, Township

from .models import AnnualReport, ImprovementItem, QuarterlyReview

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
        widgets = {
            "held_on": DateInput(),
            "townships": forms.CheckboxSelectMultiple,
            "agenda": forms.Textarea(attrs={"rows": 3}),
            "minutes": forms.Textarea(attrs={"rows": 4}),
            "difficulties": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.all()
        self.fields["townships"].queryset = Township.objects.select_related("district").order_by("code")
        self.fields["townships"].label_from_instance = lambda t: f"{t.name}（{t.district.name}）"

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
