"""The portal's Celery app on a queue of the test's own (``ITEST_QUEUE``).

Parallel test processes share one Redis; each starts its worker and beat on
a queue of its own so nobody takes another's messages (which would point at
another test database). ``ITEST_VISIBILITY_TIMEOUT`` (seconds) shortens how long
a message held by a killed worker stays invisible, and sweeps for such messages
every second, so the fault tests see the redelivery within a minute.
"""

import os
import time

from ningjin_training.celery import app

app.conf.task_default_queue = os.environ["ITEST_QUEUE"]
if os.environ.get("ITEST_VISIBILITY_TIMEOUT"):
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "visibility_timeout": float(os.environ["ITEST_VISIBILITY_TIMEOUT"]),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }


class SlowGateway:
    """An SMS gateway that takes its time per text, as a real one does (tens of milliseconds)."""

    def send(self, phone: str, text: str) -> None:
        time.sleep(float(os.environ.get("ITEST_SMS_SECONDS", "0.02")))


__all__ = ["SlowGateway", "app"]
