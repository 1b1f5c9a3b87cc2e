"""The import's fast paths give the same answers as the thorough ones they stand in for.

Roster validation has one path; tests/trainees/test_import_rules.py shows it agrees with the member model."""

import base64
import datetime
import hashlib
import hmac
import io
import random
import re

import pytest

from tests.factories import make_id_number
from trainees import idcrypto, importing, importing_checks
from trainees.importing_checks import SheetTooLarge, _scan_sheet, _sheet_is_small
from trainees.validators import id_number_check_char


def sheet(*refs: str, empty: bool = False) -> bytes:
    cells = "".join(f'<c r="{r}"/>' if empty else f'<c r="{r}" t="n"><v>1</v></c>' for r in refs)
    return f"<worksheet><sheetData><row>{cells}</row></sheetData></worksheet>".encode()


@pytest.mark.parametrize(
    ("refs", "small"),
    [
        (["A1", "K20002"], True),
        (["Z99999"], True),
        (["AA1"], False),  # a second column letter: the per-cell scan decides
        (["A100000"], False),  # six row digits: the per-cell scan decides
        (["XFD1048576"], False),
    ],
)
def test_a_sheet_is_small_only_when_no_reference_can_reach_past_z99999(refs, small):
    assert _sheet_is_small(io.BytesIO(sheet(*refs))) is small


def test_a_reference_split_between_two_chunks_is_still_seen(monkeypatch):
    monkeypatch.setattr(importing_checks, "_CHUNK", 7)
    data = sheet("A1", "XFD1048576")
    assert _sheet_is_small(io.BytesIO(data)) is False
    with pytest.raises(SheetTooLarge):
        _scan_sheet(io.BytesIO(data))


def test_every_sheet_the_full_scan_refuses_fails_the_quick_test():
    for refs in (["A1", "A100001"], ["A1", "XFD1048576"], ["AZ1", "A99999"]):
        with pytest.raises(SheetTooLarge):
            _scan_sheet(io.BytesIO(sheet(*refs)))
        assert not _sheet_is_small(io.BytesIO(sheet(*refs)))


KEYS = idcrypto.make_keys(base64.b64encode(bytes(range(32))).decode(), base64.b64encode(b"h" * 32).decode())
LONG_HASH_KEY = idcrypto.Keys(aead=KEYS.aead, hash_key=b"k" * 100)  # longer than SHA-256's block


@pytest.mark.parametrize("keys", [KEYS, LONG_HASH_KEY])
def test_blind_indexes_of_a_roster_are_the_hmacs_of_each_number(keys):
    numbers = [make_id_number(), " 37142219800517001x ", "", "12345"]
    assert idcrypto.blind_indexes(numbers, keys=keys) == [idcrypto.blind_index(n, keys=keys) for n in numbers]
    assert idcrypto.blind_indexes(numbers[:1], keys=keys) == [
        hmac.new(keys.hash_key, numbers[0].encode(), hashlib.sha256).hexdigest()
    ]


def test_encrypt_many_gives_each_number_its_own_nonce():
    numbers = [make_id_number(), make_id_number(), "", make_id_number()]
    tokens = idcrypto.encrypt_many([*numbers, numbers[0]], keys=KEYS)
    assert [idcrypto.decrypt(t, keys=KEYS) for t in tokens] == [*numbers, numbers[0]]
    assert tokens[0] != tokens[4] and tokens[2] == ""
    nonces = [base64.b64decode(t[3:])[:12] for t in tokens if t]
    assert len(set(nonces)) == len(nonces)


def _unescape_copy_line(line: str) -> list:
    unescape = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}
    return [
        None if value == r"\N" else re.sub(r"\\[\\tnr]", lambda m: unescape[m.group(0)], value)
        for value in line.split("\t")
    ]


def test_the_copy_text_escapes_what_copy_would_misread():
    width = len(importing.STAGING_COLUMNS)
    plain = ("h", "v1:x", "3714", "张三", "M", "汉族", datetime.date(1970, 1, 2), "139", "bachelor", "other")
    rows = [
        (*plain, "", datetime.date(2005, 7, 1), datetime.date(2006, 7, 1), "full", 7),
        (*plain, "", datetime.date(2005, 7, 1), None, "probationary", 7),
        (
            "h",
            "v1:x",
            "3714",
            "张\t三",
            "M",
            "汉\\N",
            datetime.date(1970, 1, 2),
            "1\n3\r9",
            "b",
            "o",
            "\\",
            *(["x"] * 4),
        ),
        (*plain, r"\N", datetime.date(2005, 7, 1), None, "full", 7),
    ]
    assert all(len(row) == width for row in rows)
    text = importing._copy_text(rows)
    assert text.endswith("\n") and text.count("\n") == len(rows)
    parsed = [_unescape_copy_line(line) for line in text[:-1].split("\n")]
    assert parsed == [[None if v is None else str(v) for v in row] for row in rows]


def test_the_check_character_is_iso_7064_mod_11_2():
    rng = random.Random(7064)
    for first17 in ["11010519491231002", "00000000000000000", "99999999999999999"] + [
        "".join(rng.choice("0123456789") for _ in range(17)) for _ in range(5000)
    ]:
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
        assert id_number_check_char(first17) == "10X98765432"[total % 11]
    assert id_number_check_char("11010519491231002") == "X"  # the standard's worked example
    assert id_number_check_char("１1010519491231002") == "X"  # full-width digits: int() reads them, as before
    for bad in ["1101051949123100", "110105194912310021", "1101051949123100a"]:
        with pytest.raises(ValueError):
            id_number_check_char(bad)
