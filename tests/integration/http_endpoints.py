"""The product's two HTTP endpoints in process, as API Gateway (HTTP API, payload v2) invokes them.

One moto world holds everything they could touch: the FIFO deal queue, the bridge's DynamoDB table,
the catalog bucket and the SSM secrets. ``snapshot()`` counts what is stored, so a test can prove that
a refused request stored nothing.
"""

from __future__ import annotations

import base64
import copy
import importlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from bridge import runtime
from tests.bridge_table import create_bridge_table

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_EVENT = json.loads((ROOT / "events/webhook_receiver/new_order.json").read_text(encoding="utf-8"))
TRIGGER_EVENT = json.loads((ROOT / "events/catalog_push/trigger.json").read_text(encoding="utf-8"))
SAMPLE_BODY: dict[str, Any] = json.loads(WEBHOOK_EVENT["body"])

WEBHOOK_TOKEN = "fuzz-webhook-token-0123456789abcdef"
OLD_WEBHOOK_TOKEN = "fuzz-old-webhook-token"
TRIGGER_TOKEN = "fuzz-trigger-token-fedcba9876543210"
ACCOUNT = "sparesshop"
TABLE = "bridge-test"
BUCKET = "bridge-test-catalog"
PREFIX = "/bridge-fuzz"


class Context:
    function_name = "http-endpoint"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:http-endpoint"
    aws_request_id = "req-fuzz"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


@dataclass(frozen=True)
class Stored:
    queued: int
    items: int
    objects: int


@dataclass
class Endpoints:
    receiver: ModuleType
    catalog: ModuleType
    sqs: Any
    queue_url: str
    dynamodb: Any
    s3: Any
    changes_url: str

    def snapshot(self) -> Stored:
        queued = 0
        for url in (self.queue_url, self.changes_url):
            attributes = self.sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            queued += int(attributes["ApproximateNumberOfMessages"])
            queued += int(attributes["ApproximateNumberOfMessagesNotVisible"])
        items = int(self.dynamodb.scan(TableName=TABLE, Select="COUNT")["Count"])
        objects = int(self.s3.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0))
        return Stored(queued, items, objects)

    def queued_bodies(self) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
        return [json.loads(m["Body"]) for m in answer.get("Messages", [])]

    def change_messages(self) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(QueueUrl=self.changes_url, MaxNumberOfMessages=10)
        return [json.loads(m["Body"]) for m in answer.get("Messages", [])]

    def clear(self) -> None:
        """Forget what earlier examples stored (the table and the queue), keep the deployment."""
        self.sqs.purge_queue(QueueUrl=self.queue_url)
        self.sqs.purge_queue(QueueUrl=self.changes_url)
        for item in self.dynamodb.scan(TableName=TABLE)["Items"]:
            self.dynamodb.delete_item(TableName=TABLE, Key={"pk": item["pk"], "sk": item["sk"]})


def http_event(
    template: dict[str, Any],
    route: str,
    token: str,
    body: str | bytes | None,
    *,
    content_type: str | None = "application/json",
    headers: dict[str, str] | None = None,
    base64_body: bool = False,
) -> dict[str, Any]:
    """An API Gateway v2 event for ``POST /<route>/<token>`` as the HTTP API builds it."""
    event = copy.deepcopy(template)
    event["pathParameters"] = {"token": token}
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/{route}/{token}"
    event["headers"] = {k.lower(): v for k, v in (headers or {}).items()}
    if content_type is not None:
        event["headers"]["content-type"] = content_type
    if body is None:
        event.pop("body", None)
        event["isBase64Encoded"] = False
    elif isinstance(body, bytes) or base64_body:
        raw = body if isinstance(body, bytes) else body.encode("utf-8")
        event["body"] = base64.b64encode(raw).decode("ascii")
        event["isBase64Encoded"] = True
    else:
        event["body"] = body
        event["isBase64Encoded"] = False
    return event


def call_webhook(endpoints: Endpoints, token: str, body: str | bytes | None, **kw: Any) -> dict[str, Any]:
    event = http_event(WEBHOOK_EVENT, "webhook", token, body, **kw)
    return endpoints.receiver.lambda_handler(event, Context())


def call_trigger(endpoints: Endpoints, token: str, body: str | bytes | None, **kw: Any) -> dict[str, Any]:
    event = http_event(TRIGGER_EVENT, "catalog-trigger", token, body, **kw)
    return endpoints.catalog.lambda_handler(event, Context())


def open_endpoints(monkeypatch: Any) -> Iterator[Endpoints]:
    """Build the moto deployment and import both handlers; a generator for a pytest fixture."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        region = "eu-central-1"
        sqs = boto3.client("sqs", region_name=region)
        url = sqs.create_queue(
            QueueName="deals.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"}
        )["QueueUrl"]
        changes_url = sqs.create_queue(QueueName="catalog-changes")["QueueUrl"]
        dynamodb = boto3.client("dynamodb", region_name=region)
        create_bridge_table(dynamodb, TABLE)
        s3 = boto3.client("s3", region_name=region)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": region})
        ssm = boto3.client("ssm", region_name=region)
        ssm.put_parameter(
            Name=f"{PREFIX}/webhook-token", Type="SecureString", Value=f"{WEBHOOK_TOKEN},{OLD_WEBHOOK_TOKEN}"
        )
        ssm.put_parameter(Name=f"{PREFIX}/catalog-trigger-token", Type="SecureString", Value=TRIGGER_TOKEN)
        monkeypatch.setenv("BRIDGE_TABLE", TABLE)
        monkeypatch.setenv("BRIDGE_SECRETS_PREFIX", PREFIX)
        monkeypatch.setenv("SALESDRIVE_ACCOUNT", ACCOUNT)
        monkeypatch.setenv("DEAL_QUEUE_URL", url)
        monkeypatch.setenv("CATALOG_BUCKET", BUCKET)
        monkeypatch.setenv("CATALOG_CHANGE_QUEUE_URL", changes_url)
        monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Test")
        monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
        runtime.reset()
        receiver = importlib.import_module("functions.webhook_receiver.app")
        catalog = importlib.import_module("functions.catalog_push.app")
        yield Endpoints(receiver, catalog, sqs, url, dynamodb, s3, changes_url)
        runtime.reset()
