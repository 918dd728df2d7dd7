"""A month's usage lines (for ``cost_prices.compute_bill``): a Lambda invocation's duration from a
measured ``Sample`` and the usage lines a month of such invocations adds, per function."""

from __future__ import annotations

from dataclasses import dataclass, field

import cost_prices as cost
from cost_meter import Sample, positive
from cost_template import FunctionInfo

# Round trip of one AWS API call from a Lambda function in the same region (assumed, ms).
AWS_CALL_MS = {"dynamodb": 5.0, "sqs": 15.0, "ssm": 20.0, "s3": 30.0, "kms": 10.0}
FULL_VCPU_MB = 1769  # Lambda: one full vCPU at 1,769 MB, proportionally less below
PLATFORM_LOG_BYTES = 400  # START / END / REPORT lines (REPORT with the X-Ray trace id) per invocation
LOG_EVENT_OVERHEAD = 26  # bytes CloudWatch counts per log event besides its message
COLD_STARTS_PER_DAY = 24  # at most one an hour per function (environments recycle; nights go cold)


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
    infos: dict[str, FunctionInfo]
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
        """``count`` invocations a month of ``lid``, each like ``per``: the row and its usage lines."""
        info = self.infos.get(lid)
        memory = info.memory_mb if info else 1024
        per = positive(per)
        needed = self.latency.duration_s(per, memory)
        timeout = info.timeout_s if info else 900
        # Billed as if it could finish (a timeout is a defect, reported, not a saving).
        gbs, total = self._with_cold_starts(count, needed, memory, per, cold)
        self._record(lid, info, count, gbs, total, http=http, scheduled=scheduled, refresh=secret_refresh)
        row = Row(lid, label, count, needed, memory, gbs, per, needed > timeout, needed)
        self.rows.append(row)
        return row

    def _with_cold_starts(
        self, count: float, duration: float, memory: int, per: Sample, cold: tuple[Sample, float] | None
    ) -> tuple[float, Sample]:
        """GB-s and the summed sample of ``count`` invocations, with their cold starts' INIT and extra."""
        gb = memory / 1024
        gbs = count * duration * gb
        total = per.scaled(count)
        if cold is not None:
            extra, init_s = cold
            starts = min(count, COLD_STARTS_PER_DAY * cost.DAYS_PER_MONTH)
            init = init_s + self.latency.duration_s(positive(extra), memory)  # INIT: import time as measured
            gbs += starts * init * gb
            total = total + positive(extra).scaled(starts)
        return gbs, total

    def _record(
        self,
        lid: str,
        info: FunctionInfo | None,
        count: float,
        gbs: float,
        total: Sample,
        *,
        http: bool,
        scheduled: bool,
        refresh: float,
    ) -> None:
        """The usage lines of ``count`` invocations that together did ``total``."""
        arch = info.architecture if info else "arm64"
        refreshes = min(count, cost.MINUTES_PER_MONTH / 5) * refresh
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
