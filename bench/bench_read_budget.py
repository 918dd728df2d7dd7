"""The shared SalesDrive read budget over a simulated day: who got how many list calls, who waited.

    .venv/bin/python bench/bench_read_budget.py

A simulated clock drives ``InMemoryReadBudget`` (the same decision as the DynamoDB budget) with the bridge's
default schedules: the catch-up sweep, the payment poll and a few operator bursts. Every list call first
takes a token; a refused job comes back at ``retry_at``. Each granted call is then sent to a model of
SalesDrive's limiter (sliding 10/60 s, 100/3,600 s, 1,000/86,400 s, the strictest reading), arriving up to
2 s after its token, which counts the throttled answers. Three scenarios: an ordinary day of 2,000
orders; the same day with a catch-up of a whole missed day; and a runaway catch-up (then a runaway
payment import) that wants far more than the budget, to show that neither starves the other.
Exits non-zero if any SalesDrive limit would have been broken.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import sys
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from harness import max_in_window

from bridge.read_budget import ReadBudgetExhausted, ReadConsumer
from bridge.sync.read_budget_rules import InMemoryReadBudget, Window

DAY_START = datetime(2025, 10, 6, tzinfo=UTC)
SWEEP_EVERY = timedelta(minutes=4)  # catch-up sweep: worst case a missed webhook waits one interval
SWEEP_OVERLAP = timedelta(minutes=1)  # each sweep re-reads the last minute of the previous window
PAYMENTS_EVERY = timedelta(minutes=5)
OPERATOR_BURSTS = (
    (timedelta(hours=10), 12),
    (timedelta(hours=15, minutes=30), 25),
    (timedelta(hours=19), 10),
)
PAGE = 100  # orders / payments per list call
PAGE_WORK = timedelta(milliseconds=1500)  # handling one page before asking for the next
ORDERS = 2000
CHANGES_PER_ORDER = 4  # created, confirmed, shipped, completed: each bumps updateAt
PAYMENTS_PER_ORDER = 0.8
# Share of a day's orders per hour (a Ukrainian web shop: quiet at night, busy 9-22).
HOURLY = (1, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 7, 7, 7, 7, 7, 8, 8, 7, 5, 3, 2)
SALESDRIVE = ((timedelta(minutes=1), 10), (timedelta(hours=1), 100), (timedelta(days=1), 1000))
LATENCY = timedelta(seconds=2)


def per_minute_rate(total: float, at: datetime) -> float:
    return total * HOURLY[at.hour] / sum(HOURLY) / 60


def pages_for(total: float, start: datetime, end: datetime) -> int:
    minutes = (end - start) / timedelta(minutes=1)
    items = per_minute_rate(total, start) * minutes
    return max(1, math.ceil(items / PAGE))  # an empty answer still costs a call


@dataclass(order=True)
class Job:
    due: datetime
    seq: int
    consumer: ReadConsumer = field(compare=False)
    pages: int = field(compare=False)
    scheduled: datetime = field(compare=False)
    periodic: bool = field(compare=False, default=True)  # a scheduled run (coalesced while one waits)
    started: bool = field(compare=False, default=False)
    waiting: bool = field(compare=False, default=False)  # this page was refused at least once
    planned: int = field(compare=False, default=0)  # pages at the start, for the delay beyond the work

    def __post_init__(self) -> None:
        if not self.planned:
            self.planned = self.pages


@dataclass
class Stats:
    jobs: int = 0
    calls: int = 0
    deferred: int = 0
    unfinished: int = 0
    coalesced: int = 0
    max_delay: timedelta = timedelta(0)


class SalesDriveLimiter:
    """Sliding windows, as strict as SalesDrive could possibly be."""

    def __init__(self) -> None:
        self.calls: deque[datetime] = deque()
        self.throttled = 0

    def call(self, at: datetime) -> None:
        self.calls.append(at)
        while self.calls and at - self.calls[0] >= timedelta(days=1):
            self.calls.popleft()
        for span, limit in SALESDRIVE:
            if sum(1 for t in self.calls if at - t < span) > limit:
                self.throttled += 1
                break


def _day_jobs(extra: tuple[tuple[ReadConsumer, timedelta, int], ...], seq: Iterator[int]) -> list[Job]:
    """The day's runs as a heap: sweeps every 4 min, payment imports every 5, the operator's bursts and
    the ``extra`` one-off runs."""
    queue: list[Job] = []
    day_end = DAY_START + timedelta(days=1)

    def schedule(consumer: ReadConsumer, at: datetime, pages: int, periodic: bool = True) -> None:
        heapq.heappush(queue, Job(at, next(seq), consumer, pages, at, periodic))

    at = DAY_START
    while at < day_end:
        changes = pages_for(ORDERS * CHANGES_PER_ORDER, at - SWEEP_EVERY - SWEEP_OVERLAP, at)
        schedule(ReadConsumer.CATCH_UP, at, changes)
        at += SWEEP_EVERY
    at = DAY_START
    while at < day_end:
        schedule(ReadConsumer.PAYMENTS, at, pages_for(ORDERS * PAYMENTS_PER_ORDER, at - PAYMENTS_EVERY, at))
        at += PAYMENTS_EVERY
    for offset, calls in OPERATOR_BURSTS:
        schedule(ReadConsumer.OPERATOR, DAY_START + offset, calls, periodic=False)
    for consumer, offset, pages in extra:
        schedule(consumer, DAY_START + offset, pages, periodic=False)
    return queue


def simulate(extra: tuple[tuple[ReadConsumer, timedelta, int], ...] = ()) -> dict[str, object]:
    """One day; ``extra`` adds one-off runs (consumer, time of day, pages) to the default schedules."""
    clock = [DAY_START]
    budget = InMemoryReadBudget(now=lambda: clock[0])
    limiter = SalesDriveLimiter()
    rng = random.Random(7)
    seq = itertools.count()
    running: Counter[ReadConsumer] = Counter()  # periodic runs started and not yet finished
    stats = {c: Stats() for c in ReadConsumer}
    granted: list[datetime] = []
    day_end = DAY_START + timedelta(days=1)
    queue = _day_jobs(extra, seq)

    while queue:
        job = heapq.heappop(queue)
        if job.due >= day_end:
            stats[job.consumer].unfinished += job.started  # still waiting at midnight
            continue
        clock[0] = job.due
        s = stats[job.consumer]
        if not job.started:
            if job.periodic and running[job.consumer]:
                s.coalesced += 1  # the run still in progress will cover this window too
                continue
            s.jobs += 1
            running[job.consumer] += job.periodic
            job = replace(job, started=True)
        try:
            charged = budget.acquire(job.consumer)
        except ReadBudgetExhausted as refusal:
            s.deferred += not job.waiting
            heapq.heappush(queue, replace(job, due=refusal.retry_at, seq=next(seq), waiting=True))
            continue
        s.calls += 1
        granted.append(charged)
        limiter.call(charged + LATENCY * rng.random())
        if job.pages > 1:
            nxt = replace(job, due=job.due + PAGE_WORK, seq=next(seq), pages=job.pages - 1, waiting=False)
            heapq.heappush(queue, nxt)
        else:
            running[job.consumer] -= job.periodic
            s.max_delay = max(s.max_delay, job.due - job.scheduled - PAGE_WORK * (job.planned - 1))

    granted.sort()
    return {
        "stats": stats,
        "windows": [max_in_window(granted, span) for span, _ in SALESDRIVE],
        "throttled": limiter.throttled,
        "total": len(granted),
    }


def fmt_delay(delay: timedelta) -> str:
    seconds = int(delay.total_seconds())
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def report(title: str, result: dict[str, object]) -> bool:
    stats: dict[ReadConsumer, Stats] = result["stats"]  # type: ignore[assignment]
    windows: list[int] = result["windows"]  # type: ignore[assignment]
    print(f"\n-- {title}")
    print(
        f"   {'consumer':<10} {'runs':>5} {'list calls':>10} {'deferred':>9} {'coalesced':>9}"
        f" {'unfinished':>10} {'max wait':>13}"
    )
    for consumer, s in stats.items():
        print(
            f"   {consumer!s:<10} {s.jobs:>5} {s.calls:>10} {s.deferred:>9} {s.coalesced:>9} "
            f"{s.unfinished:>10} {fmt_delay(s.max_delay):>13}"
        )
    print(f"   list calls in the day: {result['total']}")
    print(
        f"   max calls in any sliding minute / hour / day: {windows[0]} / {windows[1]} / {windows[2]}"
        f"   (SalesDrive allows 10 / 100 / 1000)"
    )
    print(f"   throttled answers from SalesDrive: {result['throttled']}")
    ok = result["throttled"] == 0 and all(
        w <= limit for w, (_, limit) in zip(windows, SALESDRIVE, strict=True)
    )
    print(f"   {'OK: within SalesDrive limits' if ok else 'FAILED: a SalesDrive limit was broken'}")
    return ok


def main() -> int:
    budget = InMemoryReadBudget()
    limits, policy = budget.policy.limits, budget.policy

    def reserves(window: Window) -> str:
        r = policy.reserves[window]
        return "/".join(str(r[c]) for c in ReadConsumer) + f" pool {policy.pool(window)}"

    print("SalesDrive read budget: a simulated day (InMemoryReadBudget, simulated clock)")
    print(
        f"limits {limits.per_minute}/min {limits.per_hour}/h {limits.per_day}/day,"
        f" guard {limits.guard.seconds} s (SalesDrive: 10/100/1000)"
    )
    print(
        f"reserves catch_up/payments/operator: minute {reserves(Window.MINUTE)},"
        f" hour {reserves(Window.HOUR)}, day {reserves(Window.DAY)}"
    )
    bursts = ", ".join(
        f"{int(o.total_seconds() // 3600):02d}:{int(o.total_seconds() % 3600 // 60):02d}x{n}"
        for o, n in OPERATOR_BURSTS
    )
    print(
        f"schedules: catch-up sweep every {SWEEP_EVERY.seconds // 60} min"
        f" (= {timedelta(days=1) // SWEEP_EVERY}/day), payment poll every {PAYMENTS_EVERY.seconds // 60} min"
        f" (= {timedelta(days=1) // PAYMENTS_EVERY}/day), operator bursts {bursts}"
    )
    print(
        f"a day of {ORDERS} orders: {ORDERS * CHANGES_PER_ORDER} order changes, "
        f"{int(ORDERS * PAYMENTS_PER_ORDER)} payments, {PAGE} per page"
    )
    print("deferred = calls refused at least once (then retried at retry_at); coalesced = a scheduled run")
    print("skipped because the previous one was still waiting; max wait = budget wait of a finished run")
    ordinary = simulate()
    ok = report("an ordinary day", ordinary)
    waits: dict[ReadConsumer, Stats] = ordinary["stats"]  # type: ignore[assignment]
    missed_webhook = SWEEP_EVERY + waits[ReadConsumer.CATCH_UP].max_delay
    payment = PAYMENTS_EVERY + waits[ReadConsumer.PAYMENTS].max_delay
    print(
        f"   worst-case delay of a missed webhook: {fmt_delay(missed_webhook)};"
        f" of a payment: {fmt_delay(payment)} (interval + budget wait)"
    )
    ok &= report(
        "the same day, plus a catch-up of a whole missed day at 09:00 (8,000 changes = 80 pages)",
        simulate(((ReadConsumer.CATCH_UP, timedelta(hours=9), 80),)),
    )
    ok &= report(
        "stress: the catch-up asks for 2,000 pages at 06:00 (a runaway re-sync); payments must not starve",
        simulate(((ReadConsumer.CATCH_UP, timedelta(hours=6), 2000),)),
    )
    ok &= report(
        "stress the other way: payment import asks for 2,000 pages at 06:00; the sweep must not starve",
        simulate(((ReadConsumer.PAYMENTS, timedelta(hours=6), 2000),)),
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
