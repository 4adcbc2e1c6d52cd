"""Working days on the official calendar: real 2025/2026 holidays and make-up working weekends."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.core.workdays import (
    FIRST_YEAR,
    LAST_YEAR,
    add_working_days,
    calendar_covers,
    is_working_day,
    working_days_between,
)

D = datetime.date


def test_the_pinned_package_knows_2004_to_2026() -> None:
    # A newer chinese-calendar moves LAST_YEAR; the fallback test below then needs its dates moved too.
    assert (FIRST_YEAR, LAST_YEAR) == (2004, 2026)
    assert calendar_covers(D(2025, 1, 1))
    assert calendar_covers(D(2026, 12, 31))


def test_national_day_2025_and_its_make_up_weekend_days() -> None:
    # 1–8 October 2025 off (National Day with Mid-Autumn); Sunday 28 September and Saturday 11 October worked.
    assert [is_working_day(D(2025, 10, day)) for day in range(1, 9)] == [False] * 8
    assert is_working_day(D(2025, 9, 28))
    assert is_working_day(D(2025, 10, 11))
    assert not is_working_day(D(2025, 10, 12))
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)


def test_fifteen_working_days_across_the_golden_week() -> None:
    # Received Friday 26 September 2025: 28, 29, 30 Sep; 9, 10, 11 (Sat), 13–17, 20–23 Oct.
    assert add_working_days(D(2025, 9, 26), 15) == D(2025, 10, 23)
    assert working_days_between(D(2025, 9, 26), D(2025, 10, 23)) == 15
    # Counting Monday to Friday alone would have said 17 October, when only 11 have passed.
    assert working_days_between(D(2025, 9, 26), D(2025, 10, 17)) == 11


def test_spring_festival_2026_with_two_make_up_saturdays() -> None:
    # 15–23 February 2026 off; Saturdays 14 and 28 February worked.
    assert [is_working_day(D(2026, 2, day)) for day in range(14, 25)] == [True] + [False] * 9 + [True]
    assert is_working_day(D(2026, 2, 28))
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 28)) == 6
    assert add_working_days(D(2026, 2, 12), 15) == D(2026, 3, 11)


def test_spring_festival_2025_and_thirty_working_days() -> None:
    # 28 January – 4 February 2025 off; Sunday 26 January and Saturday 8 February worked.
    assert is_working_day(D(2025, 1, 26))
    assert not is_working_day(D(2025, 2, 4))
    assert is_working_day(D(2025, 2, 8))
    # From Monday 20 January: 21–24, 26 (Sun), 27 Jan; 5–8 (Sat), 10–14, 17–21, 24–28 Feb; 3–7 Mar.
    assert add_working_days(D(2025, 1, 20), 30) == D(2025, 3, 7)
    assert working_days_between(D(2025, 1, 20), D(2025, 3, 7)) == 30


def test_start_never_counts_and_zero_is_the_start() -> None:
    assert add_working_days(D(2025, 10, 1), 0) == D(2025, 10, 1)
    assert add_working_days(D(2025, 10, 13), 1) == D(2025, 10, 14)  # a Monday to the Tuesday
    assert working_days_between(D(2025, 10, 13), D(2025, 10, 13)) == 0


def test_counting_backwards() -> None:
    assert add_working_days(D(2025, 10, 9), -1) == D(2025, 9, 30)
    assert add_working_days(D(2026, 2, 24), -2) == D(2026, 2, 13)
    assert working_days_between(D(2025, 10, 23), D(2025, 9, 26)) == -15


def test_beyond_the_calendar_monday_to_friday_count_and_the_date_is_provisional() -> None:
    assert not calendar_covers(D(2027, 1, 1))
    assert not calendar_covers(D(2003, 12, 31))
    assert is_working_day(D(2027, 1, 1))  # a Friday; the 2027 notice is not known, so it counts
    assert not is_working_day(D(2027, 1, 2))  # a Saturday
    assert is_working_day(D(2003, 10, 1))  # a Wednesday, before the calendar begins
    # Wednesday 30 December 2026: 31 December (official), then 1 and 4 January 2027 (Monday to Friday).
    due = add_working_days(D(2026, 12, 30), 3)
    assert due == D(2027, 1, 4)
    assert not calendar_covers(due)
    assert add_working_days(D(2027, 3, 1), 15) == D(2027, 3, 22)


def test_a_datetime_is_refused() -> None:
    with pytest.raises(TypeError):
        add_working_days(datetime.datetime(2025, 10, 1, tzinfo=datetime.UTC), 1)


@given(
    start=st.dates(min_value=D(2024, 11, 1), max_value=D(2027, 2, 1)),
    n=st.integers(min_value=0, max_value=40),
)
def test_adding_then_counting_gives_back_n(start: datetime.date, n: int) -> None:
    due = add_working_days(start, n)
    assert working_days_between(start, due) == n
    assert due >= start
    if n:
        assert is_working_day(due)
        assert working_days_between(start, due - datetime.timedelta(days=1)) == n - 1
