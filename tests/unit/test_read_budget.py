"""The read budget's rules on examples: reserves, borrowing, windows, retry_at, state round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bridge.read_budget import ReadBudgetExhausted, ReadConsumer
from bridge.store.read_budget_item import BUDGET_PK, state_from_item, state_to_item
from bridge.sync.read_budget_rules import (
    BudgetLimits,
    BudgetPolicy,
    BudgetState,
    Granted,
    InMemoryReadBudget,
    Refused,
    Window,
    decide,
)

CATCH_UP, PAYMENTS, OPERATOR = ReadConsumer.CATCH_UP, ReadConsumer.PAYMENTS, ReadConsumer.OPERATOR
T0 = datetime(2025, 3, 10, 9, 0, 10, tzinfo=UTC)  # ten seconds into a minute and into an hour


class Clock:
    def __init__(self, start: datetime = T0) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


def take_until_refused(budget: InMemoryReadBudget, consumer: ReadConsumer) -> tuple[int, ReadBudgetExhausted]:
    granted = 0
    while True:
        try:
            budget.take(consumer)
        except ReadBudgetExhausted as refusal:
            return granted, refusal
        granted += 1


# --- policy ---------------------------------------------------------------------------------------------


def test_default_reserves_and_pools() -> None:
    policy = BudgetPolicy()
    assert dict(policy.reserves[Window.MINUTE]) == {CATCH_UP: 3, PAYMENTS: 2, OPERATOR: 1}
    assert dict(policy.reserves[Window.HOUR]) == {CATCH_UP: 38, PAYMENTS: 30, OPERATOR: 9}
    assert dict(policy.reserves[Window.DAY]) == {CATCH_UP: 380, PAYMENTS: 304, OPERATOR: 95}
    assert [policy.pool(w) for w in Window] == [3, 18, 171]
    # The default schedules fit in the day reserves alone: a sweep every 4 min, a payment poll every 5.
    assert policy.reserve(Window.DAY, CATCH_UP) >= 24 * 60 // 4
    assert policy.reserve(Window.DAY, PAYMENTS) >= 24 * 60 // 5
    limits = policy.limits
    assert (limits.per_minute, limits.per_hour, limits.per_day) == (9, 95, 950)
    assert (limits.per_minute, limits.per_hour, limits.per_day) < (10, 100, 1000)


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ({CATCH_UP: 0.7, PAYMENTS: 0.4}, "more than 100"),
        ({CATCH_UP: -0.1}, "within"),
        ({CATCH_UP: 0.6, PAYMENTS: 0.4}, "operator could never take"),
    ],
)
def test_invalid_shares_are_refused_at_construction(shares: dict[ReadConsumer, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BudgetPolicy(shares=shares)


def test_reserves_that_exceed_a_small_limit_are_refused() -> None:
    # Each positive share gets at least one token, which three consumers cannot have out of two.
    with pytest.raises(ValueError, match="exceed the minute limit"):
        BudgetPolicy(BudgetLimits(per_minute=2), {CATCH_UP: 0.3, PAYMENTS: 0.3, OPERATOR: 0.3})


@pytest.mark.parametrize(
    "kwargs",
    [{"per_minute": 0}, {"per_day": -5}, {"guard": timedelta(seconds=-1)}, {"guard": timedelta(minutes=2)}],
)
def test_invalid_limits_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="BudgetLimits"):
        BudgetLimits(**kwargs)  # type: ignore[arg-type]


# --- shares and borrowing (the module docstring's example) ----------------------------------------------


def test_a_backlogged_sweep_borrows_the_pool_but_not_the_others_reserves() -> None:
    clock = Clock()
    budget = InMemoryReadBudget(now=clock)
    granted, refusal = take_until_refused(budget, CATCH_UP)
    assert granted == 6  # its reserve of 3 + the pool's 3
    assert refusal.window == "minute"
    assert refusal.consumer is CATCH_UP
    assert refusal.retry_at == T0 + timedelta(seconds=65)  # its first call leaves the 60 s + 5 s guard window

    # Payments and operator still find their whole reserves at once; then the minute is full.
    assert take_until_refused(budget, PAYMENTS)[0] == 2
    assert take_until_refused(budget, OPERATOR)[0] == 1
    assert budget.snapshot().windows[Window.MINUTE].used == 9


def test_payment_import_cannot_starve_the_sweep_either() -> None:
    budget = InMemoryReadBudget(now=Clock())
    assert take_until_refused(budget, PAYMENTS)[0] == 5  # 2 + the pool
    assert take_until_refused(budget, OPERATOR)[0] == 1
    assert take_until_refused(budget, CATCH_UP)[0] == 3


def test_borrowing_sees_how_much_of_a_reserve_is_already_used() -> None:
    budget = InMemoryReadBudget(now=Clock())
    budget.take(PAYMENTS)
    # 9 - 1 used - (1 left to payments + 1 to operator) = 6 for the sweep, and payments keeps its last one.
    assert budget.remaining(CATCH_UP) == 6
    assert take_until_refused(budget, CATCH_UP)[0] == 6
    assert take_until_refused(budget, PAYMENTS)[0] == 1
    assert budget.remaining(OPERATOR) == 1


def test_an_idle_minute_lets_the_sweep_use_everything_no_one_reserved() -> None:
    shares = {CATCH_UP: 0.2, PAYMENTS: 0.2, OPERATOR: 0.1}
    budget = InMemoryReadBudget(now=Clock(), shares=shares)  # minute reserves 1/1/1, pool 6
    assert take_until_refused(budget, CATCH_UP)[0] == 7


# --- windows and retry_at -------------------------------------------------------------------------------

SOLO: dict[ReadConsumer, float] = {}  # nobody reserves anything: the whole limit is a common pool


def test_minute_window_is_exact_on_timestamps() -> None:
    clock = Clock()
    budget = InMemoryReadBudget(now=clock, limits=BudgetLimits(per_minute=3, guard=timedelta(0)), shares=SOLO)
    for _ in range(3):
        budget.take(CATCH_UP)
        clock.advance(seconds=20)
    # Calls at :10, :30, :50; it is now 01:10, when the first one has just left the window.
    budget.take(CATCH_UP)
    _, refusal = take_until_refused(budget, CATCH_UP)
    assert (refusal.window, refusal.retry_at) == ("minute", T0 + timedelta(seconds=80))


def test_hour_window_counts_whole_minute_buckets() -> None:
    clock = Clock()
    limits = BudgetLimits(per_minute=5, per_hour=6, guard=timedelta(0))
    budget = InMemoryReadBudget(now=clock, limits=limits, shares=SOLO)
    assert take_until_refused(budget, CATCH_UP)[0] == 5  # 09:00:10, minute bucket 09:00
    clock.advance(seconds=60)
    budget.take(CATCH_UP)  # 09:01:10, the sixth of the hour
    clock.advance(seconds=20)
    _, refusal = take_until_refused(budget, CATCH_UP)
    # The 09:00 bucket ends at 09:01:00 and is counted whole until 10:01:00 (its calls left at 10:00:10).
    assert (refusal.window, refusal.retry_at) == ("hour", datetime(2025, 3, 10, 10, 1, tzinfo=UTC))
    clock.at = refusal.retry_at - timedelta(milliseconds=1)
    assert take_until_refused(budget, CATCH_UP)[0] == 0
    clock.at = refusal.retry_at
    assert take_until_refused(budget, CATCH_UP)[0] == 5


def test_day_window_counts_whole_hour_buckets() -> None:
    clock = Clock()
    limits = BudgetLimits(per_minute=5, per_hour=10, per_day=12, guard=timedelta(seconds=5))
    budget = InMemoryReadBudget(now=clock, limits=limits, shares=SOLO)
    assert take_until_refused(budget, CATCH_UP)[0] == 5
    clock.advance(hours=2)
    assert take_until_refused(budget, CATCH_UP)[0] == 5
    clock.advance(hours=2)
    granted, refusal = take_until_refused(budget, CATCH_UP)
    assert granted == 2
    # The 09:00 hour bucket ends at 10:00 and counts for 24 h + the guard after that.
    assert (refusal.window, refusal.retry_at) == ("day", datetime(2025, 3, 11, 10, 0, 5, tzinfo=UTC))


def test_the_binding_window_is_the_one_that_frees_last() -> None:
    clock = Clock()
    limits = BudgetLimits(per_minute=2, per_hour=2, guard=timedelta(0))
    budget = InMemoryReadBudget(now=clock, limits=limits, shares=SOLO)
    budget.take(CATCH_UP)
    budget.take(CATCH_UP)
    _, refusal = take_until_refused(budget, CATCH_UP)  # both the minute and the hour are full
    assert refusal.window == "hour"
    assert refusal.retry_at == datetime(2025, 3, 10, 10, 1, tzinfo=UTC)


def test_a_token_stamped_in_the_future_still_counts() -> None:
    # Another Lambda's clock ran a little ahead: its call must not be forgotten by ours.
    clock = Clock()
    policy = BudgetPolicy(BudgetLimits(per_minute=1, guard=timedelta(0)), SOLO)
    ahead = decide(BudgetState(), CATCH_UP, T0 + timedelta(seconds=2), policy)
    assert isinstance(ahead, Granted)
    later = decide(ahead.state, CATCH_UP, clock(), policy)
    assert isinstance(later, Refused)
    assert later.retry_at == T0 + timedelta(seconds=62)


def test_a_refusal_changes_nothing() -> None:
    clock = Clock()
    budget = InMemoryReadBudget(now=clock)
    take_until_refused(budget, CATCH_UP)
    before = budget.load()
    with pytest.raises(ReadBudgetExhausted):
        budget.take(CATCH_UP)
    assert budget.load() is before
    assert before.version == 6


def test_old_calls_are_pruned_from_the_state() -> None:
    clock = Clock()
    budget = InMemoryReadBudget(now=clock)
    budget.take(CATCH_UP)
    clock.advance(hours=26)
    budget.take(PAYMENTS)
    state = budget.load()
    assert [c for _, c in state.recent] == [PAYMENTS]
    assert len(state.minutes) == 1
    assert len(state.hours) == 1


def test_snapshot_and_remaining_are_read_only() -> None:
    clock = Clock()
    budget = InMemoryReadBudget(now=clock)
    budget.take(OPERATOR)
    snapshot = budget.snapshot()
    assert snapshot.version == 1
    minute = snapshot.windows[Window.MINUTE]
    assert (minute.limit, minute.used, minute.used_by[OPERATOR]) == (9, 1, 1)
    assert minute.remaining == {CATCH_UP: 6, PAYMENTS: 5, OPERATOR: 3}
    assert snapshot.remaining(OPERATOR) == 3
    assert snapshot.as_dict()["windows"]["day"]["remaining"]["catch_up"] == 380 + 171  # reserve + pool
    assert budget.remaining(PAYMENTS) == 5
    assert budget.load().version == 1


def test_a_naive_clock_is_refused() -> None:
    budget = InMemoryReadBudget(now=lambda: datetime(2025, 3, 10, 9, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        budget.take(CATCH_UP)


def test_any_timezone_is_one_instant() -> None:
    kyiv = datetime(2025, 3, 10, 11, 0, 10, tzinfo=UTC).astimezone(tz=None)
    policy = BudgetPolicy(BudgetLimits(per_minute=1, guard=timedelta(0)), SOLO)
    first = decide(BudgetState(), CATCH_UP, kyiv, policy)
    assert isinstance(first, Granted)
    second = decide(first.state, CATCH_UP, kyiv.astimezone(UTC), policy)
    assert isinstance(second, Refused)


# --- the stored item --------------------------------------------------------------------------------------


def test_state_round_trips_through_the_dynamodb_item() -> None:
    clock = Clock()
    budget = InMemoryReadBudget(now=clock)
    for consumer in (CATCH_UP, PAYMENTS, CATCH_UP, OPERATOR):
        budget.take(consumer)
        clock.advance(minutes=7)
    state = budget.load()
    item = state_to_item(state, clock())
    assert item["pk"] == {"S": BUDGET_PK}
    assert item["sk"] == {"S": "state"}
    assert item["version"] == {"N": "4"}
    assert int(item["expires_at"]["N"]) == int((clock() + timedelta(days=2)).timestamp())
    assert state_from_item(item) == state


def test_a_missing_item_is_an_empty_budget() -> None:
    assert state_from_item(None) == BudgetState()
    assert state_from_item({}) == BudgetState()


def test_an_unknown_consumer_in_the_item_still_spends_the_limit() -> None:
    item = state_to_item(BudgetState(recent=((1_000, CATCH_UP),), version=1), T0)
    item["recent"]["L"][0]["L"][1] = {"S": "a_future_consumer"}
    item["minutes"] = {"M": {"0": {"M": {"a_future_consumer": {"N": "1"}, "operator": {"N": "2"}}}}}
    state = state_from_item(item)
    assert state.recent == ((1_000, OPERATOR),)
    assert state.minutes == {0: {OPERATOR: 3}}
