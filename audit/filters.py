import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditAction, AuditEntry


class DateInput(forms.DateInput):
    input_type = "date"


def _model_choices():
    labels = AuditEntry.objects.exclude(model_label="").values_list("model_label", flat=True).distinct()
    return [(label, label) for label in sorted(labels)]


class AuditEntryFilter(django_filters.FilterSet):
    """County staff's filters on the audit trail: who, what kind of object, which action, when."""

    actor = django_filters.CharFilter(field_name="actor_name", lookup_expr="icontains", label=_("操作人账号"))
    model = django_filters.ChoiceFilter(field_name="model_label", choices=_model_choices, label=_("对象类型"))
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=_("操作"))
    date_from = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label=_("开始日期"), widget=DateInput
    )
    date_to = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label=_("结束日期"), widget=DateInput
    )

    class Meta:
        model = AuditEntry
        fields = []
