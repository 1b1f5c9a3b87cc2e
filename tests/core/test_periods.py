import datetime
import zoneinfo

import pytest

from core.periods import (
    add_months,
    local_day_start,
    month_bounds,
    quarter_bounds,
    quarter_of,
    year_bounds,
    year_param,
)

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BEIJING)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 5, 17), 0, datetime.date(2026, 5, 1)),
        (datetime.date(2026, 11, 30), 1, datetime.date(2026, 12, 1)),
        (datetime.date(2026, 12, 31), 1, datetime.date(2027, 1, 1)),
        (datetime.date(2026, 1, 15), -1, datetime.date(2025, 12, 1)),
        (datetime.date(2026, 3, 1), -14, datetime.date(2025, 1, 1)),
        (datetime.date(2026, 2, 28), 25, datetime.date(2028, 3, 1)),
    ],
)
def test_add_months_lands_on_the_first_of_the_month_across_year_ends(day, months, expected):
    assert add_months(day, months) == expected


def test_a_month_runs_from_local_midnight_of_the_first_to_the_next_first():
    assert month_bounds(datetime.date(2026, 12, 31)) == (local(2026, 12, 1), local(2027, 1, 1))
    assert month_bounds(datetime.date(2026, 2, 10)) == (local(2026, 2, 1), local(2026, 3, 1))


def test_a_year_runs_from_local_new_year_to_the_next():
    start, end = year_bounds(2026)
    assert (start, end) == (local(2026, 1, 1), local(2027, 1, 1))
    # 2025-12-31 16:00 UTC is already 2026 in Ningjin.
    assert start == datetime.datetime(2025, 12, 31, 16, tzinfo=datetime.UTC)


def test_quarters_split_the_year_into_four_runs_of_three_months():
    assert [quarter_of(datetime.date(2026, m, 1)) for m in range(1, 13)] == [1] * 3 + [2] * 3 + [3] * 3 + [
        4
    ] * 3
    assert quarter_bounds(2026, 1) == (local(2026, 1, 1), local(2026, 4, 1))
    assert quarter_bounds(2026, 4) == (local(2026, 10, 1), local(2027, 1, 1))


def test_the_day_of_a_moment_is_its_local_day():
    # 23:30 UTC on 31 May is already 1 June in Beijing.
    assert local_day_start(datetime.datetime(2026, 5, 31, 23, 30, tzinfo=datetime.UTC)) == local(2026, 6, 1)


@pytest.mark.parametrize("value", ["0", "-1", "10000", "abc", None, "", "1999", "2101"])
def test_a_year_outside_the_portals_range_falls_back_to_the_default(value):
    assert year_param(value, 2026) == 2026


def test_a_year_in_range_is_taken():
    assert year_param("2031", 2026) == 2031
