"""An oversized upload is refused while it is read, with a message naming the limit."""

import io

import pytest
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory
from django.urls import resolve

from trainees.models import ImportBatch

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


class CountingStream(io.RawIOBase):
    """A multipart body with one file of ``size`` bytes, produced on demand; counts what is read."""

    def __init__(self, boundary: str, size: int):
        self.head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="roster.xlsx"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{boundary}--\r\n".encode()
        self.length = len(self.head) + size + len(self.tail)
        self.position = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.length - self.position)
        chunk = bytearray(n)  # the file's bytes are zeros; only the head and tail are copied in
        for offset, source in ((0, self.head), (self.length - len(self.tail), self.tail)):
            lo, hi = max(self.position, offset), min(self.position + n, offset + len(source))
            if lo < hi:
                chunk[lo - self.position : hi - self.position] = source[lo - offset : hi - offset]
        buffer[:n] = chunk
        self.position += n
        return n


def parse(path: str, size: int):
    boundary = "portalboundary"
    stream = CountingStream(boundary, size)
    request = RequestFactory().post(path, content_type=f"multipart/form-data; boundary={boundary}")
    request.resolver_match = resolve(path)
    request.upload_handlers  # noqa: B018 - built from FILE_UPLOAD_HANDLERS
    meta = {**request.META, "CONTENT_LENGTH": str(stream.length)}
    parser = MultiPartParser(meta, io.BufferedReader(stream), request.upload_handlers)
    _post, files = parser.parse()
    for field_name, refused in getattr(request, "_oversized_uploads", ()):
        files.appendlist(field_name, refused)  # as OversizedUploadMiddleware does
    return stream, files


def test_a_50_mb_roster_is_cut_off_long_before_it_is_read_in_full(settings):
    settings.UPLOAD_MAX_FILES = 10  # 50 MB fits under 10 × 10 MB: only the per-file count stops it
    stream, files = parse("/org/members/import/", 50 * MB)

    assert stream.position < 11 * MB
    assert 10 * MB < files["file"].size < 11 * MB  # handed on for the form to refuse by size


def test_a_request_announced_far_beyond_the_limit_is_refused_at_its_first_file(settings):
    settings.UPLOAD_MAX_FILES = 2
    stream, files = parse("/org/members/import/", 50 * MB)

    assert stream.position < 1 * MB
    assert files["file"].size > 50 * MB


def test_a_file_under_the_limit_is_received_whole():
    stream, files = parse("/org/members/import/", 3 * MB)

    assert files["file"].size == 3 * MB
    assert stream.position == stream.length


def test_a_course_video_may_be_larger_than_a_roster():
    _stream, files = parse("/courses/1/materials/", 12 * MB)

    assert files["file"].size == 12 * MB


def test_the_township_admin_is_told_the_roster_is_too_big(client_as):
    client = client_as("township_a")
    big = io.BytesIO(b"PK\x03\x04" + b"\0" * (11 * MB))
    big.name = "roster.xlsx"

    response = client.post("/org/members/import/", {"file": big})

    assert response.status_code == 200
    assert "文件超过 10 MB，请拆分后分批导入" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_evidence_cut_off_at_the_limit_is_refused_not_dropped(cast, client_as):
    """The evidence form accepts text alone: a file that vanished would mark the item rectified."""
    from tests.factories_evaluations import ImprovementItemFactory

    item = ImprovementItemFactory(township=cast.township_a)
    big = io.BytesIO(b"%PDF-1.4" + b"0" * (11 * MB))
    big.name = "evidence.pdf"

    response = client_as("township_a").post(
        f"/evaluations/items/{item.pk}/evidence/", {"text": "已整改", "files": [big]}, follow=True
    )

    assert "超过 10 MB" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "open"
