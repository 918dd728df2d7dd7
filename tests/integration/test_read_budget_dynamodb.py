"""The DynamoDB read budget against moto: one item shared by every Lambda, optimistic concurrency.

Each ``DynamoReadBudget`` with its own boto3 client stands for one Lambda. moto's in-process backend
checks a put's condition and stores the item in separate Python steps, so two threads could both pass the
check, which real DynamoDB never allows; ``AtomicPuts`` restores that one guarantee (reads, decisions and
the condition itself stay concurrent and are moto's), and counts the writes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from bridge.read_budget import ReadBudgetExhausted, ReadConsumer
from bridge.store.read_budget_item import BUDGET_PK, BUDGET_SK, CONTENTION, DynamoReadBudget, state_from_item
from bridge.sync.read_budget_rules import Window
from tests.bridge_table import TEST_TABLE

TABLE = TEST_TABLE
CATCH_UP, PAYMENTS, OPERATOR = ReadConsumer.CATCH_UP, ReadConsumer.PAYMENTS, ReadConsumer.OPERATOR
T0 = datetime(2025, 3, 10, 9, 0, 10, tzinfo=UTC)
KEY = {"pk": {"S": BUDGET_PK}, "sk": {"S": BUDGET_SK}}


def stored_item() -> dict[str, Any]:
    item: dict[str, Any] = boto3.client("dynamodb").get_item(TableName=TABLE, Key=KEY, ConsistentRead=True)[
        "Item"
    ]
    return item


class Clock:
    def __init__(self, start: datetime = T0, step: timedelta = timedelta(0)) -> None:
        self.at = start
        self.step = step
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            now = self.at
            self.at += self.step
            return now


class AtomicPuts:
    """A boto3 client whose conditional puts are atomic, as in DynamoDB; counts puts and their failures."""

    def __init__(
        self, client: Any, lock: threading.Lock, before_put: Callable[[], None] | None = None
    ) -> None:
        self._client = client
        self._lock = lock
        self._before_put = before_put
        self.puts = 0
        self.failed = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def put_item(self, **kwargs: Any) -> Any:
        if self._before_put is not None:
            self._before_put()
        with self._lock:
            self.puts += 1
            try:
                return self._client.put_item(**kwargs)
            except self._client.exceptions.ConditionalCheckFailedException:
                self.failed += 1
                raise


def lambda_budget(clock: Callable[[], datetime], **kwargs: Any) -> DynamoReadBudget:
    return DynamoReadBudget(TABLE, dynamodb=boto3.client("dynamodb"), now=clock, **kwargs)


def test_every_lambda_shares_one_budget_item(dynamodb: Any) -> None:
    clock = Clock()
    sweep, importer = lambda_budget(clock), lambda_budget(clock)
    for _ in range(6):
        sweep.take(CATCH_UP)
    with pytest.raises(ReadBudgetExhausted) as refused:
        importer.take(CATCH_UP)  # the other Lambda sees the sweep's calls
    assert (refused.value.window, refused.value.retry_at) == ("minute", T0 + timedelta(seconds=65))
    for _ in range(2):
        importer.take(PAYMENTS)  # payments' reserve was kept

    item = stored_item()
    assert item["version"] == {"N": "8"}
    assert int(item["expires_at"]["N"]) == int((T0 + timedelta(days=2)).timestamp())
    state = state_from_item(item)
    assert [c for _, c in state.recent] == [CATCH_UP] * 6 + [PAYMENTS] * 2
    assert state.minutes == {int(T0.timestamp()) // 60: {CATCH_UP: 6, PAYMENTS: 2}}
    assert sweep.remaining(OPERATOR) == 1
    assert importer.snapshot().windows[Window.DAY].used_by[PAYMENTS] == 2


def test_the_budget_survives_the_hour_and_frees_up_on_time(dynamodb: Any) -> None:
    clock = Clock()
    budget = lambda_budget(clock)
    granted = 0
    while clock.at < T0 + timedelta(hours=1):
        try:
            budget.take(OPERATOR)
            granted += 1
        except ReadBudgetExhausted as refusal:
            assert refusal.retry_at > clock.at
            clock.at = refusal.retry_at  # a caller that comes back exactly when told
    # Operator alone: its hour reserve 9 + the pool's 18, spread over the hour by the minute window.
    assert granted == 27
    assert state_from_item(stored_item()).version == 27


def test_a_refusal_writes_nothing_and_a_snapshot_reads_only(dynamodb: Any) -> None:
    clock = Clock()
    budget = lambda_budget(clock)
    for _ in range(4):
        budget.take(OPERATOR)  # its reserve and the pool
    with pytest.raises(ReadBudgetExhausted):
        budget.take(OPERATOR)
    assert budget.snapshot().remaining(OPERATOR) == 0
    assert budget.remaining(PAYMENTS) == 2
    assert stored_item()["version"] == {"N": "4"}


def test_a_lost_write_race_is_retried_not_lost(dynamodb: Any) -> None:
    clock = Clock()
    lock = threading.Lock()
    rival = lambda_budget(clock)
    fired: list[bool] = []

    def rival_writes_first() -> None:
        # Another Lambda commits between our read and our conditional write, once.
        if not fired:
            fired.append(True)
            rival.take(PAYMENTS)

    client = AtomicPuts(boto3.client("dynamodb"), lock, before_put=rival_writes_first)
    ours = DynamoReadBudget(TABLE, dynamodb=client, now=clock)
    ours.take(CATCH_UP)
    assert ours.conflicts == 1
    assert (client.puts, client.failed) == (2, 1)
    state = state_from_item(stored_item())
    assert state.version == 2
    assert sorted(c for _, c in state.recent) == sorted([PAYMENTS, CATCH_UP])


def test_endless_contention_defers_the_caller_instead_of_overspending(dynamodb: Any) -> None:
    clock = Clock()
    rival = lambda_budget(clock)
    client = AtomicPuts(boto3.client("dynamodb"), threading.Lock(), before_put=lambda: rival.take(PAYMENTS))
    ours = DynamoReadBudget(TABLE, dynamodb=client, now=clock, max_attempts=3)
    with pytest.raises(ReadBudgetExhausted) as refused:
        ours.take(CATCH_UP)
    assert refused.value.window == CONTENTION
    assert refused.value.retry_at == T0 + timedelta(seconds=1)
    assert ours.conflicts == 3
    state = state_from_item(stored_item())
    assert [c for _, c in state.recent] == [PAYMENTS] * 3  # only the rival's calls were charged


def test_the_client_is_created_lazily(dynamodb: Any) -> None:
    budget = DynamoReadBudget(TABLE, now=Clock())
    assert not budget.client_created
    budget.take(PAYMENTS)
    assert budget.client_created
    assert stored_item()["version"] == {"N": "1"}


def hammer(
    budgets: list[DynamoReadBudget], consumers: list[ReadConsumer], attempts: int
) -> tuple[list[datetime], int, list[BaseException]]:
    """Each budget (one Lambda) in its own thread, taking ``attempts`` times; returns the grant instants."""
    grants: list[datetime] = []
    contention = 0
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(len(budgets))

    def run(budget: DynamoReadBudget, consumer: ReadConsumer) -> None:
        nonlocal contention
        start.wait()
        try:
            for _ in range(attempts):
                try:
                    at = budget.acquire(consumer)
                except ReadBudgetExhausted as refusal:
                    if refusal.window == CONTENTION:
                        with lock:
                            contention += 1
                    continue
                with lock:
                    grants.append(at)
        except BaseException as exc:  # surfaced by the test, never swallowed
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(b, c)) for b, c in zip(budgets, consumers, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return grants, contention, errors


def eight_lambdas(clock: Clock) -> tuple[list[AtomicPuts], list[DynamoReadBudget]]:
    """Eight Lambdas' DynamoDB clients (their puts atomic under one lock) and their read budgets."""
    lock = threading.Lock()
    clients = [AtomicPuts(boto3.client("dynamodb"), lock) for _ in range(8)]
    return clients, [DynamoReadBudget(TABLE, dynamodb=c, now=clock, max_attempts=100) for c in clients]


def test_eight_lambdas_hammering_one_instant_get_exactly_the_minute_limit(dynamodb: Any) -> None:
    clock = Clock()  # frozen: every grant falls in the same minute
    clients, budgets = eight_lambdas(clock)
    consumers = [CATCH_UP, CATCH_UP, CATCH_UP, PAYMENTS, PAYMENTS, PAYMENTS, OPERATOR, OPERATOR]
    grants, contention, errors = hammer(budgets, consumers, attempts=20)

    assert errors == []
    assert contention == 0
    assert len(grants) == 9  # the minute limit, never more
    state = state_from_item(stored_item())
    assert state.version == 9  # one committed write per grant: no lost update, no double charge
    got = {c: sum(1 for _, k in state.recent if k is c) for c in ReadConsumer}
    assert got[CATCH_UP] >= 3 and got[PAYMENTS] >= 2 and got[OPERATOR] >= 1  # reserves honoured
    # Every failed write was a lost race, and each one was retried by its Lambda.
    assert sum(c.failed for c in clients) == sum(b.conflicts for b in budgets)
    assert sum(c.puts for c in clients) == 9 + sum(b.conflicts for b in budgets)


def test_eight_lambdas_over_time_never_exceed_any_sliding_window(dynamodb: Any) -> None:
    clock = Clock(step=timedelta(seconds=1))  # time moves on every reading of the clock
    clients, budgets = eight_lambdas(clock)
    consumers = [CATCH_UP, PAYMENTS, OPERATOR, CATCH_UP, PAYMENTS, CATCH_UP, PAYMENTS, OPERATOR]
    grants, _, errors = hammer(budgets, consumers, attempts=12)

    assert errors == []
    times = sorted(grants)
    assert len(times) > 9  # the test spans several minutes, not one
    for i, first in enumerate(times):
        in_minute = sum(1 for t in times[i:] if t - first < timedelta(seconds=65))  # 60 s + guard
        assert in_minute <= 9
        in_hour = sum(1 for t in times[i:] if t - first < timedelta(seconds=3605))
        assert in_hour <= 95
    state = state_from_item(stored_item())
    assert state.version == len(times)
    assert sum(c.puts for c in clients) == len(times) + sum(b.conflicts for b in budgets)
