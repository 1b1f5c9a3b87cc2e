"""Sending with the outcome kept per message: daily caps, flagged numbers, the next-day queue, receipts.

Every text handed to a gateway leaves an :class:`~notifications.models.SmsMessage` row with
what the gateway answered. One :class:`Outbox` serves a chunk of reminders: it loads the
day's counts and the flagged numbers once, and writes its rows in one INSERT.

- Over a daily cap (``SMS_DAILY_LIMIT_PER_NUMBER``, ``SMS_DAILY_LIMIT_TOTAL``) a text is
  kept ``queued`` until the next morning (``SMS_QUEUE_RELEASE_HOUR``), sent by the beat task
  ``notifications.tasks.sms_send_queued``; county staff get one inbox message that day.
  Sign-in and password codes are never queued (their own, stricter limits apply upstream).
- A permanent refusal naming the number (invalid, blacklisted) flags it
  (:class:`~notifications.models.FlaggedPhone`): reminders skip it until it changes, and the
  member roll shows the flag (:func:`flagged_phones`).
- Receipts: :func:`receipts_pull` asks the gateway which accepted texts arrived.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
from collections import Counter
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from core.periods import local_day_start
from core.personal_data import mask_phone
from core.roles import Role

from ..models import FlaggedPhone, Kind, Notification, SmsMessage
from .backends import BaseSmsBackend, SmsError, SmsRejected, SmsThrottled, get_sms_backend
from .templates import TEMPLATES

logger = logging.getLogger(__name__)

UNCAPPED_TEMPLATES = frozenset({"login_code", "password_code"})
QUEUED_MAX_ATTEMPTS = 5


def normalize_phone(phone: str) -> str:
    """The 11 digits of a mainland mobile number (without +86, spaces or dashes)."""
    digits = "".join(ch for ch in str(phone) if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def phone_hash(phone: str) -> str:
    """A keyed hash of the number: what caps and flags are kept by."""
    key = (getattr(settings, "SMS_PHONE_HASH_KEY", "") or settings.SECRET_KEY).encode()
    return hmac.new(key, normalize_phone(phone).encode(), hashlib.sha256).hexdigest()


def flagged_phones(phones: Iterable[str]) -> dict[str, FlaggedPhone]:
    """Of ``phones``, those a gateway refused for good, with the reason (one query)."""
    by_hash = {phone_hash(p): p for p in phones if p}
    flagged = FlaggedPhone.objects.filter(phone_hash__in=list(by_hash))
    return {by_hash[f.phone_hash]: f for f in flagged}


def _limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "SMS_DAILY_LIMIT_PER_NUMBER", 10)),
        int(getattr(settings, "SMS_DAILY_LIMIT_TOTAL", 2000)),
    )


def next_release(now: datetime.datetime) -> datetime.datetime:
    """When texts over today's caps go out: the next local morning."""
    tomorrow = local_day_start(now) + datetime.timedelta(days=1, hours=2)
    hour = int(getattr(settings, "SMS_QUEUE_RELEASE_HOUR", 8))
    return local_day_start(tomorrow) + datetime.timedelta(hours=hour)


def retry_backoff(attempts: int) -> datetime.timedelta:
    """How long a throttled text waits before its next try: 1, 2, 4 … minutes, at most an hour."""
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


class Outbox:
    """Sends texts for one batch: counts and flags loaded once, outcome rows written at :meth:`flush`."""

    def __init__(
        self,
        *,
        now: datetime.datetime | None = None,
        backend: BaseSmsBackend | None = None,
        backend_factory: Callable[[], object] = get_sms_backend,
    ):
        self.now = now or timezone.now()
        self.day_start = local_day_start(self.now)
        self._backend = backend
        self._backend_factory = backend_factory
        self._counts: Counter[str] | None = None
        self._total = 0
        self._flagged: set[str] = set()
        self._loaded_hashes: set[str] = set()
        self.new_rows: list[SmsMessage] = []
        self._flags: dict[str, FlaggedPhone] = {}
        self.capped = False

    @property
    def backend(self) -> BaseSmsBackend:
        if self._backend is None:
            backend = self._backend_factory()
            self._backend = backend if hasattr(backend, "send_template") else _TextOnly(backend)
        return self._backend

    def prepare(self, phones: Iterable[str]) -> None:
        """Load the day's counts and the flags of ``phones`` (two or three queries for the batch)."""
        hashes = {phone_hash(p) for p in phones if p} - self._loaded_hashes
        if not hashes:
            return
        if self._counts is None:
            self._counts = Counter()
            self._total = SmsMessage.objects.counted_today(self.day_start).count()
        self._loaded_hashes |= hashes
        counted = (
            SmsMessage.objects.counted_today(self.day_start)
            .filter(phone_hash__in=list(hashes))
            .values("phone_hash")
            .annotate(n=Count("pk"))
            .order_by()
        )
        self._counts.update({row["phone_hash"]: row["n"] for row in counted})
        self._flagged |= set(
            FlaggedPhone.objects.filter(phone_hash__in=list(hashes)).values_list("phone_hash", flat=True)
        )

    def over_cap(self, digest: str) -> bool:
        per_number, total = _limits()
        return self._counts[digest] >= per_number or self._total >= total

    def send(
        self,
        phone: str,
        key: str,
        params: dict,
        *,
        reminder_id: int | None = None,
        row: SmsMessage | None = None,
        respect_flags: bool = True,
    ) -> SmsMessage:
        """Send template ``key`` to ``phone`` now, or queue it when over a cap; keep the outcome.

        Raises :class:`SmsError` (and its subclasses) as the backend did, after keeping the row.
        ``row`` is a queued row being sent at last (updated in place, saved by the caller's flush).
        """
        template = TEMPLATES[key]
        cleaned = template.clean(params)
        digest = phone_hash(phone)
        self.prepare([phone])
        if row is None:
            # Codes and one-time links are never kept (nor queued, so nothing needs them later).
            row = SmsMessage(
                phone=phone,
                phone_hash=digest,
                template=key,
                params=template.redacted(cleaned),
                reminder_id=reminder_id,
                attempts=0,
            )
            self.new_rows.append(row)
        row.backend = self.backend.name
        row.attempts += 1
        if respect_flags and (digest in self._flagged or digest in self._flags):
            row.status = SmsMessage.Status.SKIPPED
            return row
        if not (key in UNCAPPED_TEMPLATES or template.secret_params) and self.over_cap(digest):
            row.status = SmsMessage.Status.QUEUED
            row.send_after = next_release(self.now)
            row.attempts -= 1
            self.capped = True
            return row
        row.sent_at = self.now
        try:
            result = self.backend.send_template(phone, template, cleaned)
        except SmsError as exc:
            row.error_code = exc.code[:100]
            row.error_message = str(exc)[:500]
            if isinstance(exc, SmsRejected):
                row.status = SmsMessage.Status.REJECTED
                if exc.flag_number:
                    self._flag(phone, digest, exc)
            else:
                row.status = (
                    SmsMessage.Status.THROTTLED if isinstance(exc, SmsThrottled) else SmsMessage.Status.FAILED
                )
            raise
        except Exception as exc:
            row.status = SmsMessage.Status.FAILED
            row.error_code = exc.__class__.__name__[:100]
            row.error_message = str(exc)[:500]
            raise
        row.status = SmsMessage.Status.ACCEPTED
        row.message_id = result.message_id[:100]
        row.error_code = row.error_message = ""
        row.send_after = None
        self._counts[digest] += 1
        self._total += 1
        return row

    def _flag(self, phone: str, digest: str, exc: SmsRejected) -> None:
        self._flags[digest] = FlaggedPhone(
            phone_hash=digest,
            masked_phone=mask_phone(normalize_phone(phone)),
            reason=str(exc)[:200],
            error_code=exc.code[:100],
            backend=self.backend.name,
        )
        logger.warning("SMS number %s refused for good (%s); flagged", mask_phone(phone), exc.code)

    def flush(self) -> None:
        """Write the new outcome rows and flags; tell county staff once a day when a cap was hit."""
        if self.new_rows:
            SmsMessage.objects.bulk_create(self.new_rows, batch_size=500)
            self.new_rows = []
        if self._flags:
            FlaggedPhone.objects.bulk_create(
                list(self._flags.values()),
                update_conflicts=True,
                unique_fields=["phone_hash"],
                update_fields=["masked_phone", "reason", "error_code", "backend", "flagged_at"],
            )
            self._flagged |= set(self._flags)
            self._flags = {}
        if self.capped:
            cap_reached_notify(now=self.now)
            self.capped = False


class _TextOnly(BaseSmsBackend):
    """A gateway written against the older interface, ``send(phone, text)``: handed the rendered text."""

    def __init__(self, gateway):
        self.gateway = gateway
        self.name = gateway.__class__.__name__.lower()[:20]

    def send(self, phone: str, text: str) -> None:
        self.gateway.send(phone, text)


def cap_reached_notify(*, now: datetime.datetime) -> int:
    """One inbox message a day to county staff: today's texts over the caps wait for tomorrow."""
    day_start = local_day_start(now)
    if Notification.objects.filter(kind=Kind.SMS_CAP_REACHED, created_at__gte=day_start).exists():
        return 0
    per_number, total = _limits()
    county = get_user_model().objects.filter(is_active=True, portal_profile__role=Role.COUNTY)
    release = timezone.localtime(next_release(now))
    rows = [
        Notification(
            recipient=user,
            kind=Kind.SMS_CAP_REACHED,
            title=_("今日短信已达发送上限"),
            body=_(
                "今日短信发送量已达上限（每个号码每天 %(per_number)s 条，全县每天 %(total)s 条），"
                "其余短信将于 %(release)s 起发送。站内消息不受影响。"
            )
            % {"per_number": per_number, "total": total, "release": release.strftime("%Y-%m-%d %H:%M")},
        )
        for user in county
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def send_now(phone: str, key: str, params: dict) -> SmsMessage:
    """Send one text outside the reminders (sign-in codes, invitations); keep its outcome."""
    outbox = Outbox()
    try:
        return outbox.send(phone, key, params, respect_flags=False)
    finally:
        outbox.flush()


def queued_send(*, now: datetime.datetime | None = None, limit: int = 500) -> Counter:
    """Send the queued texts whose time has come, as the caps allow; the beat runs it every few minutes."""
    now = now or timezone.now()
    rows = list(
        SmsMessage.objects.filter(status=SmsMessage.Status.QUEUED, send_after__lte=now).order_by(
            "send_after", "pk"
        )[:limit]
    )
    outcome: Counter[str] = Counter()
    if not rows:
        return outcome
    outbox = Outbox(now=now)
    outbox.prepare(row.phone for row in rows)
    for row in rows:
        try:
            outbox.send(row.phone, row.template, row.params, row=row)
        except SmsRejected:
            pass
        except Exception:
            if row.attempts < QUEUED_MAX_ATTEMPTS:
                row.status = SmsMessage.Status.QUEUED
                row.send_after = now + retry_backoff(row.attempts)
        outcome[row.status] += 1
        row.save()
    outbox.flush()
    return outcome


def receipts_pull(*, now: datetime.datetime | None = None, days: int = 3) -> int:
    """Ask the gateway which accepted texts of the last ``days`` reached the handset; return how many were settled."""
    now = now or timezone.now()
    backend = get_sms_backend()
    if not backend.receipts:
        return 0
    awaiting = list(
        SmsMessage.objects.filter(
            status__in=SmsMessage.AWAITING_RECEIPT,
            backend=backend.name,
            sent_at__gte=now - datetime.timedelta(days=days),
        )
        .exclude(message_id="")
        .order_by("sent_at")[: getattr(backend, "receipts_batch", 500)]
    )
    if not awaiting:
        return 0
    by_id = {row.message_id: row for row in awaiting}
    settled = []
    for receipt in backend.pull_receipts(awaiting):
        row = by_id.get(receipt.message_id)
        if row is None or row.status not in SmsMessage.AWAITING_RECEIPT:
            continue
        row.status = SmsMessage.Status.DELIVERED if receipt.delivered else SmsMessage.Status.UNDELIVERED
        row.error_code = "" if receipt.delivered else receipt.code[:100]
        row.delivered_at = receipt.at or now
        settled.append(row)
    SmsMessage.objects.bulk_update(settled, ["status", "error_code", "delivered_at"])
    _flag_repeated_bounces(
        {row.phone_hash: row for row in settled if row.status == SmsMessage.Status.UNDELIVERED}
    )
    return len(settled)


def _flag_repeated_bounces(bounced: dict[str, SmsMessage]) -> None:
    """A number whose last ``SMS_FLAG_AFTER_UNDELIVERED`` settled texts all failed to arrive is flagged.

    Operators' receipt codes differ (空号, 停机, 关机 …) and one failure may be a switched-off
    handset, so it takes several in a row.
    """
    times = int(getattr(settings, "SMS_FLAG_AFTER_UNDELIVERED", 3))
    if not bounced or times <= 0:
        return
    settled = (SmsMessage.Status.DELIVERED, SmsMessage.Status.UNDELIVERED)
    flags = []
    for digest, row in bounced.items():
        last = list(
            SmsMessage.objects.filter(phone_hash=digest, status__in=settled)
            .order_by("-sent_at", "-pk")
            .values_list("status", flat=True)[:times]
        )
        if len(last) == times and all(status == SmsMessage.Status.UNDELIVERED for status in last):
            flags.append(
                FlaggedPhone(
                    phone_hash=digest,
                    masked_phone=mask_phone(normalize_phone(row.phone)),
                    reason=_("连续 %(n)s 条短信未送达") % {"n": times},
                    error_code=row.error_code,
                    backend=row.backend,
                )
            )
    if flags:
        FlaggedPhone.objects.bulk_create(
            flags,
            update_conflicts=True,
            unique_fields=["phone_hash"],
            update_fields=["masked_phone", "reason", "error_code", "backend", "flagged_at"],
        )
