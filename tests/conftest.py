"""The fixed cast every scoped view is tested against; PgBouncer housekeeping for make test-pgbouncer."""

import os
from contextlib import closing
from dataclasses import dataclass

import psycopg2
import pytest
from django.core.signals import setting_changed
from django.db import connections
from django.dispatch import receiver
from hypothesis import settings as hypothesis_settings

from core.roles import Duty, Role
from tests.factories import BranchFactory, MemberFactory, TownshipFactory, make_duty_user, make_user

# The fuzz tests explore new examples on every local run; CI (HYPOTHESIS_PROFILE=ci, set by
# .ci/run) replays a fixed, derandomized set so a submission is judged on the same examples.
hypothesis_settings.register_profile("ci", derandomize=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@receiver(setting_changed)
def _protected_files_follow_media_root(*, setting, value, **kwargs):
    """Tests point MEDIA_ROOT at a temporary folder; the protected-file views must read there too."""
    if setting == "MEDIA_ROOT":
        from django.conf import settings

        settings.SENDFILE_ROOT = str(value)


@dataclass
class Cast:
    township_a: object
    township_b: object
    branch_a: object
    branch_b: object
    member_a: object
    member_b: object
    trainee_member: object
    users: dict


@pytest.fixture
def cast(db):
    township_a = TownshipFactory(name="甲镇")
    township_b = TownshipFactory(name="乙镇")
    branch_a = BranchFactory(township=township_a, name="甲村党支部")
    branch_b = BranchFactory(township=township_b, name="乙村党支部")
    member_a = MemberFactory(branch=branch_a, name="甲党员")
    member_b = MemberFactory(branch=branch_b, name="乙党员")
    trainee_member = MemberFactory(branch=branch_a, name="学员本人")
    users = {
        "county": make_user(Role.COUNTY, username="county", is_staff=True),
        "township_a": make_user(Role.TOWNSHIP, township=township_a, username="township_a"),
        "township_b": make_user(Role.TOWNSHIP, township=township_b, username="township_b"),
        "instructor": make_user(Role.INSTRUCTOR, username="instructor"),
        "trainee": make_user(Role.TRAINEE, member=trainee_member, username="trainee"),
        # The separated administrator duties (三员分立): no working role.
        "sysadmin": make_duty_user(Duty.SYSTEM_ADMIN, username="sysadmin"),
        "secadmin": make_duty_user(Duty.SECURITY_ADMIN, username="secadmin"),
        "auditor": make_duty_user(Duty.SECURITY_AUDITOR, username="auditor"),
    }
    return Cast(township_a, township_b, branch_a, branch_b, member_a, member_b, trainee_member, users)


@pytest.fixture
def client_as(client, cast):
    """``client_as("township_a")`` — a test client logged in as one of the cast."""

    def login(role_name: str):
        client.force_login(cast.users[role_name])
        return client

    return login


# ---- PgBouncer (make test-pgbouncer) -------------------------------------------------
# The suite runs through a PgBouncer in transaction pooling when PGBOUNCER_ADMIN_URL names
# its admin console. PgBouncer keeps server connections to a database after its clients
# have gone, and PostgreSQL will not drop a database that has connections: before
# pytest-django (re)creates its test database, and before it drops it, PgBouncer is told
# to close them (KILL, then RESUME so the name is usable again).

PGBOUNCER_ADMIN_URL = os.environ.get("PGBOUNCER_ADMIN_URL", "")


def pgbouncer_admin(command: str) -> list[dict]:
    """Run one admin-console command (``SHOW POOLS``, ``KILL db``…); the rows as dicts."""
    with closing(psycopg2.connect(PGBOUNCER_ADMIN_URL)) as admin:
        admin.autocommit = True  # the console has no transactions
        with admin.cursor() as cursor:
            cursor.execute(command)
            if cursor.description is None:
                return []
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _pgbouncer_release(database: str) -> None:
    try:
        pgbouncer_admin(f"KILL {database}")
    except psycopg2.Error:
        return  # PgBouncer has no pool for that database: nothing to close
    pgbouncer_admin(f"RESUME {database}")


def _postgresql_databases() -> list[dict]:
    return [
        connections[alias].settings_dict
        for alias in connections
        if connections[alias].settings_dict["ENGINE"] == "django.db.backends.postgresql"
    ]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    # Runs after pytest-django has given each xdist worker its test database name.
    if PGBOUNCER_ADMIN_URL:
        for db in _postgresql_databases():
            # A test database left over from an interrupted run, before pytest-django drops it.
            _pgbouncer_release(db["TEST"].get("NAME") or f"test_{db['NAME']}")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    yield
    # Runs before pytest-django's own teardown, which drops the test database.
    if PGBOUNCER_ADMIN_URL:
        names = {db["NAME"] for db in _postgresql_databases()}  # the test databases by now
        with django_db_blocker.unblock():
            connections.close_all()
        for name in names:
            _pgbouncer_release(name)
