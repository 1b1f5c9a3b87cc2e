"""Quarterly reviews and their improvement items: who sees what, who moves what, evidence checks."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.workflow import IllegalTransition
from evaluations.models import EvidenceFile, ImprovementItem, QuarterlyReview
from evaluations.services import item_submit_evidence, item_transition
from tests.factories_evaluations import ImprovementItemFactory, QuarterlyReviewFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def review(cast):
    return QuarterlyReviewFactory(
        district=cast.township_a.district, townships=[cast.township_a, cast.township_b]
    )


@pytest.fixture
def item_a(cast, review):
    return ImprovementItemFactory(review=review, township=cast.township_a, created_by=cast.users["county"])


@pytest.fixture
def item_b(cast, review):
    return ImprovementItemFactory(review=review, township=cast.township_b, created_by=cast.users["county"])


@pytest.mark.parametrize(
    ("role", "status_a", "status_b"),
    [
        ("county", 200, 200),
        ("township_a", 200, 404),
        ("township_b", 404, 200),
        ("instructor", 403, 403),
        ("trainee", 403, 403),
    ],
)
def test_item_detail_answers_per_role(client_as, item_a, item_b, role, status_a, status_b):
    client = client_as(role)
    assert client.get(item_a.get_absolute_url()).status_code == status_a
    assert client.get(item_b.get_absolute_url()).status_code == status_b


def test_a_county_level_item_is_seen_by_county_staff_only(cast, client_as, review):
    item = ImprovementItemFactory(review=review, township=None, created_by=cast.users["county"])
    assert client_as("county").get(item.get_absolute_url()).status_code == 200
    assert client_as("township_a").get(item.get_absolute_url()).status_code == 404


def test_the_item_list_of_a_township_admin_shows_only_its_own_items(client_as, item_a, item_b):
    response = client_as("township_a").get(reverse("evaluations:item-list"))
    assert item_a.problem in response.text
    assert item_b.problem not in response.text


@pytest.mark.parametrize("role", ["township_a", "instructor", "trainee"])
def test_only_county_staff_record_reviews(client_as, role):
    assert client_as(role).get(reverse("evaluations:review-create")).status_code == 403
    assert client_as(role).get(reverse("evaluations:review-list")).status_code == 403


def test_county_staff_record_a_review_and_an_item(cast, client_as):
    client = client_as("county")
    response = client.post(
        reverse("evaluations:review-create"),
        {
            "district": cast.township_a.district.pk,
            "year": 2026,
            "quarter": 2,
            "held_on": "2026-05-20",
            "venue": "县委党校",
            "townships": [cast.township_a.pk],
            "agenda": "议程",
            "minutes": "纪要",
            "difficulties": "现场教学点少",
        },
    )
    review = QuarterlyReview.objects.get()
    assert response.status_code == 302 and review.created_by == cast.users["county"]
    response = client.post(
        reverse("evaluations:item-create", args=[review.pk]),
        {
            "township": cast.township_a.pk,
            "problem": "现场教学点少",
            "owner": "李主任",
            "due_date": "2026-08-31",
            "evidence_required": "新增教学点照片",
        },
    )
    item = ImprovementItem.objects.get()
    assert (item.township, item.status, item.review) == (cast.township_a, "open", review)


def test_a_review_date_outside_its_quarter_is_refused(cast, client_as):
    response = client_as("county").post(
        reverse("evaluations:review-create"),
        {
            "district": cast.township_a.district.pk,
            "year": 2026,
            "quarter": 1,
            "held_on": "2026-05-20",
            "venue": "x",
        },
    )
    assert response.status_code == 200
    assert "研讨日期须在所选季度内" in response.text
    assert not QuarterlyReview.objects.exists()


def test_rectification_goes_open_to_rectified_to_verified_recording_who(cast, item_a):
    township_admin, county = cast.users["township_a"], cast.users["county"]
    item_transition(item=item_a, to="in_progress", by=township_admin)
    item_submit_evidence(
        item=item_a, by=township_admin, text="已建立备课台账", files=[SimpleUploadedFile("记录.pdf", PDF)]
    )
    item_a.refresh_from_db()
    assert item_a.status == "rectified" and item_a.rectified_at is not None
    item_transition(item=item_a, to="verified", by=county)
    item_a.refresh_from_db()
    assert item_a.status == "verified"
    assert [(e.to_status, e.by) for e in item_a.events.all()] == [
        ("in_progress", township_admin),
        ("rectified", township_admin),
        ("verified", county),
    ]
    assert EvidenceFile.objects.get().name == "记录.pdf"


def test_a_township_admin_cannot_verify_and_another_township_cannot_submit(cast, item_a):
    item_submit_evidence(item=item_a, by=cast.users["township_a"], text="完成")
    with pytest.raises(PermissionDenied):
        item_transition(item=item_a, to="verified", by=cast.users["township_a"])
    with pytest.raises(PermissionDenied):
        item_submit_evidence(item=item_a, by=cast.users["township_b"], text="冒充")


def test_sending_back_needs_a_reason_and_the_township_can_resubmit(cast, item_a):
    item_submit_evidence(item=item_a, by=cast.users["township_a"], text="完成")
    with pytest.raises(IllegalTransition):
        item_transition(item=item_a, to="returned", by=cast.users["county"], note=" ")
    item_transition(item=item_a, to="returned", by=cast.users["county"], note="缺少照片")
    item_a.refresh_from_db()
    assert (item_a.status, item_a.return_reason) == ("returned", "缺少照片")
    item_submit_evidence(item=item_a, by=cast.users["township_a"], text="补充照片")
    item_a.refresh_from_db()
    assert item_a.status == "rectified"


def test_an_illegal_move_is_refused_with_a_message_and_changes_nothing(cast, client_as, item_a):
    client = client_as("county")
    response = client.post(
        reverse("evaluations:item-transition", args=[item_a.pk]), {"to": "verified"}, follow=True
    )
    assert "不能变更为" in response.text
    item_a.refresh_from_db()
    assert item_a.status == "open"


def test_the_township_admin_submits_evidence_with_files_through_the_page(cast, client_as, item_a):
    client = client_as("township_a")
    response = client.post(
        reverse("evaluations:item-evidence", args=[item_a.pk]),
        {"text": "已整改", "files": [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.png", PNG)]},
    )
    assert response.status_code == 302
    item_a.refresh_from_db()
    assert item_a.status == "rectified"
    files = list(EvidenceFile.objects.order_by("name"))
    assert [f.name for f in files] == ["a.pdf", "b.png"]
    assert client.get(reverse("evaluations:evidence-file", args=[files[0].pk])).status_code == 200
    assert (
        client_as("township_b").get(reverse("evaluations:evidence-file", args=[files[0].pk])).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("run.exe", b"MZ", "文件类型不允许"),
        ("fake.pdf", b"<html>", "内容与文件类型不符"),
        ("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "超过 10 MB"),
    ],
)
def test_evidence_files_of_the_wrong_type_or_size_are_refused(
    cast, client_as, item_a, name, content, message
):
    response = client_as("township_a").post(
        reverse("evaluations:item-evidence", args=[item_a.pk]),
        {"text": "已整改", "files": [SimpleUploadedFile(name, content)]},
        follow=True,
    )
    assert message in response.text
    item_a.refresh_from_db()
    assert item_a.status == "open"
    assert not EvidenceFile.objects.exists()


def test_changes_need_post(client_as, item_a):
    assert (
        client_as("township_a").get(reverse("evaluations:item-evidence", args=[item_a.pk])).status_code == 405
    )


def test_overdue_items_stand_out_and_can_be_filtered(cast, client_as, review):
    late = ImprovementItemFactory(
        review=review, township=cast.township_a, due_date=datetime.date(2020, 1, 31), problem="逾期事项"
    )
    ImprovementItemFactory(
        review=review, township=cast.township_a, due_date=datetime.date(2099, 1, 31), problem="未到期事项"
    )
    assert late.is_overdue
    response = client_as("county").get(reverse("evaluations:item-list"), {"status": "overdue"})
    assert "逾期事项" in response.text and "未到期事项" not in response.text
    assert 'class="table-danger"' in response.text
    assert response.context["overdue_count"] == 1


def test_choosing_a_district_ticks_its_townships(cast, client_as):
    from django.contrib.staticfiles import finders

    from tests.factories import DistrictFactory, TownshipFactory
    from tests.html_parse import elements

    other = DistrictFactory(name="东片区")
    east = TownshipFactory(name="东镇", district=other)
    page = client_as("county").get(reverse("evaluations:review-create")).text
    boxes = {b["value"]: b for b in elements(page, "input", type="checkbox", name="townships")}
    assert boxes[str(cast.township_a.pk)]["data-district"] == str(cast.township_a.district_id)
    assert boxes[str(east.pk)]["data-district"] == str(other.pk)
    scripts = [s["src"] for s in elements(page, "script") if s.get("src")]
    assert any(src.endswith("js/review_form.js") for src in scripts)
    script = open(finders.find("js/review_form.js"), encoding="utf-8").read()
    assert "id_district" in script and "data-district" in script and "checked = true" in script
