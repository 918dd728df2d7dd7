"""The one retry policy of both HTTP clients (UTP OData and SalesDrive), built on tenacity.

Transient failures are retried a bounded number of times with exponential backoff and jitter.
A write is resent only when it provably never left: see ``may_resend``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter: delay_n = min(cap, base·2ⁿ) · (0.5 + 0.5·jitter)."""

    max_attempts: int = 4  # in total, the first try included
    base_delay: float = 1.0
    max_delay: float = 20.0

    def delay(self, retry_number: int, jitter: float) -> float:
        """Seconds before retry ``retry_number`` (0-based), ``jitter`` in [0, 1]: in [cap/2, cap]."""
        cap = min(self.max_delay, self.base_delay * (2**retry_number))
        return cap / 2 + cap / 2 * jitter

    def retrying(
        self,
        retry_on: Callable[[BaseException], bool],
        *,
        sleep: Callable[[float], None],
        jitter: Callable[[], float],
    ) -> Retrying:
        """A tenacity ``Retrying`` that retries exceptions ``retry_on`` accepts and re-raises the last."""

        def wait(state: RetryCallState) -> float:
            return self.delay(state.attempt_number - 1, jitter())

        return Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=wait,
            retry=retry_if_exception(retry_on),
            sleep=sleep,
            reraise=True,
        )

    def call(
        self,
        attempt: Callable[[], T],
        retry_on: Callable[[BaseException], bool],
        *,
        sleep: Callable[[float], None],
        jitter: Callable[[], float],
    ) -> T:
        """Run ``attempt`` until it returns, raises something not retryable, or attempts run out."""
        return self.retrying(retry_on, sleep=sleep, jitter=jitter)(attempt)


# Defaults of each client: 1C answers slowly after idle but recovers fast; SalesDrive needs longer.
UTP_RETRY = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=8.0)
SALESDRIVE_RETRY = RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=20.0)


def may_resend(*, idempotent: bool, sent: bool) -> bool:
    """Whether a failed request may be sent again.

    A 5xx or a timeout after a WRITE means the outcome is unknown: the write may have been applied.
    Never blindly retry a write; only an idempotent request, or one that provably never left (the
    connection was never made), may be resent. The caller raises its "outcome unknown" error otherwise.
    """
    return idempotent or not sent
