"""Inbox rows, the reminder ledger that makes delivery exactly-once, and per-user channel choices."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.personal_data import validate_phone


class Kind(models.TextChoices):
    """What a message is about; each kind has a template in templates/notifications/messages/."""

    SESSION_UPCOMING = "session_upcoming", _("培训开始提醒")
    INSTRUCTOR_SESSION = "instructor_session", _("授课提醒")
    REQUEST_AWAITING = "request_awaiting", _("送教待接单提醒")
    SESSION_CANCELLED = "session_cancelled", _("培训取消通知")
    SESSION_MOVED = "session_moved", _("培训时间变更通知")
    PLAN_NO_SESSION = "plan_no_session", _("本月未发布月训提醒")
    MEMBER_ABSENT = "member_absent", _("党员连续缺训预警")
    IMPROVEMENT_OVERDUE = "improvement_overdue", _("整改逾期催办")
    ANNUAL_REPORT_DUE = "annual_report_due", _("年度述职提醒")
    SMS_CAP_REACHED = "sms_cap_reached", _("短信日发送上限提醒")


# Inbox messages the portal writes itself, not reminders: no builder, no ledger row.
SYSTEM_KINDS = frozenset({Kind.SMS_CAP_REACHED})


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Everyone sees their own inbox and nobody else's."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message in a user's in-app inbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    # One inbox row per ledger row: a second delivery attempt cannot add another.
    reminder = models.OneToOneField(
        "Reminder",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notification",
        verbose_name=_("提醒记录"),
    )
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx")]

    def __str__(self) -> str:
        return self.title


class ReminderQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Reminder.Status.PENDING)

    def for_object(self, obj):
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


class Reminder(models.Model):
    """The delivery ledger: one row per (kind, recipient, object, due time), written before sending.

    Sending moves a row from pending to sent under a row lock, so a retried,
    redelivered or double-fired task finds nothing left to send.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        CANCELLED = "cancelled", _("已取消")

    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("接收人"),
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, verbose_name=_("对象类型"))
    object_id = models.PositiveBigIntegerField(_("对象编号"))
    subject = GenericForeignKey("content_type", "object_id")
    due_at = models.DateTimeField(_("应发送时间"))
    expires_at = models.DateTimeField(
        _("失效时间"), null=True, blank=True, help_text=_("过了这个时间仍未发出的提醒不再发送。")
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    context = models.JSONField(_("附加信息"), default=dict, blank=True)
    queued_at = models.DateTimeField(_("入队时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送完成时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["-due_at", "-pk"]
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "content_type", "object_id", "due_at"],
                name="reminder_once_per_kind_recipient_object_due",
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="reminder_status_due_idx"),
            models.Index(fields=["content_type", "object_id", "status"], name="reminder_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_id} @ {self.due_at:%Y-%m-%d %H:%M}"


class ReminderRule(models.Model):
    """How long before a session a reminder goes out, as data county staff can edit.

    A new rule only creates reminders whose time is still ahead: nobody is
    messaged retroactively.
    """

    class Audience(models.TextChoices):
        TRAINEES = "trainees", _("已报名学员")
        INSTRUCTORS = "instructors", _("授课师资")

    audience = models.CharField(_("提醒对象"), max_length=12, choices=Audience.choices)
    minutes_before = models.PositiveIntegerField(
        _("提前分钟数"), help_text=_("例如 1440 表示提前一天，120 表示提前两小时。")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["audience", "-minutes_before"]
        verbose_name = _("培训提醒规则")
        verbose_name_plural = _("培训提醒规则")
        constraints = [
            models.UniqueConstraint(fields=["audience", "minutes_before"], name="reminderrule_unique_offset")
        ]

    def __str__(self) -> str:
        return f"{self.get_audience_display()} · {self.minutes_before}"

    @property
    def kind(self) -> str:
        return Kind.SESSION_UPCOMING if self.audience == self.Audience.TRAINEES else Kind.INSTRUCTOR_SESSION


class NotificationPreference(models.Model):
    """A user's choice of channels beyond the inbox, and the language messages are written in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("登录账号"),
    )
    by_email = models.BooleanField(_("电子邮件"), default=True)
    by_sms = models.BooleanField(_("短信"), default=False)
    phone = models.CharField(
        _("接收短信的手机号"),
        max_length=20,
        blank=True,
        validators=[validate_phone],
        help_text=_("留空则使用党员名册中的联系电话。"),
    )
    language = models.CharField(
        _("消息语言"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    class Meta:
        verbose_name = _("消息接收设置")
        verbose_name_plural = _("消息接收设置")

    def __str__(self) -> str:
        return str(self.user)


class BeatHeartbeat(models.Model):
    """One row: when the beat → broker → worker chain last ran ``beat_heartbeat``."""

    ticked_at = models.DateTimeField(_("最近心跳"))

    class Meta:
        verbose_name = _("定时任务心跳")
        verbose_name_plural = _("定时任务心跳")

    def __str__(self) -> str:
        return f"{self.ticked_at:%Y-%m-%d %H:%M:%S}"


class SmsMessageQuerySet(models.QuerySet):
    def counted_today(self, day_start):
        """Texts that used up the day's allowance: handed to the gateway since ``day_start``."""
        return self.filter(status__in=SmsMessage.COUNTED, sent_at__gte=day_start)


class SmsMessage(models.Model):
    """One text message and what the gateway answered: the outcome kept per message.

    The number is kept (the gateways' receipt queries need it) and shown masked; ``phone_hash``
    is what caps and flags go by.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("等待次日发送")
        ACCEPTED = "accepted", _("网关已受理")
        DELIVERED = "delivered", _("已送达")
        UNDELIVERED = "undelivered", _("未送达")
        THROTTLED = "throttled", _("网关限流")
        FAILED = "failed", _("暂时失败")
        REJECTED = "rejected", _("网关拒绝")
        SKIPPED = "skipped", _("号码已标记，未发送")

    COUNTED = (Status.ACCEPTED, Status.DELIVERED, Status.UNDELIVERED)
    AWAITING_RECEIPT = (Status.ACCEPTED,)

    phone = models.CharField(_("手机号"), max_length=20)
    phone_hash = models.CharField(_("号码摘要"), max_length=64, db_index=True)
    template = models.CharField(_("短信模板"), max_length=40)
    params = models.JSONField(_("模板参数"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    backend = models.CharField(_("短信网关"), max_length=20, blank=True)
    message_id = models.CharField(_("网关流水号"), max_length=100, blank=True)
    error_code = models.CharField(_("错误码"), max_length=100, blank=True)
    error_message = models.CharField(_("错误说明"), max_length=500, blank=True)
    reminder = models.ForeignKey(
        Reminder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sms_messages",
        verbose_name=_("提醒记录"),
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=1)
    send_after = models.DateTimeField(_("最早发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("提交网关时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("回执时间"), null=True, blank=True)

    objects = SmsMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("短信发送记录")
        verbose_name_plural = _("短信发送记录")
        indexes = [
            models.Index(fields=["status", "sent_at"], name="smsmessage_status_sent_idx"),
            models.Index(fields=["phone_hash", "sent_at"], name="smsmessage_phone_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.template} · {self.get_status_display()}"


class FlaggedPhone(models.Model):
    """A number a gateway refused for good (invalid, blacklisted): no more texts until it changes.

    Keyed by the number's keyed hash; the roster shows the flag next to the member.
    """

    phone_hash = models.CharField(_("号码摘要"), max_length=64, unique=True)
    masked_phone = models.CharField(_("手机号（脱敏）"), max_length=20)
    reason = models.CharField(_("原因"), max_length=200)
    error_code = models.CharField(_("错误码"), max_length=100, blank=True)
    backend = models.CharField(_("短信网关"), max_length=20, blank=True)
    flagged_at = models.DateTimeField(_("标记时间"), auto_now=True)

    class Meta:
        ordering = ["-flagged_at"]
        verbose_name = _("无法接收短信的号码")
        verbose_name_plural = _("无法接收短信的号码")

    def __str__(self) -> str:
        return self.masked_phone
