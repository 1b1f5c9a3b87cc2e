from django import forms
from django.utils.translation import gettext_lazy as _

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
