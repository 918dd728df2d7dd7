"""What the bridge costs on AWS a month, for a shop of a given size, from the requests it really makes.

    .venv/bin/python bench/bench_cost.py [--orders-per-day 300] [--skus 200000] [--warehouses 10]
        [--utp-latency-ms 300] [--catalog-triggers-per-day 2000] [--free-tier/--no-free-tier]

Target (issue): 300 orders a day and 200,000 SKUs run for ≤ 10 USD a month of AWS. The target applies to
the total with the always-free tiers (permanent in every AWS account) unless ``--no-free-tier`` is
given; exits 1 when it is missed.

How the usage is obtained (the printed report says which figure is measured and which assumed):

- Everything runs in this process on moto (``mock_aws``) and the two emulators (``sandbox.utp``,
  ``sandbox.salesdrive``) through httpx WSGI transports, with the real Lambda handlers of ``functions/``
  and the real ``bridge.runtime`` (only its UTP and SalesDrive clients are pointed at the emulators).
- Every AWS API call is counted by botocore hooks (``before-parameter-build``, ``before-call``,
  ``after-call``) registered on each client as it is created (``bridge.runtime`` and Powertools create
  theirs lazily, after the hook is installed): per service and operation, with DynamoDB capacity units
  from the item sizes, SQS 64 KB chunks, S3 GET/PUT, SSM reads and the KMS decrypts they cause. UTP and
  SalesDrive requests are counted at the emulators' WSGI entry.
- A Lambda invocation lasts: the bridge's own time (the measured in-process wall time minus the time
  spent inside the emulators and moto, which stand in for the network) × 1,769 / MemorySize below
  1,769 MB (Lambda's CPU share; this machine's core taken as one Lambda vCPU) + UTP calls ×
  ``--utp-latency-ms`` + SalesDrive calls × ``--salesdrive-latency-ms`` + AWS calls × a per-service
  round trip (``AWS_CALL_MS``).
- Deals: ``--deal-orders`` orders (every second one a returning customer) go new → statuses of
  ``--status-path`` (the last one a sale) through the SalesDrive emulator, its webhooks through the real
  webhook receiver, the FIFO queue and the real deal processor (one message per invocation, as the
  event-source poller delivers them at this rate).
- Scheduled functions: schedules and memory from ``template.yaml``; each handler run in process, empty
  and again with the deal run's orders, payments or parked orders, so per-run cost = fixed + slope × n,
  and n per run at the shop's size comes from ``bench_day_of_orders.run_day`` (SalesDrive list calls,
  orders read, payments) or from the settings (the status reconciler's window).
- Catalog: the real handler's minute tick (a full run, then the tick after it), the full read end to end
  at two small sizes (calls and CPU scaled linearly to ``--skus``), the diff's CPU and the fingerprint
  blob from ``bench_catalog``'s synthetic snapshot at ``--diff-products`` scaled linearly; the targeted
  push (on-save trigger → change queue → targeted push function) measured when the code has it.
- Change watcher (a variant, printed beside the subscription): its real handler measured one poll a run
  (the window recorded, then polls finding nothing and polls finding one price set); a month is a run a
  minute of ⌈run/poll⌉ polls, billed for (polls − 1) × the poll interval + its last poll (it sleeps between
  polls at its memory size), and one targeted push per poll that finds a save (saves Poisson within
  ``BUSINESS_HOURS``), in place of the on-save trigger's HTTP calls and one push per save.

Takes about half a minute (2-core sandbox machine); the report goes to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import importlib
import io
import json
import math
import os
import random
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT / "bench", ROOT, ROOT / "layers" / "common"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

os.environ["AWS_DEFAULT_REGION"] = "eu-central-1"
os.environ["AWS_REGION"] = "eu-central-1"
os.environ["AWS_ACCESS_KEY_ID"] = "bench"  # moto only: nothing here may reach AWS
os.environ["AWS_SECRET_ACCESS_KEY"] = "bench"  # noqa: S105
for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)

import cost_prices as cost  # noqa: E402

TEMPLATE = ROOT / "template.yaml"
# Round trip of one AWS API call from a Lambda function in the same region (assumed, ms).
AWS_CALL_MS = {"dynamodb": 5.0, "sqs": 15.0, "ssm": 20.0, "s3": 30.0, "kms": 10.0}
FULL_VCPU_MB = 1769  # Lambda: one full vCPU at 1,769 MB, proportionally less below
S3_MB_PER_S = 80.0  # S3 ↔ Lambda transfer of the fingerprint blob (assumed)
PLATFORM_LOG_BYTES = 400  # START / END / REPORT lines (REPORT with the X-Ray trace id) per invocation
LOG_EVENT_OVERHEAD = 26  # bytes CloudWatch counts per log event besides its message
ESM_POLLERS, ESM_POLLS_PER_MIN = 5, 3  # event-source pollers per SQS queue, 20-s long polls (assumed)
REPEATS = 5  # runs of a scheduled function per measuring point; the fastest is kept
COLD_STARTS_PER_DAY = 24  # at most one an hour per function (environments recycle; nights go cold)
TABLE, BUCKET, PREFIX = "bridge-bench", "bridge-bench-catalog", "/bridge-bench"
UTP_ROOT = "http://utp.bench/utp/odata/standard.odata/"
WATCHER = "CatalogWatchFunction"
BUSINESS_HOURS = 10  # the catalog saves of a day fall within these hours (the watcher's batches)


# --- measurement ----------------------------------------------------------------------------------


@dataclass
class Sample:
    """What one invocation (or, summed, several) did: time, AWS calls and their billing units, UTP and
    SalesDrive requests, log bytes."""

    invocations: float = 0.0
    wall_s: float = 0.0
    emulator_s: float = 0.0
    aws_s: float = 0.0
    extra_s: float = 0.0  # CPU time added by the model (the diff and the read scaled to --skus)
    io_s: float = 0.0  # waiting added by the model (S3 transfer of a full-size fingerprint blob)
    calls: dict[str, float] = field(default_factory=dict)  # "dynamodb.GetItem" → n
    rru: float = 0.0
    wru: float = 0.0
    sqs_fifo: float = 0.0
    sqs_standard: float = 0.0
    s3_get: float = 0.0
    s3_put: float = 0.0
    ssm: float = 0.0
    kms: float = 0.0
    utp: float = 0.0
    sd: float = 0.0
    log_bytes: float = 0.0
    log_events: float = 0.0

    def combined(self, other: Sample, k: float = 1.0) -> Sample:
        out = Sample()
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if isinstance(a, dict):
                merged = dict(a)
                for key, v in b.items():
                    merged[key] = merged.get(key, 0.0) + k * v
                setattr(out, f.name, merged)
            else:
                setattr(out, f.name, a + k * b)
        return out

    def __add__(self, other: Sample) -> Sample:
        return self.combined(other)

    def __sub__(self, other: Sample) -> Sample:
        return self.combined(other, -1.0)

    def scaled(self, k: float) -> Sample:
        return Sample().combined(self, k)

    def with_(self, **values: Any) -> Sample:
        out = self.scaled(1.0)
        for name, value in values.items():
            setattr(out, name, value)
        return out

    @property
    def own_s(self) -> float:
        """The bridge's own time: wall time minus what the emulators and moto stand in for."""
        return self.wall_s - self.emulator_s - self.aws_s + self.extra_s


def fastest(samples: list[Sample]) -> Sample:
    """The repeat with the least own time (timing noise — GC, the scheduler — only ever adds)."""
    if not samples:
        raise ValueError("no sample")
    return min(samples, key=lambda s: s.own_s)


def mean(samples: list[Sample]) -> Sample:
    if not samples:
        raise ValueError("no sample to average")
    total = Sample()
    for s in samples:
        total = total + s
    return total.scaled(1 / len(samples))


class Capture(io.TextIOBase):
    """The handlers' stdout (Powertools' JSON log lines and EMF metric blobs), taken per invocation."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


CAPTURE = Capture()


class Meter:
    """The samples being measured; the hooks add to every open one."""

    def __init__(self) -> None:
        self.stack: list[Sample] = []

    @contextlib.contextmanager
    def measure(self) -> Iterator[Sample]:
        sample = Sample(invocations=1.0)
        CAPTURE.take()
        self.stack.append(sample)
        started = time.perf_counter()
        try:
            yield sample
        finally:
            sample.wall_s = time.perf_counter() - started
            self.stack.remove(sample)
            text = CAPTURE.take()
            sample.log_bytes = len(text.encode())
            sample.log_events = sum(1 for line in text.splitlines() if line.strip())

    def add(self, **values: float) -> None:
        for sample in self.stack:
            for name, value in values.items():
                setattr(sample, name, getattr(sample, name) + value)

    def call(self, key: str, elapsed: float) -> None:
        for sample in self.stack:
            sample.calls[key] = sample.calls.get(key, 0.0) + 1
            sample.aws_s += elapsed


METER = Meter()


def _api_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    """``before-parameter-build``: the call's own parameters (``before-call`` sees the HTTP request)."""
    context["_cost_params"] = dict(params)


def _before_call(context: dict[str, Any], **_: Any) -> None:
    context["_cost_t0"] = time.perf_counter()


def _after_call(parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    """Billing units of one AWS call (botocore's operation model: service and operation names)."""
    elapsed = time.perf_counter() - context.get("_cost_t0", time.perf_counter())
    params = context.get("_cost_params") or {}
    service, op = model.service_model.service_name, model.name
    METER.call(f"{service}.{op}", elapsed)
    if service == "dynamodb":
        consistent = bool(params.get("ConsistentRead"))
        if op == "GetItem":
            METER.add(rru=cost.read_units(cost.item_size(parsed.get("Item")), consistent=consistent))
        elif op == "Query":
            size = sum(cost.item_size(i) for i in parsed.get("Items", []))
            METER.add(rru=cost.read_units(size, consistent=consistent))
        elif op == "PutItem":  # a refused conditional write is billed too
            METER.add(wru=cost.write_units(cost.item_size(params.get("Item"))))
        elif op in ("DeleteItem", "UpdateItem"):
            METER.add(wru=1.0)
    elif service == "sqs":
        billed = 1.0
        if op == "SendMessage":
            attributes = json.dumps(params.get("MessageAttributes") or {})
            billed = float(
                cost.sqs_billed_requests(len(str(params.get("MessageBody", "")).encode()) + len(attributes))
            )
        fifo = str(params.get("QueueUrl", "")).endswith(".fifo")
        METER.add(**{"sqs_fifo" if fifo else "sqs_standard": billed})
    elif service == "s3":
        if op in ("GetObject", "HeadObject"):
            METER.add(s3_get=1.0)
        elif op in ("PutObject", "ListObjectsV2", "ListObjects"):  # LIST is billed as a PUT
            METER.add(s3_put=1.0)
    elif service == "ssm" and op.startswith("GetParameter"):
        METER.add(ssm=1.0, kms=1.0 if params.get("WithDecryption") else 0.0)


def install_aws_hook() -> None:
    """Every botocore client created from now on reports its calls to ``METER`` (``bridge.runtime``
    and Powertools' parameters create theirs lazily, after this)."""
    import botocore.session

    original = botocore.session.Session.create_client
    if getattr(original, "_cost_hooked", False):
        return

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        client.meta.events.register("before-parameter-build", _api_params)
        client.meta.events.register("before-call", _before_call)
        client.meta.events.register("after-call", _after_call)
        return client

    create_client._cost_hooked = True  # type: ignore[attr-defined]
    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]


class TimedApp:
    """A WSGI emulator: counts the requests that reach it and the time spent inside it."""

    def __init__(self, app: Any, counter: str) -> None:
        self.app = app
        self.counter = counter

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        started = time.perf_counter()
        try:
            return list(self.app(environ, start_response))
        finally:
            METER.add(emulator_s=time.perf_counter() - started, **{self.counter: 1.0})


def cpu_factor(memory_mb: int) -> float:
    """Lambda gives a function CPU in proportion to its memory, one vCPU at 1,769 MB: CPU-bound work
    measured here on one core takes this many times longer (this machine's core ≈ one Lambda vCPU)."""
    return max(1.0, FULL_VCPU_MB / memory_mb)


@dataclass(frozen=True)
class Latency:
    utp_ms: float
    sd_ms: float

    def duration_s(self, s: Sample, memory_mb: int) -> float:
        """Duration of one invocation described by ``s`` at ``memory_mb`` (before any timeout)."""
        aws_ms = sum(n * AWS_CALL_MS.get(key.split(".", 1)[0], 10.0) for key, n in s.calls.items())
        cpu = max(s.own_s, 0.0) * cpu_factor(memory_mb)
        return cpu + s.io_s + (s.utp * self.utp_ms + s.sd * self.sd_ms + aws_ms) / 1000


# --- the in-process deployment ----------------------------------------------------------------------


class Context:
    """The Lambda context object (what Powertools reads)."""

    def __init__(self, info: cost.FunctionInfo) -> None:
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


def _kyiv_stamp(delta: timedelta) -> str:
    from zoneinfo import ZoneInfo

    return (datetime.now(ZoneInfo("Europe/Kyiv")).replace(tzinfo=None) + delta).strftime("%Y-%m-%d %H:%M:%S")


class World:
    """moto (queues, table, bucket, SSM secrets), both emulators, the real handlers and ``bridge.runtime``
    (its UTP and SalesDrive clients on the emulators' WSGI apps; everything else as deployed)."""

    def __init__(self, infos: dict[str, cost.FunctionInfo], template: dict[str, Any]) -> None:
        import boto3
        import httpx

        from bridge import runtime
        from bridge.salesdrive.client import SalesDriveClient
        from bridge.utp.client import UtpClient
        from sandbox.runner.product import DEFAULT_SETTINGS
        from sandbox.salesdrive.app import SalesDriveEmulatorConfig
        from sandbox.salesdrive.app import create_app as create_salesdrive
        from sandbox.utp.app import UtpEmulatorConfig
        from sandbox.utp.app import create_app as create_utp

        self.infos = infos
        self.sqs = boto3.client("sqs")
        self.deal_queue = self.sqs.create_queue(
            QueueName="deals.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"}
        )["QueueUrl"]
        self.change_queue: str | None = None
        if "CatalogChangeQueue" in template["Resources"]:
            self.change_queue = self.sqs.create_queue(QueueName="catalog-changes")["QueueUrl"]
        self.dynamodb = boto3.client("dynamodb")
        self.dynamodb.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in ("pk", "sk")],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
        )
        self.s3 = boto3.client("s3")
        self.s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        self.utp_app = create_utp(UtpEmulatorConfig(products=80, warehouses=3))
        self.webhooks_sent = 0
        self.sd_app = create_salesdrive(SalesDriveEmulatorConfig(), webhook_transport=self._webhook)
        self.webhook_token, self.trigger_token = "bench-webhook-token", "bench-trigger-token"
        self.sd_app.subscribe(f"https://bridge.bench/webhook/{self.webhook_token}")
        account = self.sd_app.config.account
        ssm = boto3.client("ssm")
        for name, value in {
            "salesdrive-api-key": self.sd_app.config.api_key,
            "utp-user": "bridge",
            "utp-password": "bridge",
            "webhook-token": self.webhook_token,
            "catalog-trigger-token": self.trigger_token,
            "salesdrive-yml-key": self.sd_app.config.yml_public_key,
            # One poll a watcher run here (its minute of polls is priced in ``build``).
            "settings": json.dumps(
                {"salesdrive_account": account, **DEFAULT_SETTINGS, "catalog_watch_run_seconds": 5},
                ensure_ascii=False,
            ),
        }.items():
            ssm.put_parameter(Name=f"{PREFIX}/{name}", Type="SecureString", Value=value)
        glob = ((template.get("Globals") or {}).get("Function") or {}).get("Environment") or {}
        for name, value in (glob.get("Variables") or {}).items():
            if isinstance(value, str | int):  # the template's literal values; !Ref ones below
                os.environ[name] = str(value)
        os.environ.update(
            BRIDGE_TABLE=TABLE,
            BRIDGE_SECRETS_PREFIX=PREFIX,
            SALESDRIVE_ACCOUNT=account,
            UTP_ODATA_URL=UTP_ROOT.rstrip("/"),
            DEAL_QUEUE_URL=self.deal_queue,
            CATALOG_BUCKET=BUCKET,
            POWERTOOLS_TRACE_DISABLED="true",  # no X-Ray daemon here; traces are priced per invocation
        )
        if self.change_queue:
            os.environ["CATALOG_CHANGE_QUEUE_URL"] = self.change_queue
        utp_timed, sd_timed = TimedApp(self.utp_app, "utp"), TimedApp(self.sd_app, "sd")

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


@dataclass
class Measured:
    deal_orders: int = 0
    webhooks_per_order: float = 0.0
    recon_orders: tuple[int, int] = (0, 0)
    sweep_orders: int = 0
    payments: int = 0
    table_bytes_per_order: float = 0.0
    tick_due_after_full_run: bool = False
    targeted: str = ""
    refresh_ssm: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def run_world(world: World, deal_orders: int, status_path: list[int], m: Measured) -> None:
    """All in-process handler runs of the small world."""
    for lid in ("ParkedReplayerFunction", "CatchUpSweepFunction", "PaymentImporterFunction"):
        world.scheduled(lid, "cold run")
    for _ in range(REPEATS):
        world.scheduled("ParkedReplayerFunction", "run")
    # Once each: their SalesDrive list calls go through the shared read budget (10 a minute).
    world.checked(world.scheduled("CatchUpSweepFunction", "empty"))
    world.checked(world.scheduled("PaymentImporterFunction", "empty"))
    world.scheduled("StatusReconcilerFunction", "cold run")

    # Deals: webhooks of new orders and status changes, through the receiver, the queue and the processor.
    lines = [{"id": s, "sku": s, "name": s, "costPerItem": 250, "amount": 1} for s in world.skus[:2]]
    warmup = 2  # the first two orders only warm the code paths up (first-use costs are not per order)
    half = warmup + deal_orders // 2
    order_ids: list[int] = []
    for n in range(warmup + deal_orders):
        customer = n // 2  # orders 0, 2, 4 … come from a new customer; 1, 3, 5 … from the same one again
        prefix = "warm-up: " if n < warmup else ""
        answer = world.sd_app.create_order(
            {
                "fName": f"Покупець{customer}",
                "lName": "Бенч",
                "phone": f"+38067{customer + 1:07d}",
                "email": f"buyer{customer}@example.com",
                "products": lines,
                "sajt": "sparesshop.com.ua",
            }
        )
        order_id = int(answer["id"] if "id" in answer else answer["orderId"])
        order_ids.append(order_id)
        world.deliver(prefix + ("new order, new customer" if n % 2 == 0 else "new order, returning customer"))
        for k, status in enumerate(status_path):
            world.sd_app.update_order({"id": order_id, "data": {"statusId": status}})
            world.deliver(prefix + ("status change → sale" if k == len(status_path) - 1 else "status change"))
        if n + 1 == half:
            for _ in range(REPEATS):
                world.scheduled("StatusReconcilerFunction", "orders 1")
    for _ in range(REPEATS):
        world.scheduled("StatusReconcilerFunction", "orders 2")
    m.deal_orders = deal_orders
    m.recon_orders = (half, warmup + deal_orders)
    m.webhooks_per_order = world.webhooks_sent / (warmup + deal_orders)
    m.table_bytes_per_order = world.table_bytes() / (warmup + deal_orders)
    m.refresh_ssm["WebhookReceiverFunction"] = world.refresh_secrets(
        "WebhookReceiverFunction", world.http_event("webhook", "not-the-token", "{}")
    ).ssm

    # The scheduled functions with the deal run's orders to work on.
    world.scheduled("ParkedReplayerFunction", "run")
    for label in ("orders, warm-up", "orders"):  # the same window twice: the second is measured
        world.runtime.cursors().put("catch_up", {"updated_at": _kyiv_stamp(-timedelta(minutes=30))})
        m.sweep_orders = int(world.checked(world.scheduled("CatchUpSweepFunction", label))["orders_read"])
    for label, batch in (("payments, warm-up", order_ids[:warmup]), ("payments", order_ids[warmup:])):
        for order_id in batch:
            total = world.sd_app.order(order_id).get("paymentAmount") or 500
            world.sd_app.add_payment(total, [(order_id, total)])
        world.runtime.cursors().put("payments", {"updated_at": _kyiv_stamp(-timedelta(minutes=2))})
        m.payments = len(world.checked(world.scheduled("PaymentImporterFunction", label))["created"])

    # Catalog: the minute tick (a full run: no cursor yet), the tick right after it, a forced run.
    world.scheduled("CatalogPushFunction", "full run")
    second = world.scheduled("CatalogPushFunction", "tick after a complete run")
    m.tick_due_after_full_run = bool(second.get("ran"))
    if m.tick_due_after_full_run:
        m.notes.append(
            "MEASURED: the catalog tick right after a complete full push ran a full push again. "
            "record_run() stores a naive last_complete_at; is_due() is given an aware now and treats "
            "the mismatch as due: every minute is a full run."
        )
    world.scheduled("CatalogPushFunction", "full run", force=True)
    # A tick that is not due, as it would be with the timestamps fixed (an aware last_complete_at).
    now = datetime.now(UTC).isoformat()
    world.runtime.cursors().put(
        "catalog-push", {"status": "complete", "last_run_at": now, "last_complete_at": now}
    )
    for _ in range(REPEATS):
        if world.scheduled("CatalogPushFunction", "tick not due").get("ran"):
            m.notes.append("a tick with a fresh aware last_complete_at still ran a full push")
            break

    # The on-save trigger and the targeted push (when this code has it).
    lid = next(
        (lid for lid, i in world.infos.items() if i.sqs_batch_size and lid.startswith("Catalog")), None
    )
    if lid and world.change_queue:
        for k, ref in enumerate(world.product_refs[:5]):
            world.set_price(ref, 1000 + k)  # what a save in UTP means: something changed
            body = json.dumps({"type": "Catalog_Номенклатура", "ref": ref, "products": [ref]})
            event = world.http_event("catalog-trigger", world.trigger_token, body)
            answer = world.invoke("CatalogPushFunction", event, "trigger")
            if answer.get("statusCode") != 202:
                raise RuntimeError(f"the catalog trigger answered {answer}")
            world.poll(world.change_queue, lid, "targeted push", batch=10)
        m.targeted = f"measured: price saved in UTP → trigger → change queue → {lid}, one product a save"
    else:
        body = json.dumps({"type": "Catalog_Номенклатура", "ref": world.product_refs[0]})
        for _ in range(3):
            event = world.http_event("catalog-trigger", world.trigger_token, body)
            world.invoke("CatalogPushFunction", event, "trigger")
        m.targeted = "modelled: no targeted push in this code (the trigger only asks for a full run)"
    trigger = world.http_event("catalog-trigger", "not-the-token", "{}")
    m.refresh_ssm["CatalogPushFunction"] = world.refresh_secrets("CatalogPushFunction", trigger).ssm

    # The change watcher: one poll a run (the world's catalog_watch_run_seconds is 5): the first run
    # records the window, then polls that find nothing, then polls that each find one price set.
    if WATCHER in world.infos:
        world.scheduled(WATCHER, "first run")
        for _ in range(REPEATS):
            world.scheduled(WATCHER, "poll, nothing changed")
        for k, ref in enumerate(world.product_refs[5 : 5 + REPEATS]):
            world.set_price(ref, 2000 + k)
            found = world.scheduled(WATCHER, "poll, one price set")
            if not found.get("products_queued"):
                raise RuntimeError(f"the watcher did not find a price set: {found}")
        m.refresh_ssm[WATCHER] = world.refresh_secrets(WATCHER, world.scheduled_event(WATCHER)).ssm


def run_catalog_read(warehouses: int, sizes: tuple[int, int]) -> dict[str, Any]:
    """The full read + diff end to end at two small sizes (UTP emulator → rules → SalesDrive emulator,
    fingerprints on moto's S3): UTP calls and own time per product, S3 and SalesDrive calls of a run
    that finds a few prices changed."""
    import httpx
    from bench_catalog import post, settings

    from bridge.read_budget import UnlimitedReadBudget
    from bridge.salesdrive.client import SalesDriveClient
    from bridge.store.bucket import CatalogFingerprintStore as FingerprintStore
    from bridge.sync.catalog_push import push_catalog, read_catalog
    from bridge.sync.reference import resolve_reference
    from bridge.sync.stock import stock_warehouses
    from bridge.utp.client import UtpClient
    from sandbox.salesdrive.app import SalesDriveEmulatorConfig
    from sandbox.salesdrive.app import create_app as create_salesdrive
    from sandbox.salesdrive.clock import ManualClock
    from sandbox.utp.app import UtpEmulatorConfig
    from sandbox.utp.app import create_app as create_utp
    from sandbox.utp.catalog_bodies import price_row

    points = []
    for n in sizes:
        utp_app = create_utp(UtpEmulatorConfig(products=n, warehouses=warehouses))
        http = httpx.Client(
            transport=httpx.WSGITransport(app=TimedApp(utp_app, "utp")),
            base_url=UTP_ROOT,
            auth=("bridge", "bridge"),
            timeout=600,
        )
        utp = UtpClient.from_http(http)
        sd_app = create_salesdrive(SalesDriveEmulatorConfig(random_seed=1), clock=ManualClock())
        crm = SalesDriveClient(
            api_key=sd_app.config.api_key,
            budget=UnlimitedReadBudget(),
            http=httpx.Client(
                transport=httpx.WSGITransport(app=TimedApp(sd_app, "sd")), base_url="https://sd.bench"
            ),
        )
        seed = utp_app.seed_info
        cfg = settings(stock_ids={w["description"]: k + 1 for k, w in enumerate(seed["warehouses"])})
        reference = resolve_reference(cfg, utp)
        common = {
            "utp": utp,
            "salesdrive": crm,
            "store": FingerprintStore(BUCKET, key=f"bench/catalog-{n}.bin"),
            "settings": cfg,
            "price_type_key": reference.price_type_key,
            "warehouses": stock_warehouses(cfg, reference.warehouse_names),
        }
        push_catalog(**common)  # the first push: everything new
        goods = [(p.ref, str(p.unit_key)) for p in utp.iter_products(1000) if not p.is_service][100:110]
        lines = [price_row(seed, ref, unit, 900 + k, line=k + 1) for k, (ref, unit) in enumerate(goods)]
        post(http, "Document_УстановкаЦенНоменклатуры", {"Date": "2030-01-01T00:00:00", "Товары": lines})
        with METER.measure() as read:
            snapshot = read_catalog(
                utp, settings=cfg, price_type_key=reference.price_type_key, warehouses=common["warehouses"]
            )
        with METER.measure() as push:
            report = push_catalog(**common, snapshot=snapshot)
        points.append(
            {"n": n, "read": read, "push": push, "changed": report.changed, "rules_calls": report.utp_calls}
        )
        http.close()
    first, last = points
    slope = (last["read"] - first["read"]).scaled(1 / (last["n"] - first["n"]))
    return {"points": points, "slope": slope, "base": first["read"] - slope.scaled(first["n"])}


def run_diff(products: int) -> dict[str, float]:
    """``bench_catalog``'s synthetic snapshot: CPU of the diff (decode blob, plan, encode) and the blob's
    size, per product, for 0.1 % of the products changed."""
    from bench_catalog import CountingSalesDrive, settings, synthetic

    from bridge.store.bucket import MemoryObjectStore as MemoryFingerprintStore
    from bridge.sync.catalog_diff import Fingerprints, plan_push
    from bridge.sync.catalog_push import push_catalog
    from bridge.sync.catalog_send import plan_options

    rng = random.Random(5)
    snapshot = synthetic(products, rng)
    cfg = settings()
    store = MemoryFingerprintStore()
    push_catalog(
        utp=None,  # type: ignore[arg-type]
        salesdrive=CountingSalesDrive(),  # type: ignore[arg-type]
        store=store,
        settings=cfg,
        price_type_key="",
        warehouses={},
        snapshot=snapshot,
    )
    for i in rng.sample(range(products), max(products // 1000, 1)):
        snapshot.prices[i] += 1.0
    blob = store.data or b""
    cpu0 = time.process_time()
    fingerprints = Fingerprints.decode(blob)
    cpu1 = time.process_time()
    plan_push(snapshot, fingerprints, plan_options(cfg))
    cpu2 = time.process_time()
    encoded = fingerprints.encode()
    cpu3 = time.process_time()
    return {
        "products": products,
        "blob_per_product": len(encoded) / products,
        "decode_per_product": (cpu1 - cpu0) / products,
        "plan_per_product": (cpu2 - cpu1) / products,
        "encode_per_product": (cpu3 - cpu2) / products,
    }


def cold_imports(infos: dict[str, cost.FunctionInfo]) -> dict[str, float]:
    """Import time of each function's module in a fresh interpreter: its INIT phase (billed since 2025)."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers/common'}:{ROOT}"}

    def one(info: cost.FunctionInfo) -> float:
        module = info.code_uri.strip("/").replace("/", ".") + ".app"
        code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        return float(out.stdout.strip().splitlines()[-1])

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(infos, pool.map(one, infos.values()), strict=True))


# --- usage a month → the bill ----------------------------------------------------------------------


def positive(sample: Sample) -> Sample:
    out = sample.scaled(1.0)
    for f in fields(out):
        value = getattr(out, f.name)
        if isinstance(value, dict):
            setattr(out, f.name, {k: max(v, 0.0) for k, v in value.items()})
        else:
            setattr(out, f.name, max(value, 0.0))
    return out


@dataclass
class Row:
    owner: str
    label: str
    invocations: float
    duration_s: float
    memory_mb: int
    gbs: float
    per: Sample
    timed_out: bool = False
    needed_s: float = 0.0


@dataclass
class Ledger:
    """Usage lines a month (for ``cost.compute_bill``) and the per-function rows that explain them."""

    latency: Latency
    infos: dict[str, cost.FunctionInfo]
    scheduled_tracing: bool = True
    uses: list[cost.Use] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    log_gb: dict[str, float] = field(default_factory=dict)

    def use(self, item: str, quantity: float, owner: str = "shared") -> None:
        if quantity > 0:
            self.uses.append(cost.Use(item, quantity, owner))

    def invocations(
        self,
        lid: str,
        label: str,
        count: float,
        per: Sample,
        *,
        http: bool = False,
        scheduled: bool = False,
        cold: tuple[Sample, float] | None = None,  # (cold − warm extra, init seconds)
        secret_refresh: float = 0.0,  # SSM reads every 5 min of a warm instance
    ) -> Row:
        info = self.infos.get(lid)
        memory = info.memory_mb if info else 1024
        arch = info.architecture if info else "arm64"
        per = positive(per)
        needed = self.latency.duration_s(per, memory)
        timeout = info.timeout_s if info else 900
        timed_out = needed > timeout
        duration = needed  # billed as if it could finish (a timeout is a defect, reported, not a saving)
        gb = memory / 1024
        gbs = count * duration * gb
        total = per.scaled(count)
        if cold is not None:
            extra, init_s = cold
            starts = min(count, COLD_STARTS_PER_DAY * cost.DAYS_PER_MONTH)
            init = init_s + self.latency.duration_s(positive(extra), memory)  # INIT: import time as measured
            gbs += starts * init * gb
            total = total + positive(extra).scaled(starts)
        refreshes = min(count, cost.MINUTES_PER_MONTH / 5) * secret_refresh
        self.use("lambda_requests", count, lid)
        self.use(f"lambda_gbs_{arch.replace('-', '_')}", gbs, lid)
        self.use("ddb_read_request_units", total.rru, lid)
        self.use("ddb_write_request_units", total.wru, lid)
        self.use("sqs_fifo_requests", total.sqs_fifo, lid)
        self.use("sqs_standard_requests", total.sqs_standard, lid)
        self.use("s3_get_requests", total.s3_get, lid)
        self.use("s3_put_requests", total.s3_put, lid)
        self.use("ssm_api_calls", total.ssm + refreshes, lid)
        self.use("kms_requests", total.kms + refreshes, lid)
        if (info is None or info.tracing) and (self.scheduled_tracing or not scheduled):
            self.use("xray_traces_recorded", count, lid)
        if http:
            self.use("http_api_requests", count, lid)
        if scheduled:
            self.use("eventbridge_scheduled_events", count, lid)
        log_bytes = total.log_bytes + LOG_EVENT_OVERHEAD * total.log_events + PLATFORM_LOG_BYTES * count
        self.use("cw_log_ingestion_gb", log_bytes / 1e9, lid)
        self.log_gb[lid] = self.log_gb.get(lid, 0.0) + log_bytes / 1e9
        row = Row(lid, label, count, duration, memory, gbs, per, timed_out, needed)
        self.rows.append(row)
        return row


@dataclass
class Inputs:
    args: argparse.Namespace
    template: dict[str, Any]
    infos: dict[str, cost.FunctionInfo]
    world: World
    m: Measured
    catalog: dict[str, Any]
    diff: dict[str, float]
    imports: dict[str, float]
    day: dict[str, Any]
    defaults: dict[str, Any]


@dataclass(frozen=True)
class WhatIf:
    """A change to the deployment, to price a lever (the defaults: the code and template as they are)."""

    fixed_tick: bool = False  # a tick right after a complete full push is not due
    catalog_interval: int | None = None  # minutes between full pushes (catalog_interval_minutes)
    recon_every: int | None = None  # minutes between status reconciler runs
    recon_window_days: int | None = None  # status_window_days
    recon_changed_only: bool = False  # DynamoDB read only for orders whose UTP status text changed
    custom_metrics: int | None = None
    scheduled_tracing: bool = True
    noncurrent_days: int | None = None
    dashboards: int | None = None
    watcher: bool = False  # the change watcher instead of the 1C on-save subscription


def watcher_run(
    idle: Sample, found: Sample, lat: Latency, memory_mb: int, *, poll_s: int, run_s: int, batches: float
) -> tuple[Sample, int]:
    """One watcher run from the measured one-poll runs: ``polls`` polls (the first over the whole window,
    as measured; the others priced as the same UTP reads and CPU), ``batches`` of them finding a change
    (the measured difference: lines read, the queue message, the state saved), the waits between
    polls billed (a run lasts (polls − 1) × poll interval + its last poll)."""
    polls = max(math.ceil(run_s / poll_s), 1)
    hot = Sample(wall_s=idle.wall_s - idle.aws_s, emulator_s=idle.emulator_s, utp=idle.utp)
    per = idle + hot.scaled(polls - 1) + positive(found - idle).scaled(batches)
    busy = lat.duration_s(hot, memory_mb)
    return per.with_(io_s=per.io_s + max((polls - 1) * (poll_s - busy), 0.0)), polls


def build(inp: Inputs, what: WhatIf = WhatIf()) -> tuple[Ledger, dict[str, Any]]:
    """The month's usage, as measured (or with the changes of ``what``)."""
    a, w, m, infos = inp.args, inp.world, inp.m, inp.infos
    fixed_tick = what.fixed_tick
    d = cost.DAYS_PER_MONTH
    lat = Latency(a.utp_latency_ms, a.salesdrive_latency_ms)
    led = Ledger(lat, infos, scheduled_tracing=what.scheduled_tracing)
    facts: dict[str, Any] = {}

    def cold(lid: str, warm: Sample) -> tuple[Sample, float]:
        first = w.of(lid, "cold")
        return ((first[0] - warm) if first else Sample(), inp.imports.get(lid, 0.0))

    # Webhooks and deals.
    webhooks = a.orders_per_day * d * m.webhooks_per_order
    receiver = mean(w.of("WebhookReceiverFunction", "webhook"))
    led.invocations(
        "WebhookReceiverFunction",
        "webhook",
        webhooks,
        receiver,
        http=True,
        cold=cold("WebhookReceiverFunction", receiver),
        secret_refresh=m.refresh_ssm.get("WebhookReceiverFunction", 0.0),
    )
    kinds = (
        "new order, new customer",
        "new order, returning customer",
        "status change",
        "status change → sale",
    )
    deals = w.of("DealProcessorFunction", *kinds)
    per_deal = mean(deals)
    swept = inp.day["sent_by_sweep"] / inp.day["orders"] * a.orders_per_day * d
    events = webhooks + swept
    led.invocations(
        "DealProcessorFunction",
        "deal event",
        events,
        per_deal,
        cold=cold("DealProcessorFunction", per_deal),
    )
    facts["deal_events"] = events
    facts["deal_kinds"] = {
        k: mean(w.of("DealProcessorFunction", k)) for k in kinds if w.of("DealProcessorFunction", k)
    }

    # Scheduled functions.
    def runs(lid: str) -> float:
        if lid == "StatusReconcilerFunction" and what.recon_every:
            return cost.MINUTES_PER_MONTH / what.recon_every
        return infos[lid].scheduled_runs_per_month

    replay = fastest(w.of("ParkedReplayerFunction", "run"))
    led.invocations(
        "ParkedReplayerFunction",
        "run (nothing parked)",
        runs("ParkedReplayerFunction"),
        replay,
        scheduled=True,
        cold=cold("ParkedReplayerFunction", replay),
    )

    day_runs = runs("CatchUpSweepFunction") / d
    empty = fastest(w.of("CatchUpSweepFunction", "empty"))
    per_order = (fastest(w.of("CatchUpSweepFunction", "orders")) - empty).scaled(1 / max(m.sweep_orders, 1))
    sends = Sample(sqs_fifo=1, wru=1, calls={"sqs.SendMessage": 1, "dynamodb.PutItem": 1})
    list_call = Sample(sd=1, rru=1, wru=1, calls={"dynamodb.GetItem": 1, "dynamodb.PutItem": 1})
    scale = a.orders_per_day / inp.day["orders"]
    read_per_run = inp.day["orders_read"] * scale / day_runs
    sweep = (
        empty
        + per_order.scaled(read_per_run)
        + sends.scaled(inp.day["sent_by_sweep"] * scale / day_runs)
        + list_call.scaled(max(inp.day["list_calls_orders"] * scale / day_runs - 1, 0))
    )
    led.invocations(
        "CatchUpSweepFunction",
        f"run ({read_per_run:.1f} orders read)",
        runs("CatchUpSweepFunction"),
        sweep,
        scheduled=True,
        cold=cold("CatchUpSweepFunction", empty),
    )

    day_runs = runs("PaymentImporterFunction") / d
    empty = fastest(w.of("PaymentImporterFunction", "empty"))
    per_payment = (mean(w.of("PaymentImporterFunction", "payments")) - empty).scaled(1 / max(m.payments, 1))
    receipts_per_run = inp.day["receipts"] * scale / day_runs
    rereads = max(inp.day["payments_read"] - inp.day["receipts"], 0) * scale / day_runs  # overlap re-reads
    payments = (
        empty
        + per_payment.scaled(receipts_per_run)
        + Sample(rru=1, calls={"dynamodb.GetItem": 1}).scaled(rereads)
        + list_call.scaled(max(inp.day["list_calls_payments"] * scale / day_runs - 1, 0))
    )
    led.invocations(
        "PaymentImporterFunction",
        f"run ({receipts_per_run:.2f} receipts)",
        runs("PaymentImporterFunction"),
        payments,
        scheduled=True,
        cold=cold("PaymentImporterFunction", empty),
    )

    k1, k2 = m.recon_orders
    s1, s2 = (
        fastest(w.of("StatusReconcilerFunction", "orders 1")),
        fastest(w.of("StatusReconcilerFunction", "orders 2")),
    )
    slope = (s2 - s1).scaled(1 / (k2 - k1))
    if what.recon_changed_only:  # the per-order DynamoDB reads (and their round trips) are gone
        calls = {k: v for k, v in slope.calls.items() if not k.startswith("dynamodb.")}
        slope = slope.with_(rru=0.0, calls=calls, aws_s=0.0, wall_s=slope.emulator_s)
    window_days = what.recon_window_days or inp.defaults["status_window_days"]
    window = a.orders_per_day * window_days
    chunk = inp.defaults["utp_chunk_size"]
    formula = lambda n: math.ceil(n / 1000) + math.ceil(n / chunk)  # noqa: E731 - the docstring's count
    recon = (s1 + slope.scaled(window - k1)).with_(utp=float(formula(window)))
    facts["recon"] = {
        "window": window,
        "k": (k1, k2),
        "utp_measured": (s1.utp, s2.utp),
        "utp_formula": (formula(k1), formula(k2)),
        "utp": formula(window),
        "rru_per_order": slope.rru,
    }
    recon_row = led.invocations(
        "StatusReconcilerFunction",
        f"run ({window:,} orders in the window)",
        runs("StatusReconcilerFunction"),
        recon,
        scheduled=True,
        cold=cold("StatusReconcilerFunction", s1),
    )
    facts["recon"].update(needed_s=recon_row.needed_s, timeout=infos["StatusReconcilerFunction"].timeout_s)

    # Catalog: full runs at scale, ticks, triggers, targeted pushes.
    cat, diff = inp.catalog, inp.diff
    n = a.skus
    read_at = cat["base"] + cat["slope"].scaled(n)
    blob = diff["blob_per_product"] * n
    transfer = blob / (S3_MB_PER_S * 1e6)
    diff_cpu = (diff["decode_per_product"] + diff["plan_per_product"] + diff["encode_per_product"]) * n
    push = cat["points"][-1]["push"]
    warm_full = mean(
        w.of("CatalogPushFunction", "full run") + w.of("CatalogPushFunction", "tick after a complete run")[:1]
        if m.tick_due_after_full_run
        else w.of("CatalogPushFunction", "full run")
    )
    calls = {k: v for k, v in warm_full.calls.items() if not k.startswith("s3.")}
    calls.update({k: v for k, v in push.calls.items() if k.startswith("s3.")})
    changed = n * a.catalog_change_share
    full = warm_full.with_(
        utp=read_at.utp,
        sd=float(math.ceil(changed / 100)),
        s3_get=push.s3_get,
        s3_put=push.s3_put,
        calls=calls,
        extra_s=max(read_at.own_s, 0.0) + diff_cpu,
        io_s=(push.s3_get + push.s3_put) * transfer,
    )
    full_s = lat.duration_s(full, infos["CatalogPushFunction"].memory_mb)
    ticks = runs("CatalogPushFunction")
    interval = what.catalog_interval or inp.defaults["catalog_interval_minutes"]
    if m.tick_due_after_full_run and not fixed_tick:
        full_runs = min(ticks, cost.MINUTES_PER_MONTH * 60 / full_s)  # back to back, one at a time
        not_due = 0.0
        how = "every tick is due (measured): back to back, reserved concurrency 1"
    else:
        full_runs = cost.MINUTES_PER_MONTH / interval
        not_due = ticks - full_runs
        how = f"every {interval} min (catalog_interval_minutes default)"
    facts.update(
        full_s=full_s, full_runs=full_runs, blob=blob, diff_cpu=diff_cpu, read_utp=read_at.utp, how=how
    )
    led.invocations(
        "CatalogPushFunction",
        "full run",
        full_runs,
        full,
        scheduled=True,
        cold=cold("CatalogPushFunction", warm_full),
    )
    if not_due:
        led.invocations(
            "CatalogPushFunction",
            "tick, not due",
            not_due,
            fastest(w.of("CatalogPushFunction", "tick not due")),
            scheduled=True,
        )
    triggers = a.catalog_triggers_per_day * d
    if what.watcher:
        # The watcher carries the saves: a run every minute, a targeted push per poll that finds any.
        poll_s, run_s = inp.defaults["catalog_watch_poll_seconds"], inp.defaults["catalog_watch_run_seconds"]
        batches = cost.watcher_batches_per_day(a.catalog_triggers_per_day, poll_s, BUSINESS_HOURS) * d
        idle, found = (
            fastest(w.of(WATCHER, "poll, nothing changed")),
            mean(w.of(WATCHER, "poll, one price set")),
        )
        watch_runs = runs(WATCHER)
        per_run, polls = watcher_run(
            idle,
            found,
            lat,
            infos[WATCHER].memory_mb,
            poll_s=poll_s,
            run_s=run_s,
            batches=batches / watch_runs,
        )
        led.invocations(
            WATCHER,
            f"run ({polls} polls, {run_s} s)",
            watch_runs,
            per_run,
            scheduled=True,
            cold=cold(WATCHER, idle),
            secret_refresh=m.refresh_ssm.get(WATCHER, 0.0),
        )
        facts["watcher"] = {"batches_per_day": batches / d, "polls": polls, "runs": watch_runs}
        triggers = batches  # each batch is one targeted push
    else:
        led.invocations(
            "CatalogPushFunction",
            "on-save trigger (HTTP)",
            triggers,
            mean(w.of("CatalogPushFunction", "trigger")),
            http=True,
            secret_refresh=m.refresh_ssm.get("CatalogPushFunction", 0.0),
        )
    targeted_lid = next((lid for lid in infos if w.of(lid, "targeted push")), None)
    if targeted_lid:
        per = mean(w.of(targeted_lid, "targeted push"))
        per = per.with_(
            extra_s=per.extra_s + (diff["decode_per_product"] + diff["encode_per_product"]) * n,
            io_s=(per.s3_get + per.s3_put) * transfer,
        )
        led.invocations(
            targeted_lid,
            "targeted push (watcher batch)" if what.watcher else "targeted push (1 save a batch)",
            triggers,
            per,
            cold=cold(targeted_lid, per),
        )
        queue_sample = w.esm.get(w.change_queue or "", Sample())
        per_message = queue_sample.scaled(1 / max(w.esm_messages.get(w.change_queue or "", 1), 1))
        led.use("sqs_standard_requests", per_message.sqs_standard * triggers, "event-source pollers")
    else:
        per = Sample(
            utp=5,
            sd=1,
            s3_get=1,
            s3_put=1,
            rru=1,
            wru=1,
            calls={"s3.GetObject": 1, "s3.PutObject": 1, "dynamodb.GetItem": 1, "dynamodb.PutItem": 1},
            extra_s=0.05 + (diff["decode_per_product"] + diff["encode_per_product"]) * n,
            io_s=2 * transfer,
            log_bytes=1500,
            log_events=3,
        )
        led.invocations(
            "CatalogPushFunction",
            "targeted push (modelled)",
            triggers,
            per,
        )
        targeted_lid = "CatalogPushFunction"
    facts["targeted_lid"] = targeted_lid

    matcher_lid = next((lid for lid in infos if "Matcher" in lid), None)
    if matcher_lid:
        per = Sample(
            utp=max(read_at.utp - 1 - 2 * a.warehouses, 1),
            sd=1,
            extra_s=max(read_at.own_s, 0.0),
            log_bytes=8000,
            log_events=30,
        )
        schedules = infos[matcher_lid].schedules
        nightly = sum(cost.schedule_runs_per_month(e) for e in schedules if e.startswith("cron("))
        led.invocations(matcher_lid, "nightly run (modelled)", nightly, per, scheduled=True)
        # The resume schedule: one cursor read and out, unless a first run stopped with IDs left to write.
        check = Sample(calls={"dynamodb.GetItem": 1}, rru=1, log_bytes=400, log_events=2)
        led.invocations(
            matcher_lid, "resume check (no IDs pending)", runs(matcher_lid) - nightly, check, scheduled=True
        )

    # Event-source pollers: the deal messages' receives and deletes, and the idle long polls.
    deal_esm = w.esm.get(w.deal_queue, Sample()).scaled(1 / max(w.esm_messages.get(w.deal_queue, 1), 1))
    led.use("sqs_fifo_requests", deal_esm.sqs_fifo * events, "event-source pollers")
    idle = ESM_POLLERS * ESM_POLLS_PER_MIN * cost.MINUTES_PER_MONTH
    for src in cost.sqs_sources(inp.template):
        led.use("sqs_fifo_requests" if src.fifo else "sqs_standard_requests", idle, "event-source pollers")
    facts["idle_polls"] = idle

    # Storage and the fixed monthly items.
    ddb_gb = m.table_bytes_per_order * a.orders_per_day * 365 / 1e9
    led.use("ddb_storage_gb_month", ddb_gb)
    led.use("ddb_pitr_gb_month", ddb_gb)
    puts_per_day = (full_runs + triggers) / d  # every full run and targeted push saves the blob
    keep = next(iter(cost.noncurrent_version_days(inp.template).values()), 0)
    keep = 365 if keep is None else keep  # versions kept forever: a year of them
    if what.noncurrent_days is not None:
        keep = what.noncurrent_days
    s3_gb = blob * (1 + (puts_per_day * (keep + 1) if keep >= 0 else 0)) / 1e9
    led.use("s3_storage_gb_month", s3_gb)
    facts.update(ddb_gb=ddb_gb, s3_gb=s3_gb, puts_per_day=puts_per_day, keep_days=keep)
    retention = cost.log_retention_days(inp.template)
    days = max(retention.values()) if retention else 30
    led.use("cw_log_storage_gb_month", sum(led.log_gb.values()) * days / d)
    metrics = cost.scan_metrics(ROOT / "functions", sorted((ROOT / "layers/common/bridge/sync").glob("*.py")))
    alarms = cost.alarm_metrics(inp.template)
    led.use("cw_custom_metrics", metrics.count if what.custom_metrics is None else what.custom_metrics)
    led.use("cw_alarm_metrics", alarms.standard_metrics)
    led.use("cw_alarm_metrics_high_res", alarms.high_res_metrics)
    led.use("cw_dashboards", cost.dashboards(inp.template) if what.dashboards is None else what.dashboards)
    facts.update(metrics=metrics, alarms=alarms, retention=days)
    return led, facts


# --- report -----------------------------------------------------------------------------------------


def lever_steps(inp: Inputs) -> list[tuple[str, WhatIf]]:
    """Settings a shop may choose, each priced alone against the deployment as it is."""
    steps: list[tuple[str, dict[str, Any]]] = []
    if inp.m.tick_due_after_full_run:
        interval = inp.defaults["catalog_interval_minutes"]
        steps.append(
            (f"catalog tick fixed (a full push every {interval} min, as designed)", {"fixed_tick": True})
        )
    steps += [
        ("without the 1C on-save subscription: a full push every 15 min", {"catalog_interval": 15}),
        ("the change watcher instead of the 1C on-save subscription", {"watcher": True}),
        (
            "the change watcher instead of the subscription, a full push every 15 min",
            {"watcher": True, "catalog_interval": 15},
        ),
        ("status reconciler every 2 min instead of 5", {"recon_every": 2}),
        ("status window of 30 days instead of 14", {"recon_window_days": 30}),
        ("no dashboard (the alarms stay)", {"dashboards": 0}),
    ]
    out = []
    for label, change in steps:
        out.append((label, WhatIf(fixed_tick=True, **change)))
    return out


SHORT = {"API Gateway": "APIGW", "CloudWatch": "CWatch", "DynamoDB": "DynamoDB", "EventBridge": "EvBridge"}


def _price_text(price: cost.Price) -> str:
    per = "" if price.per == 1 else f"{price.per:,.0f} "
    return f"{format(price.usd, 'f').rstrip('0').rstrip('.')} / {per}{price.unit}"


def report(
    inp: Inputs,
    led: Ledger,
    facts: dict[str, Any],
    bill: cost.Bill,
    levers: list[tuple[str, cost.Bill, Ledger]],
    took: float,
) -> bool:
    a, m = inp.args, inp.m
    out: list[str] = []
    p = out.append
    p(
        f"AWS cost a month — {a.orders_per_day:,} orders/day, {a.skus:,} SKUs × {a.warehouses} warehouses, "
        f"{a.catalog_triggers_per_day:,} catalog saves/day"
    )
    p(f"prices: {cost.REGION}, {cost.PRICES_AS_OF} (bench/cost_prices.py)")
    aws = ", ".join(f"{k} {v:.0f}" for k, v in AWS_CALL_MS.items())
    p(
        f"assumed: UTP {a.utp_latency_ms:.0f} ms a call (real 1C is slow), SalesDrive "
        f"{a.salesdrive_latency_ms:.0f} ms, AWS round trips ms: {aws}; CPU × {FULL_VCPU_MB}/MB below "
        f"{FULL_VCPU_MB} MB"
    )
    p("")
    head = (
        f"{'calls/month':>12}{'s each':>8}{'MB':>6}{'GB-s/month':>12}{'UTP':>6}{'SD':>5}{'RRU':>8}{'WRU':>6}"
    )
    p(f"{'per function: what it does':<48}{head}")
    for row in led.rows:
        name = f"{row.owner.replace('Function', '')}: {row.label}"
        flag = "  TIMES OUT" if row.timed_out else ""
        p(
            f"  {name[:46]:<46}{row.invocations:>12,.0f}{row.duration_s:>8.2f}{row.memory_mb:>6}"
            f"{row.gbs:>12,.0f}{row.per.utp:>6.0f}{row.per.sd:>5.0f}{row.per.rru:>8,.0f}{row.per.wru:>6.1f}{flag}"
        )
    p("")
    services = sorted(s for s, v in bill.by_service(False).items() if v >= 0.005)
    owners = sorted(bill.by_owner, key=lambda o: -sum(bill.by_owner[o].values()))
    p(
        f"{'USD a month, no free tier':<28}"
        + "".join(f"{SHORT.get(s, s):>9}" for s in services)
        + f"{'total':>9}"
    )
    for owner in owners:
        costs = bill.by_owner[owner]
        cells = "".join(f"{costs.get(s, 0.0):>9.2f}" for s in services)
        p(f"  {owner.replace('Function', '')[:26]:<26}{cells}{sum(costs.values()):>9.2f}")
    p("")
    p(f"{'USD a month per service':<26}{'no free tier':>14}{'always-free tiers':>19}")
    free, nofree = bill.by_service(True), bill.by_service(False)
    for service in sorted(nofree, key=lambda s: -nofree[s]):
        p(f"  {service:<24}{nofree[service]:>14.2f}{free.get(service, 0.0):>19.2f}")
    p(f"  {'TOTAL':<24}{bill.total(False):>14.2f}{bill.total(True):>19.2f}")
    p("")
    p(f"{'usage a month':<32}{'quantity':>16}  {'USD per':<24}{'no free':>9}{'free tier':>10}")
    for item in sorted(bill.items, key=lambda i: -bill.cost_no_free[i]):
        price = cost.PRICES[item]
        p(
            f"  {item:<30}{bill.items[item]:>16,.2f}  {_price_text(price):<24}"
            f"{bill.cost_no_free[item]:>9.2f}{bill.cost_free[item]:>10.2f}"
        )
    p("")
    recon, kinds, lat = facts["recon"], facts["deal_kinds"], led.latency
    deal_mb = inp.infos["DealProcessorFunction"].memory_mb
    p("measured (in process: the real handlers on moto and the emulators):")
    p(
        f"  {m.webhooks_per_order:.1f} webhooks per order (new, then statuses {a.status_path}); "
        f"{m.deal_orders} orders measured, every second one a returning customer:"
    )
    for kind, smp in kinds.items():
        calls = ", ".join(f"{k.split('.', 1)[1]} {v:.1f}" for k, v in sorted(smp.calls.items()))
        p(
            f"    {kind:<30} UTP {smp.utp:4.1f}  SD {smp.sd:3.1f}  {lat.duration_s(smp, deal_mb):5.2f} s  "
            f"RRU {smp.rru:4.1f}  WRU {smp.wru:4.1f}  log {smp.log_bytes:4.0f} B  [{calls}]"
        )
    p(
        f"  status reconciler: UTP calls {recon['utp_measured'][0]:.0f}/{recon['utp_measured'][1]:.0f} at "
        f"{recon['k'][0]}/{recon['k'][1]} orders (⌈n/1000⌉+⌈n/{inp.defaults['utp_chunk_size']}⌉ = "
        f"{recon['utp_formula'][0]}/{recon['utp_formula'][1]}); {recon['rru_per_order']:.1f} RRU per "
        f"order of the window; at {recon['window']:,} orders a run needs {recon['utp']} UTP calls, "
        f"{recon['needed_s']:.0f} s (timeout {recon['timeout']} s)"
    )
    pts = inp.catalog["points"]
    reads = ", ".join(f"{pt['read'].utp:.0f} at {pt['n']:,}" for pt in pts)
    last = pts[-1]["push"]
    p(
        f"  catalog full read: UTP calls {reads} products → {facts['read_utp']:,.0f} at {a.skus:,}; "
        f"a run with changes: {last.s3_get:.0f} S3 GET + {last.s3_put:.0f} PUT of the fingerprint blob"
    )
    times = a.skus / inp.diff["products"]
    p(
        f"  catalog diff (bench_catalog's synthetic snapshot, {inp.diff['products']:,} products × "
        f"{times:.0f}): {facts['diff_cpu']:.1f} s CPU, blob {facts['blob'] / 1e6:.1f} MB; a full run ≈ "
        f"{facts['full_s']:.0f} s; {facts['full_runs']:,.0f} runs/month: {facts['how']}"
    )
    p(f"  catalog tick right after a complete full push is due: {m.tick_due_after_full_run}; {m.targeted}")
    inits = ", ".join(f"{k.replace('Function', '')} {v:.2f}" for k, v in inp.imports.items())
    p(f"  DynamoDB bytes stored per order {m.table_bytes_per_order:,.0f}; INIT (module import) s: {inits}")
    day = inp.day
    p(
        f"  a day of {day['orders']} orders (bench_day_of_orders): SalesDrive list calls "
        f"{day['list_calls_orders']} (sweep) + {day['list_calls_payments']} (payments), orders read "
        f"{day['orders_read']}, re-sent by the sweep {day['sent_by_sweep']}, payments read "
        f"{day['payments_read']}, cash receipts {day['receipts']}"
    )
    metrics, alarms = facts["metrics"], facts["alarms"]
    assumed = f"; assumed {'; '.join(metrics.assumed)}" if metrics.assumed else ""
    p(
        f"  code + template: {metrics.count} custom metrics ({len(set(metrics.names))} names with the "
        f"service dimension + ColdStart of {', '.join(metrics.cold_start_functions) or 'none'}{assumed}); "
        f"{alarms.alarms} alarms = {alarms.standard_metrics + alarms.high_res_metrics} alarm metrics; "
        f"{cost.dashboards(inp.template)} dashboard; logs kept {facts['retention']} days; "
        f"old blob versions kept {facts['keep_days']} days"
    )
    p("  (call and request counts are exact; times vary by ±15 % between runs on a busy machine)")
    p("assumed:")
    p(
        f"  SQS event sources: {ESM_POLLERS} pollers × {ESM_POLLS_PER_MIN} long polls a minute each, busy or "
        f"idle ({facts['idle_polls']:,.0f} requests/month per queue); one message per deal invocation"
    )
    p(
        f"  ≤ {COLD_STARTS_PER_DAY} cold starts a day per function (INIT billed at the measured import time, "
        f"unscaled); {PLATFORM_LOG_BYTES} B of platform log lines per invocation; logs stored uncompressed"
    )
    p("  X-Ray: every invocation is a trace (1 a second + 5 % are sampled: all of them at these rates)")
    p("  free: SSM standard parameters (API calls at standard throughput; their KMS decrypts are billed),")
    p("    EventBridge scheduled rules, SNS alarm e-mails (1,000 free); the 12-month free tiers")
    p("    (API Gateway, S3) are not counted")
    p(
        f"  catalog: {a.catalog_change_share:.1%} of the SKUs change between full runs; each save is its own "
        f"targeted batch; the product matcher = the catalog's product read + 1 YML download"
    )
    p(
        f"  storage: DynamoDB after a year ({facts['ddb_gb']:.2f} GB, audit TTL 400 days, PITR on); S3: the "
        f"blob + {facts['puts_per_day']:,.0f} new versions a day × {facts['keep_days'] + 1} days "
        f"({facts['s3_gb']:.1f} GB)"
    )
    for row in led.rows:
        if row.timed_out:
            p(
                f"NOTE: {row.owner} needs {row.needed_s:.0f} s a run, more than its "
                f"{inp.infos[row.owner].timeout_s} s timeout: as deployed it would time out every run and "
                f"never finish; billed here for the {row.needed_s:.0f} s it needs"
            )
    for note in m.notes:
        p(f"NOTE: {note}")
    p("")
    ranked = sorted(bill.cost_no_free.items(), key=lambda kv: -kv[1])
    total = bill.total(False)
    top = "; ".join(f"{item} {value:.2f} ({value / total:.0%})" for item, value in ranked[:4] if total)
    p(f"what dominates (no free tier): {top}")
    top_owner = owners[0]
    p(f"  costliest function: {top_owner} {sum(bill.by_owner[top_owner].values()):.2f} USD a month")
    p("what if (each alone; USD a month: no free tier, always-free tiers):")
    p(f"  {'as deployed':<76}{bill.total(False):>9.2f}{bill.total(True):>9.2f}")
    for label, lever_bill, _ in levers:
        p(f"  {label:<76}{lever_bill.total(False):>9.2f}{lever_bill.total(True):>9.2f}")
    p("")
    watched = next(((b, led_) for label, b, led_ in levers if label.startswith("the change watcher")), None)
    if watched:
        w_bill, w_led = watched
        p("the two ways of carrying catalog saves (USD a month: no free tier, always-free tiers):")
        p(f"  {'1C on-save subscription (as above)':<76}{bill.total(False):>9.2f}{bill.total(True):>9.2f}")
        p(
            f"  {'change watcher instead (no 1C change)':<76}"
            f"{w_bill.total(False):>9.2f}{w_bill.total(True):>9.2f}"
        )
        for row in w_led.rows:
            if row.owner == WATCHER or row.label.startswith("targeted push"):
                own = sum(w_bill.by_owner.get(row.owner, {}).values())
                p(
                    f"    {row.owner}: {row.label}: {row.invocations:,.0f} a month × "
                    f"{row.duration_s:.1f} s at {row.memory_mb} MB = {row.gbs:,.0f} GB-s; "
                    f"UTP {row.per.utp:.0f} requests a run; "
                    f"{own:.2f} USD a month (no free tier)"
                )
        p(
            f"    the watcher's batches: 1 − e^(−rate × poll interval) of the polls of {BUSINESS_HOURS} "
            f"business hours find a save ({a.catalog_triggers_per_day:,} saves a day)"
        )
        p("")
    # The always-free tiers (Lambda, CloudWatch, DynamoDB storage …) are permanent features of every AWS
    # account, not a trial: the bill a shop pays in its own account. --no-free-tier prices a busy account.
    target_total = bill.total(a.free_tier)
    ok = target_total <= a.target_usd
    which = "with the always-free tiers" if a.free_tier else "without any free tier (--no-free-tier)"
    verdict = "PASS" if ok else "FAIL"
    p(f"{verdict}: {target_total:.2f} USD a month {which}; target ≤ {a.target_usd:.2f} USD")
    other = bill.total(not a.free_tier)
    other_label = "without any free tier" if a.free_tier else "with the always-free tiers"
    p(f"  ({other_label}: {other:.2f} USD a month)")
    p(f"(bench took {took:.0f} s)")
    print("\n".join(out))
    return ok


# --- main --------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders-per-day", type=int, default=300)
    parser.add_argument("--skus", type=int, default=200_000)
    parser.add_argument("--warehouses", type=int, default=10)
    parser.add_argument("--utp-latency-ms", type=float, default=300.0)
    parser.add_argument("--salesdrive-latency-ms", type=float, default=150.0)
    parser.add_argument("--catalog-triggers-per-day", type=int, default=2000)
    parser.add_argument("--catalog-change-share", type=float, default=0.001, help="SKUs changed per full run")
    parser.add_argument("--free-tier", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--target-usd", type=float, default=10.0)
    parser.add_argument("--deal-orders", type=int, default=10, help="orders in the measured deal run")
    parser.add_argument("--status-path", default="2,5", help="statuses each order moves through (last: sale)")
    parser.add_argument(
        "--catalog-sizes", default="1000,3000", help="two small catalogs the read is measured at"
    )
    parser.add_argument("--diff-products", type=int, default=20_000)
    args = parser.parse_args()
    args.status_path = [int(s) for s in args.status_path.split(",") if s.strip()]
    started = time.perf_counter()

    template = cost.load_template(TEMPLATE)
    infos = cost.function_infos(template)
    progress = sys.stderr
    print("measuring: cold imports …", file=progress, flush=True)
    imports = cold_imports(infos)
    print("measuring: a day of orders (bench_day_of_orders) …", file=progress, flush=True)
    import bench_day_of_orders

    day = bench_day_of_orders.run_day(args.orders_per_day, "429", 0.03, 6)
    print("measuring: catalog diff (bench_catalog synthetic) …", file=progress, flush=True)
    diff = run_diff(args.diff_products)

    from moto import mock_aws

    from bridge.settings import BridgeSettings
    from bridge.utp.client import UtpClient

    defaults = {
        "catalog_interval_minutes": BridgeSettings.model_fields["catalog_interval_minutes"].default,
        "catalog_watch_poll_seconds": BridgeSettings.model_fields["catalog_watch_poll_seconds"].default,
        "catalog_watch_run_seconds": BridgeSettings.model_fields["catalog_watch_run_seconds"].default,
        "status_window_days": BridgeSettings.model_fields["status_window_days"].default,
        "utp_chunk_size": inspect_default(UtpClient.__init__, "chunk_size"),
    }
    install_aws_hook()
    m = Measured()
    # Powertools warns on stderr when a run adds no metric; the runs are measured, not shown.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    shown, sys.stdout = sys.stdout, CAPTURE  # the handlers' log lines are measured, not shown
    try:
        with mock_aws():
            print(
                "measuring: deals, scheduled functions, catalog ticks and triggers (handlers on moto) …",
                file=progress,
                flush=True,
            )
            world = World(infos, template)
            run_world(world, args.deal_orders, args.status_path, m)
            print("measuring: catalog full read at two sizes …", file=progress, flush=True)
            sizes = tuple(int(s) for s in args.catalog_sizes.split(","))
            catalog = run_catalog_read(args.warehouses, (sizes[0], sizes[1]))
    finally:
        sys.stdout = shown
    inp = Inputs(args, template, infos, world, m, catalog, diff, imports, day, defaults)
    led, facts = build(inp)
    bill = cost.compute_bill(led.uses)
    levers = []
    for label, what in lever_steps(inp):
        lever_led, _ = build(inp, what)
        levers.append((label, cost.compute_bill(lever_led.uses), lever_led))
    ok = report(inp, led, facts, bill, levers, time.perf_counter() - started)
    return 0 if ok else 1


def inspect_default(func: Callable[..., Any], name: str) -> Any:
    import inspect

    return inspect.signature(func).parameters[name].default


if __name__ == "__main__":
    sys.exit(main())
