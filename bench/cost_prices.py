"""The bridge's AWS cost model: a prices table, the usage → cost arithmetic, and what the template says.

Pure functions only (no boto3, no moto, no emulators), so ``tests/unit/test_cost_model.py`` checks the
arithmetic with hand-computed numbers; ``bench/bench_cost.py`` measures the usage and prints the bill.

Prices: AWS list prices for eu-central-1 (Frankfurt), on-demand, USD, as published in 2025 — DynamoDB
on-demand after its 1 Nov 2024 cut (-50 %). Sources: https://aws.amazon.com/{lambda,api-gateway,sqs,
dynamodb,s3,cloudwatch,xray,kms,systems-manager,eventbridge}/pricing/ (region selector: Europe
(Frankfurt)). us-east-1 is cheaper for some items (noted per line); re-check before quoting a contract.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
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


# --- the template ---------------------------------------------------------------------------------


class _CfnLoader:
    """A yaml SafeLoader that reads CloudFormation's short-form tags (!Ref, !Sub, !GetAtt …)."""

    @staticmethod
    def load(text: str) -> Any:
        import yaml

        class Loader(yaml.SafeLoader):
            pass

        def tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
            name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
            if isinstance(node, yaml.ScalarNode):
                value: Any = loader.construct_scalar(node)
                if suffix == "GetAtt" and isinstance(value, str):
                    value = value.split(".", 1)
            elif isinstance(node, yaml.SequenceNode):
                value = loader.construct_sequence(node, deep=True)
            else:
                value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
            return {name: value}

        Loader.add_multi_constructor("!", tagged)
        return yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass


def load_template(path: Path | str) -> dict[str, Any]:
    data = _CfnLoader.load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "Resources" not in data:
        raise ValueError(f"{path}: not a CloudFormation template")
    return data


@dataclass(frozen=True)
class FunctionInfo:
    logical_id: str
    memory_mb: int
    timeout_s: int
    architecture: str
    code_uri: str
    schedules: tuple[str, ...]
    http_routes: tuple[str, ...]
    sqs_batch_size: int | None
    tracing: bool
    cold_start_metric: bool = False

    @property
    def scheduled_runs_per_month(self) -> float:
        return sum(schedule_runs_per_month(s) for s in self.schedules)


def _resolve(value: Any, parameters: Mapping[str, Any]) -> Any:
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in parameters:
        return parameters[value["Ref"]].get("Default")
    return value


def function_infos(template: Mapping[str, Any]) -> dict[str, FunctionInfo]:
    """Every AWS::Serverless::Function with its memory, timeout, architecture, schedules and sources."""
    glob = (template.get("Globals") or {}).get("Function") or {}
    out: dict[str, FunctionInfo] = {}
    for lid, res in template["Resources"].items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        props = res.get("Properties") or {}
        schedules: list[str] = []
        routes: list[str] = []
        batch: int | None = None
        for event in (props.get("Events") or {}).values():
            kind, eprops = event.get("Type"), event.get("Properties") or {}
            if kind in ("Schedule", "ScheduleV2") and eprops.get("Enabled", True) is not False:
                schedules.append(str(eprops.get("Schedule") or eprops.get("ScheduleExpression")))
            elif kind in ("HttpApi", "Api"):
                routes.append(f"{eprops.get('Method', 'ANY').upper()} {eprops.get('Path', '$default')}")
            elif kind == "SQS":
                batch = int(eprops.get("BatchSize", 10))
        archs = props.get("Architectures") or glob.get("Architectures") or ["x86_64"]
        out[lid] = FunctionInfo(
            logical_id=lid,
            memory_mb=int(props.get("MemorySize", glob.get("MemorySize", 128))),
            timeout_s=int(props.get("Timeout", glob.get("Timeout", 3))),
            architecture=str(archs[0]),
            code_uri=str(props.get("CodeUri", glob.get("CodeUri", ""))),
            schedules=tuple(schedules),
            http_routes=tuple(routes),
            sqs_batch_size=batch,
            tracing=str(props.get("Tracing", glob.get("Tracing", "PassThrough"))) == "Active",
        )
    return out


_RATE = re.compile(r"rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)")
_UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}


def _cron_field_count(text: str, low: int, high: int) -> int:
    if text in ("*", "?"):
        return high - low + 1
    total = 0
    for part in text.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            start, end = (int(x) for x in base.split("-", 1))
        else:
            start = end = int(base)
            if step:
                end = high
        total += len(range(start, end + 1, int(step or 1)))
    return total


def schedule_runs_per_month(expression: str) -> float:
    """How often an EventBridge schedule fires in a 43,800-minute month: ``rate(N unit)`` exactly;
    ``cron(min hour day-of-month month day-of-week year)`` for numeric minute/hour fields, every day,
    or named week days (MON-FRI)."""
    expr = expression.strip()
    rate = _RATE.fullmatch(expr)
    if rate:
        return MINUTES_PER_MONTH / (int(rate.group(1)) * _UNIT_MINUTES[rate.group(2).rstrip("s")])
    cron = re.fullmatch(r"cron\((.+)\)", expr)
    if not cron:
        raise ValueError(f"not a schedule expression: {expression!r}")
    fields = cron.group(1).split()
    if len(fields) != 6:
        raise ValueError(f"a cron expression has 6 fields: {expression!r}")
    minute, hour, dom, month, dow, _year = fields
    per_day = _cron_field_count(minute, 0, 59) * _cron_field_count(hour, 0, 23)
    days = DAYS_PER_MONTH
    if dom not in ("*", "?"):
        days = _cron_field_count(dom, 1, 31) * 12 / 365 * DAYS_PER_MONTH
    elif dow not in ("*", "?"):
        names = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)}
        numeric = re.sub(r"[A-Z]{3}", lambda m: str(names[m.group(0)]), dow.upper())
        days = _cron_field_count(numeric, 1, 7) / 7 * DAYS_PER_MONTH
    if month not in ("*", "?"):
        days *= _cron_field_count(month, 1, 12) / 12
    return per_day * days


@dataclass(frozen=True)
class AlarmCount:
    alarms: int
    standard_metrics: int
    high_res_metrics: int


def alarm_metrics(template: Mapping[str, Any]) -> AlarmCount:
    """CloudWatch bills an alarm per metric it evaluates: a metric-math alarm once per metric in its
    expression; a period under 60 s is a high-resolution alarm."""
    alarms = standard = high = 0
    for res in template["Resources"].values():
        if res.get("Type") != "AWS::CloudWatch::Alarm":
            continue
        alarms += 1
        props = res.get("Properties") or {}
        if props.get("Metrics"):
            for metric in props["Metrics"]:
                stat = metric.get("MetricStat")
                if stat is None:
                    continue
                if int(stat.get("Period", 60)) < 60:
                    high += 1
                else:
                    standard += 1
        elif int(props.get("Period", 60)) < 60:
            high += 1
        else:
            standard += 1
    return AlarmCount(alarms, standard, high)


def dashboards(template: Mapping[str, Any]) -> int:
    return sum(1 for r in template["Resources"].values() if r.get("Type") == "AWS::CloudWatch::Dashboard")


def log_retention_days(template: Mapping[str, Any]) -> dict[str, int]:
    """Log group logical id → retention in days (parameters resolved to their defaults)."""
    parameters = template.get("Parameters") or {}
    out = {}
    for lid, res in template["Resources"].items():
        if res.get("Type") == "AWS::Logs::LogGroup":
            days = _resolve((res.get("Properties") or {}).get("RetentionInDays"), parameters)
            out[lid] = int(days) if days is not None else 0  # 0: never expires
    return out


def noncurrent_version_days(template: Mapping[str, Any]) -> dict[str, int | None]:
    """S3 bucket logical id → NoncurrentDays of its expiry rule (None: versions kept forever; -1: no
    versioning)."""
    out: dict[str, int | None] = {}
    for lid, res in template["Resources"].items():
        if res.get("Type") != "AWS::S3::Bucket":
            continue
        props = res.get("Properties") or {}
        versioned = (props.get("VersioningConfiguration") or {}).get("Status") == "Enabled"
        days = None
        for rule in (props.get("LifecycleConfiguration") or {}).get("Rules") or []:
            expiry = rule.get("NoncurrentVersionExpiration") or {}
            if rule.get("Status") == "Enabled" and "NoncurrentDays" in expiry:
                days = int(expiry["NoncurrentDays"])
        out[lid] = days if versioned else -1  # -1: not versioned, only the current object is stored
    return out


# --- custom metrics (EMF) in the functions' code ----------------------------------------------------


@dataclass(frozen=True)
class MetricScan:
    names: tuple[str, ...]  # every metric name (f-strings expanded)
    assumed: tuple[str, ...]  # f-string placeholders whose values were assumed, with the count used
    cold_start_functions: tuple[str, ...]  # functions with capture_cold_start_metric=True

    @property
    def count(self) -> int:
        """Unique metric × dimension sets: every name shares the service dimension; ColdStart adds one
        per function (dimensions function_name + service)."""
        return len(set(self.names)) + len(self.cold_start_functions)


def _string_constants(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [c for e in node.elts for c in _string_constants(e)]
    return []


def values_in_code(sources: Sequence[Path], placeholder: str) -> list[str]:
    """The string values an f-string placeholder of a metric name can take, found in the shared code:

    - ``<x>.action``: the second argument of every ``DealOutcome(...)``;
    - ``document``: strings appended to (or returned in a list as) the deal outcome's ``documents``;
    - ``status``: the module-level ``STATUSES`` tuple.
    Anything else: an empty list (the caller assumes a count and says so)."""
    found: list[str] = []
    for path in sources:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if placeholder.endswith(".action"):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", None) == "DealOutcome"
                    and len(node.args) >= 2
                ):
                    found += _string_constants(node.args[1])
            elif placeholder == "document":
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "append"
                    and getattr(node.func.value, "id", None) == "documents"
                ):
                    found += [c for a in node.args for c in _string_constants(a)]
                elif isinstance(node, ast.Return) and isinstance(node.value, ast.List):
                    found += _string_constants(node.value)
            elif placeholder == "status":
                targets = (
                    node.targets
                    if isinstance(node, ast.Assign)
                    else [node.target]
                    if isinstance(node, ast.AnnAssign)
                    else []
                )
                if any(getattr(t, "id", None) == "STATUSES" for t in targets) and node.value is not None:
                    found += _string_constants(node.value)  # type: ignore[union-attr]
    return sorted(set(found))


def scan_metrics(
    functions_dir: Path, shared_sources: Sequence[Path], assumed_per_placeholder: int = 5
) -> MetricScan:
    """``add_metric(name=...)`` in every ``functions/*/app.py``: constants, both arms of a conditional,
    f-strings expanded with ``values_in_code``; plus Powertools' ``ColdStart`` metric."""
    names: list[str] = []
    assumed: list[str] = []
    cold: list[str] = []
    for app in sorted(functions_dir.glob("*/app.py")):
        tree = ast.parse(app.read_text(encoding="utf-8"))
        tables = _name_tables(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            attr = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            flag = kw.get("capture_cold_start_metric")
            if attr == "log_metrics" and isinstance(flag, ast.Constant) and flag.value is True:
                cold.append(app.parent.name)
            if attr != "add_metric" or "name" not in kw:
                continue
            name = kw["name"]
            if (
                isinstance(name, ast.Subscript)
                and isinstance(name.value, ast.Name)
                and name.value.id in tables
            ):
                names += tables[name.value.id]  # name=TABLE[key]: every value of the module's table
                continue
            names += _metric_names(name, shared_sources, assumed, assumed_per_placeholder)
    return MetricScan(tuple(names), tuple(assumed), tuple(cold))


def _name_tables(tree: ast.Module) -> dict[str, list[str]]:
    """Module-level ``NAME = {"key": "MetricName", …}`` tables (string values only)."""
    tables: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            if (
                isinstance(value, ast.Dict)
                and value.values
                and all(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in value.values)
            ):
                tables[node.targets[0].id] = [
                    str(v.value) for v in value.values if isinstance(v, ast.Constant)
                ]
    return tables


def _metric_names(
    node: ast.AST, sources: Sequence[Path], assumed: list[str], assumed_count: int
) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _metric_names(node.body, sources, assumed, assumed_count) + _metric_names(
            node.orelse, sources, assumed, assumed_count
        )
    if isinstance(node, ast.JoinedStr):
        prefix, placeholder, suffix = "", "", ""
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                placeholder = ast.unparse(part.value)
            elif isinstance(part, ast.Constant):
                if placeholder:
                    suffix += str(part.value)
                else:
                    prefix += str(part.value)
        values = values_in_code(sources, placeholder)
        if not values:
            values = [f"<{placeholder}#{k}>" for k in range(assumed_count)]
            assumed.append(f"{prefix}{{{placeholder}}}{suffix}: {assumed_count} values assumed")
        return [f"{prefix}{v}{suffix}" for v in values]
    assumed.append(f"{ast.unparse(node)}: 1 name assumed")
    return [ast.unparse(node)]


@dataclass(frozen=True)
class SqsSource:
    function: str
    queue: str
    fifo: bool
    batch_size: int


def sqs_sources(template: Mapping[str, Any]) -> list[SqsSource]:
    """Every SQS event source of a function (each one keeps Lambda's pollers long-polling its queue)."""
    resources = template["Resources"]
    out = []
    for lid, res in resources.items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        for event in ((res.get("Properties") or {}).get("Events") or {}).values():
            if event.get("Type") != "SQS":
                continue
            props = event.get("Properties") or {}
            ref = props.get("Queue")
            queue = ref["Fn::GetAtt"][0] if isinstance(ref, dict) and "Fn::GetAtt" in ref else str(ref)
            fifo = bool(((resources.get(queue) or {}).get("Properties") or {}).get("FifoQueue"))
            out.append(SqsSource(lid, queue, fifo, int(props.get("BatchSize", 10))))
    return out


def watcher_batches_per_day(saves_per_day: float, poll_s: float, business_hours: float) -> float:
    """Targeted pushes a day when the change watcher carries the catalog saves: one for each poll that
    finds any. Saves arrive at random (Poisson) within ``business_hours``; a poll finds at least one with
    probability 1 − e^(−rate × poll interval)."""
    if saves_per_day < 0 or poll_s <= 0 or business_hours <= 0:
        raise ValueError("saves must be ≥ 0, the poll interval and the business hours > 0")
    polls = business_hours * 3600 / poll_s
    rate = saves_per_day / (business_hours * 3600)
    return polls * (1 - math.exp(-rate * poll_s))
