"""Delete audit rows older than the retention period (never under 180 days).

The oldest rows go, as a prefix of the hash chain (pk order): rows up to the first one
still inside the retention period. The chain head's ``anchor_hash`` moves to the last
deleted row's hash, so ``audit_verify`` still passes; the prune itself is audited.
On PostgreSQL the append-only trigger (migration audit 0003) lets this DELETE through
because it sets ``audit.prune`` for its own transaction only; rows younger than 180
days stay refused even then.
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import chain
from audit.models import AuditAction, AuditChainHead, AuditEntry, UserSession
from audit.recording import record


class Command(BaseCommand):
    help = "Delete audit entries older than --days (at least AUDIT_MIN_RETENTION_DAYS, 180)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=365)

    def handle(self, *args, days: int, **options):
        minimum = settings.AUDIT_MIN_RETENTION_DAYS
        if days < minimum:
            raise CommandError(
                _("审计记录至少保留 %(minimum)s 天，不能按 --days %(days)s 清理。")
                % {"minimum": minimum, "days": days}
            )
        cutoff = timezone.now() - datetime.timedelta(days=days)
        with transaction.atomic():
            head = chain.locked_head(AuditChainHead)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL audit.prune = 'on'")
            keep_from = (
                AuditEntry.objects.filter(at__gte=cutoff).order_by("pk").values_list("pk", flat=True).first()
            )
            doomed = (
                AuditEntry.objects.all() if keep_from is None else AuditEntry.objects.filter(pk__lt=keep_from)
            )
            last = doomed.order_by("-pk").values_list("entry_hash", flat=True).first()
            deleted, _by_model = doomed.delete()
            if deleted:
                head.anchor_hash = last
                head.save(update_fields=["anchor_hash"])
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL audit.prune = 'off'")
            record(AuditAction.PRUNE, None, changes={"deleted": deleted, "before": f"{cutoff:%Y-%m-%d}"})
        # Session records older than the longest session lifetime point at dead sessions.
        longest = max(settings.SESSION_LIMITS_TRAINEE["absolute"], settings.SESSION_LIMITS_STAFF["absolute"])
        UserSession.objects.filter(created_at__lt=timezone.now() - longest).delete()
        self.stdout.write(
            _("已删除 %(count)s 条早于 %(date)s 的审计记录。")
            % {"count": deleted, "date": f"{cutoff:%Y-%m-%d}"}
        )
