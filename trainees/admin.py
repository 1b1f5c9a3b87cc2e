from django.contrib import admin

from .forms import MemberIdNumberForm
from .models import Branch, Department, District, ImportBatch, Member, MemberGroup, Profile, Township


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order"]


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "district", "party_school"]
    list_filter = ["district", "kind"]
    search_fields = ["name", "code"]


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["name", "township", "domain", "secretary_name"]
    list_filter = ["township", "domain"]
    search_fields = ["name"]
    list_select_related = ["township"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_name"]
    search_fields = ["name"]


@admin.register(MemberGroup)
class MemberGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "study_hours_target", "exempt_from_target", "sort_order"]
    list_editable = ["study_hours_target", "exempt_from_target", "sort_order"]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    form = MemberIdNumberForm
    list_display = ["name", "gender", "branch", "status", "masked_id_number", "is_active"]
    list_filter = ["status", "is_active", "branch__township", "branch__domain", "groups"]
    search_fields = ["name", "branch__name"]
    list_select_related = ["branch"]
    autocomplete_fields = ["branch", "user"]
    filter_horizontal = ["groups"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "township"]
    list_filter = ["role", "township"]
    autocomplete_fields = ["user"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["created_at", "original_name", "created_by", "township", "status", "created_count"]
    list_filter = ["status", "township"]
    list_select_related = ["created_by", "township"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):
        return False
