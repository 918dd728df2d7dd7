"""Measuring what the bridge does: a ``Sample`` per invocation (wall time, AWS calls and their billing
units, UTP and SalesDrive requests, log bytes), filled by botocore hooks and the emulators' WSGI entry."""

from __future__ import annotations

import contextlib
import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any

import cost_prices as cost


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


def positive(sample: Sample) -> Sample:
    """Every figure floored at zero (a difference of two timed samples can dip below it)."""
    out = sample.scaled(1.0)
    for f in fields(out):
        value = getattr(out, f.name)
        if isinstance(value, dict):
            setattr(out, f.name, {k: max(v, 0.0) for k, v in value.items()})
        else:
            setattr(out, f.name, max(value, 0.0))
    return out


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
