"""Personal data: masked everywhere by default, revealed only on purpose and audited, never logged."""

import logging
import re

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from tests.factories import make_id_number
from tests.ningjin_training.test_authorization_matrix import MATRIX, url_for
from tests.rosters import private_media  # noqa: F401
from trainees.models import Member

# The matrix's URL builders store an uploaded roster: keep it out of var/media.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def secrets_of_every_member() -> list[str]:
    """Every full ID number and phone number in the database."""
    values = []
    for member in Member.objects.only("id_number_encrypted", "phone"):
        values += [member.id_number, member.phone]  # decrypted: the database holds no plaintext
    return [v for v in values if v]


def assert_no_secret(text: str, where: str) -> None:
    for secret in secrets_of_every_member():
        assert secret not in text, f"{where} shows a full ID or phone number ({secret[:3]}…)"
    # Any unmasked 18-character ID or mobile number at all, seeded or not.
    assert not re.search(r"(?<![\dA-Za-z*])\d{17}[\dX](?![\dA-Za-z])", text), f"{where} shows an ID number"
    assert not re.search(r"(?<![\d*])1[3-9]\d{9}(?!\d)", text), f"{where} shows a mobile number"


@pytest.mark.parametrize("role", ["trainee", "instructor", "township_b"])
def test_no_page_shows_a_full_id_or_phone_to_a_role_without_the_right(cast, client_as, role):
    crawled = 0
    for name, entry in MATRIX.items():
        url = url_for(name, cast)
        for method in ("get", "post"):
            if role not in entry.get(method, {}):
                continue
            # Signed in afresh for every request: the crawl also posts to logout.
            response = getattr(client_as(role), method)(url, {}, follow=True)
            crawled += 1
            content = b"".join(response.streaming_content) if response.streaming else response.content
            body = content.decode("utf-8", "replace")
            assert_no_secret(body, f"{method.upper()} {url} as {role}")
    assert crawled >= len(MATRIX)


@pytest.mark.parametrize("role", ["county", "township_a"])
def test_the_detail_page_masks_numbers_until_revealed(cast, client_as, role):
    client = client_as(role)
    detail = client.get(reverse("trainees:member-detail", args=[cast.member_a.pk]))
    assert cast.member_a.masked_id_number in detail.text
    assert cast.member_a.id_number not in detail.text
    assert cast.member_a.phone not in detail.text
    assert "显示完整身份证号和电话" in detail.text

    revealed = client.post(reverse("trainees:member-reveal", args=[cast.member_a.pk]))
    assert revealed.status_code == 200
    assert cast.member_a.id_number in revealed.text
    assert cast.member_a.phone in revealed.text
    entry = AuditEntry.objects.get(action=AuditAction.REVEAL)
    assert entry.actor == cast.users[role]
    assert entry.object_pk == str(cast.member_a.pk)
    assert entry.ip == "127.0.0.1"
    assert cast.member_a.id_number not in str(entry.changes) + entry.object_repr

    # "Once": the next visit is masked again.
    again = client.get(reverse("trainees:member-detail", args=[cast.member_a.pk]))
    assert cast.member_a.id_number not in again.text


def test_another_townships_admin_cannot_reveal(cast, client_as):
    response = client_as("township_b").post(reverse("trainees:member-reveal", args=[cast.member_a.pk]))
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.REVEAL).exists()


def test_opening_the_edit_form_counts_as_a_reveal(cast, client_as):
    client_as("township_a").get(reverse("trainees:member-edit", args=[cast.member_a.pk]))
    assert AuditEntry.objects.filter(action=AuditAction.REVEAL, object_pk=str(cast.member_a.pk)).count() == 1


@pytest.mark.parametrize("role", ["county", "trainee"])
def test_signed_in_pages_are_not_stored_by_caches(cast, client_as, role):
    response = client_as(role).get(reverse("home"))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response["Pragma"] == "no-cache"


def test_no_log_record_carries_an_id_or_phone_number(cast, client, client_as, caplog):
    id_number = make_id_number(__import__("datetime").date(1990, 3, 8), seq=88)
    form = {
        "name": "日志党员",
        "gender": "F",
        "ethnicity": "汉族",
        "birth_date": "1990-03-08",
        "id_number": id_number,
        "phone": "13712345678",
        "education": "bachelor",
        "category": "farmer",
        "join_date": "2015-07-01",
        "full_date": "2016-07-01",
        "status": "full",
        "branch": cast.branch_a.pk,
        "is_active": "on",
    }
    caplog.set_level(logging.DEBUG)
    admin = client_as("township_a")
    admin.post(reverse("trainees:member-create"), form)
    member = Member.objects.get(name="日志党员")
    admin.post(reverse("trainees:member-edit", args=[member.pk]), {**form, "phone": "13787654321"})
    admin.post(reverse("trainees:member-edit", args=[member.pk]), {**form, "phone": "bad-phone"})
    admin.post(reverse("trainees:member-reveal", args=[member.pk]))
    admin.post(reverse("logout"))
    # Someone types their ID number as the username, and a password.
    client.post(reverse("login"), {"login": id_number, "password": "Secret-pass-123"})
    client.post(reverse("login"), {"login": "township_a", "password": "Test-password-2026"})

    assert caplog.records, "expected some log lines from the login machinery"
    text = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    for secret in (id_number, "13712345678", "13787654321", "Secret-pass-123", "Test-password-2026"):
        assert secret not in text
    assert_no_secret(text, "the log")


def test_the_crawler_check_would_catch_a_leak(cast, client_as):
    revealed = client_as("county").post(reverse("trainees:member-reveal", args=[cast.member_a.pk]))
    with pytest.raises(AssertionError):
        assert_no_secret(revealed.text, "a revealed page")
