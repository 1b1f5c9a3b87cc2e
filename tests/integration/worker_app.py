"""The portal's Celery app on a queue of the test's own (``ITEST_QUEUE``).

Parallel test processes share one Redis; each starts its worker and beat on
a queue of its own so nobody takes another's messages (which would point at
another test database).
"""

import os

from ningjin_training.celery import app

app.conf.task_default_queue = os.environ["ITEST_QUEUE"]

__all__ = ["app"]
