"""The webhook receiver end to end in process: API Gateway v2 event → handler → FIFO queue (moto)."""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge import runtime

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_EVENT = json.loads((ROOT / "events/webhook_receiver/new_order.json").read_text(encoding="utf-8"))


class Context:
    function_name = "webhook-receiver"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:webhook-receiver"
    aws_request_id = "req-1"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 3000


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ModuleType, Any]]:
    import boto3
    from moto import mock_aws

    with mock_aws():
        sqs = boto3.client("sqs", region_name="eu-central-1")
        url = sqs.create_queue(
            QueueName="deals.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"}
        )["QueueUrl"]
        ssm = boto3.client("ssm", region_name="eu-central-1")
        ssm.put_parameter(
            Name="/bridge-test/webhook-token", Type="SecureString", Value="sandbox-webhook-token,old-token"
        )
        monkeypatch.setenv("BRIDGE_TABLE", "bridge-test")
        monkeypatch.setenv("BRIDGE_SECRETS_PREFIX", "/bridge-test")
        monkeypatch.setenv("SALESDRIVE_ACCOUNT", "sparesshop")
        monkeypatch.setenv("DEAL_QUEUE_URL", url)
        monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Test")
        monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
        runtime.reset()
        module = importlib.import_module("functions.webhook_receiver.app")
        yield module, (sqs, url)
        runtime.reset()


def invoke(
    module: ModuleType, *, token: str = "sandbox-webhook-token", body: str | None = None
) -> dict[str, Any]:
    event = copy.deepcopy(SAMPLE_EVENT)
    event["pathParameters"] = {"token": token}
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/webhook/{token}"
    if body is not None:
        event["body"] = body
    return module.lambda_handler(event, Context())  # type: ignore[no-any-return]


def queued(queue: Any) -> list[dict[str, Any]]:
    sqs, url = queue
    answer = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageSystemAttributeNames=["All"]
    )
    return list(answer.get("Messages", []))


def payload(**changes: Any) -> dict[str, Any]:
    data = json.loads(SAMPLE_EVENT["body"])
    for key, value in changes.items():
        section, _, field = key.partition("__")
        data[section][field] = value
    return data


def test_an_order_event_is_enqueued_in_its_order_group(receiver: tuple[ModuleType, Any]) -> None:
    module, queue = receiver
    answer = invoke(module)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"accepted": True, "orderId": 10452}
    [message] = queued(queue)
    assert message["Attributes"]["MessageGroupId"] == "10452"
    assert json.loads(message["Body"])["data"]["id"] == 10452


def test_the_previous_token_still_works_during_a_rotation(receiver: tuple[ModuleType, Any]) -> None:
    module, queue = receiver
    assert invoke(module, token="old-token")["statusCode"] == 200
    assert len(queued(queue)) == 1


def test_a_duplicate_delivery_is_enqueued_once(receiver: tuple[ModuleType, Any]) -> None:
    module, queue = receiver
    assert invoke(module)["statusCode"] == 200
    assert invoke(module)["statusCode"] == 200
    assert len(queued(queue)) == 1


def test_a_new_version_is_a_new_message(receiver: tuple[ModuleType, Any]) -> None:
    module, queue = receiver
    invoke(module)
    invoke(module, body=json.dumps(payload(data__version=2, data__statusId=5)))
    assert len(queued(queue)) == 2


@pytest.mark.parametrize(
    ("token", "body", "status", "reason"),
    [
        ("wrong", None, 403, "token"),
        ("sandbox-webhook-token", "not json{", 400, "JSON"),
        ("sandbox-webhook-token", "[1, 2]", 400, "JSON object"),
        ("sandbox-webhook-token", json.dumps({"info": {"webhookType": "order"}}), 422, "data"),
        ("sandbox-webhook-token", json.dumps(payload(info__webhookType="product")), 422, "webhookType"),
        ("sandbox-webhook-token", json.dumps(payload(data__id="abc")), 422, "data.id"),
        ("sandbox-webhook-token", json.dumps(payload(info__account="othershop")), 403, "account"),
        ("sandbox-webhook-token", "x" * (201 * 1024), 413, "exceeds"),
        ("sandbox-webhook-token", "", 400, "empty"),
    ],
)
def test_bad_input_is_a_4xx_with_a_reason_and_nothing_is_enqueued(
    receiver: tuple[ModuleType, Any], token: str, body: str | None, status: int, reason: str
) -> None:
    module, queue = receiver
    answer = invoke(module, token=token, body=body)
    assert answer["statusCode"] == status
    assert reason in json.loads(answer["body"])["reason"]
    assert queued(queue) == []


def test_a_missing_token_matches_no_route(receiver: tuple[ModuleType, Any]) -> None:
    module, queue = receiver
    assert invoke(module, token="")["statusCode"] == 404
    assert queued(queue) == []


def test_an_unhandled_event_type_is_acknowledged_and_ignored(receiver: tuple[ModuleType, Any]) -> None:
    module, queue = receiver
    answer = invoke(module, body=json.dumps(payload(info__webhookEvent="order_deleted")))
    assert answer["statusCode"] == 200
    assert "ignored" in json.loads(answer["body"])
    assert queued(queue) == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(st.binary(max_size=300).map(lambda b: b.decode("latin-1")), json_values.map(json.dumps))
)
def test_fuzzed_bodies_are_never_a_5xx_and_never_enqueued(
    receiver: tuple[ModuleType, Any], body: str
) -> None:
    module, queue = receiver
    answer = invoke(module, body=body)
    assert 200 <= answer["statusCode"] < 500
    if answer["statusCode"] == 200:
        assert json.loads(answer["body"]).get("accepted") is not True
    assert queued(queue) == []
