from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from core.roles import role_of

from .models import ApiToken


class HasWorkingRole(permissions.BasePermission):
    """Signed in (session or token) with a portal role; the duty accounts (三员) have none."""

    message = _("该账号没有使用数据接口的权限。")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and role_of(request.user) is not None)


class TokenScope(permissions.BasePermission):
    """A read-only token may only read."""

    message = _("只读令牌不能修改数据。")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        return not isinstance(token, ApiToken) or token.can_write
