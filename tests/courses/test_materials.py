"""Uploads: size and type limits by extension and by content; nothing half-saved."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import CourseMaterial
from tests.factories_courses import CourseFactory

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _ooxml(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


def _upload(client, course, kind, name, content):
    return client.post(
        reverse("courses:material-add", args=[course.pk]),
        {"kind": kind, "title": "资料", "file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def _files(media):
    return [p for p in media.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    "kind,name,content",
    [
        ("slides", "课件.pptx", _ooxml("ppt/presentation.xml")),
        ("document", "讲义.docx", _ooxml("word/document.xml")),
        ("document", "讲义.pdf", b"%PDF-1.7\n..."),
        ("video", "微课.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64),
    ],
)
def test_good_files_are_stored_with_their_size(client_as, media, kind, name, content):
    course = CourseFactory()
    _upload(client_as("county"), course, kind, name, content)
    material = CourseMaterial.objects.get(course=course)
    assert material.size == len(content)
    assert material.file.name.startswith("courses/materials/")
    assert len(_files(media)) == 1


@pytest.mark.parametrize(
    "kind,name,content,message",
    [
        ("document", "病毒.exe", b"MZ\x90\x00", "不支持的文件类型"),
        ("video", "讲义.pdf", b"%PDF-1.7", "不支持的文件类型"),
        ("document", "改名.pdf", b"MZ\x90\x00 not a pdf", "文件内容与扩展名"),
        ("slides", "假课件.pptx", _ooxml("word/document.xml"), "文件内容与扩展名"),
        ("slides", "坏课件.pptx", b"PK\x03\x04broken", "文件内容与扩展名"),
        ("video", "假视频.mp4", b"\x00" * 64, "文件内容与扩展名"),
        ("document", "大文档.pdf", b"%PDF-" + b"0" * (20 * MB), "文件过大"),
    ],
)
def test_bad_files_are_refused_clearly_and_nothing_is_saved(client_as, media, kind, name, content, message):
    course = CourseFactory()
    response = _upload(client_as("county"), course, kind, name, content)
    assert message in response.text
    assert not CourseMaterial.objects.exists()
    assert _files(media) == []


def test_the_video_limit_is_200_mb(client_as, media, monkeypatch):
    from courses import forms

    assert forms.MATERIAL_SIZE_LIMITS["video"] == 200 * MB
    monkeypatch.setitem(forms.MATERIAL_SIZE_LIMITS, "video", 100)
    response = _upload(
        client_as("county"), CourseFactory(), "video", "v.mp4", b"\x00\x00\x00\x18ftypmp42" + b"0" * 200
    )
    assert "文件过大" in response.text
    assert not CourseMaterial.objects.exists()


def test_uploads_are_refused_outside_the_managing_scope(client_as, cast, media):
    course = CourseFactory()  # county course: township admins read it but do not manage it
    url = reverse("courses:material-add", args=[course.pk])
    data = {"kind": "document", "title": "x", "file": SimpleUploadedFile("a.pdf", b"%PDF-1")}
    assert client_as("township_a").post(url, data).status_code == 404
    assert client_as("trainee").post(url, data).status_code == 403
    assert _files(media) == []
