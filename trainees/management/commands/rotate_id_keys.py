"""python manage.py rotate_id_keys — move every member's ID number to the current keys.

The old keys come from the environment, ``OLD_ID_NUMBER_KEY`` and ``OLD_ID_NUMBER_HASH_KEY``;
unset means the development keys derived from SECRET_KEY (the step from a development
install to production keys). The new keys are the configured ``ID_NUMBER_KEY`` and
``ID_NUMBER_HASH_KEY``. Everything happens in one transaction: stop the portal (web,
worker, beat) first, back up the database, then run it. See docs/security.md.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

import audit
from trainees import idcrypto
from trainees.models import Member

BATCH = 1000


class Command(BaseCommand):
    help = _(
        "用当前的 ID_NUMBER_KEY、ID_NUMBER_HASH_KEY 重新加密全部党员的公民身份号码并重算索引；"
        "旧密钥取自环境变量 OLD_ID_NUMBER_KEY、OLD_ID_NUMBER_HASH_KEY（未设置即为由 SECRET_KEY 派生的开发用密钥）。"
        "请先停止服务并备份数据库。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help=_("只检查旧密钥能否解密全部号码，不写入"))

    def handle(self, *args, dry_run: bool, **options):
        try:
            old = idcrypto.make_keys(
                os.environ.get("OLD_ID_NUMBER_KEY", ""), os.environ.get("OLD_ID_NUMBER_HASH_KEY", "")
            )
            new = idcrypto.current_keys()
        except idcrypto.IdNumberKeyError as exc:
            raise CommandError(str(exc)) from exc
        rotated, already, pending = [], 0, []
        with transaction.atomic():
            members = Member.objects.order_by("pk").only("pk", "id_number_encrypted")
            for member in members.iterator(chunk_size=BATCH):
                try:
                    number = idcrypto.decrypt(member.id_number_encrypted, keys=old)
                except idcrypto.IdNumberDecryptionError:
                    try:
                        idcrypto.decrypt(member.id_number_encrypted, keys=new)
                    except idcrypto.IdNumberDecryptionError as exc:
                        raise CommandError(
                            _("党员 %(pk)s 的身份号码用旧密钥和新密钥都无法解密，未做任何修改。")
                            % {"pk": member.pk}
                        ) from exc
                    already += 1  # already under the new keys (e.g. created after the switch)
                    continue
                member.id_number_encrypted, member.id_number_hash, member.id_number_masked = idcrypto.protect(
                    number, keys=new
                )
                pending.append(member)
                rotated.append(member.pk)
                if len(pending) == BATCH and not dry_run:
                    self._write(pending)
                    pending = []
            if not dry_run:
                self._write(pending)
                audit.record_bulk(Member, rotated, audit.Action.BULK_UPDATE, {"id_number_key": ["旧", "新"]})
        self.stdout.write(
            _("%(verb)s %(rotated)d 人，已是新密钥 %(already)d 人。")
            % {"verb": _("可轮换") if dry_run else _("已轮换"), "rotated": len(rotated), "already": already}
        )

    @staticmethod
    def _write(members: list[Member]) -> None:
        Member.objects.bulk_update(members, ["id_number_encrypted", "id_number_hash", "id_number_masked"])
