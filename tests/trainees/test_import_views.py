import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.rosters import private_media, roster_row, upload, xlsx_bytes  # noqa: F401
from trainees.exporting import member_export
from trainees.models import ImportBatch, Member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def post_roster(client, rows, name="名册.xlsx"):
    return client.post(reverse("trainees:member-import"), {"file": upload(xlsx_bytes(rows), name)})


@pytest.mark.parametrize("role", ["instructor", "trainee"])
@pytest.mark.parametrize(
    "url", ["trainees:member-import", "trainees:member-import-history", "trainees:member-export"]
)
def test_only_county_staff_and_township_admins_reach_import_and_export(client_as, role, url):
    assert client_as(role).get(reverse(url)).status_code == 403


def test_an_upload_shows_the_preview_and_confirming_imports_it(cast, client_as):
    client = client_as("township_a")
    response = post_roster(client, [roster_row(n, "甲村党支部") for n in range(1, 4)])
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == batch.get_absolute_url()

    page = client.get(batch.get_absolute_url())
    assert "名册导入预览" in page.text and "确认导入" in page.text
    assert not Member.objects.filter(name__startswith="导入党员").exists()

    response = client.post(reverse("trainees:member-import-confirm", args=[batch.pk]), follow=True)
    assert "导入完成：新增 3 人" in response.text
    assert Member.objects.filter(name__startswith="导入党员", branch=cast.branch_a).count() == 3


def test_a_preview_lists_every_invalid_row_and_offers_no_confirmation(client_as):
    client = client_as("county")
    post_roster(client, [roster_row(1, "甲村党支部"), roster_row(2, "无此支部")])
    page = client.get(ImportBatch.objects.get().get_absolute_url())
    assert "第 4 行" in page.text and "找不到党支部“无此支部”" in page.text
    assert "确认导入" not in page.text


def test_confirming_needs_a_post(client_as):
    client = client_as("county")
    post_roster(client, [roster_row(1, "甲村党支部")])
    batch = ImportBatch.objects.get()
    assert client.get(reverse("trainees:member-import-confirm", args=[batch.pk])).status_code == 405


def test_a_file_of_the_wrong_type_is_refused_on_the_form(client_as):
    response = client_as("county").post(
        reverse("trainees:member-import"), {"file": upload(b"\xd0\xcf\x11\xe0 old excel", "名册.xls")}
    )
    assert response.status_code == 200
    assert "另存为 .xlsx" in response.text
    assert not ImportBatch.objects.exists()


def test_another_townships_batch_is_not_found(client_as):
    post_roster(client_as("township_b"), [roster_row(1, "乙村党支部")])
    batch = ImportBatch.objects.get()
    client = client_as("township_a")
    for name in ("trainees:member-import-detail", "trainees:member-import-file"):
        assert client.get(reverse(name, args=[batch.pk])).status_code == 404
    assert client.post(reverse("trainees:member-import-confirm", args=[batch.pk])).status_code == 404
    assert batch.original_name not in client.get(reverse("trainees:member-import-history")).text
    assert ImportBatch.objects.get().status == ImportBatch.Status.PREVIEWED


def test_history_lists_who_imported_what_and_keeps_the_original(client_as):
    client = client_as("county")
    content = xlsx_bytes([roster_row(1, "甲村党支部")])
    client.post(reverse("trainees:member-import"), {"file": upload(content, "甲镇名册.xlsx")})
    batch = ImportBatch.objects.get()
    history = client.get(reverse("trainees:member-import-history"))
    assert "甲镇名册.xlsx" in history.text and "county" in history.text
    download = client.get(reverse("trainees:member-import-file", args=[batch.pk]))
    assert b"".join(download.streaming_content) == content


def read_export(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_member_export_has_chinese_headers_and_masked_numbers_by_default(cast, client_as):
    rows = read_export(client_as("township_a").get(reverse("trainees:member-export")))
    headers, data = rows[0], rows[1:]
    assert headers[:6] == ["姓名", "性别", "民族", "出生日期", "公民身份号码", "联系电话"]
    assert {r[0] for r in data} == {"甲党员", "学员本人"}  # own township only
    assert cast.member_a.masked_id_number in {r[4] for r in data}
    assert cast.member_a.id_number not in {r[4] for r in data}
    assert cast.member_a.phone not in {r[5] for r in data}


def test_the_masked_export_helper_never_shows_full_numbers(cast):
    rows = read_export(member_export(members=Member.objects.all()))
    id_numbers = {r[4] for r in rows[1:]}
    assert cast.member_a.masked_id_number in id_numbers
    assert cast.member_a.id_number not in id_numbers
    assert cast.member_a.phone not in {r[5] for r in rows[1:]}


def test_county_staff_get_the_full_numbers_with_a_reason_and_it_is_audited(cast, client_as):
    from audit.models import AuditAction, AuditEntry

    response = client_as("county").post(reverse("trainees:member-export"), {"reason": "上报市委组织部"})
    rows = read_export(response)
    assert cast.member_a.id_number in {r[4] for r in rows[1:]}
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.changes["full_numbers"] == [None, True]
    assert entry.changes["reason"] == [None, "上报市委组织部"]


def test_a_full_export_without_a_reason_is_refused_and_nothing_is_exported(cast, client_as):
    from audit.models import AuditEntry

    response = client_as("county").post(reverse("trainees:member-export"), {"reason": "  "}, follow=True)
    assert "导出完整号码须填写用途" in response.text
    assert not response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert not AuditEntry.objects.filter(action="export").exists()


def test_a_township_admin_cannot_export_full_numbers(cast, client_as):
    response = client_as("township_a").post(reverse("trainees:member-export"), {"reason": "需要"})
    assert response.status_code == 403


def test_an_export_can_be_imported_back_unchanged(cast, client_as):
    for member in Member.objects.all():  # the factory does not match gender to the ID number
        member.gender = "M" if int(member.id_number[16]) % 2 else "F"
        member.save(update_fields=["gender"])
    client = client_as("county")
    export = client.post(reverse("trainees:member-export"), {"reason": "核对名册"})
    client.post(reverse("trainees:member-import"), {"file": upload(export.content, "导出.xlsx")})
    batch = ImportBatch.objects.get()
    assert (batch.invalid_count, batch.created_count, batch.updated_count) == (0, 0, 0), batch.errors
    assert batch.unchanged_count == Member.objects.count()


def test_the_member_export_follows_the_list_filters(cast, client_as):
    url = reverse("trainees:member-export") + f"?branch={cast.branch_b.pk}"
    rows = read_export(client_as("county").get(url))
    assert [r[0] for r in rows[1:]] == ["乙党员"]


def test_every_member_export_leaves_an_audit_row(cast, client_as):
    from audit.models import AuditAction, AuditEntry

    client_as("township_a").get(reverse("trainees:member-export") + f"?branch={cast.branch_a.pk}")
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert (entry.actor, entry.model_label) == (cast.users["township_a"], "trainees.Member")
    assert entry.changes == {"filter": [None, f"branch={cast.branch_a.pk}"], "full_numbers": [None, False]}


def test_the_full_number_export_form_is_offered_to_county_staff_only(cast, client_as):
    county = client_as("county").get(reverse("trainees:member-list")).content.decode()
    assert 'name="reason"' in county and 'name="csrfmiddlewaretoken"' in county
    township = client_as("township_a").get(reverse("trainees:member-list")).content.decode()
    assert reverse("trainees:member-export") in township and 'name="reason"' not in township
