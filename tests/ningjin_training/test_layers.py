"""The import contracts in pyproject.toml hold today, and break when an upward import is planted."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the portal's packages and their contracts, to plant imports in."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def plant(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_code_keeps_every_import_contract(tree):
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout


def test_notifications_importing_a_domain_app_breaks_the_contracts(tree):
    plant(tree / "notifications" / "models.py", "import evaluations  # noqa")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "Each layer imports only the layers below it BROKEN" in result.stdout
    assert "notifications and audit import no domain app BROKEN" in result.stdout
    assert "notifications.models -> evaluations" in result.stdout


def test_a_lower_domain_app_importing_an_upper_one_breaks_the_layers(tree):
    plant(tree / "courses" / "selectors.py", "from evaluations import selectors  # noqa")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "Each layer imports only the layers below it BROKEN" in result.stdout
    assert "courses.selectors -> evaluations.selectors" in result.stdout


def test_core_importing_an_app_breaks_the_contracts(tree):
    plant(tree / "core" / "periods.py", "import trainees.models  # noqa")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "core imports no app BROKEN" in result.stdout


def test_two_modules_of_one_app_importing_each_other_break_the_contracts(tree):
    plant(tree / "notifications" / "services.py", "from . import tasks  # noqa")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "No circles between the modules of an app BROKEN" in result.stdout
