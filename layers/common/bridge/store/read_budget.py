"""SalesDrive's shared read budget: one token per list call, shared by every function of a deployment.

SalesDrive allows 10 list calls a minute, 100 an hour and 1,000 a day per account, and does not say
whether those are calendar or sliding windows. Every Lambda that lists (catch-up sweep, payment importer,
operator tools) takes a token here first; when there is none it learns *when* to come back
(``ReadBudgetExhausted.retry_at``) instead of being throttled by SalesDrive.

Safety against a sliding window
-------------------------------
Granted calls are kept so that **any** interval of ``window + guard`` contains at most ``limit`` of them,
for each window (60 s, 3,600 s, 86,400 s). That is the strictest reading: a calendar window, a sliding
window, or any other window of that length is then within the limit too.

* minute: exact, on the timestamps of the calls of the last ``60 s + guard`` (at most the minute limit);
* hour: per-minute buckets, a bucket counted while any part of it overlaps the last ``3,600 s + guard``;
* day: per-hour buckets, counted while overlapping the last ``86,400 s + guard``.

Counting a whole bucket that only partly overlaps the window over-estimates the usage, so it can defer a
call (by at most a minute in the hour window, an hour in the day window) but never over-spend.

The ``guard`` (default 5 s) stretches every window because the time a token is taken is not the time the
request reaches SalesDrive: if each request arrives within ``guard`` of its token, any SalesDrive window of
the nominal length holds only calls whose tokens fit in ``window + guard``, hence at most ``limit``. It
also absorbs small clock differences between Lambdas (a token stamped "in the future" still counts).

The default limits keep a margin below SalesDrive's: **9/min, 95/h, 950/day**. The scope of the limit is
unknown (per key, per account, per endpoint), so the margin leaves room for list calls the bridge does not
see (another integration, a person or a script using the same account) and for off-by-one counting at
SalesDrive (a closed window, whole-second timestamps). The bridge's own needs fit easily: a day of 2,000
orders arrives by webhook, and list calls only serve the catch-up sweep (one page per run: 360 a day at
one run every 4 minutes) and payment polling (288 a day at one poll every 5 minutes); see
``bench/bench_read_budget.py``.

Priorities: reserved shares and a common pool
---------------------------------------------
Each consumer has a share of every window; its *reserve* there is ``floor(share × limit)`` (at least 1 for a
positive share). What the reserves leave is a *common pool*. In each window a consumer may take a token if

1. its usage is below its reserve (a consumer within its reserve is never refused), or
2. after taking it, the free capacity still covers every *other* consumer's unused reserve.

A busy consumer therefore borrows only from the pool, never from what is still unused of another
consumer's reserve: that stays available to its owner at any moment of the window.

Defaults: CATCH_UP 40 %, PAYMENTS 32 %, OPERATOR 10 %, pool 18 %. Reserves (catch-up/payments/operator):
minute 3/2/1 (pool 3), hour 38/30/9 (pool 18), day 380/304/95 (pool 171). The day reserves cover the
default schedules on their own (a sweep every 4 minutes = 360, a payment poll every 5 minutes = 288); the
pool absorbs multi-page catch-ups and operator bursts. (A deviation from shares adding up to 100 %, such as
45/35/20: then rule 2 can never apply, since the free capacity is exactly the sum of the unused reserves,
and nothing could ever be borrowed.)

Example, minute window of 9 with those reserves. Payments and operator are idle; a catch-up backlog asks
for pages: it gets 3 (its reserve) + 3 (the pool) = 6, then is refused, because the 3 left are payments' 2
and operator's 1, which they may need at any second of that minute. Payments then polls and gets its 2 at
once. Had payments already used 1 of its 2, the catch-up could still take ``9 - 1 - (1 + 1) = 6``: only
what is still unused of the others' reserves is out of reach.

Design
------
The decision is a pure function, ``decide(state, consumer, now, policy)``, over an immutable
``BudgetState``; ``InMemoryReadBudget`` (simulations, benchmarks) and ``DynamoReadBudget`` (production)
only differ in how they load and store that state. The DynamoDB state is one item
(``pk="budget#salesdrive"``, ``sk="state"``) written back with a condition on its ``version``; a writer
that lost the race re-reads and decides again, so concurrent Lambdas never over-spend. Refusals write
nothing. After ``max_attempts`` lost races in a row the caller is refused with ``window="contention"`` and
a ``retry_at`` one second later: deferring is always safe, guessing is not.
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
from bridge.store.dynamo import (
    PK,
    SK,
    TTL_ATTRIBUTE,
    DynamoDBClient,
    LazyClient,
    is_conditional_check_failure,
)

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_SHARES",
    "BudgetLimits",
    "BudgetPolicy",
    "BudgetSnapshot",
    "BudgetState",
    "DynamoReadBudget",
    "Granted",
    "InMemoryReadBudget",
    "Refused",
    "Window",
    "WindowUsage",
    "decide",
    "state_from_item",
    "state_to_item",
    "usage",
]

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

BUDGET_PK = "budget#salesdrive"
BUDGET_SK = "state"
ITEM_TTL = timedelta(days=2)  # an idle item is stale after a day anyway; TTL only tidies up
CONTENTION = "contention"  # the ``window`` of a refusal caused by endless write conflicts, not by the limits


class Window(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"


WINDOW_MS: Mapping[Window, int] = MappingProxyType(
    {Window.MINUTE: MINUTE_MS, Window.HOUR: HOUR_MS, Window.DAY: DAY_MS}
)


@dataclass(frozen=True)
class BudgetLimits:
    """How many list calls the bridge allows itself per window (below SalesDrive's 10/100/1,000)."""

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
    """Limits plus shares, resolved into whole reserves per window and consumer; validated."""

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
# The stored state as one DynamoDB item (low-level attribute values)


def _consumer(value: str) -> ReadConsumer:
    # A consumer this code does not know (a newer deployment wrote it) still spends the shared limit.
    try:
        return ReadConsumer(value)
    except ValueError:
        return ReadConsumer.OPERATOR


def _buckets_to_attr(buckets: Buckets) -> dict[str, Any]:
    return {
        "M": {
            str(index): {"M": {str(c): {"N": str(n)} for c, n in counts.items()}}
            for index, counts in buckets.items()
        }
    }


def _buckets_from_attr(attr: Mapping[str, Any] | None) -> dict[int, dict[ReadConsumer, int]]:
    buckets: dict[int, dict[ReadConsumer, int]] = {}
    for index, counts in (attr or {}).get("M", {}).items():
        bucket = buckets.setdefault(int(index), {})
        for consumer, count in counts.get("M", {}).items():
            c = _consumer(consumer)
            bucket[c] = bucket.get(c, 0) + int(count["N"])
    return buckets


def state_to_item(state: BudgetState, now: datetime) -> dict[str, Any]:
    """The DynamoDB item (attribute-value form) holding ``state``; readable in the console."""
    return {
        PK: {"S": BUDGET_PK},
        SK: {"S": BUDGET_SK},
        "version": {"N": str(state.version)},
        "recent": {"L": [{"L": [{"N": str(ts)}, {"S": str(c)}]} for ts, c in state.recent]},
        "minutes": _buckets_to_attr(state.minutes),
        "hours": _buckets_to_attr(state.hours),
        "updated_at": {"S": now.astimezone(UTC).isoformat()},
        TTL_ATTRIBUTE: {"N": str(int((now + ITEM_TTL).timestamp()))},
    }


def state_from_item(item: Mapping[str, Any] | None) -> BudgetState:
    if not item:
        return BudgetState()
    recent = tuple(
        (int(pair["L"][0]["N"]), _consumer(pair["L"][1]["S"])) for pair in item.get("recent", {}).get("L", [])
    )
    return BudgetState(
        recent=recent,
        minutes=_buckets_from_attr(item.get("minutes")),
        hours=_buckets_from_attr(item.get("hours")),
        version=int(item["version"]["N"]),
    )


# ---------------------------------------------------------------------------------------------------------
# The budgets


def utc_now() -> datetime:
    return datetime.now(UTC)


class _StateBudget(ABC):
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


class InMemoryReadBudget(_StateBudget):
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


class DynamoReadBudget(_StateBudget):
    """The budget shared by all Lambdas of a deployment: one item, optimistic concurrency on ``version``."""

    def __init__(
        self,
        table_name: str,
        *,
        dynamodb: DynamoDBClient | None = None,
        limits: BudgetLimits = DEFAULT_LIMITS,
        shares: Mapping[ReadConsumer, float] = DEFAULT_SHARES,
        now: Callable[[], datetime] = utc_now,
        max_attempts: int = 25,
        contention_backoff: timedelta = timedelta(seconds=1),
    ) -> None:
        super().__init__(limits=limits, shares=shares, now=now)
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.table_name = table_name
        self._client = LazyClient(dynamodb)
        self._max_attempts = max_attempts
        self._contention_backoff = contention_backoff
        self._stats_lock = threading.Lock()
        self.conflicts = 0  # lost write races, each one re-read and decided again (a metric)

    @property
    def client_created(self) -> bool:
        return self._client.created

    def load(self) -> BudgetState:
        response = self._client.get().get_item(
            TableName=self.table_name,
            Key={PK: {"S": BUDGET_PK}, SK: {"S": BUDGET_SK}},
            ConsistentRead=True,  # an eventually consistent read would only cause more conflicts
        )
        return state_from_item(response.get("Item"))

    def _store(self, state: BudgetState, expected_version: int, now: datetime) -> bool:
        """Write ``state`` if the item is still at ``expected_version``; False if another writer won."""
        kwargs: dict[str, Any] = {"TableName": self.table_name, "Item": state_to_item(state, now)}
        if expected_version == 0:
            kwargs["ConditionExpression"] = "attribute_not_exists(#pk)"
            kwargs["ExpressionAttributeNames"] = {"#pk": PK}
        else:
            kwargs["ConditionExpression"] = "#version = :expected"
            kwargs["ExpressionAttributeNames"] = {"#version": "version"}
            kwargs["ExpressionAttributeValues"] = {":expected": {"N": str(expected_version)}}
        try:
            self._client.get().put_item(**kwargs)
        except Exception as exc:
            if is_conditional_check_failure(exc):
                return False
            raise
        return True

    def acquire(self, consumer: ReadConsumer) -> datetime:
        for _ in range(self._max_attempts):
            now = self._clock()
            state = self.load()
            decision = decide(state, consumer, now, self.policy)
            if isinstance(decision, Refused):
                raise decision.error()
            if self._store(decision.state, state.version, now):
                return decision.at
            with self._stats_lock:
                self.conflicts += 1
        # Still losing races after many attempts: defer briefly rather than risk throttling.
        raise ReadBudgetExhausted(consumer, now + self._contention_backoff, CONTENTION)


def _satisfies_protocol(budget: _StateBudget) -> ReadBudget:
    return budget  # mypy proves here that both budgets are a ``ReadBudget``
