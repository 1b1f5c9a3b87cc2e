from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.personal_data import mask_phone

from .models import (
    BeatHeartbeat,
    FlaggedPhone,
    Notification,
    NotificationPreference,
    Reminder,
    ReminderRule,
    SmsMessage,
)


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


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    """What each gateway answered; the number is shown masked and nothing here is edited."""

    list_display = [
        "created_at",
        "masked",
        "template",
        "status",
        "backend",
        "error_code",
        "sent_at",
        "delivered_at",
    ]
    list_filter = ["status", "template", "backend"]
    date_hierarchy = "created_at"
    exclude = ["phone", "phone_hash", "params"]
    readonly_fields = [
        "masked",
        "template",
        "status",
        "backend",
        "message_id",
        "error_code",
        "error_message",
        "reminder",
        "attempts",
        "send_after",
        "created_at",
        "sent_at",
        "delivered_at",
    ]

    @admin.display(description=_("手机号"))
    def masked(self, obj) -> str:
        return mask_phone(obj.phone)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FlaggedPhone)
class FlaggedPhoneAdmin(admin.ModelAdmin):
    """Numbers refused for good; deleting a row lets texts go to that number again."""

    list_display = ["masked_phone", "error_code", "backend", "flagged_at"]
    list_filter = ["backend", "error_code"]
    readonly_fields = ["masked_phone", "reason", "error_code", "backend", "flagged_at"]
    exclude = ["phone_hash"]

    def has_add_permission(self, request) -> bool:
        return False
