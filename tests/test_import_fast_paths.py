"""The import's fast paths give the same answers as the thorough ones they stand in for."""

import base64
import datetime
import hashlib
import hmac
import io
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainees import idcrypto, importing, importing_checks
from trainees.importing_checks import SheetTooLarge, _scan_sheet, _sheet_is_small
from trainees.models import Branch, Township
from trainees.validators import id_number_check_char

from .factories import make_id_number


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


# --- Validation: the fast path accepts only what _validate_row accepts, with the same values ----------

TOWNSHIPS = [Township(pk=1, name="甲镇"), Township(pk=2, name="乙镇")]
BRANCHES = [
    Branch(pk=11, name="甲村党支部", township=TOWNSHIPS[0]),
    Branch(pk=12, name="同名党支部", township=TOWNSHIPS[0]),
    Branch(pk=21, name="同名党支部", township=TOWNSHIPS[1]),
    Branch(pk=22, name="乙村党支部", township=TOWNSHIPS[1]),
]
GROUPS = {"secretary": 1, "支部书记": 1, "young": 2, "青年党员": 2}
BIRTH = datetime.date(1970, 1, 2)
ID_MALE, ID_FEMALE = make_id_number(BIRTH, 7, female=False), make_id_number(BIRTH, 7, female=True)
CELLS = {
    "name": [
        "张三",
        " 张三 ",
        "",
        "=cmd",
        "+1",
        "-x",
        "@a",
        "名" * 50,
        "名" * 51,
        "李四\u3000",
        "'王五",
        '="赵六"',
        12345,
    ],
    "id_number": [
        ID_MALE,
        ID_FEMALE,
        f" {ID_MALE.lower()} ",
        ID_MALE[:17] + "0",
        ID_MALE[:-1],
        "",
        float(ID_MALE[:15]),
        "3.71E+17",
    ],
    "gender": ["", "男", "女", "M", "F", "男 ", "男\u3000", "不知", None],
    "ethnicity": ["", "回", "回族", "满" * 20, "满" * 19, "=x", None],
    "birth_date": [
        "",
        "1970-01-02",
        "1970年1月",
        "1970.1",
        1970.01,
        25570,
        BIRTH,
        datetime.datetime(1970, 1, 2, 3),
        "1970-01-03",
        "bad",
        None,
    ],
    "education": ["", "大学本科", "本科", "硕 士", "中专/高中", "幼儿园"],
    "join_date": [
        "",
        "2005-07-01",
        "2005年7月1日",
        "200507",
        "2005.7",
        "2099-01-01",
        "1987-12-31",
        "1988-01-02",
        "2005-02-30",
        38534,
        "去年",
    ],
    "full_date": ["", "2006/7/1", "2004-01-01", "202007", None, "x", datetime.date(2006, 7, 1)],
    "branch": [
        "甲村党支部",
        "乙村党支部",
        "甲镇/甲村党支部",
        "乙镇／甲村党支部",
        "同名党支部",
        "甲 村党支部",
        "无此支部",
        "",
    ],
    "township": ["", "甲镇", "乙镇", "丁镇", None],
    "phone": [
        "",
        "13900000000",
        "139 0000 0000",
        "(0534)5512345",
        "0534-5512345",
        "1234",
        13900000000.0,
        None,
    ],
    "category": ["", "农民", "工人", "外星人", None],
    "status": ["", "正式", "预备党员", "停止党籍", "什么"],
    "position": ["", "村书记", "岗" * 100, "岗" * 101, "=1+1"],
    "groups": ["", "支部书记", "secretary、young", "不存在", "secretary;;young", None],
}
OPTIONAL = sorted(set(CELLS) - set(importing.REQUIRED_FIELDS))
EXISTING = st.fixed_dictionaries(
    {
        "pk": st.just(5),
        "name": st.sampled_from(["张三", "旧名"]),
        "gender": st.sampled_from(["M", "F"]),
        "ethnicity": st.sampled_from(["汉族", "回族"]),
        "birth_date": st.just(BIRTH),
        "phone": st.sampled_from(["", "13900000000"]),
        "education": st.just("bachelor"),
        "category": st.sampled_from(["farmer", "other"]),
        "position": st.sampled_from(["", "村书记"]),
        "join_date": st.just(datetime.date(2005, 7, 1)),
        "full_date": st.sampled_from([None, datetime.date(2006, 7, 1)]),
        "status": st.sampled_from(["full", "probationary", "suspended"]),
        "branch_id": st.sampled_from([11, 22]),
        "township_id": st.sampled_from([1, 2]),
    }
)


def reference(cells, columns, existing):
    row = importing.RosterRow(number=3, cells=cells)
    values, groups, errors = importing._validate_row(
        row,
        columns=columns,
        branches=importing.BranchIndex(BRANCHES),
        groups_by_key=GROUPS,
        existing=existing,
    )
    return None if errors else (tuple(values[c] for c in importing.MEMBER_COLUMNS), groups)


@given(
    columns=st.sets(st.sampled_from(OPTIONAL)),
    picks=st.fixed_dictionaries({f: st.sampled_from(v) for f, v in CELLS.items()}),
    existing=st.none() | EXISTING,
    data=st.data(),
)
@settings(max_examples=2000, deadline=None)
def test_the_fast_path_agrees_with_the_full_validation(columns, picks, existing, data):
    columns = columns | set(importing.REQUIRED_FIELDS)
    # A plainly valid row most of the time, so that both answers are exercised.
    cells = {"name": "张三", "id_number": ID_MALE, "education": "大学本科", "join_date": "2005-07-01"}
    cells["branch"] = "甲村党支部"
    for f in columns:
        if f not in cells or data.draw(st.booleans()):
            cells[f] = picks[f]
    cells = {f: cells.get(f) for f in sorted(columns) if f in cells or data.draw(st.booleans())}
    id_number = importing.normalize_id_number(importing._text(cells.get("id_number")))
    plain = importing._PlainRows(columns, importing.BranchIndex(BRANCHES), GROUPS)
    fast = plain.values(cells, id_number, existing)
    expected = reference(cells, columns, existing)
    if fast is not None:
        assert fast == expected
        assert [type(v) for v in fast[0]] == [type(v) for v in expected[0]]


def test_a_plain_row_takes_the_fast_path():
    columns = set(CELLS)
    cells = {"name": "张三", "id_number": ID_MALE, "gender": "男", "birth_date": BIRTH, "education": "本科"}
    cells |= {
        "join_date": "2005-07-01",
        "full_date": "2006/7/1",
        "branch": "甲村党支部",
        "phone": "13900000000",
    }
    cells |= {"groups": "支部书记", "ethnicity": "汉族", "category": "农民", "position": "村书记"}
    plain = importing._PlainRows(columns, importing.BranchIndex(BRANCHES), GROUPS)
    fast = plain.values(cells, ID_MALE, None)
    assert fast is not None and fast == reference(cells, columns, None)


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


def test_everything_the_row_checks_refuse_is_kept_off_the_fast_path():
    for code in range(0x80):
        if importing_checks._CONTROL.match(chr(code)):
            assert importing._NOT_PLAIN.match(chr(code))
    for char in ["=", "+", "@", "'", "\u3000", "\ufeff"]:
        assert importing._NOT_PLAIN.match(char)
