import datetime
import math

import pytest
from django.db import transaction

from tests.factories import BranchFactory, MemberFactory, TownshipFactory
from tests.rosters import csv_bytes, private_media, roster_row, upload, xlsx_bytes  # noqa: F401
from trainees import importing
from trainees.importing import ImportFileError, parse_date
from trainees.models import ImportBatch, Member, MemberGroup
from trainees.services import importable_branches, member_import_commit, member_import_preview

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def preview(cast, rows, role="county", **kwargs):
    return member_import_preview(user=cast.users[role], uploaded_file=upload(xlsx_bytes(rows, **kwargs)))


def errors_by_row(batch):
    return {error["row"]: " ".join(error["messages"]) for error in batch.errors}


def test_a_valid_roster_is_previewed_then_imported_with_every_column(cast):
    rows = [roster_row(n, "甲村党支部") for n in range(1, 4)]
    rows[0].update({"入党时间": "2019年7月1日", "转正时间": "202007", "出生日期": "1970年1月2日"})
    rows[1].update({"入党时间": datetime.date(2019, 7, 1), "转正时间": None, "性别": ""})
    batch = preview(cast, rows, headers=["备注", *reversed(list(rows[0]))])  # any order, extra column

    assert (batch.status, batch.total_rows, batch.created_count, batch.invalid_count) == (
        "previewed",
        3,
        3,
        0,
    )
    member_import_commit(user=cast.users["county"], batch=batch)

    first = Member.objects.get(id_number=rows[0]["公民身份号码"])
    assert (first.join_date, first.full_date, first.status) == (
        datetime.date(2019, 7, 1),
        datetime.date(2020, 7, 1),
        Member.Status.FULL,
    )
    assert (first.birth_date, first.branch, first.education) == (
        datetime.date(1970, 1, 2),
        cast.branch_a,
        "bachelor",
    )
    second = Member.objects.get(id_number=rows[1]["公民身份号码"])
    assert (second.gender, second.full_date, second.status) == ("M", None, Member.Status.PROBATIONARY)
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.COMMITTED


def test_preview_writes_no_member(cast):
    before = list(Member.objects.values_list("pk", "phone", "branch_id"))
    rows = [
        roster_row(1, "甲村党支部"),
        roster_row(2, "甲村党支部", 公民身份号码=cast.member_a.id_number, 性别=""),
    ]
    rows[1]["出生日期"] = cast.member_a.birth_date
    batch = preview(cast, rows)
    assert (batch.created_count, batch.updated_count) == (1, 1)
    assert list(Member.objects.values_list("pk", "phone", "branch_id")) == before


def test_every_error_kind_is_reported_with_its_row_in_chinese(cast):
    good = roster_row(1, "甲村党支部")
    bad_checksum = roster_row(2, "甲村党支部")
    bad_checksum["公民身份号码"] = bad_checksum["公民身份号码"][:17] + (
        "0" if bad_checksum["公民身份号码"][17] != "0" else "1"
    )
    rows = [
        good,  # row 3 (title row, header row)
        bad_checksum,  # row 4
        roster_row(3, "甲村党支部", 出生日期=datetime.date(1971, 1, 1)),  # row 5
        roster_row(4, "不存在的党支部"),  # row 6
        roster_row(5, "甲村党支部", 公民身份号码=good["公民身份号码"]),  # row 7
        roster_row(6, "甲村党支部", 联系电话="1234"),  # row 8
        roster_row(7, "甲村党支部", 学历=""),  # row 9
        roster_row(8, "甲村党支部", 入党时间="去年"),  # row 10
    ]
    batch = preview(cast, rows)

    errors = errors_by_row(batch)
    assert batch.status == ImportBatch.Status.FAILED
    assert (batch.invalid_count, batch.created_count) == (7, 1)
    assert "校验位不正确" in errors[4]
    assert "出生日期与公民身份号码中的出生日期不一致" in errors[5]
    assert "找不到党支部“不存在的党支部”" in errors[6]
    assert "与第 3 行重复" in errors[7]
    assert "联系电话格式不正确" in errors[8]
    assert "缺少必填项：学历" in errors[9]
    assert "不是可识别的日期" in errors[10]
    assert not any(row["公民身份号码"] in str(batch.errors) for row in rows)  # no ID numbers in the report


def test_a_file_with_one_bad_row_imports_nothing(cast):
    rows = [roster_row(n, "甲村党支部") for n in range(1, 30)]
    rows[17]["联系电话"] = "phone"
    batch = preview(cast, rows)
    count = Member.objects.count()

    assert not batch.can_commit
    with pytest.raises(ImportFileError):
        member_import_commit(user=cast.users["county"], batch=batch)
    assert Member.objects.count() == count


def test_a_row_that_became_invalid_before_confirmation_fails_the_whole_batch(cast):
    rows = [roster_row(n, "甲村党支部") for n in range(1, 4)]
    batch = preview(cast, rows)
    MemberFactory(branch=cast.branch_b, id_number=rows[2]["公民身份号码"], birth_date=rows[2]["出生日期"])

    batch = member_import_commit(user=cast.users["county"], batch=batch)

    assert batch.status == ImportBatch.Status.FAILED
    assert list(errors_by_row(batch)) == [5]
    assert not Member.objects.filter(id_number=rows[0]["公民身份号码"]).exists()


def test_the_same_file_twice_changes_nothing(cast):
    MemberGroup.objects.create(code="secretary", name="支部书记")
    rows = [roster_row(n, "甲村党支部", 党员群体="支部书记" if n % 2 else "") for n in range(1, 6)]
    member_import_commit(user=cast.users["county"], batch=preview(cast, rows))
    stamps = list(Member.objects.order_by("pk").values_list("updated_at", flat=True))

    again = preview(cast, rows)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 5)
    member_import_commit(user=cast.users["county"], batch=again)
    assert list(Member.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps
    assert MemberGroup.objects.get(code="secretary").members.count() == 3


def test_changed_rows_are_updated_in_place(cast):
    rows = [roster_row(n, "甲村党支部") for n in range(1, 4)]
    member_import_commit(user=cast.users["county"], batch=preview(cast, rows))
    rows[1]["联系电话"] = "0534-5512345"
    rows[2]["学历"] = "研究生"
    batch = preview(cast, rows)
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (0, 2, 1)
    member_import_commit(user=cast.users["county"], batch=batch)
    assert Member.objects.get(id_number=rows[1]["公民身份号码"]).phone == "0534-5512345"
    assert Member.objects.get(id_number=rows[2]["公民身份号码"]).education == "postgraduate"


def test_an_import_never_moves_a_member_to_another_township(cast):
    row = roster_row(1, "甲村党支部", 公民身份号码=cast.member_b.id_number, 出生日期=cast.member_b.birth_date)
    batch = preview(cast, [row])
    assert "导入不会转移组织关系" in errors_by_row(batch)[3]
    cast.member_b.refresh_from_db()
    assert cast.member_b.branch == cast.branch_b


def test_a_member_may_move_between_branches_of_the_same_township(cast):
    BranchFactory(township=cast.township_a, name="甲镇二村党支部")
    row = roster_row(
        1, "甲镇二村党支部", 公民身份号码=cast.member_a.id_number, 出生日期=cast.member_a.birth_date
    )
    member_import_commit(user=cast.users["township_a"], batch=preview(cast, [row], role="township_a"))
    cast.member_a.refresh_from_db()
    assert cast.member_a.branch.name == "甲镇二村党支部"


def test_a_township_admin_cannot_import_into_another_township(cast):
    rows = [roster_row(1, "甲村党支部"), roster_row(2, "乙村党支部"), roster_row(3, "乙镇/乙村党支部")]
    batch = preview(cast, rows, role="township_a")
    errors = errors_by_row(batch)
    assert set(errors) == {4, 5}
    assert "找不到党支部“乙村党支部”" in errors[4]
    assert batch.township == cast.township_a


def test_branch_names_shared_by_two_townships_need_the_township(cast):
    BranchFactory(township=cast.township_b, name="甲村党支部")
    rows = [
        roster_row(1, "甲村党支部", 所在乡镇=""),
        roster_row(2, "乙镇/甲村党支部", 所在乡镇=""),
        roster_row(3, "甲村党支部", 所在乡镇="甲镇"),
    ]
    batch = preview(cast, rows)
    errors = errors_by_row(batch)
    assert list(errors) == [3]
    assert "多个乡镇都有名为“甲村党支部”的党支部" in errors[3]
    assert batch.created_count == 2


def test_gbk_gb18030_and_utf8_csv_files_are_read(cast):
    for n, encoding in enumerate(["gbk", "gb18030", "utf-8-sig", "utf-8"]):
        rows = [roster_row(10 * n + 1, "甲村党支部", 姓名="赵䶮" if encoding == "gb18030" else "赵云")]
        batch = member_import_preview(
            user=cast.users["county"], uploaded_file=upload(csv_bytes(rows, encoding), "名册.csv")
        )
        assert (batch.created_count, batch.invalid_count) == (1, 0), encoding


def test_an_id_number_stored_as_an_excel_number_is_refused(cast):
    row = roster_row(1, "甲村党支部")
    row["公民身份号码"] = float(row["公民身份号码"][:17])
    assert "被存成了数字" in errors_by_row(preview(cast, [row]))[3]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime.date(2019, 7, 1), (datetime.date(2019, 7, 1), False)),
        (datetime.datetime(2019, 7, 1, 0, 0), (datetime.date(2019, 7, 1), False)),
        ("2019-07-01", (datetime.date(2019, 7, 1), False)),
        ("2019/7/1", (datetime.date(2019, 7, 1), False)),
        ("2019年7月1日", (datetime.date(2019, 7, 1), False)),
        ("2019.7.1", (datetime.date(2019, 7, 1), False)),
        ("201907", (datetime.date(2019, 7, 1), True)),
        (201907.0, (datetime.date(2019, 7, 1), True)),
        ("2019年7月", (datetime.date(2019, 7, 1), True)),
        (2019.10, (datetime.date(2019, 10, 1), True)),
        ("20190701", (datetime.date(2019, 7, 1), False)),
        (43647.0, (datetime.date(2019, 7, 1), False)),
        ("", None),
    ],
)
def test_dates_are_read_in_the_usual_excel_forms(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["去年", "2019-13-01", "19/7/1"])
def test_a_value_that_is_not_a_date_is_refused(value):
    with pytest.raises(ValueError):
        parse_date(value)


def test_a_missing_required_column_refuses_the_file(cast):
    rows = [roster_row(1, "甲村党支部")]
    headers = [h for h in rows[0] if h != "所在党支部"]
    with pytest.raises(ImportFileError, match="表头缺少必需的列：所在党支部"):
        preview(cast, rows, headers=headers)
    assert not ImportBatch.objects.exists()


def test_a_text_file_named_xlsx_is_refused(cast):
    with pytest.raises(ImportFileError, match="不是有效的 .xlsx"):
        member_import_preview(
            user=cast.users["county"], uploaded_file=upload("姓名,身份证号".encode(), "a.xlsx")
        )


def test_a_workbook_that_unpacks_too_large_is_refused_before_reading(cast, monkeypatch):
    monkeypatch.setattr(importing, "MAX_UNCOMPRESSED_BYTES", 1000)
    monkeypatch.setattr(importing, "_read_xlsx", pytest.fail)
    with pytest.raises(ImportFileError, match="解压后过大"):
        preview(cast, [roster_row(1, "甲村党支部")])


def test_import_queries_do_not_grow_per_row(cast, django_assert_max_num_queries):
    township = TownshipFactory(name="丙镇")
    branches = [BranchFactory(township=township, name=f"丙{n}村党支部") for n in range(5)]
    MemberGroup.objects.create(code="young", name="青年党员（35岁及以下）")
    rows = [
        roster_row(n, branches[n % 5].name, 党员群体="青年党员（35岁及以下）" if n % 3 == 0 else "")
        for n in range(1, 2501)
    ]
    for n in range(1, 500):  # a fifth are already on file, half of those changed
        MemberFactory(
            branch=branches[n % 5],
            id_number=rows[n - 1]["公民身份号码"],
            birth_date=rows[n - 1]["出生日期"],
            phone=rows[n - 1]["联系电话"] if n % 2 else "13800000000",
            name=rows[n - 1]["姓名"],
        )
    # +2: the audit write locks and moves the hash chain's head (audit/chain.py), once per import.
    budget = 20 + 2 + 3 * math.ceil(len(rows) / 1000)
    content = xlsx_bytes(rows)
    county = cast.users["county"]
    county.refresh_from_db()
    with django_assert_max_num_queries(budget):
        batch = member_import_preview(user=county, uploaded_file=upload(content))
    assert batch.invalid_count == 0, batch.errors[:3]
    with django_assert_max_num_queries(budget):
        batch = member_import_commit(user=county, batch=batch)
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Member.objects.filter(branch__township=township).count() == 2500
    assert MemberGroup.objects.get(code="young").members.count() == 833


@pytest.mark.parametrize("first_import", [True, False])
def test_a_member_created_meanwhile_rolls_the_whole_import_back(cast, first_import):
    rows = [roster_row(n, "甲村党支部") for n in range(1, 4)]
    if not first_import:  # an update in the same file: the upsert statement
        MemberFactory(branch=cast.branch_a, id_number=rows[0]["公民身份号码"], birth_date=rows[0]["出生日期"])
    file = upload(xlsx_bytes(rows))
    plan = importing.plan_member_import(
        importing.read_roster(file, importing.check_roster_file(file, file.name)),
        branches=importable_branches(None),
    )
    assert plan.is_valid and plan.created == (3 if first_import else 2)
    # Someone else registers the third person (in another township) between validation and writing.
    MemberFactory(branch=cast.branch_b, id_number=rows[2]["公民身份号码"], birth_date=rows[2]["出生日期"])
    count = Member.objects.count()

    with pytest.raises(importing.ConcurrentChangeError), transaction.atomic():
        importing.apply_member_import(plan)
    assert Member.objects.count() == count
    assert not Member.objects.filter(id_number=rows[1]["公民身份号码"]).exists()
