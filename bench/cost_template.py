"""What the template and the functions' code declare that AWS bills: functions (memory, timeout,
schedules, event sources), alarms, dashboards, log retention, blob versions and custom (EMF) metrics.

Pure functions over the template as ``sandbox.runner.template.read_template`` reads it (CloudFormation's
short tags as ``{"Ref": …}`` / ``{"Fn::GetAtt": […]}``); every bench module reads the template that way.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cost_prices import DAYS_PER_MONTH, MINUTES_PER_MONTH
from harness import ROOT

TEMPLATE = ROOT / "template.yaml"


def load_template(path: Path | str = TEMPLATE) -> dict[str, Any]:
    """The template (``read_template``), refused unless it has resources."""
    from sandbox.runner.template import read_template

    data = read_template(Path(path))
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
