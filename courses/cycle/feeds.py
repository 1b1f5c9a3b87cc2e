"""Calendar-feed links: signed, revocable, and what the subscription box shows.

A link names the member (or township) and the owner's ``calendar_feed_version``, signed with
``SECRET_KEY`` (rotated through ``SECRET_KEY_FALLBACKS``). Resetting the link raises the
version: the old link no longer matches and is a 404 at once. Links made before versions
existed sign the bare pk; they stand for version 0 and stay valid until the first reset.
"""

from __future__ import annotations

import segno
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.urls import reverse

import audit
from trainees.models import Member, Township

KINDS = {"member": Member, "township": Township}


def _signer(kind: str) -> signing.Signer:
    return signing.Signer(salt=f"courses.feed.{kind}")


def feed_token(kind: str, pk: int, version: int = 0) -> str:
    value = str(pk) if not version else f"{pk}.{version}"
    return _signer(kind).sign(value)


def feed_owner_pk(kind: str, token: str) -> tuple[int, int]:
    """(pk, version) a genuine token names; anything else is a 404."""
    try:
        value = _signer(kind).unsign(token)
        pk, _dot, version = value.partition(".")
        return int(pk), int(version) if version else 0
    except (signing.BadSignature, ValueError):
        raise Http404 from None


def feed_owner(kind: str, token: str, queryset):
    """The member or township of a current link (from ``queryset``); revoked or forged: 404."""
    pk, version = feed_owner_pk(kind, token)
    owner = queryset.filter(pk=pk, calendar_feed_version=version).first()
    if owner is None:
        raise Http404
    return owner


def feed_url(request, kind: str, owner) -> str:
    token = feed_token(kind, owner.pk, owner.calendar_feed_version)
    return request.build_absolute_uri(reverse(f"courses:feed-{kind}", args=[token]))


def subscription(request, kind: str, owner) -> dict:
    """What the subscription box shows: the https link, the webcal:// link, its QR, the reset page."""
    url = feed_url(request, kind, owner)
    webcal = "webcal://" + url.split("://", 1)[1]
    return {
        "url": url,
        "webcal": webcal,
        "qr_svg": segno.make(webcal, error="m").svg_inline(scale=4, dark="#000", light="#fff"),
        "reset_url": reverse(f"courses:feed-{kind}-reset"),
    }


@transaction.atomic
def feed_reset(kind: str, owner) -> None:
    """Revoke the owner's current link (audited); the next one carries the next version."""
    model = KINDS[kind]
    old = owner.calendar_feed_version
    model.objects.filter(pk=owner.pk).update(calendar_feed_version=F("calendar_feed_version") + 1)
    owner.refresh_from_db(fields=["calendar_feed_version"])
    audit.record(
        audit.Action.UPDATE,
        owner,
        changes={"calendar_feed_version": [old, owner.calendar_feed_version]},
    )
