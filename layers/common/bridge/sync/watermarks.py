"""Windows of the periodic SalesDrive readers (catch-up sweep, payment import) over a durable watermark.

SalesDrive filters by its account-local wall-clock time (``YYYY-MM-DD HH:MM:SS``, naive). A job reads
``[watermark - overlap, end]`` and moves the watermark only once every page of that window is done, so
a crash or an exhausted read budget means re-reading an overlap, never a gap. A watermark far behind
(first run, long outage) is caught up in bounded windows, so one run never needs more list calls than
the budget gives it and the job always makes progress.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

INITIAL_LOOKBACK = timedelta(hours=6)  # the first run reads the last six hours
MAX_WINDOW = timedelta(hours=6)  # a watermark further behind is caught up in windows of this size
# Changes older than this are taken as committed: SalesDrive's clock may differ from ours by far less.
SETTLED = timedelta(hours=1)
_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Window:
    start: datetime  # the watermark (the reader subtracts the overlap itself)
    end: datetime | None  # None: up to now (open window)


def parse_watermark(text: object) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    return datetime.strptime(text, _FORMAT)


def format_watermark(moment: datetime) -> str:
    return moment.replace(microsecond=0).strftime(_FORMAT)


def window_for(watermark: datetime | None, now: datetime) -> Window:
    start = watermark if watermark is not None else now - INITIAL_LOOKBACK
    if now - start > MAX_WINDOW:
        return Window(start, start + MAX_WINDOW)
    return Window(start, None)


def next_watermark(window: Window, latest_seen: datetime | None, now: datetime) -> datetime:
    """After a complete window: its end when closed; else the latest change seen, but never further
    behind than ``SETTLED`` (a quiet account must not fall into catch-up mode) and never backwards."""
    if window.end is not None:
        return window.end
    candidates = [window.start, now - SETTLED]
    if latest_seen is not None:
        candidates.append(min(latest_seen, now))
    return max(candidates)
