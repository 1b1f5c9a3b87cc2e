"""Uploaded files are served only by views that check scope; /media/ is never served."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import models
from django_sendfile.utils import _get_sendfile

from courses.models import CourseMaterial
from evaluations.models import EvidenceFile, ImprovementEvidence
from tests.factories_courses import CourseFactory
from tests.factories_evaluations import ImprovementItemFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
VIDEO = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def material(cast):
    course = CourseFactory(township=cast.township_a, level="township")
    material = CourseMaterial(course=course, kind="video", title="党课录像", uploaded_by=cast.users["county"])
    material.file.save("lesson.mp4", ContentFile(VIDEO), save=False)
    material.save()
    return material


@pytest.fixture
def evidence_a(cast):
    evidence = ImprovementEvidence.objects.create(
        item=ImprovementItemFactory(township=cast.township_a),
        text="已整改",
        submitted_by=cast.users["township_a"],
    )
    attachment = EvidenceFile(evidence=evidence, name="备课记录.pdf", size=8)
    attachment.file.save("备课记录.pdf", ContentFile(b"%PDF-1.4"), save=False)
    attachment.save()
    return attachment


def test_every_file_field_has_a_scope_checked_download():
    served = {
        "courses.CourseMaterial": "courses:material-file",
        "evaluations.EvidenceFile": "evaluations:evidence-file",
        "trainees.ImportBatch": "trainees:member-import-file",
    }
    with_files = {
        model._meta.label
        for model in apps.get_models()
        if any(isinstance(field, models.FileField) for field in model._meta.get_fields())
    }
    assert with_files == set(served)


def test_media_is_not_served_even_in_development(tmp_path):
    code = (
        "import django; django.setup(); from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/media/evaluations/evidence/2026/11/x.pdf')\nexcept Resolver404:\n    print('none')\n"
        "else:\n    print('served')"
    )
    env = {**os.environ, "DEBUG": "True", "DJANGO_SETTINGS_MODULE": "ningjin_training.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "none", result.stderr


def test_the_course_page_links_the_protected_download_not_media(client_as, material):
    page = client_as("trainee").get(material.course.get_absolute_url()).content.decode()

    assert material.get_absolute_url() in page
    assert "/media/" not in page


def test_a_trainee_plays_a_course_video_and_seeks_in_it(client_as, material):
    client = client_as("trainee")

    whole = client.get(material.get_absolute_url())
    assert whole.status_code == 200
    assert b"".join(whole.streaming_content) == VIDEO
    assert whole["Content-Disposition"].startswith("inline")

    part = client.get(material.get_absolute_url(), HTTP_RANGE="bytes=1000-1999")
    assert part.status_code == 206
    assert part.content == VIDEO[1000:2000]
    assert part["Content-Range"] == f"bytes 1000-1999/{len(VIDEO)}"
    assert part["Content-Length"] == "1000"


def test_another_township_gets_404_for_evidence(client_as, evidence_a):
    assert client_as("township_b").get(evidence_a.get_absolute_url()).status_code == 404


@pytest.fixture
def nginx_backend(settings):
    settings.SENDFILE_BACKEND = "django_sendfile.backends.nginx"
    _get_sendfile.cache_clear()
    yield
    _get_sendfile.cache_clear()


def test_in_production_nginx_sends_the_file(client_as, evidence_a, nginx_backend):
    response = client_as("township_a").get(evidence_a.get_absolute_url())

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected/" + quote(evidence_a.file.name)
    assert response.content == b""
    assert "attachment" in response["Content-Disposition"]
