"""Delete audit rows older than the retention period (never under 180 days)."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEntry, UserSession


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
        deleted, _by_model = AuditEntry.objects.filter(at__lt=cutoff).delete()
        # Session records older than the longest session lifetime point at dead sessions.
        longest = max(settings.SESSION_LIMITS_TRAINEE["absolute"], settings.SESSION_LIMITS_STAFF["absolute"])
        UserSession.objects.filter(created_at__lt=timezone.now() - longest).delete()
        self.stdout.write(
            _("已删除 %(count)s 条早于 %(date)s 的审计记录。")
            % {"count": deleted, "date": f"{cutoff:%Y-%m-%d}"}
        )
