"""Background refresh of the cached county-scale aggregates (``ningjin_training.aggregates``)."""

from celery import shared_task

from . import aggregates


@shared_task(ignore_result=True)
def refresh_aggregate(name: str, args: list) -> None:
    if name in aggregates.AGGREGATES:
        aggregates.refresh(name, *args)
