"""The bridge's AWS prices and the usage → cost arithmetic (capacity units, SQS chunks, free tiers).

Pure functions only (no boto3, no moto, no emulators), so ``tests/unit/test_cost_model.py`` checks the
arithmetic with hand-computed numbers; ``bench/bench_cost.py`` measures the usage and prints the bill.

Prices: AWS list prices for eu-central-1 (Frankfurt), on-demand, USD, as published in 2025 — DynamoDB
on-demand after its 1 Nov 2024 cut (-50 %), from each service's pricing page (region Europe (Frankfurt)).
us-east-1 is cheaper for some items (noted per line); re-check before quoting a contract.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

REGION = "eu-central-1"
PRICES_AS_OF = "2025 list prices (DynamoDB on-demand after the 2024-11-01 cut)"
MINUTES_PER_MONTH = 43_800  # 730 h: AWS's own month in its pricing examples
DAYS_PER_MONTH = MINUTES_PER_MONTH / 1440  # 30.42


@dataclass(frozen=True)
class Price:
    service: str
    item: str
    usd: float  # per `per` units
    per: float
    unit: str
    note: str = ""

    def cost(self, quantity: float) -> float:
        return quantity / self.per * self.usd


def _p(service: str, item: str, usd: float, per: float, unit: str, note: str = "") -> tuple[str, Price]:
    return item, Price(service, item, usd, per, unit, note)


# item → price. Items are what the usage lines name; the service groups them in the printed table.
PRICES: dict[str, Price] = dict(
    [
        _p("Lambda", "lambda_requests", 0.20, 1e6, "requests"),
        _p("Lambda", "lambda_gbs_arm64", 0.0000133334, 1, "GB-s", "x86_64: 0.0000166667"),
        _p("Lambda", "lambda_gbs_x86_64", 0.0000166667, 1, "GB-s"),
        _p("API Gateway", "http_api_requests", 1.20, 1e6, "requests", "HTTP API; us-east-1: 1.00"),
        _p("SQS", "sqs_fifo_requests", 0.50, 1e6, "requests", "FIFO, per 64 KB chunk"),
        _p("SQS", "sqs_standard_requests", 0.40, 1e6, "requests", "standard, per 64 KB chunk"),
        _p("DynamoDB", "ddb_write_request_units", 0.7625, 1e6, "WRU", "us-east-1: 0.625"),
        _p("DynamoDB", "ddb_read_request_units", 0.1525, 1e6, "RRU", "us-east-1: 0.125"),
        _p("DynamoDB", "ddb_storage_gb_month", 0.306, 1, "GB-month"),
        _p("DynamoDB", "ddb_pitr_gb_month", 0.2448, 1, "GB-month", "continuous backup"),
        _p("S3", "s3_put_requests", 0.0054, 1000, "requests"),
        _p("S3", "s3_get_requests", 0.00043, 1000, "requests"),
        _p("S3", "s3_storage_gb_month", 0.0245, 1, "GB-month", "Standard"),
        _p("CloudWatch", "cw_custom_metrics", 0.30, 1, "metrics"),
        _p("CloudWatch", "cw_alarm_metrics", 0.10, 1, "alarm metrics", "standard resolution"),
        _p("CloudWatch", "cw_alarm_metrics_high_res", 0.30, 1, "alarm metrics"),
        _p("CloudWatch", "cw_dashboards", 3.00, 1, "dashboards"),
        _p("CloudWatch", "cw_log_ingestion_gb", 0.63, 1, "GB", "us-east-1: 0.50"),
        _p("CloudWatch", "cw_log_storage_gb_month", 0.0324, 1, "GB-month"),
        _p("X-Ray", "xray_traces_recorded", 5.00, 1e6, "traces"),
        _p("KMS", "kms_requests", 0.03, 10_000, "requests", "SSM SecureString decrypts (aws/ssm key)"),
        _p("SSM", "ssm_api_calls", 0.0, 1, "calls", "standard parameters, standard throughput: free"),
        _p("EventBridge", "eventbridge_scheduled_events", 0.0, 1, "events", "scheduled rules: no charge"),
    ]
)

# Always-free allowances (not the 12-month ones: API Gateway's and S3's end after a year).
# A pool shares one allowance between items, used in the listed order.
FREE_TIER: dict[str, tuple[tuple[str, ...], float]] = {
    "Lambda requests": (("lambda_requests",), 1_000_000),
    "Lambda GB-s": (("lambda_gbs_arm64", "lambda_gbs_x86_64"), 400_000),
    "SQS requests": (("sqs_fifo_requests", "sqs_standard_requests"), 1_000_000),
    "DynamoDB storage": (("ddb_storage_gb_month",), 25),
    "CloudWatch metrics": (("cw_custom_metrics",), 10),
    "CloudWatch alarms": (("cw_alarm_metrics", "cw_alarm_metrics_high_res"), 10),
    "CloudWatch dashboards": (("cw_dashboards",), 3),
    "CloudWatch logs 5 GB": (("cw_log_ingestion_gb", "cw_log_storage_gb_month"), 5),
    "X-Ray traces": (("xray_traces_recorded",), 100_000),
    "KMS requests": (("kms_requests",), 20_000),
}


@dataclass(frozen=True)
class Use:
    """``quantity`` of a priced ``item`` a month, attributed to ``owner`` (a function, or "shared")."""

    item: str
    quantity: float
    owner: str = "shared"
    note: str = ""


@dataclass
class Bill:
    items: dict[str, float]  # item → quantity a month
    cost_no_free: dict[str, float]  # item → USD
    cost_free: dict[str, float]  # item → USD after the always-free allowances
    by_owner: dict[str, dict[str, float]]  # owner → service → USD (no free tier: it is per account)
    free_used: dict[str, float] = field(default_factory=dict)  # pool → allowance used

    def by_service(self, free_tier: bool) -> dict[str, float]:
        costs = self.cost_free if free_tier else self.cost_no_free
        out: dict[str, float] = {}
        for item, usd in costs.items():
            out[PRICES[item].service] = out.get(PRICES[item].service, 0.0) + usd
        return out

    def total(self, free_tier: bool) -> float:
        return sum((self.cost_free if free_tier else self.cost_no_free).values())


def compute_bill(
    uses: Iterable[Use],
    prices: Mapping[str, Price] = PRICES,
    free_tier: Mapping[str, tuple[tuple[str, ...], float]] = FREE_TIER,
) -> Bill:
    """Monthly cost of the usage lines, with and without the always-free allowances."""
    items: dict[str, float] = {}
    by_owner: dict[str, dict[str, float]] = {}
    for use in uses:
        if use.item not in prices:
            raise KeyError(f"no price for {use.item!r}")
        if use.quantity < 0:
            raise ValueError(f"negative usage of {use.item}: {use.quantity}")
        items[use.item] = items.get(use.item, 0.0) + use.quantity
        price = prices[use.item]
        owner = by_owner.setdefault(use.owner, {})
        owner[price.service] = owner.get(price.service, 0.0) + price.cost(use.quantity)
    cost_no_free = {item: prices[item].cost(q) for item, q in items.items()}
    billable = dict(items)
    used: dict[str, float] = {}
    for pool, (pool_items, allowance) in free_tier.items():
        left = allowance
        for item in pool_items:
            take = min(left, billable.get(item, 0.0))
            if take:
                billable[item] -= take
                left -= take
        used[pool] = allowance - left
    cost_free = {item: prices[item].cost(q) for item, q in billable.items()}
    return Bill(items, cost_no_free, cost_free, by_owner, used)


# --- DynamoDB capacity units ------------------------------------------------------------------------


def _number_size(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").lstrip("0") or "0"
    return (len(digits.rstrip("0") or "0") + 1) // 2 + 1


def attribute_value_size(value: Mapping[str, Any]) -> int:
    """Size DynamoDB bills for one attribute value (developer guide, "Item sizes and formats")."""
    ((kind, raw),) = value.items()
    if kind == "S":
        return len(str(raw).encode())
    if kind == "N":
        return _number_size(str(raw))
    if kind == "B":
        return len(raw)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(s).encode()) for s in raw)
    if kind == "NS":
        return sum(_number_size(str(n)) for n in raw)
    if kind == "BS":
        return sum(len(b) for b in raw)
    if kind == "M":
        return 3 + sum(len(k.encode()) + attribute_value_size(v) + 1 for k, v in raw.items())
    if kind == "L":
        return 3 + sum(attribute_value_size(v) + 1 for v in raw)
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def item_size(item: Mapping[str, Mapping[str, Any]] | None) -> int:
    """Attribute names plus values, in bytes (the size capacity units are computed from)."""
    if not item:
        return 0
    return sum(len(name.encode()) + attribute_value_size(value) for name, value in item.items())


def read_units(size: int, *, consistent: bool) -> float:
    """RRU of one GetItem (or one Query page of ``size`` bytes): 4 KB steps, at least one step."""
    units = max(1, math.ceil(size / 4096))
    return float(units) if consistent else units / 2


def write_units(size: int) -> float:
    """WRU of one PutItem/UpdateItem/DeleteItem: 1 KB steps, at least one."""
    return float(max(1, math.ceil(size / 1024)))


def sqs_billed_requests(payload_bytes: int) -> int:
    """SQS bills every 64 KB chunk of a request's payload as one request."""
    return max(1, math.ceil(payload_bytes / 65_536))


def watcher_batches_per_day(saves_per_day: float, poll_s: float, business_hours: float) -> float:
    """Targeted pushes a day when the change watcher carries the catalog saves: one for each poll that
    finds any. Saves arrive at random (Poisson) within ``business_hours``; a poll finds at least one with
    probability 1 − e^(−rate × poll interval)."""
    if saves_per_day < 0 or poll_s <= 0 or business_hours <= 0:
        raise ValueError("saves must be ≥ 0, the poll interval and the business hours > 0")
    polls = business_hours * 3600 / poll_s
    rate = saves_per_day / (business_hours * 3600)
    return polls * (1 - math.exp(-rate * poll_s))
