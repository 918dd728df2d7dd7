"""SalesDrive's shared read budget, the rules: one token per list call, in minute, hour and day windows.

The decision is a pure function, ``decide(state, consumer, now, policy)``, over an immutable
``BudgetState``. ``InMemoryReadBudget`` keeps that state in one process (simulations, benchmarks, the
sandbox); ``bridge.store.read_budget_item.DynamoReadBudget`` keeps it in the bridge's table for every
Lambda of a deployment. Callers only see the contract in ``bridge.read_budget``.

Windows: granted calls are kept so that *any* interval of ``window + guard`` holds at most ``limit`` of
them (minute: exact timestamps; hour: per-minute buckets; day: per-hour buckets, a bucket counted whole
while any part of it is inside). That is the strictest reading of SalesDrive's unstated window kind;
whole buckets may defer a call (by a minute, or an hour) but never over-spend.
"""

from __future__ import annotations

import math
import threading
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from bridge.read_budget import ReadBudget, ReadBudgetExhausted, ReadConsumer

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Window(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"


WINDOW_MS: Mapping[Window, int] = MappingProxyType(
    {Window.MINUTE: MINUTE_MS, Window.HOUR: HOUR_MS, Window.DAY: DAY_MS}
)


@dataclass(frozen=True)
class BudgetLimits:
    """How many list calls the bridge allows itself per window (below SalesDrive's 10/100/1,000).

    The margin (9/95/950) leaves room for list calls the bridge does not see (another integration or a
    person on the same account) and for off-by-one counting at SalesDrive. ``guard`` stretches every
    window: a token is taken a little before its request reaches SalesDrive, and Lambdas' clocks differ
    slightly; if each request arrives within ``guard`` of its token, no SalesDrive window over-spends.
    """

    per_minute: int = 9
    per_hour: int = 95
    per_day: int = 950
    guard: timedelta = timedelta(seconds=5)

    def __post_init__(self) -> None:
        for name in ("per_minute", "per_hour", "per_day"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"BudgetLimits.{name} must be a positive integer, got {value!r}")
        if self.guard < timedelta(0) or self.guard >= timedelta(minutes=1):
            raise ValueError(f"BudgetLimits.guard must be in [0 s, 60 s), got {self.guard}")

    def limit(self, window: Window) -> int:
        return {Window.MINUTE: self.per_minute, Window.HOUR: self.per_hour, Window.DAY: self.per_day}[window]

    @property
    def guard_ms(self) -> int:
        return math.ceil(self.guard / timedelta(milliseconds=1))


DEFAULT_LIMITS = BudgetLimits()
DEFAULT_SHARES: Mapping[ReadConsumer, float] = MappingProxyType(
    {ReadConsumer.CATCH_UP: 0.40, ReadConsumer.PAYMENTS: 0.32, ReadConsumer.OPERATOR: 0.10}
)


@dataclass(frozen=True, init=False)
class BudgetPolicy:
    """Limits plus shares, resolved into whole reserves per window and consumer; validated.

    A consumer's *reserve* in a window is ``floor(share × limit)`` (at least 1 for a positive share); what
    the reserves leave is a common *pool*. A consumer may take a token when its usage is below its reserve,
    or when, after taking it, the free capacity still covers every other consumer's unused reserve: a busy
    consumer borrows only from the pool. Default shares 40/32/10 % (pool 18 %) give reserves
    (catch-up/payments/operator) of 3/2/1 a minute, 38/30/9 an hour and 380/304/95 a day, which cover the
    default schedules alone (a sweep every 4 minutes, a payment poll every 5). Shares adding up to 100 %
    would leave no pool, so nothing could ever be borrowed.
    """

    limits: BudgetLimits
    shares: Mapping[ReadConsumer, float]
    reserves: Mapping[Window, Mapping[ReadConsumer, int]]

    def __init__(
        self, limits: BudgetLimits = DEFAULT_LIMITS, shares: Mapping[ReadConsumer, float] = DEFAULT_SHARES
    ) -> None:
        unknown = set(shares) - set(ReadConsumer)
        if unknown:
            raise ValueError(f"unknown read consumers in shares: {sorted(map(str, unknown))}")
        resolved = {consumer: float(shares.get(consumer, 0.0)) for consumer in ReadConsumer}
        for consumer, share in resolved.items():
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"share of {consumer} must be within [0, 1], got {share}")
        if sum(resolved.values()) > 1.0 + 1e-9:
            raise ValueError(f"shares add up to more than 100 %: {sum(resolved.values()):.3f}")
        reserves: dict[Window, Mapping[ReadConsumer, int]] = {}
        for window in Window:
            limit = limits.limit(window)
            # The epsilon keeps 0.35 x 100 at 35, not 34.999…
            per_consumer = {
                c: (max(1, math.floor(s * limit + 1e-9)) if s > 0 else 0) for c, s in resolved.items()
            }
            if sum(per_consumer.values()) > limit:
                raise ValueError(f"reserves {per_consumer} exceed the {window} limit of {limit}")
            for consumer, reserve in per_consumer.items():
                # Every consumer must be able to take a token in an idle window, or retry_at has no answer.
                if limit - (sum(per_consumer.values()) - reserve) < 1:
                    raise ValueError(f"{consumer} could never take a token in the {window} window")
            reserves[window] = MappingProxyType(per_consumer)
        object.__setattr__(self, "limits", limits)
        object.__setattr__(self, "shares", MappingProxyType(resolved))
        object.__setattr__(self, "reserves", MappingProxyType(reserves))

    def reserve(self, window: Window, consumer: ReadConsumer) -> int:
        return self.reserves[window][consumer]

    def pool(self, window: Window) -> int:
        return self.limits.limit(window) - sum(self.reserves[window].values())


Buckets = Mapping[int, Mapping[ReadConsumer, int]]


@dataclass(frozen=True)
class BudgetState:
    """What the budget remembers; never mutated (``decide`` returns a new one).

    ``recent``: (epoch ms, consumer) of the calls still inside the minute window; ``minutes``: per-minute
    counts (key = epoch ms // 60,000) still inside the hour window; ``hours``: per-hour counts (key = epoch
    ms // 3,600,000) still inside the day window; ``version``: bumped on every stored change.
    """

    recent: tuple[tuple[int, ReadConsumer], ...] = ()
    minutes: Buckets = field(default_factory=dict)
    hours: Buckets = field(default_factory=dict)
    version: int = 0


@dataclass(frozen=True)
class Granted:
    consumer: ReadConsumer
    at: datetime
    state: BudgetState


@dataclass(frozen=True)
class Refused:
    consumer: ReadConsumer
    window: Window
    retry_at: datetime

    def error(self) -> ReadBudgetExhausted:
        return ReadBudgetExhausted(self.consumer, self.retry_at, str(self.window))


# ---------------------------------------------------------------------------------------------------------
# The pure decision


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds, floored; rejects naive datetimes (a local time would shift every window)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"the budget's clock must be timezone-aware, got {moment!r}")
    return (moment - EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


# An entry counts ``count`` calls of ``consumer`` in a window until the instant ``expiry`` (epoch ms).
_Entry = tuple[int, ReadConsumer, int]


def _entries(state: BudgetState, window: Window, guard_ms: int) -> list[_Entry]:
    if window is Window.MINUTE:
        return [(ts + MINUTE_MS + guard_ms, c, 1) for ts, c in state.recent]
    # A bucket counts whole while any instant of it is inside the window: over-estimates, never under.
    buckets, size = (state.minutes, MINUTE_MS) if window is Window.HOUR else (state.hours, HOUR_MS)
    span = WINDOW_MS[window] + guard_ms
    return [((index + 1) * size + span, c, n) for index, counts in buckets.items() for c, n in counts.items()]


def _used(entries: Iterable[_Entry], at_ms: int) -> dict[ReadConsumer, int]:
    used: dict[ReadConsumer, int] = defaultdict(int)
    for expiry, consumer, count in entries:
        if expiry > at_ms:
            used[consumer] += count
    return used


def _headroom(
    used: Mapping[ReadConsumer, int], consumer: ReadConsumer, limit: int, reserves: Mapping[ReadConsumer, int]
) -> int:
    """How many tokens ``consumer`` may still take in this window if nobody else takes any."""
    reserve = reserves[consumer]
    free = limit - sum(used.values())
    own_unused = max(0, reserve - used.get(consumer, 0))
    others_unused = sum(max(0, r - used.get(c, 0)) for c, r in reserves.items() if c != consumer)
    # Rule 1 (own reserve) or rule 2 (others' reserves stay covered), never beyond the limit.
    return max(0, min(free, max(own_unused, free - others_unused)))


def _window_headroom(
    entries: list[_Entry], consumer: ReadConsumer, at_ms: int, window: Window, policy: BudgetPolicy
) -> int:
    return _headroom(_used(entries, at_ms), consumer, policy.limits.limit(window), policy.reserves[window])


def _earliest(
    entries: list[_Entry], consumer: ReadConsumer, now_ms: int, window: Window, policy: BudgetPolicy
) -> int:
    """The first instant ≥ now at which this window lets ``consumer`` take a token, nobody else taking.

    Headroom only grows as calls leave the window, so the answer is the first expiry after which it is ≥ 1.
    """
    if _window_headroom(entries, consumer, now_ms, window, policy) >= 1:
        return now_ms
    for expiry in sorted({e for e, _, _ in entries if e > now_ms}):
        if _window_headroom(entries, consumer, expiry, window, policy) >= 1:
            return expiry
    # Unreachable with a validated policy: an empty window always has room for every consumer.
    raise RuntimeError(f"no token can ever free up for {consumer} in the {window} window")


def _prune(state: BudgetState, now_ms: int, guard_ms: int) -> BudgetState:
    def live(buckets: Buckets, size: int, span: int) -> dict[int, dict[ReadConsumer, int]]:
        return {i: dict(counts) for i, counts in buckets.items() if (i + 1) * size + span > now_ms}

    return BudgetState(
        recent=tuple((ts, c) for ts, c in state.recent if ts + MINUTE_MS + guard_ms > now_ms),
        minutes=live(state.minutes, MINUTE_MS, HOUR_MS + guard_ms),
        hours=live(state.hours, HOUR_MS, DAY_MS + guard_ms),
        version=state.version,
    )


def decide(
    state: BudgetState, consumer: ReadConsumer, now: datetime, policy: BudgetPolicy
) -> Granted | Refused:
    """Grant ``consumer`` one list call at ``now``, or say which window refuses it and until when.

    Pure: the new state (pruned, with the call recorded and ``version`` bumped) is returned, never stored.
    """
    now_ms = to_ms(now)
    guard_ms = policy.limits.guard_ms
    refusals: list[tuple[int, Window]] = []
    for window in Window:
        entries = _entries(state, window, guard_ms)
        if _window_headroom(entries, consumer, now_ms, window, policy) < 1:
            refusals.append((_earliest(entries, consumer, now_ms, window, policy), window))
    if refusals:
        # Each window's headroom only grows with time: the latest of their earliest instants suits all.
        retry_ms, window = max(refusals, key=lambda r: r[0])
        return Refused(consumer, window, from_ms(retry_ms))

    pruned = _prune(state, now_ms, guard_ms)
    minutes = {i: dict(c) for i, c in pruned.minutes.items()}
    hours = {i: dict(c) for i, c in pruned.hours.items()}
    minute_counts = minutes.setdefault(now_ms // MINUTE_MS, {})
    minute_counts[consumer] = minute_counts.get(consumer, 0) + 1
    hour_counts = hours.setdefault(now_ms // HOUR_MS, {})
    hour_counts[consumer] = hour_counts.get(consumer, 0) + 1
    new_state = BudgetState(
        recent=(*pruned.recent, (now_ms, consumer)),
        minutes=minutes,
        hours=hours,
        version=state.version + 1,
    )
    return Granted(consumer, now, new_state)


@dataclass(frozen=True)
class WindowUsage:
    window: Window
    limit: int
    used: int
    used_by: Mapping[ReadConsumer, int]
    reserved: Mapping[ReadConsumer, int]
    remaining: Mapping[ReadConsumer, int]  # tokens each consumer could take now if nobody else took any


def usage(state: BudgetState, now: datetime, policy: BudgetPolicy) -> dict[Window, WindowUsage]:
    """The budget as the decision sees it at ``now`` (bucketed usage, reserves, per-consumer headroom)."""
    now_ms = to_ms(now)
    result: dict[Window, WindowUsage] = {}
    for window in Window:
        used = _used(_entries(state, window, policy.limits.guard_ms), now_ms)
        reserves = policy.reserves[window]
        limit = policy.limits.limit(window)
        result[window] = WindowUsage(
            window=window,
            limit=limit,
            used=sum(used.values()),
            used_by={c: used.get(c, 0) for c in ReadConsumer},
            reserved=dict(policy.reserves[window]),
            remaining={c: _headroom(used, c, limit, reserves) for c in ReadConsumer},
        )
    return result


@dataclass(frozen=True)
class BudgetSnapshot:
    """A read-only view for metrics and the operator."""

    at: datetime
    version: int
    windows: Mapping[Window, WindowUsage]

    def remaining(self, consumer: ReadConsumer) -> int:
        return min(w.remaining[consumer] for w in self.windows.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "version": self.version,
            "windows": {
                str(w): {
                    "limit": u.limit,
                    "used": u.used,
                    "used_by": {str(c): n for c, n in u.used_by.items()},
                    "reserved": {str(c): n for c, n in u.reserved.items()},
                    "remaining": {str(c): n for c, n in u.remaining.items()},
                }
                for w, u in self.windows.items()
            },
        }


# ---------------------------------------------------------------------------------------------------------
# The budget in one process


def utc_now() -> datetime:
    return datetime.now(UTC)


class StateBudget(ABC):
    """The ``ReadBudget`` protocol over a loadable state; subclasses choose where the state lives."""

    def __init__(
        self,
        *,
        limits: BudgetLimits = DEFAULT_LIMITS,
        shares: Mapping[ReadConsumer, float] = DEFAULT_SHARES,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.policy = BudgetPolicy(limits, shares)
        self._now = now

    def _clock(self) -> datetime:
        moment = self._now()
        to_ms(moment)  # rejects a naive clock early, before any state is touched
        return moment

    def take(self, consumer: ReadConsumer) -> None:
        """Take one list-call token or raise ``ReadBudgetExhausted``."""
        self.acquire(consumer)

    @abstractmethod
    def acquire(self, consumer: ReadConsumer) -> datetime:
        """Like ``take``, and returns the instant the token was charged at."""

    @abstractmethod
    def load(self) -> BudgetState:
        """The current state (read-only use)."""

    def snapshot(self) -> BudgetSnapshot:
        now = self._clock()
        state = self.load()
        return BudgetSnapshot(at=now, version=state.version, windows=usage(state, now, self.policy))

    def remaining(self, consumer: ReadConsumer) -> int:
        """Tokens ``consumer`` could take right now if nobody else took any."""
        return self.snapshot().remaining(consumer)


class InMemoryReadBudget(StateBudget):
    """The same rules in one process: local simulations, benchmarks, the sandbox."""

    def __init__(
        self,
        *,
        limits: BudgetLimits = DEFAULT_LIMITS,
        shares: Mapping[ReadConsumer, float] = DEFAULT_SHARES,
        now: Callable[[], datetime] = utc_now,
        state: BudgetState | None = None,
    ) -> None:
        super().__init__(limits=limits, shares=shares, now=now)
        self._state = state or BudgetState()
        self._lock = threading.Lock()

    def load(self) -> BudgetState:
        return self._state

    def acquire(self, consumer: ReadConsumer) -> datetime:
        with self._lock:
            decision = decide(self._state, consumer, self._clock(), self.policy)
            if isinstance(decision, Refused):
                raise decision.error()
            self._state = decision.state
            return decision.at


def _satisfies_protocol(budget: StateBudget) -> ReadBudget:
    return budget  # mypy proves here that both budgets are a ``ReadBudget``
