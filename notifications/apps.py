from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Inbox, reminder ledger and delivery channels.

    Delivery only: it imports no domain app. The domain apps register what they
    want reminded (their scans and message builders) in ``notifications.registry``
    from their own ``reminders.py``.
    """

    name = "notifications"
    verbose_name = _("消息与提醒")

    def ready(self):
        from . import auditing

        auditing.register()
