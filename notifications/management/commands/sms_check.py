"""python manage.py sms_check [PHONE] [--template KEY]

Lists every text template the portal uses, its parameters and whether the configured gateway has a
code for it; with a phone number, sends one test message and prints the gateway's answer.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.personal_data import mask_phone, validate_phone
from notifications.sms import TEMPLATES, SmsError, get_sms_backend, send_template
from notifications.sms.backends import backend_path

SAMPLE = {"code": "123456", "url": "https://example.cn/i/abc", "year": "2026", "month": "12", "months": "3"}


class Command(BaseCommand):
    help = _("列出平台使用的全部短信模板及网关模板编号是否已配置；给出手机号时发送一条测试短信。")

    def add_arguments(self, parser):
        parser.add_argument("phone", nargs="?", help=_("接收测试短信的手机号"))
        parser.add_argument(
            "--template", default="sms_test", help=_("测试短信使用的模板（默认 sms_test，参数用示例值）")
        )

    def handle(self, *args, phone: str | None, template: str, **options):
        backend = get_sms_backend()
        codes = getattr(settings, "SMS_TEMPLATE_CODES", {})
        self.stdout.write(_("短信网关：%(backend)s") % {"backend": backend_path()})
        self.stdout.write(
            _("短信签名：%(sign)s") % {"sign": getattr(settings, "SMS_SIGN_NAME", "") or _("（未配置）")}
        )
        missing = 0
        for key, item in sorted(TEMPLATES.items()):
            code = codes.get(key, "")
            missing += not code
            shown_code = code or _("未配置")
            params = ",".join(item.params) or "-"
            self.stdout.write(f"{key:<20} {shown_code:<16} {params}  {item.description}")
            self.stdout.write("    " + item.approved_text())
        if missing and backend.name in ("aliyun", "tencent"):
            self.stdout.write(
                self.style.WARNING(
                    _("有 %(n)s 个模板未配置网关模板编号，这些短信不会发出。") % {"n": missing}
                )
            )
        if not phone:
            return
        try:
            validate_phone(phone)
        except Exception as exc:
            raise CommandError(_("手机号格式不正确：%(phone)s") % {"phone": mask_phone(phone)}) from exc
        if template not in TEMPLATES:
            raise CommandError(_("没有这个短信模板：%(key)s") % {"key": template})
        params = {name: SAMPLE.get(name, _("示例")) for name in TEMPLATES[template].params}
        try:
            row = send_template(phone, template, **params)
        except SmsError as exc:
            raise CommandError(
                _("网关未受理（%(code)s）：%(error)s") % {"code": exc.code or "-", "error": exc}
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("测试短信已提交：%(phone)s，状态 %(status)s，网关流水号 %(id)s")
                % {
                    "phone": mask_phone(phone),
                    "status": row.get_status_display(),
                    "id": row.message_id or "-",
                }
            )
        )
