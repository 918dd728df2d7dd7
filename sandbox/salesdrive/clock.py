"""Clocks for the emulator.

SalesDrive stamps everything (`orderTime`, `updateAt`, filters) as naive ``YYYY-MM-DD HH:MM:SS``; the
timezone is undocumented, most likely the account's local time, so the emulator works in naive Kyiv
wall-clock time.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

KYIV = ZoneInfo("Europe/Kyiv")
FMT = "%Y-%m-%d %H:%M:%S"


class Clock(Protocol):
    def now(self) -> datetime: ...


class RealClock:
    """Kyiv wall-clock time; `advance`/`set` shift it by an offset so a served emulator can be driven too."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            offset = self._offset
        return datetime.now(KYIV).replace(tzinfo=None, microsecond=0) + offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += timedelta(seconds=seconds)

    def set(self, dt: datetime) -> None:
        real = datetime.now(KYIV).replace(tzinfo=None, microsecond=0)
        with self._lock:
            self._offset = dt - real


class ManualClock:
    """A clock that only moves when told to: tests use it instead of sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2025, 10, 1, 9, 0, 0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def set(self, dt: datetime) -> None:
        with self._lock:
            self._now = dt


def fmt(dt: datetime | None) -> str | None:
    return dt.strftime(FMT) if dt is not None else None


def parse_dt(value: str, *, end_of_day: bool = False) -> datetime:
    """Parse a SalesDrive filter/date value; a bare date covers the whole day (start or end)."""
    value = value.strip()
    for pattern in (FMT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    day = datetime.strptime(value, "%Y-%m-%d")
    return day.replace(hour=23, minute=59, second=59) if end_of_day else day
