"""Identity: how members and staff sign in, their passwords, second factors and staff accounts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账号与登录")

    def ready(self) -> None:
        from . import middleware  # noqa: F401  (connects the enrolment check to allauth's user_logged_in)
