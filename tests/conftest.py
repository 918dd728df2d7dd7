"""Fixtures shared by every test layer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from bridge.read_budget import ReadBudgetExhausted, ReadConsumer

# Nothing in a test may reach a real AWS account, whatever the developer's shell has configured.
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
for _name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
    os.environ.pop(_name, None)
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"


class CountingBudget:
    """A SalesDrive read budget that records every token taken and raises, with ``retry_at``, once
    ``allow`` tokens are spent (never when ``allow`` is None)."""

    def __init__(self, allow: int | None = None, retry_at: datetime = datetime(2025, 10, 5, 12, 1)) -> None:
        self.allow = allow
        self.retry_at = retry_at
        self.taken: list[ReadConsumer] = []

    def take(self, consumer: ReadConsumer) -> None:
        if self.allow is not None and len(self.taken) >= self.allow:
            raise ReadBudgetExhausted(consumer, self.retry_at, "minute")
        self.taken.append(consumer)


@pytest.fixture(autouse=True)
def fresh_lambda_instance() -> Iterator[None]:
    """Every test starts like a new Lambda instance: the bridge's cached collaborators (clients,
    endpoints, secrets) of an earlier test — or of an earlier sandbox stack, whose handlers share this
    process — must not leak into it."""
    from bridge import runtime

    runtime.reset()
    yield
    runtime.reset()


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A moto DynamoDB client with the bridge's table (``bridge-test``), shaped as in template.yaml.

    Clients the test makes itself (``boto3.client("dynamodb")``) reach the same moto table.
    """
    import boto3
    from moto import mock_aws

    from tests.bridge_table import create_bridge_table

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-central-1")
        create_bridge_table(client)
        yield client
