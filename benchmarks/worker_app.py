"""The portal's Celery app on the fan-out benchmark's own queue (FANOUT_QUEUE)."""

import os

from ningjin_training.celery import app

app.conf.task_default_queue = os.environ["FANOUT_QUEUE"]

__all__ = ["app"]
