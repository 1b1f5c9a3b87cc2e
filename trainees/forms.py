from django import forms
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.utils.translation import gettext_lazy as _

from .importing import ImportFileError, check_roster_file
from .models import Branch, Member
from .validators import normalize_id_number, validate_id_number


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ModelMultipleIdChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice by id where an id no key column can hold is "not a valid choice".

    Django leaves such a value out of an exact lookup but not out of ``__in``: on SQLite a
    posted ``10**19`` raised OverflowError, a server error instead of the form's message.
    """

    def _check_values(self, value):
        meta = self.queryset.model._meta
        key = meta.get_field(self.to_field_name) if self.to_field_name else meta.pk
        if isinstance(key, models.IntegerField):
            low, high = connections[self.queryset.db].ops.integer_field_range(key.get_internal_type())
            for choice in value:
                try:
                    number = int(choice)
                except (TypeError, ValueError):
                    continue  # not a number at all: the parent's own check answers it
                if (low is not None and number < low) or (high is not None and number > high):
                    raise ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice", params={"value": choice}
                    )
        return super()._check_values(value)


class MemberIdNumberForm(forms.ModelForm):
    """A member form with the ID number, which is not a model field: it is stored encrypted.

    The value is validated like before (format, birth date, checksum) and its uniqueness is
    checked through the keyed hash; ``member.id_number`` is set just before the model's own
    validation, and left untouched when the number did not change (no fresh ciphertext).
    """

    id_number = forms.CharField(
        label=_("公民身份号码"),
        max_length=18,
        validators=[validate_id_number],
        help_text=_("18位，末位可为X；系统会校验出生日期和校验位。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("id_number", self.instance.id_number)

    def clean_id_number(self):
        id_number = normalize_id_number(self.cleaned_data["id_number"])
        others = Member.objects.filter(id_number=id_number)
        if self.instance.pk is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("该公民身份号码已登记在其他党员名下。"), code="unique")
        return id_number

    def _post_clean(self):
        if self.cleaned_data.get("id_number"):
            self.instance.id_number = self.cleaned_data["id_number"]
        super()._post_clean()


class MemberForm(MemberIdNumberForm):
    """Create or edit a member; a township admin can only pick their own branches."""

    field_order = [
        "name",
        "gender",
        "ethnicity",
        "birth_date",
        "id_number",
    ]

    class Meta:
        model = Member
        fields = [
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "phone",
            "education",
            "category",
            "position",
            "join_date",
            "full_date",
            "status",
            "branch",
            "groups",
            "is_active",
        ]
        field_classes = {"groups": ModelMultipleIdChoiceField}
        widgets = {
            "birth_date": DateInput(),
            "join_date": DateInput(),
            "full_date": DateInput(),
            "groups": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = (
            Branch.objects.visible_to(user).select_related("township").order_by("township__code", "name")
        )
        self.fields["branch"].label_from_instance = lambda b: f"{b.township.name} · {b.name}"

    def clean_phone(self):
        return self.cleaned_data["phone"].strip()


class MemberImportForm(forms.Form):
    file = forms.FileField(
        label=_("名册文件"),
        help_text=_(
            "支持 .xlsx 和 .csv（UTF-8 或 GBK 编码），不超过 10 MB。第一张工作表须有表头行："
            "姓名、公民身份号码、学历、入党时间、所在党支部为必需列，列的顺序不限。"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        try:
            check_roster_file(uploaded, uploaded.name, size=uploaded.size)
        except ImportFileError as exc:
            raise forms.ValidationError(str(exc), code="bad_file") from exc
        return uploaded
