"""The suite really runs through PgBouncer in transaction pooling (``make test-pgbouncer``).

Skipped unless PGBOUNCER_ADMIN_URL names the admin console of the PgBouncer in DATABASE_URL.
"""

import socket

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import PGBOUNCER_ADMIN_URL, pgbouncer_admin

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not PGBOUNCER_ADMIN_URL, reason="needs PGBOUNCER_ADMIN_URL (make test-pgbouncer)"),
]


def test_the_test_connection_is_a_client_of_pgbouncer(db):
    connection.ensure_connection()
    with socket.fromfd(connection.connection.fileno(), socket.AF_INET, socket.SOCK_STREAM) as sock:
        local_port = sock.getsockname()[1]
    clients = pgbouncer_admin("SHOW CLIENTS")
    ours = [
        c for c in clients if c["port"] == local_port and c["database"] == connection.settings_dict["NAME"]
    ]
    assert len(ours) == 1, clients


def test_the_test_database_is_pooled_per_transaction(db):
    connection.ensure_connection()
    pools = {p["database"]: p for p in pgbouncer_admin("SHOW POOLS")}
    pool = pools[connection.settings_dict["NAME"]]
    assert pool["pool_mode"] == "transaction"
    assert pool["cl_active"] >= 1


def test_server_side_cursors_are_off_on_every_alias():
    for alias, db in settings.DATABASES.items():
        assert db["DISABLE_SERVER_SIDE_CURSORS"] is True, alias


def test_jit_is_off_through_the_pool(db):
    # PgBouncer ignores the `-c jit=off` startup option the settings send; its
    # connect_query must set it on each server connection instead.
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
