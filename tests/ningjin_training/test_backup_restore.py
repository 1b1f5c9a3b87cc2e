"""Backup and restore drills: back up a seeded database, restore it elsewhere, compare row counts."""

import importlib.util
import os
import sqlite3
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("portal_backup", ROOT / "scripts" / "backup.py")
backup_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(backup_script)


def seed():
    call_command("seed_demo", members=40, stdout=open(os.devnull, "w"))


def live_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite drill; PostgreSQL has its own")
def test_sqlite_backup_restores_every_row(transactional_db, tmp_path):
    seed()
    expected = live_counts()
    assert expected["trainees_member"] == 40

    dump = backup_script.backup(settings.DATABASES["default"], tmp_path / "backup.sqlite3")
    scratch = tmp_path / "scratch.sqlite3"
    backup_script.restore({"ENGINE": "django.db.backends.sqlite3", "NAME": str(scratch)}, dump)

    assert sqlite_counts(scratch) == expected


def test_restore_refuses_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        backup_script.restore({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}, tmp_path / "nope")


def _pg_connect(db: dict, name: str):
    return psycopg2.connect(
        dbname=name,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
    )


@pytest.mark.services
def test_postgresql_backup_restores_into_a_scratch_database(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the restore drill runs against PostgreSQL (make test-services)")
    seed()
    expected = live_counts()
    assert expected["trainees_member"] == 40
    db = backup_script.direct(settings.DATABASES["default"])  # past PgBouncer (make test-pgbouncer)
    dump = backup_script.backup(db, tmp_path / "backup.dump")

    scratch_name = f"ningjin_restore_drill_{uuid.uuid4().hex[:8]}"
    admin = _pg_connect(db, "postgres")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{scratch_name}"')
    try:
        backup_script.restore({**db, "NAME": scratch_name}, dump)
        with _pg_connect(db, scratch_name) as scratch, scratch.cursor() as cursor:
            restored = {}
            for table in expected:
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
                restored[table] = cursor.fetchone()[0]
        scratch.close()
        assert restored == expected
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{scratch_name}" WITH (FORCE)')
        admin.close()
