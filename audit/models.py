"""Audit rows and the session registry that lets the portal end a user's sessions."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    BULK_CREATE = "bulk_create", _("批量新增")
    BULK_UPDATE = "bulk_update", _("批量修改")
    BULK_DELETE = "bulk_delete", _("批量删除")
    REVEAL = "reveal", _("查看完整个人信息")
    EXPORT = "export", _("导出")
    LOGIN = "login", _("登录")
    LOGOUT = "logout", _("退出")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKOUT = "lockout", _("账号锁定")
    TIMEOUT = "timeout", _("会话超时")
    PRUNE = "prune", _("清理过期审计记录")


class AuditEntryQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """Chain the rows (see audit.chain) before inserting them, in one transaction."""
        from . import chain

        objs = list(objs)
        if not objs:
            return objs
        with transaction.atomic(using=self.db, savepoint=False):
            head = chain.locked_head(AuditChainHead)
            for obj in objs:
                obj.normalise()
            chain.seal(objs, head)
            created = super().bulk_create(objs, *args, **kwargs)
            head.save(update_fields=["last_hash"])
        return created


class AuditEntry(models.Model):
    """One audited event. Rows are written once and never changed."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=AuditAction.choices, db_index=True)
    model_label = models.CharField(_("对象类型"), max_length=100, blank=True, db_index=True)
    object_pk = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    # The hash chain (audit.chain): this row's hash covers its content and the previous row's hash.
    prev_hash = models.CharField(_("上一条记录的哈希"), max_length=64, blank=True, editable=False)
    entry_hash = models.CharField(_("本条记录的哈希"), max_length=64, blank=True, editable=False)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        indexes = [models.Index(fields=["model_label", "object_pk"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        # An audit row is evidence: it may be written, never rewritten.
        if not self._state.adding:
            raise PermissionError("audit entries cannot be changed")
        from . import chain

        using = kwargs.get("using") or "default"
        with transaction.atomic(using=using, savepoint=False):
            head = chain.locked_head(AuditChainHead)
            self.normalise()
            chain.seal([self], head)
            super().save(*args, **kwargs)
            head.save(update_fields=["last_hash"])

    def normalise(self) -> None:
        """Values as the database gives them back, so the hash of the row read back matches."""
        if self.at is None:
            self.at = timezone.now()
        self.ip = self._meta.get_field("ip").get_prep_value(self.ip) or None


class AuditChainHead(models.Model):
    """The single row (pk=1) every audit write locks: the chain's last hash and its anchor.

    ``anchor_hash`` is the ``prev_hash`` the first remaining entry must carry: the
    genesis value, or after ``prune_audit`` the hash of the last pruned entry.
    """

    last_hash = models.CharField(max_length=64)
    anchor_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return self.last_hash


class UserSession(models.Model):
    """A session key opened by a login, so that every session of a user can be ended."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("用户")
    )
    session_key = models.CharField(_("会话标识"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("登录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("登录会话")
        verbose_name_plural = _("登录会话")

    def __str__(self) -> str:
        return f"{self.user_id} · {self.created_at:%Y-%m-%d %H:%M}"
