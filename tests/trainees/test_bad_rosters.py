"""The bad-roster corpus: every file, as a township admin and as county staff, through preview and commit.

Files and their expected messages are in tests/data/bad_rosters/ (MANIFEST.json),
made by tests/data/make_bad_rosters.py. The oversized upload is made here (10 MB
and one byte of an otherwise valid workbook) rather than committed.

For each file: the upload page answers 200 (file-level message on the form) or
302 to a failed batch whose report names each bad row in Chinese; confirming
is refused; the commit service, even on a batch forced back to "previewed",
writes nothing; no member row changes and no batch ends committed.
"""

import json
import re
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.rosters import private_media, roster_row, upload, xlsx_bytes  # noqa: F401
from trainees.importing import MAX_UPLOAD_BYTES, ImportFileError
from trainees.models import ImportBatch, Member
from trainees.services import member_import_commit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad_rosters"
MANIFEST = json.loads((CORPUS / "MANIFEST.json").read_text(encoding="utf-8"))
OVERSIZED = "oversized.xlsx (made at test time)"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ROLES = ["township_a", "county"]


def test_the_manifest_lists_every_file_of_the_corpus():
    files = {p.name for p in CORPUS.iterdir()} - {"MANIFEST.json"}
    assert files == set(MANIFEST)
    assert len(files) >= 30


def corpus_file(name: str) -> tuple[bytes, str, dict]:
    if name == OVERSIZED:
        content = xlsx_bytes([roster_row(1, "甲村党支部")])
        return content + b"\0" * (MAX_UPLOAD_BYTES + 1 - len(content)), "oversized.xlsx", {"file": "文件超过"}
    return (CORPUS / name).read_bytes(), name, MANIFEST[name]


def database_state():
    return (
        list(Member.objects.order_by("pk").values_list("pk", "updated_at")),
        ImportBatch.objects.filter(status=ImportBatch.Status.COMMITTED).count(),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", [*sorted(MANIFEST), OVERSIZED])
def test_a_bad_roster_is_refused_in_chinese_and_changes_nothing(cast, client_as, role, name):
    content, filename, expected = corpus_file(name)
    before = database_state()
    client = client_as(role)

    response = client.post(reverse("trainees:member-import"), {"file": upload(content, filename)})

    if "file" in expected:
        assert response.status_code == 200
        errors = response.context["form"].errors["file"]
        assert any(expected["file"] in e for e in errors), errors
        assert all(CHINESE.search(e) for e in errors)
        assert not ImportBatch.objects.exists()
    else:
        assert response.status_code == 302, response.content[:2000]
        batch = ImportBatch.objects.get()
        assert batch.status == ImportBatch.Status.FAILED
        reported = {str(e["row"]): " ".join(e["messages"]) for e in batch.errors}
        for row, fragment in expected["rows"].items():
            assert fragment in reported.get(row, ""), (row, reported)
        assert all(CHINESE.search(text) for text in reported.values())
        page = client.get(batch.get_absolute_url())
        assert page.status_code == 200 and "确认导入" not in page.text
        # Confirming anyway is refused with a message.
        response = client.post(reverse("trainees:member-import-confirm", args=[batch.pk]))
        assert response.status_code == 302
        assert any(CHINESE.search(str(m)) for m in get_messages(response.wsgi_request))
    assert database_state() == before

    # The commit path re-reads the stored file: even a batch forced to "previewed" writes nothing.
    batch = ImportBatch(created_by=cast.users[role], original_name=filename, file_size=len(content))
    batch.file.save(filename, ContentFile(content), save=False)
    batch.save()
    try:
        batch = member_import_commit(user=cast.users[role], batch=batch)
    except ImportFileError as exc:
        assert "file" in expected and CHINESE.search(str(exc))
    else:
        assert batch.status == ImportBatch.Status.FAILED
        assert batch.errors and all(CHINESE.search(" ".join(e["messages"])) for e in batch.errors)
    assert database_state() == before
