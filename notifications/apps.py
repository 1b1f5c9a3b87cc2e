from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Inbox, reminder ledger and delivery channels.

    A separate app because it is cross-cutting: it reads trainees and courses
    (and, when present, evaluations) but nothing imports it at module level.
    """

    name = "notifications"
    verbose_name = _("消息与提醒")
