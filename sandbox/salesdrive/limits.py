"""The list endpoints' read limits: 10/min, 100/h, 1000/day (docs/salesdrive-api.md), as a sliding or a
clock-aligned window (which one SalesDrive uses is undocumented)."""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime
from typing import Literal

WINDOWS = (("хвилину", 60), ("годину", 3600), ("добу", 86400))
EPOCH = datetime(2000, 1, 1)


def _seconds(dt: datetime) -> float:
    return (dt - EPOCH).total_seconds()


class Throttled(Exception):
    def __init__(self, limit: int, window_name: str, retry_after: int) -> None:
        super().__init__(f"Перевищено ліміт запитів: {limit} на {window_name}")
        self.limit = limit
        self.window_name = window_name
        self.retry_after = retry_after


class RateLimiter:
    """Only accepted calls count: a throttled call does not use up the quota (undocumented; assumed)."""

    def __init__(self) -> None:
        self._calls: dict[str, deque[float]] = {}

    def reset(self) -> None:
        self._calls.clear()

    def check(
        self,
        key: str,
        now: datetime,
        limits: tuple[int, int, int],
        window: Literal["sliding", "fixed"],
    ) -> None:
        t = _seconds(now)
        calls = self._calls.setdefault(key, deque())
        while calls and calls[0] <= t - 86400:
            calls.popleft()
        for (name, length), limit in zip(WINDOWS, limits, strict=True):
            if window == "sliding":
                start = t - length
                in_window = [c for c in calls if c > start] if length < 86400 else list(calls)
                if len(in_window) >= limit:
                    retry = in_window[len(in_window) - limit] + length - t if limit > 0 else length
                    raise Throttled(limit, name, max(1, math.ceil(retry)))
            else:
                start = self._window_start(now, length)
                count = sum(1 for c in calls if c >= start)
                if count >= limit:
                    raise Throttled(limit, name, max(1, math.ceil(start + length - t)))
        calls.append(t)

    @staticmethod
    def _window_start(now: datetime, length: int) -> float:
        if length == 60:
            start = now.replace(second=0, microsecond=0)
        elif length == 3600:
            start = now.replace(minute=0, second=0, microsecond=0)
        else:
            start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return _seconds(start)

    def usage(self, now: datetime) -> dict[str, int]:
        t = _seconds(now)
        return {key: sum(1 for c in calls if c > t - 60) for key, calls in self._calls.items()}
