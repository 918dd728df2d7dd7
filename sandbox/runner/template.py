"""The SAM template, read into a local model the runner can act on.

Only what running the handlers needs is modelled: functions (code, handler, environment, events), SQS
queues, DynamoDB tables, SSM parameters, layers. Intrinsic functions are resolved to *local* values:
a queue's ``!Ref`` is its URL on the local moto, a table's is its name, a parameter's is its default or
the override given. Anything the runner cannot honour fails loudly here, never silently at run time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.runner.template_intrinsics import Resolver, TemplateError, as_str

DEFAULT_REGION = "eu-central-1"
DEFAULT_ACCOUNT = "123456789012"  # moto's default account: ARNs built here match the ones moto builds
TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "template.yaml"


@dataclass(frozen=True)
class HttpRoute:
    event: str  # the event's name in the template
    api: str  # "HttpApi" or "Api"
    method: str  # upper case; "ANY" matches every method
    path: str  # "/webhook/{token}", "/{proxy+}", or "$default"
    payload_version: str  # "2.0" (HttpApi default) or "1.0" (Api, or HttpApi asking for it)

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass(frozen=True)
class SqsSource:
    event: str
    queue: str  # logical id of the AWS::SQS::Queue
    batch_size: int
    report_batch_item_failures: bool
    enabled: bool = True
    # ScalingConfig.MaximumConcurrency: how many batches Lambda works on at once (one poller each).
    maximum_concurrency: int = 1
    # MaximumBatchingWindowInSeconds: how long Lambda gathers records before invoking with a partial batch.
    batching_window_s: int = 0


@dataclass(frozen=True)
class ScheduleSource:
    event: str
    kind: str  # "Schedule" (EventBridge rule) or "ScheduleV2" (EventBridge Scheduler)
    expression: str  # rate(...) or cron(...)
    input: str | None  # the target's Input (JSON text), None = the default notification
    enabled: bool = True
    name: str | None = None
    timezone: str = "UTC"


@dataclass
class FunctionSpec:
    logical_id: str
    function_name: str
    code_uri: Path
    handler: str  # module.function, the module possibly dotted (pkg.app.handler)
    runtime: str
    memory_mb: int
    timeout_s: int
    environment: dict[str, str]
    layers: list[Path]
    routes: list[HttpRoute] = field(default_factory=list)
    sqs: list[SqsSource] = field(default_factory=list)
    schedules: list[ScheduleSource] = field(default_factory=list)

    @property
    def handler_module(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def handler_function(self) -> str:
        return self.handler.rsplit(".", 1)[1]


@dataclass
class QueueSpec:
    logical_id: str
    name: str
    url: str
    arn: str
    fifo: bool
    attributes: dict[str, str]  # CreateQueue attributes (strings, as the API wants them)
    dead_letter_queue: str | None = None  # logical id, when the DLQ is in the template
    max_receive_count: int | None = None
    visibility_timeout_s: int = 30


@dataclass
class TableSpec:
    logical_id: str
    name: str
    arn: str
    create_args: dict[str, Any]  # CreateTable arguments
    ttl_attribute: str | None = None


@dataclass
class SsmParameterSpec:
    logical_id: str
    name: str
    type: str
    value: str


@dataclass
class LocalTemplate:
    path: Path
    region: str
    account: str
    stack_name: str
    parameters: dict[str, str]
    functions: dict[str, FunctionSpec]
    queues: dict[str, QueueSpec]
    tables: dict[str, TableSpec]
    ssm_parameters: dict[str, SsmParameterSpec]
    buckets: dict[str, str] = field(default_factory=dict)  # logical id → bucket name (S3)

    @property
    def routes(self) -> list[tuple[HttpRoute, FunctionSpec]]:
        return [(r, f) for f in self.functions.values() for r in f.routes]


def _plain(node: Any) -> Any:
    """cfn-lint's node classes (dict/list/str subclasses with positions) → plain Python values."""
    if isinstance(node, Mapping):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def read_template(path: Path | str | None = None) -> dict[str, Any]:
    """The SAM template as plain data (the repository's ``template.yaml`` by default).

    CloudFormation's short tags are read into their long form: ``!Ref X`` → ``{"Ref": "X"}``,
    ``!GetAtt A.B`` → ``{"Fn::GetAtt": ["A", "B"]}``, ``!Sub s`` → ``{"Fn::Sub": "s"}``.
    """
    from cfnlint.decode import decode

    path = Path(path) if path is not None else TEMPLATE_PATH
    data, matches = decode(str(path))
    if data is None:
        raise TemplateError(f"{path}: cannot be read: {'; '.join(str(m) for m in matches)}")
    return _plain(data)


def _merge_globals(glob: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """SAM's Globals: maps merge (the function wins), lists concatenate (globals first), scalars override."""
    merged = dict(glob)
    for key, value in own.items():
        if key in merged and isinstance(merged[key], dict) and isinstance(value, dict):
            merged[key] = _merge_globals(merged[key], value)
        elif key in merged and isinstance(merged[key], list) and isinstance(value, list):
            merged[key] = merged[key] + value
        else:
            merged[key] = value
    return merged


def _enabled(props: dict[str, Any], r: Resolver) -> bool:
    if "Enabled" in props and not r.value(props["Enabled"]):
        return False
    return str(r.value(props.get("State", "ENABLED"))).upper() != "DISABLED"


def _events(logical_id: str, events: dict[str, Any], r: Resolver, spec: FunctionSpec) -> None:
    for name, event in (events or {}).items():
        kind = event.get("Type")
        props = r.value(event.get("Properties") or {})
        if kind in ("HttpApi", "Api"):
            if kind == "HttpApi" and "Path" not in props:
                spec.routes.append(HttpRoute(name, kind, "ANY", "$default", "2.0"))
                continue
            version = str(props.get("PayloadFormatVersion", "2.0")) if kind == "HttpApi" else "1.0"
            method = str(props.get("Method", "ANY")).upper()
            spec.routes.append(
                HttpRoute(
                    name,
                    kind,
                    "ANY" if method == "X-AMAZON-APIGATEWAY-ANY-METHOD" else method,
                    str(props["Path"]),
                    version,
                )
            )
        elif kind == "SQS":
            arn = str(props["Queue"])
            queue = next((q for q in r.model.queues.values() if q.arn == arn), None)
            if queue is None:
                raise TemplateError(f"{logical_id}.{name}: queue {arn} is not a queue of this template")
            spec.sqs.append(
                SqsSource(
                    event=name,
                    queue=queue.logical_id,
                    batch_size=int(props.get("BatchSize", 10)),
                    report_batch_item_failures="ReportBatchItemFailures"
                    in props.get("FunctionResponseTypes", []),
                    enabled=_enabled(props, r),
                    maximum_concurrency=int((props.get("ScalingConfig") or {}).get("MaximumConcurrency", 1)),
                    batching_window_s=int(props.get("MaximumBatchingWindowInSeconds", 0)),
                )
            )
        elif kind in ("Schedule", "ScheduleV2"):
            expression = props.get("Schedule") if kind == "Schedule" else props.get("ScheduleExpression")
            raw_input = props.get("Input")
            spec.schedules.append(
                ScheduleSource(
                    event=name,
                    kind=kind,
                    expression=str(expression),
                    input=None if raw_input is None else as_str(raw_input),
                    enabled=_enabled(props, r),
                    name=props.get("Name"),
                    timezone=str(props.get("ScheduleExpressionTimezone", "UTC")),
                )
            )
        else:
            raise TemplateError(
                f"{logical_id}.{name}: event type {kind} is not supported by the local runner"
            )


def load(
    path: Path | str,
    *,
    endpoint_url: str,
    parameter_overrides: Mapping[str, str] | None = None,
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
    stack_name: str = "sandbox",
) -> LocalTemplate:
    """Read ``path`` and resolve it against a local AWS at ``endpoint_url`` (moto)."""
    path = Path(path).resolve()
    doc = read_template(path)
    root = path.parent
    overrides = dict(parameter_overrides or {})
    parameters: dict[str, str] = {}
    for name, decl in (doc.get("Parameters") or {}).items():
        if name in overrides:
            parameters[name] = str(overrides.pop(name))
        elif "Default" in decl:
            parameters[name] = as_str(decl["Default"])
        else:
            raise TemplateError(f"parameter {name} has no default: give it in parameter_overrides")
    if overrides:
        raise TemplateError(f"parameter overrides for undeclared parameters: {sorted(overrides)}")

    model = LocalTemplate(path, region, account, stack_name, parameters, {}, {}, {}, {})
    r = Resolver(doc, model, endpoint_url)
    resources = {
        lid: res
        for lid, res in r.resources.items()
        if "Condition" not in res or r.condition(res["Condition"])
    }
    r.resources = resources

    for lid, res in resources.items():
        kind, props = res.get("Type"), res.get("Properties") or {}
        if kind == "AWS::SQS::Queue":
            _queue(lid, props, r)
        elif kind == "AWS::DynamoDB::Table":
            _table(lid, props, r)
        elif kind == "AWS::S3::Bucket":
            model.buckets[lid] = r.physical_name(lid).lower()
        elif kind == "AWS::SSM::Parameter":
            p = r.value(props)
            name = r.ref(lid)
            model.ssm_parameters[lid] = SsmParameterSpec(
                lid, name, str(p.get("Type", "String")), as_str(p.get("Value", ""))
            )

    glob = (doc.get("Globals") or {}).get("Function") or {}
    for lid, res in resources.items():
        if res.get("Type") == "AWS::Serverless::Function":
            _function(lid, _merge_globals(glob, res.get("Properties") or {}), r, root)
    return model


def _queue(lid: str, props: dict[str, Any], r: Resolver) -> None:
    p = r.value(props)
    fifo = bool(p.get("FifoQueue", False))
    attributes: dict[str, str] = {}
    mapping = {
        "FifoQueue": "FifoQueue",
        "ContentBasedDeduplication": "ContentBasedDeduplication",
        "DelaySeconds": "DelaySeconds",
        "MaximumMessageSize": "MaximumMessageSize",
        "MessageRetentionPeriod": "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout": "VisibilityTimeout",
        "DeduplicationScope": "DeduplicationScope",
        "FifoThroughputLimit": "FifoThroughputLimit",
    }
    for prop, attr in mapping.items():
        if prop in p:
            attributes[attr] = as_str(p[prop])
    dlq_id, max_receive = None, None
    if "RedrivePolicy" in p:
        policy = p["RedrivePolicy"]
        max_receive = int(policy["maxReceiveCount"])
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": policy["deadLetterTargetArn"], "maxReceiveCount": max_receive}
        )
        dlq_id = next(
            (
                q
                for q, res in r.resources.items()
                if res.get("Type") == "AWS::SQS::Queue"
                and r.get_att(q, "Arn") == policy["deadLetterTargetArn"]
            ),
            None,
        )
    name = r.physical_name(lid)
    r.model.queues[lid] = QueueSpec(
        logical_id=lid,
        name=name,
        url=r.ref(lid),
        arn=r.get_att(lid, "Arn"),
        fifo=fifo,
        attributes=attributes,
        dead_letter_queue=dlq_id,
        max_receive_count=max_receive,
        visibility_timeout_s=int(p.get("VisibilityTimeout", 30)),
    )


def _table(lid: str, props: dict[str, Any], r: Resolver) -> None:
    p = r.value(props)
    args: dict[str, Any] = {
        "TableName": r.physical_name(lid),
        "AttributeDefinitions": p["AttributeDefinitions"],
        "KeySchema": p["KeySchema"],
        "BillingMode": p.get("BillingMode", "PROVISIONED"),
    }
    if args["BillingMode"] == "PROVISIONED":
        args["ProvisionedThroughput"] = p.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification"):
        if key in p:
            args[key] = p[key]
    ttl = p.get("TimeToLiveSpecification") or {}
    r.model.tables[lid] = TableSpec(
        logical_id=lid,
        name=args["TableName"],
        arn=r.get_att(lid, "Arn"),
        create_args=args,
        ttl_attribute=ttl.get("AttributeName") if ttl.get("Enabled") in (True, "true") else None,
    )


def _layer_dirs(layers: list[Any], r: Resolver, root: Path) -> list[Path]:
    dirs = []
    for layer in layers:
        if isinstance(layer, dict) and "Ref" in layer and layer["Ref"] in r.resources:
            props = r.resources[layer["Ref"]].get("Properties") or {}
            content = r.value(props.get("ContentUri"))
            if not isinstance(content, str):
                raise TemplateError(f"layer {layer['Ref']}: ContentUri must be a local directory")
            dirs.append((root / content).resolve())
        else:
            raise TemplateError(f"layer {layer!r}: only layers of this template can run locally")
    return dirs


def _function(lid: str, props: dict[str, Any], r: Resolver, root: Path) -> None:
    if props.get("PackageType") == "Image" or "InlineCode" in props:
        raise TemplateError(f"{lid}: only zip functions with a local CodeUri can run locally")
    code_uri = r.value(props.get("CodeUri"))
    if not isinstance(code_uri, str):
        raise TemplateError(f"{lid}: CodeUri must be a local directory")
    handler = str(r.value(props.get("Handler")))
    if "." not in handler:
        raise TemplateError(f"{lid}: Handler {handler!r} is not module.function")
    variables = ((props.get("Environment") or {}).get("Variables")) or {}
    environment = {k: as_str(v) for k, v in r.value(variables).items()}
    spec = FunctionSpec(
        logical_id=lid,
        function_name=r.physical_name(lid),
        code_uri=(root / code_uri).resolve(),
        handler=handler,
        runtime=str(props.get("Runtime", "python3.12")),
        memory_mb=int(r.value(props.get("MemorySize", 128))),
        timeout_s=int(r.value(props.get("Timeout", 3))),
        environment=environment,
        layers=_layer_dirs(props.get("Layers") or [], r, root),
    )
    _events(lid, props.get("Events") or {}, r, spec)
    r.model.functions[lid] = spec
