from django.contrib import admin

from .models import BeatHeartbeat, Notification, NotificationPreference, Reminder, ReminderRule


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    list_display = ["audience", "minutes_before", "is_active"]
    list_filter = ["audience", "is_active"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "recipient",
        "content_type",
        "object_id",
        "due_at",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["recipient", "content_type"]
    date_hierarchy = "due_at"
    readonly_fields = ["kind", "recipient", "content_type", "object_id", "due_at", "sent_at", "created_at"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "reminder"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "by_email", "by_sms", "language"]
    raw_id_fields = ["user"]


@admin.register(BeatHeartbeat)
class BeatHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["ticked_at"]
