"""System checks for the ID-number keys (trainees.idcrypto); part of ``check --deploy`` too."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils.translation import gettext as _

from . import idcrypto

KEY_NAMES = ("ID_NUMBER_KEY", "ID_NUMBER_HASH_KEY")


@register(Tags.security)
def check_id_number_keys(app_configs, **kwargs):
    messages = []
    values = {name: getattr(settings, name, "") for name in KEY_NAMES}
    for name, value in values.items():
        if not value:
            continue
        try:
            idcrypto.parse_key(value, name)
        except idcrypto.IdNumberKeyError:
            messages.append(
                Error(
                    _("%(name)s 不是 32 字节密钥的 base64 编码。") % {"name": name},
                    hint=_("用 head -c 32 /dev/urandom | base64 生成。"),
                    id="trainees.E001",
                )
            )
    if not settings.DEBUG and not all(values.values()):
        messages.append(
            Warning(
                _("公民身份号码的加密密钥未在环境中设置，正在使用由 SECRET_KEY 派生的开发用密钥。"),
                hint=_(
                    "生产环境请设置 ID_NUMBER_KEY 和 ID_NUMBER_HASH_KEY（各为 32 字节随机数的 base64），"
                    "并在首次迁移前设置；密钥须另行备份，丢失加密密钥即无法恢复身份号码。"
                ),
                id="trainees.W001",
            )
        )
    if all(values.values()) and values["ID_NUMBER_KEY"] == values["ID_NUMBER_HASH_KEY"]:
        messages.append(
            Warning(
                _("ID_NUMBER_KEY 与 ID_NUMBER_HASH_KEY 相同；两者须为不同的密钥。"),
                id="trainees.W002",
            )
        )
    return messages
