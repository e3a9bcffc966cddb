"""A period is a month, `YYYY-MM`: the unit doudi reconciles, names folders by and compares."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
TIMEZONE = "Asia/Shanghai"  # the offices' clock: "last month" is last month in China


class PeriodError(ValueError):
    """The period is not a month; the message is one line for the officer."""


def checked_period(period: str) -> str:
    if not PERIOD.match(period):
        raise PeriodError(f"期间「{period}」格式不对，应为 YYYY-MM，例如 2024-10")
    return period


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a `YYYY-MM` period (SPEC §4: P_start, P_end)."""
    year, month = (int(part) for part in checked_period(period).split("-"))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def previous_period(now: datetime | None = None) -> str:
    """The month before `now` (default: the present moment in China), as a scheduled run takes it."""
    today = (now or datetime.now(ZoneInfo(TIMEZONE))).date()
    return f"{today.year - 1:04d}-12" if today.month == 1 else f"{today.year:04d}-{today.month - 1:02d}"


def checked_past(period: str, now: datetime | None = None) -> str:
    """A period that has begun: a month still to come has no data to reconcile (a typo, usually)."""
    today = (now or datetime.now(ZoneInfo(TIMEZONE))).date()
    if checked_period(period) > f"{today.year:04d}-{today.month:02d}":
        raise PeriodError(f"期间「{period}」还没有到（现在是 {today:%Y-%m}）：请检查年份和月份")
    return period
