from __future__ import annotations

import django_filters
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from courses.models import Session

MONTH = RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])$", _("月份格式应为 YYYY-MM，例如 2026-05。"))


class SessionFilter(django_filters.FilterSet):
    month = django_filters.CharFilter(
        method="filter_month", validators=[MONTH], label=_("月份（YYYY-MM，按开始时间）")
    )
    township = django_filters.NumberFilter(field_name="township_id", label=_("乡镇（街道）编号"))
    status = django_filters.ChoiceFilter(choices=Session.Status.choices, label=_("状态"))

    class Meta:
        model = Session
        fields = ["month", "township", "status"]

    def filter_month(self, queryset, name, value):
        year, month = (int(part) for part in value.split("-"))
        return queryset.in_month(year, month)
