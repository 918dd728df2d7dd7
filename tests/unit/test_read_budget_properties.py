"""Properties of the pure decision function, over random policies and random request sequences.

Each example replays a sequence of (pause, consumer) requests through ``decide`` and checks, at every step
and at the end, what the budget promises: no sliding window over-spent, reserves honoured, ``retry_at``
right (in the future, sufficient, and the earliest), other consumers' unused reserves always covered.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.read_budget import ReadConsumer
from bridge.sync.read_budget_rules import (
    BudgetLimits,
    BudgetPolicy,
    BudgetState,
    Granted,
    Refused,
    Window,
    decide,
    usage,
)

START = datetime(2025, 3, 10, tzinfo=UTC)
LENGTH_MS = {Window.MINUTE: 60_000, Window.HOUR: 3_600_000, Window.DAY: 86_400_000}
BUCKET_MS = {Window.MINUTE: None, Window.HOUR: 60_000, Window.DAY: 3_600_000}


@st.composite
def policies(draw: st.DrawFn) -> BudgetPolicy:
    # Small limits, so that random sequences reach the hour and day limits too.
    per_minute = draw(st.integers(1, 6))
    per_hour = draw(st.integers(per_minute, 14))
    per_day = draw(st.integers(per_hour, 24))
    guard = timedelta(milliseconds=draw(st.integers(0, 5_000)))
    percents = draw(st.lists(st.integers(0, 60), min_size=3, max_size=3).filter(lambda p: sum(p) <= 100))
    shares = {c: p / 100 for c, p in zip(ReadConsumer, percents, strict=True)}
    try:
        return BudgetPolicy(BudgetLimits(per_minute, per_hour, per_day, guard), shares)
    except ValueError:
        # Shares that leave someone no possible token are refused by design; use a pure pool instead.
        return BudgetPolicy(BudgetLimits(per_minute, per_hour, per_day, guard), {})


pauses = st.one_of(
    st.integers(0, 2_000),  # bursts
    st.integers(0, 70_000),  # around the minute
    st.integers(0, 4_000_000),  # around the hour
    st.integers(0, 90_000_000),  # around the day
)
requests = st.lists(st.tuples(pauses, st.sampled_from(list(ReadConsumer))), min_size=1, max_size=60)


@dataclass
class Replay:
    policy: BudgetPolicy
    state: BudgetState = field(default_factory=BudgetState)
    granted: list[tuple[int, ReadConsumer]] = field(default_factory=list)  # (epoch ms, consumer)


def ms(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def counted(replay: Replay, window: Window, now_ms: int) -> Counter[ReadConsumer]:
    """An independent oracle of the budget's accounting: exact for the minute, whole buckets otherwise."""
    guard = replay.policy.limits.guard_ms
    used: Counter[ReadConsumer] = Counter()
    for ts, consumer in replay.granted:
        bucket = BUCKET_MS[window]
        end = ts + 1 if bucket is None else (ts // bucket + 1) * bucket
        # Exact: counted while ts > now - length - guard; a bucket: while its end is.
        if (end - 1 if bucket is None else end) + LENGTH_MS[window] + guard > now_ms:
            used[consumer] += 1
    return used


def max_in_any_window(times: list[int], length_ms: int) -> int:
    times = sorted(times)
    best, first = 0, 0
    for last, t in enumerate(times):
        while t - times[first] >= length_ms:
            first += 1
        best = max(best, last - first + 1)
    return best


def replay(policy: BudgetPolicy, steps: list[tuple[int, ReadConsumer]], check_step: bool = True) -> Replay:
    run = Replay(policy)
    now = START
    for pause, consumer in steps:
        now += timedelta(milliseconds=pause)
        decision = decide(run.state, consumer, now, policy)
        if check_step:
            check_decision(run, consumer, now, decision)
        if isinstance(decision, Granted):
            run.state = decision.state
            run.granted.append((ms(now), consumer))
            if check_step:
                check_reserves_covered(run, now)
    return run


def check_decision(run: Replay, consumer: ReadConsumer, now: datetime, decision: Granted | Refused) -> None:
    policy = run.policy
    within_reserve = all(counted(run, w, ms(now))[consumer] < policy.reserve(w, consumer) for w in Window)
    if within_reserve:
        assert isinstance(decision, Granted), f"{consumer} refused within its reserve: {decision}"
    if isinstance(decision, Refused):
        assert decision.retry_at > now
        again = decide(run.state, consumer, decision.retry_at, policy)
        assert isinstance(again, Granted), "the token promised at retry_at was not there"
        sooner = decide(run.state, consumer, decision.retry_at - timedelta(milliseconds=1), policy)
        assert isinstance(sooner, Refused), "retry_at was later than needed"
        assert decision.window in set(Window)
        assert usage(run.state, now, policy)[decision.window].remaining[consumer] == 0


def check_reserves_covered(run: Replay, now: datetime) -> None:
    """After any grant, the free capacity still covers every consumer's unused reserve in every window."""
    for window, seen in usage(run.state, now, run.policy).items():
        oracle = counted(run, window, ms(now))
        assert dict(seen.used_by) == {c: oracle[c] for c in ReadConsumer}
        unused = sum(max(0, seen.reserved[c] - seen.used_by[c]) for c in ReadConsumer)
        assert seen.limit - seen.used >= unused


@settings(max_examples=300, deadline=None)
@given(policies(), requests)
def test_no_sliding_window_ever_holds_more_than_its_limit(
    policy: BudgetPolicy, steps: list[tuple[int, ReadConsumer]]
) -> None:
    run = replay(policy, steps, check_step=False)
    times = [ts for ts, _ in run.granted]
    for window in Window:
        limit = policy.limits.limit(window)
        # SalesDrive's window, and the same stretched by the guard for requests that arrive late.
        assert max_in_any_window(times, LENGTH_MS[window]) <= limit
        assert max_in_any_window(times, LENGTH_MS[window] + policy.limits.guard_ms) <= limit


@settings(max_examples=300, deadline=None)
@given(policies(), requests)
def test_reserves_are_honoured_and_retry_at_is_exact(
    policy: BudgetPolicy, steps: list[tuple[int, ReadConsumer]]
) -> None:
    run = replay(policy, steps)  # the checks run at every step
    assert run.state.version == len(run.granted)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30_000), st.sampled_from(list(ReadConsumer))), max_size=120))
def test_default_policy_never_exceeds_salesdrive_limits(steps: list[tuple[int, ReadConsumer]]) -> None:
    policy = BudgetPolicy()
    run = replay(policy, steps)
    times = [ts for ts, _ in run.granted]
    assert max_in_any_window(times, 60_000) <= 9 < 10
    assert max_in_any_window(times, 3_600_000) <= 95 < 100


@settings(max_examples=100, deadline=None)
@given(policies(), requests, st.sampled_from(list(ReadConsumer)))
def test_a_refused_consumer_that_waits_until_retry_at_gets_its_token(
    policy: BudgetPolicy, steps: list[tuple[int, ReadConsumer]], consumer: ReadConsumer
) -> None:
    run = replay(policy, steps, check_step=False)
    now = START + timedelta(milliseconds=sum(p for p, _ in steps))
    # Drain the consumer at one instant, then follow retry_at a few times: it is always honoured.
    for _ in range(5):
        decision = decide(run.state, consumer, now, policy)
        while isinstance(decision, Granted):
            run.state = decision.state
            decision = decide(run.state, consumer, now, policy)
        assert decision.retry_at > now
        now = decision.retry_at
        assert isinstance(decide(run.state, consumer, now, policy), Granted)


def test_oracle_agrees_with_itself_on_bucket_edges() -> None:
    # Guard against a vacuous oracle: a call at 09:00:59.999 counts in the hour window until 10:01:00.
    policy = BudgetPolicy(BudgetLimits(guard=timedelta(0)), {})
    run = Replay(policy)
    at = ms(datetime(2025, 3, 10, 9, 0, 59, 999_000, tzinfo=UTC))
    run.granted.append((at, ReadConsumer.CATCH_UP))
    edge = ms(datetime(2025, 3, 10, 10, 1, tzinfo=UTC))
    assert counted(run, Window.HOUR, edge - 1)[ReadConsumer.CATCH_UP] == 1
    assert counted(run, Window.HOUR, edge)[ReadConsumer.CATCH_UP] == 0
    assert counted(run, Window.MINUTE, at + 59_999)[ReadConsumer.CATCH_UP] == 1
    assert counted(run, Window.MINUTE, at + 60_000)[ReadConsumer.CATCH_UP] == 0
