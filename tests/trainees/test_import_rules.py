"""One rule set for a member record: the roster import refuses what the member model refuses, in its words.

The import turns cells into values (trainees.importing.RowValidator); the rules on those values
are the ones ``Member.clean()``, the model's field validators and the member form apply
(trainees.validators). These tests hold the two ends together on generated rows.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.factories import make_id_number
from trainees import importing
from trainees.models import Branch, Member, Township
from trainees.validators import validate_id_number

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


TODAY = datetime.date.today()


def validate(cells, columns, existing=None):
    validator = importing.RowValidator(columns, importing.BranchIndex(BRANCHES), GROUPS)
    return validator.validate(importing.RosterRow(number=3, cells=cells), existing)


def model_messages(values: dict, id_number: str) -> list[str]:
    """What the member form says about these values: the ID number's validator, then the model's
    full_clean() — which, as in the form, sees the ID number only when it passed its validator."""
    messages = []
    member = Member(**{c: values[c] for c in importing.MEMBER_COLUMNS})
    try:
        validate_id_number(id_number)
        member.id_number = id_number
    except ValidationError as exc:
        messages += exc.messages
    try:
        # The branch is the importer's (resolved by BranchIndex), not looked up again here.
        member.full_clean(exclude=["branch"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        messages += exc.messages
    return messages


@given(
    columns=st.sets(st.sampled_from(OPTIONAL)),
    picks=st.fixed_dictionaries({f: st.sampled_from(v) for f, v in CELLS.items()}),
    existing=st.none() | EXISTING,
    data=st.data(),
)
@settings(max_examples=2000, deadline=None)
def test_every_row_the_import_accepts_is_a_member_the_model_accepts(columns, picks, existing, data):
    columns = columns | set(importing.REQUIRED_FIELDS)
    # A plainly valid row most of the time, so that both answers are exercised.
    cells = {"name": "张三", "id_number": ID_MALE, "education": "大学本科", "join_date": "2005-07-01"}
    cells["branch"] = "甲村党支部"
    for f in columns:
        if f not in cells or data.draw(st.booleans()):
            cells[f] = picks[f]
    cells = {f: cells.get(f) for f in sorted(columns) if f in cells or data.draw(st.booleans())}
    values, groups, errors = validate(cells, columns, existing)
    if errors:
        assert values is None and all(str(m) for m in errors)
    else:
        assert model_messages(values, values["id_number"]) == []
        assert groups is None if "groups" not in columns else groups <= set(GROUPS.values())


ID_BIRTHS = [BIRTH, datetime.date(1988, 2, 29), datetime.date(2008, 12, 31)]
DAYS = st.dates(min_value=datetime.date(1960, 1, 1), max_value=TODAY + datetime.timedelta(days=400))


@st.composite
def records(draw):
    """A member record as typed values: a well-formed ID number, any dates, status and phone."""
    id_birth = draw(st.sampled_from(ID_BIRTHS))
    female = draw(st.booleans())
    id_number = make_id_number(id_birth, draw(st.integers(0, 400)), female=female)
    if draw(st.booleans()):  # a number whose checksum or embedded birth date is wrong
        id_number = draw(
            st.sampled_from(
                [
                    id_number[:17] + ("0" if id_number[17] != "0" else "1"),
                    id_number[:10] + "13" + id_number[12:],
                ]
            )
        )
    return {
        "id_number": id_number,
        "gender": "F" if female else "M",
        "birth_date": draw(st.sampled_from([id_birth, id_birth + datetime.timedelta(days=1), BIRTH])),
        "join_date": draw(DAYS),
        "full_date": draw(st.none() | DAYS),
        "status": draw(st.sampled_from(Member.Status.values)),
        "phone": draw(st.sampled_from(["", "13900000000", "0534-5512345", "1234", "23900000000"])),
    }


def as_cells(record: dict) -> dict:
    """The record as a roster row would carry it: text in the roster's own words."""
    with importing.translation.override("zh-hans"):
        status = str(Member.Status(record["status"]).label)
    return {
        "name": "张三",
        "id_number": record["id_number"],
        "gender": {"M": "男", "F": "女"}[record["gender"]],
        "birth_date": record["birth_date"].isoformat(),
        "education": "大学本科",
        "join_date": f"{record['join_date']:%Y年%m月%d日}",
        "full_date": f"{record['full_date']:%Y/%m/%d}" if record["full_date"] else "",
        "status": status,
        "branch": "甲村党支部",
        "phone": record["phone"],
    }


@given(record=records())
@example(  # every date rule at once
    record={
        "id_number": ID_MALE,
        "gender": "M",
        "birth_date": BIRTH + datetime.timedelta(days=1),
        "join_date": TODAY + datetime.timedelta(days=1),
        "full_date": TODAY,
        "status": "probationary",
        "phone": "1234",
    }
)
@settings(max_examples=500, deadline=None)
def test_the_import_and_the_model_refuse_the_same_records_with_the_same_messages(record):
    cells = as_cells(record)
    values, _, errors = validate(cells, set(cells))
    values = {**record, "name": "张三", "ethnicity": "汉族", "education": "bachelor"}
    values |= {"category": "other", "position": "", "branch_id": BRANCHES[0].pk}
    assert sorted(map(str, errors)) == sorted(map(str, model_messages(values, record["id_number"])))


def test_a_year_and_month_birth_date_takes_the_day_from_the_id_number():
    columns = {"name", "id_number", "birth_date", "education", "join_date", "branch"}
    cells = {"name": "张三", "id_number": ID_MALE, "education": "本科", "join_date": "2005-07-01"}
    cells["branch"] = "甲村党支部"
    values, _, errors = validate({**cells, "birth_date": "1970年1月"}, columns)
    assert errors == [] and values["birth_date"] == BIRTH
    _, _, errors = validate({**cells, "birth_date": "1970年2月"}, columns)
    assert [str(m) for m in errors] == ["出生日期与公民身份号码中的出生日期不一致。"]


@pytest.mark.parametrize(
    ("field", "model_field"), [("name", "name"), ("ethnicity", "ethnicity"), ("position", "position")]
)
def test_free_text_is_as_long_as_the_model_allows(field, model_field):
    limit = Member._meta.get_field(model_field).max_length
    columns = {"name", "id_number", "education", "join_date", "branch", field}
    cells = {"name": "张三", "id_number": ID_MALE, "education": "本科", "join_date": "2005-07-01"}
    cells["branch"] = "甲村党支部"
    # The ethnicity gets its 族 appended when missing: a full-length one already ends with it.
    at_limit = "回" * (limit - 1) + "族" if field == "ethnicity" else "长" * limit
    assert validate({**cells, field: at_limit}, columns)[2] == []
    assert validate({**cells, field: at_limit + "长"}, columns)[2] != []
