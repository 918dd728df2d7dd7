"""The shared read budget's state as one DynamoDB item, written with optimistic concurrency.

One item (``pk="budget#salesdrive"``, ``sk="state"``) holds the state the rules of
``bridge.sync.read_budget_rules`` decide on. A write carries a condition on the item's ``version``: a
Lambda that lost the race re-reads and decides again, so concurrent Lambdas never over-spend. Refusals
write nothing. After ``max_attempts`` lost races in a row the caller is refused with
``window="contention"`` and a ``retry_at`` one second later: deferring is always safe, guessing is not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from bridge.read_budget import ReadBudgetExhausted, ReadConsumer
from bridge.store.aws_clients import Client
from bridge.store.table import PK, SK, TTL_ATTRIBUTE, BridgeTable, from_attribute_values, to_attribute_values
from bridge.sync.read_budget_rules import (
    DEFAULT_LIMITS,
    DEFAULT_SHARES,
    BudgetLimits,
    BudgetState,
    Refused,
    StateBudget,
    decide,
    utc_now,
)

BUDGET_PK = "budget#salesdrive"
BUDGET_SK = "state"
ITEM_TTL = timedelta(days=2)  # an idle item is stale after a day anyway; TTL only tidies up
CONTENTION = "contention"  # the ``window`` of a refusal caused by endless write conflicts, not by the limits


def _consumer(value: str) -> ReadConsumer:
    # A consumer this code does not know (a newer deployment wrote it) still spends the shared limit.
    try:
        return ReadConsumer(value)
    except ValueError:
        return ReadConsumer.OPERATOR


def _buckets_from(stored: Mapping[str, Any] | None) -> dict[int, dict[ReadConsumer, int]]:
    buckets: dict[int, dict[ReadConsumer, int]] = {}
    for index, counts in (stored or {}).items():
        bucket = buckets.setdefault(int(index), {})
        for consumer, count in counts.items():
            c = _consumer(consumer)
            bucket[c] = bucket.get(c, 0) + int(count)
    return buckets


def state_attributes(state: BudgetState, now: datetime) -> dict[str, Any]:
    """The item holding ``state``, as plain values; readable in the console."""
    return {
        PK: BUDGET_PK,
        SK: BUDGET_SK,
        "version": state.version,
        "recent": [[ts, str(c)] for ts, c in state.recent],
        "minutes": {str(i): {str(c): n for c, n in counts.items()} for i, counts in state.minutes.items()},
        "hours": {str(i): {str(c): n for c, n in counts.items()} for i, counts in state.hours.items()},
        "updated_at": now.astimezone(UTC).isoformat(),
        TTL_ATTRIBUTE: int((now + ITEM_TTL).timestamp()),
    }


def state_from_attributes(item: Mapping[str, Any] | None) -> BudgetState:
    if not item:
        return BudgetState()
    return BudgetState(
        recent=tuple((int(ts), _consumer(c)) for ts, c in item.get("recent", [])),
        minutes=_buckets_from(item.get("minutes")),
        hours=_buckets_from(item.get("hours")),
        version=int(item["version"]),
    )


def state_to_item(state: BudgetState, now: datetime) -> dict[str, Any]:
    """The stored item in DynamoDB's attribute-value form."""
    return to_attribute_values(state_attributes(state, now))


def state_from_item(item: Mapping[str, Any] | None) -> BudgetState:
    """The state in a stored item given in DynamoDB's attribute-value form."""
    return state_from_attributes(from_attribute_values(item) if item else None)


class DynamoReadBudget(StateBudget):
    """The budget shared by all Lambdas of a deployment: one item, optimistic concurrency on ``version``."""

    def __init__(
        self,
        table_name: str,
        *,
        dynamodb: Client | None = None,
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
        self._table = BridgeTable(table_name, dynamodb=dynamodb)
        self._max_attempts = max_attempts
        self._contention_backoff = contention_backoff
        self._stats_lock = threading.Lock()
        self.conflicts = 0  # lost write races, each one re-read and decided again (a metric)

    @property
    def client_created(self) -> bool:
        return self._table.client_created

    def load(self) -> BudgetState:
        # Read consistently: an eventually consistent read would only cause more conflicts.
        return state_from_attributes(self._table.get(BUDGET_PK, BUDGET_SK))

    def _store(self, state: BudgetState, expected_version: int, now: datetime) -> bool:
        """Write ``state`` if the item is still at ``expected_version``; False if another writer won."""
        item = state_attributes(state, now)
        if expected_version == 0:
            return self._table.put(item, condition="attribute_not_exists(#pk)", names={"#pk": PK})
        return self._table.put(
            item,
            condition="#version = :expected",
            names={"#version": "version"},
            values={":expected": expected_version},
        )

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
