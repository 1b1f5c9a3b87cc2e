from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: audit rows cannot be added, changed or deleted, not even by superusers."""

    list_display = ["at", "actor_name", "ip", "action", "model_label", "object_pk", "object_repr"]
    list_filter = ["action", "model_label"]
    search_fields = ["actor_name", "object_pk", "object_repr"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
