"""With DEBUG=False the portal refuses to start on development defaults; signing keys rotate."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": "production-" + "k" * 50,
    "ID_NUMBER_KEY": base64.b64encode(b"e" * 32).decode(),
    "ID_NUMBER_HASH_KEY": base64.b64encode(b"h" * 32).decode(),
    "ALLOWED_HOSTS": "portal.example.gov.cn",
}


def run_manage(*args: str, **overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(PRODUCTION, DJANGO_SETTINGS_MODULE="ningjin_training.settings", **overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("name", ["SECRET_KEY", "ID_NUMBER_KEY", "ID_NUMBER_HASH_KEY"])
def test_it_refuses_to_start_in_production_without_the_key_naming_it(name):
    # Empty rather than absent, so a developer's .env cannot fill it in behind the test's back.
    result = run_manage("check", **{name: ""})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name} is not set" in result.stderr


def test_it_starts_in_production_with_every_key_and_reads_the_fallback_signing_keys():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)",
        SECRET_KEY_FALLBACKS="old-key-one,old-key-two",
    )

    assert result.returncode == 0, result.stderr
    assert "['old-key-one', 'old-key-two']" in result.stdout
