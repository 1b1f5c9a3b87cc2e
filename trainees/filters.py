import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Branch, Member, MemberGroup, Township


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("姓名或支部"), method="filter_search")
    township = django_filters.ModelChoiceFilter(
        label=_("乡镇（街道）"), field_name="branch__township", queryset=Township.objects.none()
    )
    branch = django_filters.ModelChoiceFilter(label=_("党支部"), queryset=Branch.objects.none())
    domain = django_filters.ChoiceFilter(
        label=_("领域"), field_name="branch__domain", choices=Branch.Domain.choices
    )
    groups = django_filters.ModelChoiceFilter(label=_("党员群体"), queryset=MemberGroup.objects.all())
    status = django_filters.ChoiceFilter(label=_("党员状态"), choices=Member.Status.choices)
    is_active = django_filters.BooleanFilter(label=_("在册"))

    class Meta:
        model = Member
        fields = ["q", "township", "branch", "domain", "groups", "status", "is_active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["township"].queryset = Township.objects.visible_to(user)
        self.filters["branch"].queryset = Branch.objects.visible_to(user).order_by("name")

    def filter_search(self, queryset, name, value):
        return queryset.search(value)
