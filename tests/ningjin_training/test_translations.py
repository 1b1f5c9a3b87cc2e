"""Every UI string has a zh-hans and an English translation, compiled for a fresh checkout."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALES = ["zh_Hans", "en"]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale):
    po = polib.pofile(str(Path(settings.BASE_DIR) / "locale" / locale / "LC_MESSAGES" / "django.po"))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not untranslated, f"untranslated in {locale}: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy in {locale}: {fuzzy[:20]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_matches_the_po_file(locale):
    folder = Path(settings.BASE_DIR) / "locale" / locale / "LC_MESSAGES"
    po = polib.pofile(str(folder / "django.po"))
    mo = polib.mofile(str(folder / "django.mo"))
    compiled = {entry.msgid: entry.msgstr or entry.msgstr_plural for entry in mo}
    stale = [e.msgid for e in po.translated_entries() if e.msgid not in compiled]
    assert not stale, f"run `make messages`: {locale} .mo lacks {stale[:10]}"
