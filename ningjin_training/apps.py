from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "ningjin_training"
    verbose_name = _("月训工程平台")

    def ready(self):
        from django.contrib import admin
        from django.contrib.auth.signals import user_logged_in

        from . import lookups
        from .middleware import SessionLifetimeMiddleware, admin_site_has_permission

        lookups.register()
        admin.site.has_permission = admin_site_has_permission
        register_configuration_audit()

        user_logged_in.connect(SessionLifetimeMiddleware.start, dispatch_uid="portal_session_start")


def register_configuration_audit() -> None:
    """Configuration changes are audited like data: the beat schedule and the reminder rules.

    The system administrator edits them in the admin; every create, change and delete
    leaves an audit row the security auditor reads (docs/mlps.md, security audit).
    """
    from django.apps import apps
    from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask

    import audit

    audit.register(PeriodicTask, exclude=["last_run_at", "total_run_count", "date_changed"])
    for model in (CrontabSchedule, IntervalSchedule, ClockedSchedule):
        audit.register(model)
    audit.register(apps.get_model("notifications", "ReminderRule"))
