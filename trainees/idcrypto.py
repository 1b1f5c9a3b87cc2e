"""National ID numbers at rest: AES-256-GCM ciphertext plus a keyed hash (blind index).

A member's ID number is stored in three columns, never in clear:

* ``id_number_encrypted`` — ``v1:`` + base64(12-byte random nonce + AES-GCM ciphertext and tag),
  decrypted only where the full number is shown (reveal, edit form, full export);
* ``id_number_hash`` — HMAC-SHA256 (hex) of the normalised number under a *separate* key:
  unique, so the database still refuses a number registered twice, and the way to look a
  member up by number (``Member.objects.filter(id_number=…)`` is rewritten to it);
* ``id_number_masked`` — ``3714**********123X``, so lists and masked exports never decrypt.

Keys come from the environment (``ID_NUMBER_KEY``, ``ID_NUMBER_HASH_KEY``: 32 random bytes,
base64). Without them — the embedded development setup only — both are derived from
``SECRET_KEY`` with HKDF and distinct info strings; a system check warns when production
(``DEBUG=False``) runs on the derived keys. Losing ``ID_NUMBER_KEY`` loses the ID numbers;
changing ``ID_NUMBER_HASH_KEY`` breaks lookups and the uniqueness check until every hash is
recomputed. See docs/security.md, "Encryption of ID numbers at rest".
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.signals import setting_changed

from core.personal_data import mask_id_number

from .validators import normalize_id_number

PREFIX = "v1:"
NONCE_BYTES = 12
KEY_BYTES = 32
# Binds every ciphertext to its purpose: a token cut from another encrypted column does not decrypt.
_AAD = b"trainees.Member.id_number"
_ENCRYPTION_INFO = b"ningjin-training id_number encryption v1"
_HASH_INFO = b"ningjin-training id_number blind index v1"


class IdNumberKeyError(ValueError):
    """A configured key is not 32 bytes of base64."""


class IdNumberDecryptionError(ValueError):
    """The stored ciphertext does not decrypt under the configured key (wrong key or tampering)."""


def parse_key(value: str, name: str) -> bytes:
    """32 bytes from standard or URL-safe base64; anything else is a configuration error."""
    text = value.strip()
    try:
        raw = base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise IdNumberKeyError(f"{name} is not base64") from exc
    if len(raw) != KEY_BYTES:
        raise IdNumberKeyError(f"{name} must be {KEY_BYTES} bytes (base64), got {len(raw)}")
    return raw


def _derived(info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(
        settings.SECRET_KEY.encode()
    )


def keys_from_environment() -> tuple[bool, bool]:
    """Whether each key (encryption, hash) is configured explicitly rather than derived."""
    return bool(getattr(settings, "ID_NUMBER_KEY", "")), bool(getattr(settings, "ID_NUMBER_HASH_KEY", ""))


@dataclass(frozen=True)
class Keys:
    """An encryption key (as its AES-GCM cipher) and a hash key."""

    aead: AESGCM
    hash_key: bytes

    @functools.cached_property
    def hmac_pads(self) -> tuple[hashlib._Hash, hashlib._Hash]:
        """SHA-256 states after the HMAC inner and outer key pads (RFC 2104), copied per number."""
        key = self.hash_key if len(self.hash_key) <= 64 else hashlib.sha256(self.hash_key).digest()
        key = key.ljust(64, b"\0")
        return (
            hashlib.sha256(bytes(b ^ 0x36 for b in key)),
            hashlib.sha256(bytes(b ^ 0x5C for b in key)),
        )


def make_keys(key: str, hash_key: str) -> Keys:
    """Keys from base64 text; an empty value means the one derived from SECRET_KEY."""
    return Keys(
        aead=AESGCM(parse_key(key, "ID_NUMBER_KEY") if key else _derived(_ENCRYPTION_INFO)),
        hash_key=parse_key(hash_key, "ID_NUMBER_HASH_KEY") if hash_key else _derived(_HASH_INFO),
    )


@functools.cache
def _keys() -> Keys:
    return make_keys(getattr(settings, "ID_NUMBER_KEY", ""), getattr(settings, "ID_NUMBER_HASH_KEY", ""))


def current_keys() -> Keys:
    """The keys configured now (``ID_NUMBER_KEY``, ``ID_NUMBER_HASH_KEY`` or their derived defaults)."""
    return _keys()


def reset_keys(**kwargs) -> None:
    """Forget the cached keys (settings changed in a test, or a key rotation)."""
    _keys.cache_clear()


setting_changed.connect(reset_keys, dispatch_uid="trainees_idcrypto_reset_keys")


def encrypt(id_number: str, *, keys: Keys | None = None) -> str:
    """``v1:`` + base64(nonce + ciphertext): a fresh random nonce, so equal numbers differ."""
    return encrypt_many([id_number], keys=keys)[0]


def decrypt(token: str, *, keys: Keys | None = None) -> str:
    if not token:
        return ""
    if not token.startswith(PREFIX):
        raise IdNumberDecryptionError("unknown ciphertext format")
    try:
        raw = base64.b64decode(token[len(PREFIX) :], validate=True)
        return (keys or _keys()).aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _AAD).decode()
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise IdNumberDecryptionError("the ID number does not decrypt under ID_NUMBER_KEY") from exc


def blind_index(id_number: str, *, keys: Keys | None = None) -> str:
    """HMAC-SHA256 (64 hex characters) of the normalised number; "" for no number."""
    return blind_indexes([id_number], keys=keys)[0]


def blind_indexes(id_numbers: Iterable[str], *, keys: Keys | None = None) -> list[str]:
    """``[blind_index(n) for n in id_numbers]`` for a whole roster: the key pads are hashed once."""
    inner, outer = (keys or _keys()).hmac_pads
    digests = []
    for id_number in id_numbers:
        id_number = normalize_id_number(id_number)
        if not id_number:
            digests.append("")
            continue
        h = inner.copy()
        h.update(id_number.encode())
        o = outer.copy()
        o.update(h.digest())
        digests.append(o.hexdigest())
    return digests


def encrypt_many(id_numbers: Iterable[str], *, keys: Keys | None = None) -> list[str]:
    """``[encrypt(n) for n in id_numbers]`` for a whole roster: one read of random bytes for every nonce."""
    id_numbers = list(id_numbers)
    seal = (keys or _keys()).aead.encrypt
    nonces = os.urandom(NONCE_BYTES * len(id_numbers))
    tokens = []
    for i, id_number in enumerate(id_numbers):
        if not id_number:
            tokens.append("")
            continue
        nonce = nonces[i * NONCE_BYTES : (i + 1) * NONCE_BYTES]
        tokens.append(
            PREFIX + base64.b64encode(nonce + seal(nonce, id_number.encode(), _AAD)).decode("ascii")
        )
    return tokens


def mask_id_hash(value: str) -> str:
    """The audit trail's form of a hash: its first 8 hex characters, enough to tell numbers apart."""
    return value[:8] + "…" if value else ""


def protect(id_number: str, *, keys: Keys | None = None) -> tuple[str, str, str]:
    """(ciphertext, hash, masked) of a normalised number: the three stored columns."""
    id_number = normalize_id_number(id_number)
    return encrypt(id_number, keys=keys), blind_index(id_number, keys=keys), mask_id_number(id_number)
