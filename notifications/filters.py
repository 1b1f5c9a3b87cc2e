import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Kind, Reminder


class ReminderFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=Kind.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Reminder.Status.choices)
    due_from = django_filters.DateFilter(
        label=_("起始日期"),
        field_name="due_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    due_to = django_filters.DateFilter(
        label=_("截止日期"),
        field_name="due_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Reminder
        fields = ["kind", "status", "due_from", "due_to"]
