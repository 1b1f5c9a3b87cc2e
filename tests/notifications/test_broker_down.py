"""With the broker unreachable, pages still answer and the reminders go out once it is back."""

import datetime
import time

import kombu.pools
import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Enrollment, Session
from courses.notices import session_changed
from ningjin_training.celery import app as celery_app
from notifications.models import Kind, Notification, Reminder
from notifications.tasks import scan_due_reminders
from tests.factories_courses import SessionFactory

pytestmark = pytest.mark.django_db
UNREACHABLE = "redis://127.0.0.1:1/0"


def forget_connections():
    """Drop Celery's cached connection and producer pools so the next publish uses the current URL.

    The app's pool is kombu's process-wide pool for that URL: closing it without
    clearing kombu's registry left a closed pool behind, and a later publish to
    the same URL in this process failed with "Acquire on closed pool".
    """
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu.pools.reset()  # closes every pool and empties the registries


@pytest.fixture
def broker_down(monkeypatch):
    # Celery reads CELERY_BROKER_URL from the environment ahead of the settings.
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE)
    monkeypatch.setattr(celery_app.conf, "broker_url", UNREACHABLE)
    # As settings.py configures the Redis transport: publishing gives up quickly.
    options = celery_app.conf.broker_transport_options
    celery_app.conf.broker_transport_options = {"max_retries": 1, "interval_max": 0.5}
    celery_app.conf.task_always_eager = False
    forget_connections()
    yield
    celery_app.conf.task_always_eager = True
    celery_app.conf.broker_transport_options = options
    forget_connections()


def test_pages_answer_while_the_broker_is_down_and_nothing_is_lost(
    cast, client_as, broker_down, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    starts_at = timezone.now() + datetime.timedelta(days=2)
    session = SessionFactory(
        township=cast.township_a,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        status=Session.Status.PUBLISHED,
    )
    Enrollment.objects.create(session=session, member=cast.trainee_member)

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        session.transition(Session.Status.CANCELLED, by=cast.users["township_a"], note="暴雨预警")
        session_changed(session_id=session.pk, change="cancelled")
    assert time.monotonic() - started < 5, "a dead broker must not hold up the request"
    assert "Could not enqueue notifications.tasks.dispatch_reminders" in caplog.text
    notice = Reminder.objects.get(kind=Kind.SESSION_CANCELLED)
    assert notice.status == Reminder.Status.PENDING
    assert not Notification.objects.exists()

    trainee = client_as("trainee")
    for url in (reverse("home"), reverse("notifications:inbox"), reverse("notifications:preferences")):
        assert trainee.get(url).status_code == 200, url
    health = trainee.get("/healthz")
    assert health.status_code == 200
    assert health.json()["broker"].startswith("error")

    # The broker is back: the next periodic scan delivers the pending notice, once.
    celery_app.conf.task_always_eager = True
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            scan_due_reminders.delay()
    notice.refresh_from_db()
    assert notice.status == Reminder.Status.SENT
    assert (
        Notification.objects.filter(recipient=cast.users["trainee"], kind=Kind.SESSION_CANCELLED).count() == 1
    )
