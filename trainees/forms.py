from django import forms
from django.utils.translation import gettext_lazy as _

from .importing import ImportFileError, check_roster_file
from .models import Branch, Member


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MemberForm(forms.ModelForm):
    """Create or edit a member; a township admin can only pick their own branches."""

    class Meta:
        model = Member
        fields = [
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "id_number",
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
        self.fields["id_number"].help_text = _("18位，末位可为X；系统会校验出生日期和校验位。")

    def clean_id_number(self):
        return self.cleaned_data["id_number"].strip().upper()

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
