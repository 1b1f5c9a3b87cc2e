"""The English UI says nothing in Chinese, and the Chinese UI says nothing in English.

Every page a role reaches (the authorization matrix's URLs and fixtures, a GET that answers
200 with HTML) is rendered with English chosen the way a user chooses it (the language cookie
set by the header's switch, read by PortalLocaleMiddleware). Its visible text — text nodes
and the attributes a user reads or hears (title, aria-label, placeholder, alt, button values)
— must hold no Chinese character once the data is taken out: every text stored in the
database (names, titles, places…) is data, and so are the language switch's own names.

The reverse: rendered in Chinese, no visible text is an English msgid's translation left in
English — a text node equal to the English translation of one of the portal's msgids.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.db import models, transaction

from tests.ningjin_training.test_authorization_matrix import MATRIX, url_for
from tests.rosters import private_media  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

ROLES = ["county", "township_a", "instructor", "trainee", "auditor"]
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Language names are written in their own language on purpose; the CJK font name is not UI text.
NOT_UI = ("简体中文", "中文")
ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "data-confirm")
SKIPPED_ELEMENTS = {"script", "style", "template", "noscript"}


class VisibleText(HTMLParser):
    """The text a user sees or hears on a page: text nodes outside scripts, and labelling attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_ELEMENTS:
            self._skipping += 1
        values = dict(attrs)
        self.texts += [values[a] for a in ATTRIBUTES if values.get(a)]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.texts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in SKIPPED_ELEMENTS and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.texts.append(data.strip())


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


def data_strings() -> list[str]:
    """Every text stored in the database (longest first, so a longer one is taken out whole)."""
    found: set[str] = set()
    for model in apps.get_models():
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField)) and not f.choices
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            found.update(v for v in row if isinstance(v, str) and CJK.search(v))
        for f in model._meta.concrete_fields:
            if isinstance(f, models.JSONField):  # e.g. an import's row messages, stored as written
                for value in model._default_manager.values_list(f.name, flat=True):
                    found.update(_strings_in(value))
    return sorted(found | set(NOT_UI) | kept_in_english(), key=len, reverse=True)


def _strings_in(value) -> list[str]:
    if isinstance(value, str):
        return [value] if CJK.search(value) else []
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [s for item in value for s in _strings_in(item)]
    return []


def _english_catalog() -> polib.POFile:
    return polib.pofile(str(Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"))


def kept_in_english() -> set[str]:
    """Chinese the English translations keep on purpose: the Chinese a user must type or find
    (a roster's column “所在乡镇”, a date written 2019年7月1日) inside an English sentence."""
    kept = set()
    for entry in _english_catalog().translated_entries():
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if re.search(r"[A-Za-z]{3,} [A-Za-z]{2,}", text or ""):
                kept.update(CJK.findall(text))
    return kept


def without_data(text: str, data: list[str]) -> str:
    for value in data:
        if value in text:
            text = text.replace(value, " ")
    return text


def pages_of(role: str):
    """(name, entry) of every matrix URL a GET by ``role`` opens (200)."""
    from tests.ningjin_training.test_authorization_matrix import duty_expectations

    for name, entry in MATRIX.items():
        expected = {**entry.get("get", {}), **duty_expectations(name, "get")}
        if expected.get(role) == 200:
            yield name


def render_all(cast, client_as, role: str, language: str):
    """(url, visible texts, data strings) of every HTML page ``role`` reaches, in ``language``."""
    for name in pages_of(role):
        with transaction.atomic():
            url = url_for(name, cast)
            client = client_as(role)
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            response = client.get(url)
            if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
                yield url, visible_texts(response.content.decode()), data_strings()
            transaction.set_rollback(True)


@pytest.mark.parametrize("role", ROLES)
def test_the_english_ui_has_no_chinese(cast, client_as, role):
    found: dict[str, set[str]] = {}
    rendered = 0
    for url, texts, data in render_all(cast, client_as, role, "en"):
        rendered += 1
        for text in texts:
            rest = without_data(text, data)
            if CJK.search(rest):
                found.setdefault(url, set()).add(text[:80])
    assert rendered >= 3
    report = "\n".join(f"{url}: {sorted(texts)[:8]}" for url, texts in sorted(found.items()))
    assert not found, f"Chinese left in the English UI ({len(found)} pages):\n{report}"


def english_translations() -> set[str]:
    """English strings the portal translates into: words of at least two letters, not a name."""
    po = _english_catalog()
    return {
        e.msgstr
        for e in po.translated_entries()
        if e.msgstr and re.fullmatch(r"[A-Za-z][A-Za-z ,.'’()-]*[A-Za-z.)]", e.msgstr) and " " in e.msgstr
    }


@pytest.mark.parametrize("role", ROLES)
def test_the_chinese_ui_has_no_english_left_untranslated(cast, client_as, role):
    english = english_translations()
    found: dict[str, set[str]] = {}
    for url, texts, data in render_all(cast, client_as, role, "zh-hans"):
        for text in texts:
            if text in english and text not in data:
                found.setdefault(url, set()).add(text)
    report = "\n".join(f"{url}: {sorted(texts)}" for url, texts in sorted(found.items()))
    assert not found, f"English in the Chinese UI:\n{report}"


def test_the_heatmap_cells_follow_the_readers_language(cast, client_as):
    """The cells' words were fixed at import time, in Chinese, whatever the reader chose."""
    client = client_as("county")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = visible_texts(client.get("/courses/heatmap/").content.decode())
    assert "No plan" in english or "Missed" in english
    assert not {"无计划", "未举办"} & set(english)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert {"无计划", "未举办"} & set(visible_texts(client.get("/courses/heatmap/").content.decode()))
