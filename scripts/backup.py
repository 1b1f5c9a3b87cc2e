"""Back up or restore the portal's database: ``backup.py backup [FILE]`` / ``backup.py restore FILE``.

PostgreSQL (``DATABASE_URL``): ``pg_dump -Fc`` and ``pg_restore --clean``, connected to
PostgreSQL itself when ``BACKUP_DATABASE_URL`` says how (see :func:`direct`).
The embedded SQLite default: the sqlite3 online backup API, safe while the
portal runs. The database is the one the portal's settings name (the
environment or ``.env``). Backups land in ``var/backups/`` unless a file is named.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKUP_DIR = ROOT / "var" / "backups"


def _pg_args(db: dict) -> tuple[list[str], dict]:
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["-U", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _sqlite_connect(name) -> sqlite3.Connection:
    name = str(name)
    return sqlite3.connect(name, uri=name.startswith("file:"))


def direct(db: dict) -> dict:
    """``db`` as pg_dump and pg_restore must reach it when ``DATABASE_URL`` goes through PgBouncer.

    Both set session state outside any transaction (``search_path`` to '' among others).
    Through PgBouncer in transaction pooling that state stays on the server connection, and
    the portal's next transaction there fails ("relation … does not exist"). With
    ``BACKUP_DATABASE_URL`` set (PostgreSQL itself, e.g. ``postgres://backup@db1:5432``),
    its host, port, user and password replace ``db``'s, and its database name too if it has one.
    """
    url = os.environ.get("BACKUP_DATABASE_URL", "")
    if not url or not is_postgres(db):
        return db
    import environ

    server = environ.Env.db_url_config(url)
    fields = ("HOST", "PORT", "USER", "PASSWORD") + (("NAME",) if server.get("NAME") else ())
    return {**db, **{field: server.get(field) or "" for field in fields}}


def is_postgres(db: dict) -> bool:
    return "postgresql" in db["ENGINE"]


def backup(db: dict, target: Path) -> Path:
    """Write a backup of database ``db`` (a Django DATABASES entry) to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if is_postgres(db):
        args, env = _pg_args(db)
        subprocess.run(
            ["pg_dump", "-Fc", "--no-owner", *args, "-f", str(target), db["NAME"]], check=True, env=env
        )
    else:
        source, copy = _sqlite_connect(db["NAME"]), sqlite3.connect(target)
        with copy:
            source.backup(copy)
        copy.close()
        source.close()
    return target


def restore(db: dict, source: Path) -> None:
    """Replace the contents of database ``db`` with the backup in ``source``."""
    if not source.exists():
        raise FileNotFoundError(source)
    if is_postgres(db):
        args, env = _pg_args(db)
        subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error", *args,
             "-d", db["NAME"], str(source)],
            check=True,
            env=env,
        )  # fmt: skip
    else:
        backup_conn, live = sqlite3.connect(source), _sqlite_connect(db["NAME"])
        with live:
            backup_conn.backup(live)
        live.close()
        backup_conn.close()


def default_target(db: dict) -> Path:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return BACKUP_DIR / f"ningjin-{stamp}.{'dump' if is_postgres(db) else 'sqlite3'}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("backup").add_argument("file", nargs="?")
    sub.add_parser("restore").add_argument("file")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ningjin_training.settings")
    from django.conf import settings

    db = direct(settings.DATABASES["default"])
    if args.command == "backup":
        target = backup(db, Path(args.file) if args.file else default_target(db))
        print(f"备份完成：{target}")
    else:
        restore(db, Path(args.file))
        print(f"已从 {args.file} 恢复数据库。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
