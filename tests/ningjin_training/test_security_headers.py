"""Deployment hardening visible in every response: CSP without inline script, and templates that need none."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("role", [None, "county", "trainee"])
def test_every_page_sends_a_csp_without_inline_script_or_style(cast, client, client_as, role):
    response = (client_as(role) if role else client).get(reverse("home") if role else reverse("login"))
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


# Rendered only into PDFs by WeasyPrint on the server, never sent to a browser.
PDF_ONLY_TEMPLATES = {"report_pdf.html"}


def test_no_template_carries_inline_script_handlers_or_styles():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if path.name in PDF_ONLY_TEMPLATES:
            assert "<script" not in text, f"{path.name}: a PDF template has no scripts"
            continue
        for match in re.finditer(r"<script\b[^>]*>", text):
            tag = match.group(0)
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{path.name}: inline {tag}")
        offenders += [f"{path.name}: handler {m.group(0)}" for m in re.finditer(r"\son[a-z]+\s*=", text)]
        offenders += [f"{path.name}: style attribute" for _ in re.finditer(r"\sstyle\s*=", text)]
        offenders += [f"{path.name}: <style> element" for _ in re.finditer(r"<style\b", text)]
        offenders += [f"{path.name}: javascript: URL" for _ in re.finditer(r"javascript:", text, re.I)]
    assert not offenders, offenders


def test_the_portal_loads_nothing_from_another_host():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["'](https?:)?//""", text), f"{path} loads from another host"


def test_the_session_cookie_is_http_only_and_expires():
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_AGE <= 30 * 24 * 3600
