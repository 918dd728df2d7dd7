"""The in-process deployment the cost bench measures: moto (queues, table, bucket, SSM secrets), both
emulators through httpx WSGI transports, the real handlers of ``functions/`` and ``bridge.runtime``."""

from __future__ import annotations

import copy
import importlib
import json
import os
import time
import uuid
from functools import cache
from typing import Any

import cost_prices as cost
from cost_meter import METER, Sample, TimedApp
from cost_template import FunctionInfo
from harness import ROOT, create_table

TABLE, BUCKET, PREFIX = "bridge-bench", "bridge-bench-catalog", "/bridge-bench"
UTP_ROOT = "http://utp.bench/utp/odata/standard.odata/"


class Context:
    """The Lambda context object (what Powertools reads)."""

    def __init__(self, info: FunctionInfo) -> None:
        self.function_name = f"salesdrive-utp-bridge-{info.logical_id}-bench"
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = str(info.memory_mb)
        self.invoked_function_arn = f"arn:aws:lambda:eu-central-1:123456789012:function:{self.function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "2026/01/01/[$LATEST]" + uuid.uuid4().hex
        self._deadline = time.time() + info.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self._deadline - time.time()) * 1000), 0)


def _event(path: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((ROOT / "events" / path).read_text(encoding="utf-8"))
    return loaded


class World:
    """moto (queues, table, bucket, SSM secrets), both emulators, the real handlers and ``bridge.runtime``
    (its UTP and SalesDrive clients on the emulators' WSGI apps; everything else as deployed)."""

    def __init__(self, infos: dict[str, FunctionInfo], template: dict[str, Any]) -> None:
        from bridge import runtime
        from sandbox.salesdrive.app import SalesDriveEmulatorConfig
        from sandbox.salesdrive.app import create_app as create_salesdrive
        from sandbox.utp.app import UtpEmulatorConfig
        from sandbox.utp.app import create_app as create_utp

        self.infos = infos
        self._create_aws_resources(template)
        self.utp_app = create_utp(UtpEmulatorConfig(products=80, warehouses=3))
        self.webhooks_sent = 0
        self.sd_app = create_salesdrive(SalesDriveEmulatorConfig(), webhook_transport=self._webhook)
        self.webhook_token, self.trigger_token = "bench-webhook-token", "bench-trigger-token"
        self.sd_app.subscribe(f"https://bridge.bench/webhook/{self.webhook_token}")
        self._put_secrets()
        self._set_environment(template)
        self._point_runtime_at_emulators()
        self.runtime = runtime
        seed = self.utp_app.seed_info
        goods = [p for p in seed["sample_products"] if not p.get("service")]
        self.skus = [p["sku"] for p in goods]
        self.product_refs = [p["ref"] for p in goods]
        self.modules: dict[str, Any] = {}
        for lid, info in infos.items():
            package = info.code_uri.strip("/").replace("/", ".")
            self.modules[lid] = importlib.import_module(f"{package}.app")
        self.samples: dict[str, list[tuple[str, Sample]]] = {lid: [] for lid in infos}
        self.warm: set[str] = set()
        self.esm: dict[str, Sample] = {}  # queue → the event-source poller's receives and deletes
        self.esm_messages: dict[str, int] = {}

    def _create_aws_resources(self, template: dict[str, Any]) -> None:
        """The deal queue (and the change queue when the template has one), the table, the bucket."""
        import boto3

        self.sqs = boto3.client("sqs")
        self.deal_queue = self.sqs.create_queue(
            QueueName="deals.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"}
        )["QueueUrl"]
        self.change_queue: str | None = None
        if "CatalogChangeQueue" in template["Resources"]:
            self.change_queue = self.sqs.create_queue(QueueName="catalog-changes")["QueueUrl"]
        self.dynamodb = boto3.client("dynamodb")
        create_table(self.dynamodb, TABLE)
        self.s3 = boto3.client("s3")
        self.s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})

    def _put_secrets(self) -> None:
        """The SSM SecureStrings the functions read (credentials, tokens and the settings)."""
        import boto3

        from sandbox.runner.product import DEFAULT_SETTINGS

        account = self.sd_app.config.account
        ssm = boto3.client("ssm")
        for name, value in {
            "salesdrive-api-key": self.sd_app.config.api_key,
            "utp-user": "bridge",
            "utp-password": "bridge",
            "webhook-token": self.webhook_token,
            "catalog-trigger-token": self.trigger_token,
            "salesdrive-yml-key": self.sd_app.config.yml_public_key,
            # One poll a watcher run here (its minute of polls is priced in ``cost_usage``).
            "settings": json.dumps(
                {"salesdrive_account": account, **DEFAULT_SETTINGS, "catalog_watch_run_seconds": 5},
                ensure_ascii=False,
            ),
        }.items():
            ssm.put_parameter(Name=f"{PREFIX}/{name}", Type="SecureString", Value=value)

    def _set_environment(self, template: dict[str, Any]) -> None:
        """The functions' environment: the template's literal globals, then this world's resources."""
        glob = ((template.get("Globals") or {}).get("Function") or {}).get("Environment") or {}
        for name, value in (glob.get("Variables") or {}).items():
            if isinstance(value, str | int):  # the template's literal values; !Ref ones below
                os.environ[name] = str(value)
        os.environ.update(
            BRIDGE_TABLE=TABLE,
            BRIDGE_SECRETS_PREFIX=PREFIX,
            SALESDRIVE_ACCOUNT=self.sd_app.config.account,
            UTP_ODATA_URL=UTP_ROOT.rstrip("/"),
            DEAL_QUEUE_URL=self.deal_queue,
            CATALOG_BUCKET=BUCKET,
            POWERTOOLS_TRACE_DISABLED="true",  # no X-Ray daemon here; traces are priced per invocation
        )
        if self.change_queue:
            os.environ["CATALOG_CHANGE_QUEUE_URL"] = self.change_queue

    def _point_runtime_at_emulators(self) -> None:
        """``bridge.runtime``'s UTP and SalesDrive clients on the emulators' (timed) WSGI apps."""
        import httpx

        from bridge import runtime
        from bridge.salesdrive.client import SalesDriveClient
        from bridge.utp.client import UtpClient

        utp_timed, sd_timed = TimedApp(self.utp_app, "utp"), TimedApp(self.sd_app, "sd")
        account = self.sd_app.config.account

        @cache
        def utp_client() -> Any:
            http = httpx.Client(
                transport=httpx.WSGITransport(app=utp_timed),
                base_url=UTP_ROOT,
                auth=(runtime.secret("utp-user"), runtime.secret("utp-password")),
            )
            cfg = runtime.settings()
            return UtpClient.from_http(
                http, order_marker_field=cfg.order_marker_field, order_extra_fields=cfg.order_attributes
            )

        @cache
        def salesdrive_client() -> Any:
            http = httpx.Client(
                transport=httpx.WSGITransport(app=sd_timed), base_url=f"https://{account}.salesdrive.me"
            )
            return SalesDriveClient(
                api_key=runtime.secret("salesdrive-api-key"), budget=runtime.read_budget(), http=http
            )

        runtime.utp_client = utp_client  # type: ignore[assignment]
        runtime.salesdrive_client = salesdrive_client  # type: ignore[assignment]
        runtime.reset()

    def invoke(self, lid: str, event: Any, label: str) -> Any:
        """One invocation; a function's first one runs on a fresh ``bridge.runtime`` (a cold start)."""
        if lid not in self.warm:
            self.warm.add(lid)
            self.runtime.reset()
            label = "cold"
        with METER.measure() as sample:
            result = self.modules[lid].lambda_handler(event, Context(self.infos[lid]))
        self.samples[lid].append((label, sample))
        return result

    def of(self, lid: str, *labels: str) -> list[Sample]:
        return [s for label, s in self.samples[lid] if label in labels]

    def http_event(self, route: str, token: str, body: str) -> dict[str, Any]:
        source = "webhook_receiver/new_order.json" if route == "webhook" else "catalog_push/trigger.json"
        event = copy.deepcopy(_event(source))
        event["pathParameters"] = {"token": token}
        event["rawPath"] = event["requestContext"]["http"]["path"] = f"/{route}/{token}"
        event["body"], event["isBase64Encoded"] = body, False
        return event

    def _webhook(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        self.webhooks_sent += 1
        event = self.http_event("webhook", self.webhook_token, body.decode("utf-8"))
        return int(self.invoke("WebhookReceiverFunction", event, "webhook")["statusCode"])

    def poll(self, queue: str, lid: str, label: str, *, batch: int = 1) -> int:
        """The event-source poller: receive, invoke with an SQS event, delete what succeeded."""
        with METER.measure() as received:
            answer = self.sqs.receive_message(
                QueueUrl=queue,
                MaxNumberOfMessages=batch,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
        messages = answer.get("Messages", [])
        if not messages:
            return 0
        arn = f"arn:aws:sqs:eu-central-1:123456789012:{queue.rsplit('/', 1)[-1]}"
        records = [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {
                    k: {"stringValue": v.get("StringValue"), "dataType": v.get("DataType")}
                    for k, v in (m.get("MessageAttributes") or {}).items()
                },
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": "eu-central-1",
            }
            for m in messages
        ]
        result = self.invoke(lid, {"Records": records}, label) or {}
        failed = {f["itemIdentifier"] for f in (result.get("batchItemFailures") or [])}
        if failed:
            raise RuntimeError(f"{lid} failed {len(failed)} message(s): {result}")
        with METER.measure() as deleted:
            self.sqs.delete_message_batch(
                QueueUrl=queue,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )
        self.esm[queue] = self.esm.get(queue, Sample()) + received + deleted
        self.esm_messages[queue] = self.esm_messages.get(queue, 0) + len(messages)
        return len(messages)

    def deliver(self, label: str) -> None:
        """Every webhook SalesDrive sends now → receiver → FIFO queue → deal processor."""
        self.sd_app.deliver_due_webhooks()
        while self.poll(self.deal_queue, "DealProcessorFunction", label):
            pass

    def scheduled_event(self, lid: str) -> dict[str, Any]:
        folder = self.infos[lid].code_uri.strip("/").rsplit("/", 1)[-1]
        path = ROOT / "events" / folder / "schedule.json"
        return _event(f"{folder}/schedule.json" if path.exists() else "catch_up_sweep/schedule.json")

    def scheduled(self, lid: str, label: str, **extra: Any) -> Any:
        return self.invoke(lid, {**self.scheduled_event(lid), **extra}, label)

    @staticmethod
    def checked(result: dict[str, Any]) -> dict[str, Any]:
        """A SalesDrive reader's run must have done its work (not stopped by the read budget)."""
        if result.get("budget_exhausted"):
            raise RuntimeError(f"the read budget stopped a measured run: {result}")
        return result

    def refresh_secrets(self, lid: str, event: Any) -> Sample:
        """An invocation after Powertools' secret cache expired (every 5 min): what it re-reads."""
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()
        self.invoke(lid, event, "secret refresh")
        return self.samples[lid][-1][1]

    def set_price(self, product_ref: str, price: float) -> None:
        """A price-setting document posted in UTP (outside any measurement)."""
        import httpx
        from bench_catalog import post

        seed = self.utp_app.seed_info
        with httpx.Client(
            transport=httpx.WSGITransport(app=self.utp_app), base_url=UTP_ROOT, auth=("bridge", "bridge")
        ) as http:
            from sandbox.utp.catalog_bodies import price_row

            product = http.get(f"/Catalog_Номенклатура(guid'{product_ref}')?$format=json").json()
            line = price_row(seed, product_ref, product["ЕдиницаХраненияОстатков_Key"], price)
            post(http, "Document_УстановкаЦенНоменклатуры", {"Date": "2030-01-01T00:00:00", "Товары": [line]})

    def table_bytes(self) -> int:
        """Bytes of the deals' items (DynamoDB adds 100 bytes of overhead per item)."""
        total = 0
        for page in self.dynamodb.get_paginator("scan").paginate(TableName=TABLE):
            for item in page["Items"]:
                if not item["pk"]["S"].startswith("cursor#") and "budget" not in item["pk"]["S"]:
                    total += cost.item_size(item) + 100
        return total
