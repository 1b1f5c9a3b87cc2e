"""County-scale figures come from the shared cache and are refreshed in the background."""

from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core import aggregates
from core.aggregates import refresh_aggregate
from tests.factories import MemberFactory
from trainees.models import Member

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "aggregates"}}


class UnreachableCache(BaseCache):
    """A cache whose server is down: every call raises, as Redis does when it cannot connect."""

    def __init__(self, location, params):
        super().__init__(params)

    def _refuse(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    get = set = add = delete = get_many = set_many = delete_many = touch = has_key = clear = _refuse


@pytest.fixture(autouse=True)
def real_cache():
    """A cache shared by the "web" and the "worker": in tests both are this process (Celery
    runs eagerly), as they share Redis in production."""
    with override_settings(CACHES=LOCMEM, AGGREGATES_BACKGROUND_REFRESH=True):
        cache.clear()
        yield
        cache.clear()


def member_total(page) -> int:
    return page.context["member_total"]


def test_the_county_page_shows_cached_figures_until_a_refresh_has_run(cast, client_as):
    client = client_as("county")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        before = member_total(client.get(reverse("home")))
        assert before == Member.objects.count()
        MemberFactory(branch=cast.branch_a)
        # Within the minute the kept figure is shown: the scan is not repeated per request.
        assert member_total(client.get(reverse("home"))) == before
        clock.shift(aggregates.FRESH_SECONDS + 1)
        # The first request after that is still answered at once from the kept figure and
        # queues the refresh (run inline here: tests run Celery eagerly)...
        assert member_total(client.get(reverse("home"))) == before
        # ...so the next one shows the new member.
        assert member_total(client.get(reverse("home"))) == before + 1


def test_a_stale_figure_queues_one_refresh_however_many_read_it(cast):
    aggregates.cached("county-dashboard", 2026)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        aggregates.refresh("county-dashboard", 2026)
        clock.shift(aggregates.FRESH_SECONDS + 1)
        with mock.patch.object(refresh_aggregate, "apply_async") as queue:
            for _ in range(5):
                aggregates.cached("county-dashboard", 2026)
    # Queued once, and it expires rather than piling up if no worker takes it within the minute.
    queue.assert_called_once_with(("county-dashboard", [2026]), expires=aggregates.FRESH_SECONDS)


def test_with_the_broker_down_the_page_still_answers_with_the_kept_figures(cast, client_as):
    client = client_as("county")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        before = member_total(client.get(reverse("home")))
        clock.shift(aggregates.FRESH_SECONDS + 1)
        with mock.patch.object(refresh_aggregate, "apply_async", side_effect=ConnectionError("broker down")):
            page = client.get(reverse("home"))
        assert page.status_code == 200
        assert member_total(page) == before
        # The failed queueing does not block the next try.
        with mock.patch.object(refresh_aggregate, "apply_async") as queue:
            client.get(reverse("home"))
        queue.assert_called_once()


def test_the_refresh_task_only_runs_named_aggregates(db):
    refresh_aggregate("os.system", ["true"])  # not in AGGREGATES: nothing is run or kept
    assert cache.get("aggregate:os.system:true") is None


def test_figures_older_than_the_limit_are_computed_in_the_request(cast, client_as):
    """After a quiet spell (or with no worker running) nobody is shown hours-old figures."""
    client = client_as("county")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        before = member_total(client.get(reverse("home")))
        MemberFactory(branch=cast.branch_a)
        clock.shift(aggregates.MAX_AGE_SECONDS + 1)
        with mock.patch.object(refresh_aggregate, "apply_async") as queue:
            assert member_total(client.get(reverse("home"))) == before + 1
        queue.assert_not_called()


def test_with_a_cache_of_each_process_own_a_stale_figure_is_refreshed_in_the_request(cast, client_as):
    """A worker's refresh would land in the worker's memory, never in the web processes'."""
    client = client_as("county")
    with override_settings(AGGREGATES_BACKGROUND_REFRESH=False):
        with time_machine.travel(timezone.now(), tick=False) as clock:
            before = member_total(client.get(reverse("home")))
            MemberFactory(branch=cast.branch_a)
            assert member_total(client.get(reverse("home"))) == before  # within the minute
            clock.shift(aggregates.FRESH_SECONDS + 1)
            with mock.patch.object(refresh_aggregate, "apply_async") as queue:
                assert member_total(client.get(reverse("home"))) == before + 1
            queue.assert_not_called()


def test_with_the_cache_down_the_county_page_computes_its_figures_in_the_request(cast, client_as):
    client = client_as("county")
    down = {"default": {"BACKEND": f"{__name__}.UnreachableCache"}}
    with override_settings(CACHES=down):
        with pytest.raises(ConnectionError):
            cache.get("anything")  # the cache really is down
        page = client.get(reverse("home"))
        assert page.status_code == 200
        assert member_total(page) == Member.objects.count()
        MemberFactory(branch=cast.branch_a)
        assert member_total(client.get(reverse("home"))) == Member.objects.count()
