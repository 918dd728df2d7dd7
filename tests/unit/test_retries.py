"""The one retry policy (``bridge.retries``) and its rule for writes."""

from __future__ import annotations

import pytest

from bridge.retries import RetryPolicy, may_resend


class Flaky(Exception):
    pass


def test_a_write_that_was_sent_is_never_resent() -> None:
    # A 5xx or a timeout after a WRITE means the outcome is unknown: never blindly retry a write.
    assert not may_resend(idempotent=False, sent=True)


def test_a_write_that_never_left_may_be_resent() -> None:
    assert may_resend(idempotent=False, sent=False)


@pytest.mark.parametrize("sent", [True, False])
def test_an_idempotent_request_may_be_resent(sent: bool) -> None:
    assert may_resend(idempotent=True, sent=sent)


def test_call_retries_what_retry_on_accepts_with_backoff_then_returns() -> None:
    sleeps: list[float] = []
    outcomes: list[Exception | str] = [Flaky(), Flaky(), "done"]

    def attempt() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    policy = RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=20.0)
    result = policy.call(attempt, lambda e: isinstance(e, Flaky), sleep=sleeps.append, jitter=lambda: 1.0)
    assert result == "done"
    assert sleeps == [1.0, 2.0]


def test_call_reraises_the_last_failure_after_max_attempts() -> None:
    sleeps: list[float] = []
    calls = []

    def attempt() -> None:
        calls.append(1)
        raise Flaky

    policy = RetryPolicy(max_attempts=3, base_delay=2.0, max_delay=3.0)
    with pytest.raises(Flaky):
        policy.call(attempt, lambda e: True, sleep=sleeps.append, jitter=lambda: 0.5)
    assert len(calls) == 3
    assert sleeps == [1.5, 2.25]


def test_call_does_not_retry_what_retry_on_refuses() -> None:
    calls = []

    def attempt() -> None:
        calls.append(1)
        raise ValueError

    with pytest.raises(ValueError):
        RetryPolicy().call(attempt, lambda e: isinstance(e, Flaky), sleep=lambda s: None, jitter=lambda: 0.0)
    assert len(calls) == 1
