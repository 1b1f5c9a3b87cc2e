"""Read replica for dashboards and reports.

When REPLICA_DATABASE_URL is set, a `replica` alias exists; reporting code
reads through :func:`reporting_db` so heavy aggregates leave the primary alone.
Everything else (and every write) stays on `default`.
"""

from django.conf import settings


def reporting_db() -> str:
    """The alias dashboards and reports read from."""
    return "replica" if "replica" in settings.DATABASES else "default"


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        return None  # default unless the caller chose the replica with .using()

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica mirrors the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
