from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "ningjin_training"
    verbose_name = _("月训工程平台")
