from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "ningjin_training"
    verbose_name = _("月训工程平台")

    def ready(self):
        from django.contrib import admin
        from django.contrib.auth.signals import user_logged_in

        from . import dashboards  # noqa: F401  (dashboards registers the county aggregate)
        from .middleware import SessionLifetimeMiddleware, admin_site_has_permission

        admin.site.has_permission = admin_site_has_permission
        user_logged_in.connect(SessionLifetimeMiddleware.start, dispatch_uid="portal_session_start")
