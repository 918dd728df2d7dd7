"""Parts of the operator's tool that need no sandbox: the copy-on-write table of dry runs (on moto) and
resolving a deployed stack from its CloudFormation description."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bridge.store.deals import CounterpartyLink, DealStore, DocumentKind, OrderState
from bridge_ops.dryrun import OverlayDynamoDB
from bridge_ops.target import TargetError, sandbox_target, stack_target
from tests.bridge_table import create_bridge_table

TABLE = "salesdrive-utp-bridge-test"


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("dynamodb")
        create_bridge_table(client, TABLE)
        yield client


def test_a_dry_run_store_reads_the_real_table_and_writes_nothing_to_it(dynamodb: Any) -> None:
    real = DealStore(TABLE, dynamodb=dynamodb)
    real.save_order_state(OrderState(order_id=7, version=1, update_at="2026-01-01 10:00:00"))
    real.audit(7, "event_received", version=1)
    real.park(8, "unknown SKU in UTP: X-1", skus=["X-1"], payload="{}")

    overlay = OverlayDynamoDB(dynamodb)
    dry = DealStore(TABLE, dynamodb=overlay)
    state = dry.order_state(7)
    assert state is not None and state.version == 1  # real data is visible
    dry.save_order_state(OrderState(order_id=7, version=2, update_at="2026-01-02 10:00:00"))
    dry.audit(7, "utp_order_created", ref="r")
    dry.link_counterparty(["phone:380501110001"], CounterpartyLink(counterparty_ref="c", contract_ref="k"))
    dry.unpark(8)
    entry, won = dry.record_intent(DocumentKind.SALES_ORDER, "7")
    again, won_again = dry.record_intent(DocumentKind.SALES_ORDER, "7")  # the condition holds in memory
    assert won and not won_again and again.claim == entry.claim
    assert dry.take_over_intent(entry) is not None  # "claim = :claim" is evaluated too

    # The dry run sees its own writes, merged with the real ones...
    assert dry.order_state(7).version == 2  # type: ignore[union-attr]
    assert [e["event"] for e in dry.audit_trail(7)] == ["event_received", "utp_order_created"]
    assert dry.parked_orders() == []
    # ...and the table has none of them.
    assert real.order_state(7).version == 1  # type: ignore[union-attr]
    assert [e["event"] for e in real.audit_trail(7)] == ["event_received"]
    assert real.counterparty_for("phone:380501110001") is None
    assert real.ledger(DocumentKind.SALES_ORDER, "7") is None
    assert [p.order_id for p in real.parked_orders()] == [8]
    assert ("put", ("order#7", "state")) in overlay.writes


class FakeCloudFormation:
    def __init__(self, stacks: dict[str, dict[str, Any]], resources: list[dict[str, str]]) -> None:
        self.stacks = stacks
        self.resources = resources

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        if StackName not in self.stacks:
            raise RuntimeError(f"Stack with id {StackName} does not exist")
        return {"Stacks": [self.stacks[StackName]]}

    def list_stack_resources(self, StackName: str, NextToken: str | None = None) -> dict[str, Any]:
        half = len(self.resources) // 2
        if NextToken is None:
            return {"StackResourceSummaries": self.resources[:half], "NextToken": "2"}
        return {"StackResourceSummaries": self.resources[half:]}


def test_a_deployed_stack_is_resolved_from_its_parameters_outputs_and_resources() -> None:
    cfn = FakeCloudFormation(
        {
            "bridge-prod": {
                "Parameters": [
                    {"ParameterKey": "SecretsPrefix", "ParameterValue": "/shop/bridge"},
                    {"ParameterKey": "SalesDriveAccount", "ParameterValue": "sparesshop"},
                    {"ParameterKey": "UtpODataUrl", "ParameterValue": "https://1c/utp/odata/standard.odata"},
                ],
                "Outputs": [
                    {"OutputKey": "BridgeTableName", "OutputValue": "salesdrive-utp-bridge-prod"},
                    {"OutputKey": "DealQueueUrl", "OutputValue": "https://sqs/1/deals-prod.fifo"},
                    {
                        "OutputKey": "DealDeadLetterQueueUrl",
                        "OutputValue": "https://sqs/1/deals-dlq-prod.fifo",
                    },
                ],
            }
        },
        [
            {"LogicalResourceId": "BridgeTable", "PhysicalResourceId": "salesdrive-utp-bridge-prod"},
            {"LogicalResourceId": "CatalogBucket", "PhysicalResourceId": "catalog-bucket-prod"},
        ],
    )
    target = stack_target("bridge-prod", region="eu-central-1", cloudformation=cfn)
    assert target.environment == {
        "BRIDGE_TABLE": "salesdrive-utp-bridge-prod",
        "BRIDGE_SECRETS_PREFIX": "/shop/bridge",
        "SALESDRIVE_ACCOUNT": "sparesshop",
        "DEAL_QUEUE_URL": "https://sqs/1/deals-prod.fifo",
        "UTP_ODATA_URL": "https://1c/utp/odata/standard.odata",
        "CATALOG_BUCKET": "catalog-bucket-prod",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_REGION": "eu-central-1",
    }
    assert target.dead_letter_queue_url == "https://sqs/1/deals-dlq-prod.fifo"
    with pytest.raises(TargetError, match="does not exist"):
        stack_target("nope", cloudformation=cfn)


def test_without_a_running_sandbox_the_tool_says_how_to_start_one(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="make sandbox"):
        sandbox_target(tmp_path / "endpoints.json")
