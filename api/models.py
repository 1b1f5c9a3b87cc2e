"""Per-user API tokens: stored hashed, a short prefix kept for display, read or read-write scope."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "nj_"
DISPLAY_LENGTH = len(TOKEN_PREFIX) + 6
DEFAULT_LIFETIME = datetime.timedelta(days=365)


def hash_key(key: str) -> str:
    """SHA-256 of the token: the key is 256 random bits, so no slow hash is needed."""
    return hashlib.sha256(key.encode()).hexdigest()


def default_expiry():
    return timezone.now() + DEFAULT_LIFETIME


class ApiTokenQuerySet(models.QuerySet):
    def live(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", _("只读")
        WRITE = "write", _("读写")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    name = models.CharField(_("名称"), max_length=80)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    display_prefix = models.CharField(_("令牌前缀"), max_length=12, editable=False)
    scope = models.CharField(_("权限"), max_length=5, choices=Scope.choices, default=Scope.READ)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires_at = models.DateTimeField(_("到期时间"), default=default_expiry)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.display_prefix}…)"

    @classmethod
    def mint(cls, user, *, name: str, scope: str = Scope.READ) -> tuple[ApiToken, str]:
        """A new token for ``user``; returns it and the plain key (shown once, never stored)."""
        key = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, scope=scope, key_hash=hash_key(key), display_prefix=key[:DISPLAY_LENGTH]
        )
        return token, key

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE
