"""Redis stops in the middle of a run: every page still answers, /healthz names what is down, nothing is lost.

A throwaway ``redis-server`` of the test's own (a free port, no persistence) is the shared cache
and the Celery broker; every role crawls the pages of the authorization matrix with it up,
then it is killed and the same pages are crawled again.
"""

import datetime
import shutil
import socket
import subprocess
import time

import kombu.pools
import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Enrollment, Session
from ningjin_training.celery import app as celery_app
from notifications.models import Reminder
from tests.factories_courses import SessionFactory
from tests.ningjin_training.test_authorization_matrix import MATRIX, url_for

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.services,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed"),
]
ROLES = ["trainee", "instructor", "township_a", "township_b", "county", "sysadmin", "auditor"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _forget_broker_connections():
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu.pools.reset()


@pytest.fixture
def throwaway_redis(settings, monkeypatch):
    port = _free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                pytest.fail("the throwaway redis-server did not start")
            time.sleep(0.05)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    settings.AGGREGATES_BACKGROUND_REFRESH = True
    # Celery reads CELERY_BROKER_URL from the environment ahead of the settings.
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    monkeypatch.setattr(celery_app.conf, "broker_url", url)
    options = celery_app.conf.broker_transport_options
    celery_app.conf.broker_transport_options = {"max_retries": 1, "interval_max": 0.5}
    celery_app.conf.task_always_eager = False
    _forget_broker_connections()
    yield server
    server.kill()
    server.wait()
    celery_app.conf.task_always_eager = True
    celery_app.conf.broker_transport_options = options
    _forget_broker_connections()


def _pages(cast) -> list[tuple[str, list[str]]]:
    """Every GET page of the matrix (its objects built once) and the roles that open it."""
    pages = []
    for name, entry in MATRIX.items():
        if "get" not in entry or name in ("logout", "set_language"):
            continue
        pages.append((url_for(name, cast), ROLES))
    return pages


def _crawl(pages, client, client_as) -> dict:
    statuses = {}
    for url, roles in pages:
        for role in roles:
            client.logout()
            client_as(role)
            statuses[(url, role)] = client.get(url).status_code
    return statuses


def test_pages_answer_after_redis_stops_and_nothing_is_lost(
    cast, client, client_as, throwaway_redis, django_capture_on_commit_callbacks
):
    health = client.get("/healthz").json()
    assert health["status"] == "ok", health
    assert health["cache"] == "ok" and health["broker"] == "ok"

    pages = _pages(cast)
    before = _crawl(pages, client, client_as)
    assert 500 not in before.values()

    starts_at = timezone.now() + datetime.timedelta(days=3)
    session = SessionFactory(
        township=cast.township_a,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        status=Session.Status.PUBLISHED,
    )
    Enrollment.objects.create(session=session, member=cast.trainee_member)

    throwaway_redis.kill()
    throwaway_redis.wait()

    after = _crawl(pages, client, client_as)
    failed = sorted(key for key, status in after.items() if status >= 500)
    assert not failed, f"pages that failed with Redis down: {failed}"
    changed = sorted(key for key in before if after.get(key) != before[key])
    assert not changed, f"pages that answered differently with Redis down: {changed}"

    client.logout()
    health = client.get("/healthz")
    assert health.status_code == 200
    payload = health.json()
    assert payload["status"] == "degraded"
    assert payload["cache"].startswith("error") and payload["broker"].startswith("error")
    assert set(payload["degraded"]) == {"cache", "broker"}
    assert payload["database"] == "ok"

    # A cancellation queues its notices: with the broker gone it is still saved, and the
    # notices wait in the ledger for the periodic scan.
    township = client_as("township_a")
    with django_capture_on_commit_callbacks(execute=True):
        response = township.post(
            reverse("courses:session-cancel", kwargs={"pk": session.pk}), {"reason": "暴雨预警"}
        )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED
    assert Reminder.objects.filter(status=Reminder.Status.PENDING).exists()
