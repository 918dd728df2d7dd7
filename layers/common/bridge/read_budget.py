"""The contract of SalesDrive's shared read budget.

SalesDrive allows 10 list calls a minute, 100 an hour and 1,000 a day for the whole account, and every
function of a deployment reads lists (catch-up sweep, payment import, tools). The SalesDrive client asks
a ``ReadBudget`` for a token before each list call. The rules live in ``bridge.sync.read_budget_rules``,
the DynamoDB store in ``bridge.store.read_budget_item``; this module holds only the contract, so that
the client and the budget never import each other.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol


class ReadConsumer(StrEnum):
    """Who spends list calls. Each consumer has a reserved share, so none can starve another."""

    CATCH_UP = "catch_up"  # the sweep of SalesDrive order changes missed by webhooks
    PAYMENTS = "payments"  # the payment importer
    OPERATOR = "operator"  # replay, tools, SKU matching and everything else


class ReadBudgetExhausted(Exception):
    """No token is left for this consumer; come back at ``retry_at`` instead of being throttled."""

    def __init__(self, consumer: ReadConsumer, retry_at: datetime, window: str) -> None:
        super().__init__(f"SalesDrive read budget exhausted for {consumer} ({window}); retry at {retry_at}")
        self.consumer = consumer
        self.retry_at = retry_at
        self.window = window


class ReadBudget(Protocol):
    def take(self, consumer: ReadConsumer) -> None:
        """Take one list-call token or raise ``ReadBudgetExhausted``."""
        ...


class UnlimitedReadBudget:
    """For tools and tests that talk to an emulator without limits. Never used in a deployment."""

    def take(self, consumer: ReadConsumer) -> None:
        return None
