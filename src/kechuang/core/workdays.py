"""Working days on the mainland's official calendar, for time limits such as a registry's 15 working days.

A working day is a weekday that is not a public holiday, or a weekend day that the State Council's
yearly notice makes a working day in exchange for a longer holiday (调休, e.g. Sunday 28 September
2025 before the National Day week). The ``chinese-calendar`` package carries those notices; its
years are ``FIRST_YEAR`` to ``LAST_YEAR``.

Rule for other years: Monday to Friday are working days and nothing else, so a time limit that
reaches past ``LAST_YEAR`` is an estimate until the package learns the next notice (published each
November). ``calendar_covers(day)`` says whether a day is on the official calendar; a caller that
shows a deadline checks it and marks the date as provisional when it is not.

Counting: ``add_working_days(start, n)`` is the n-th working day after ``start`` (``start`` itself
never counts, whatever it is), and ``working_days_between(a, b)`` counts the working days in the
half-open interval (a, b], so ``working_days_between(a, add_working_days(a, n)) == n`` for n ≥ 0.
"""

from __future__ import annotations

import datetime

import chinese_calendar

FIRST_YEAR: int = min(chinese_calendar.holidays).year
LAST_YEAR: int = max(chinese_calendar.holidays).year
ONE_DAY = datetime.timedelta(days=1)


def calendar_covers(day: datetime.date) -> bool:
    """Whether ``day`` falls in a year whose official holidays and make-up working days are known."""
    return FIRST_YEAR <= _plain(day).year <= LAST_YEAR


def is_working_day(day: datetime.date) -> bool:
    """Whether ``day`` is a working day: the official calendar where known, else Monday to Friday."""
    day = _plain(day)
    if calendar_covers(day):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """The ``n``-th working day after ``start`` (before it when ``n`` is negative; ``start`` itself if 0).

    ``start`` does not count even when it is a working day: a request received on Monday with a
    limit of one working day is due on Tuesday.
    """
    day = _plain(start)
    step = ONE_DAY if n >= 0 else -ONE_DAY
    remaining = abs(n)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(a: datetime.date, b: datetime.date) -> int:
    """Working days after ``a`` up to and including ``b``; negative when ``b`` is before ``a``."""
    a, b = _plain(a), _plain(b)
    if b < a:
        return -working_days_between(b, a)
    count = 0
    day = a
    while day < b:
        day += ONE_DAY
        count += is_working_day(day)
    return count


def _plain(day: datetime.date) -> datetime.date:
    # A datetime is a date too, but which calendar day it is depends on its time zone; the caller decides.
    if isinstance(day, datetime.datetime):
        raise TypeError("Working days count calendar dates; pass a date (e.g. timezone.localdate()).")
    return day
