"""A staff login's mobile number on file, for password-reset codes (members use the roster's)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.personal_data import mask_phone, validate_phone


class StaffPhone(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_phone",
        verbose_name=_("登录账号"),
    )
    phone = models.CharField(_("手机号"), max_length=20, validators=[validate_phone])

    class Meta:
        verbose_name = _("工作人员手机号")
        verbose_name_plural = _("工作人员手机号")

    def __str__(self) -> str:
        return mask_phone(self.phone)
