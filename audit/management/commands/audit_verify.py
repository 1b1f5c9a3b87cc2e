"""Check the audit trail's hash chain; name the first broken entry and exit non-zero."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit import chain
from audit.exporting import read_export
from audit.models import AuditChainHead, AuditEntry

REASONS = {
    "link": gettext_noop("上一条记录的哈希不符（前面的记录被删除、插入或改动）"),
    "content": gettext_noop("内容与哈希不符（记录被改动）"),
    "tail": gettext_noop("链尾与链头记录不符（最后的记录被删除）"),
}


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain (or an export of it with --file)."

    def add_arguments(self, parser):
        parser.add_argument("--file", help="verify a JSON-lines export instead of the database")

    def handle(self, *args, file=None, **options):
        if file:
            with open(file, encoding="utf-8") as lines:
                header, entries = read_export(lines)
                count, broken = chain.verify(entries, anchor_hash=header["anchor_hash"], last_hash=None)
        else:
            head = AuditChainHead.objects.filter(pk=1).first()
            anchor = head.anchor_hash if head else chain.GENESIS
            last = head.last_hash if head else chain.GENESIS
            entries = AuditEntry.objects.order_by("pk").iterator(chunk_size=2000)
            count, broken = chain.verify(entries, anchor_hash=anchor, last_hash=last)
        if broken is not None:
            entry = broken.entry
            raise CommandError(
                _(
                    "审计链在第 %(pk)s 号记录处断开（%(at)s %(action)s）：%(reason)s。此前 %(count)s 条记录完好。"
                )
                % {
                    "pk": entry["pk"],
                    "at": entry["at"],
                    "action": entry["action"],
                    "reason": _(REASONS[broken.reason]),
                    "count": count,
                }
            )
        self.stdout.write(_("审计链完好：%(count)s 条记录。") % {"count": count})
