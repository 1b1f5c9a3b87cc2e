from django.contrib import admin

from .models import StaffPhone


@admin.register(StaffPhone)
class StaffPhoneAdmin(admin.ModelAdmin):
    list_display = ["user", "__str__"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]
