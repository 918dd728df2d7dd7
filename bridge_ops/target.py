"""Which deployment the tool talks to: the sandbox (``.sandbox/endpoints.json`` + moto) or a stack.

Either way the result is the set of environment variables the bridge's functions get from
``template.yaml`` (``BRIDGE_TABLE``, ``BRIDGE_SECRETS_PREFIX``, ``SALESDRIVE_ACCOUNT``, ``DEAL_QUEUE_URL``,
``UTP_ODATA_URL``, ``SALESDRIVE_URL``, ``CATALOG_BUCKET``) plus, for the sandbox, the local AWS endpoint and
dummy credentials; ``bridge.runtime`` then builds every collaborator from them exactly as in Lambda.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_SECRETS_PREFIX = "/salesdrive-utp-bridge"
DEFAULT_ENDPOINTS = Path(".sandbox") / "endpoints.json"
# The sandbox's moto accepts any credentials; these are the runner's own dummy ones.
SANDBOX_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "sandbox", "AWS_SECRET_ACCESS_KEY": "sandbox"}
# The SalesDrive emulator's default YML key (the sandbox stores no ``salesdrive-yml-key`` secret).
SANDBOX_YML_KEY = "sandbox-yml-key"


class TargetError(RuntimeError):
    """The target cannot be resolved; the message says what is missing."""


@dataclass
class Target:
    kind: str  # "sandbox" | "stack"
    name: str  # endpoints file or stack name
    environment: dict[str, str]
    dead_letter_queue_url: str | None = None
    yml_key_fallback: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def table(self) -> str:
        return self.environment["BRIDGE_TABLE"]

    @property
    def deal_queue_url(self) -> str:
        return self.environment["DEAL_QUEUE_URL"]

    def describe(self) -> str:
        return f"{self.kind} {self.name} (table {self.table})"


@contextmanager
def activated(target: Target) -> Iterator[Target]:
    """Set the target's environment for the bridge (and boto3), restoring the previous one afterwards."""
    from bridge import runtime

    previous = {name: os.environ.get(name) for name in target.environment}
    os.environ.update(target.environment)
    runtime.reset()
    try:
        yield target
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        runtime.reset()


def _boto(service: str, *, endpoint_url: str | None, region: str | None, sandbox: bool) -> Any:
    import boto3

    options: dict[str, Any] = {"region_name": region}
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
    if sandbox:
        options["aws_access_key_id"] = SANDBOX_CREDENTIALS["AWS_ACCESS_KEY_ID"]
        options["aws_secret_access_key"] = SANDBOX_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
    return boto3.client(service, **options)


# -- sandbox -------------------------------------------------------------------------------------------


def _pick(candidates: list[str], what: str, hint: str) -> str:
    if len(candidates) == 1:
        return candidates[0]
    preferred = [c for c in candidates if hint in c]
    if len(preferred) == 1:
        return preferred[0]
    raise TargetError(f"cannot tell the bridge's {what} among {candidates or 'nothing'} on the sandbox")


def discover_queues(sqs: Any) -> tuple[str, str | None]:
    """(deal queue URL, its dead-letter queue URL): the FIFO queue with a redrive policy."""
    urls: list[str] = sqs.list_queues().get("QueueUrls", [])
    with_redrive: dict[str, str] = {}
    for url in urls:
        if not url.endswith(".fifo"):
            continue
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"]).get(
            "Attributes", {}
        )
        if "RedrivePolicy" in attributes:
            with_redrive[url] = attributes["RedrivePolicy"]
    deal_queue = _pick(sorted(with_redrive), "FIFO deal queue", "deals")
    return deal_queue, dead_letter_of(sqs, with_redrive[deal_queue])


def dead_letter_of(sqs: Any, redrive_policy: str) -> str | None:
    arn = json.loads(redrive_policy).get("deadLetterTargetArn")
    if not arn:
        return None
    url: str = sqs.get_queue_url(QueueName=str(arn).rsplit(":", 1)[-1])["QueueUrl"]
    return url


def sandbox_target(endpoints_file: Path, *, secrets_prefix: str = DEFAULT_SECRETS_PREFIX) -> Target:
    """The sandbox that ``make sandbox`` (or a test) started and described in ``endpoints.json``."""
    if not endpoints_file.is_file():
        raise TargetError(f"{endpoints_file} does not exist: start the sandbox with `make sandbox`")
    endpoints: Mapping[str, str] = json.loads(endpoints_file.read_text(encoding="utf-8"))
    aws = endpoints.get("aws_endpoint_url")
    if not aws:
        raise TargetError(f"{endpoints_file} has no aws_endpoint_url")
    region = endpoints.get("aws_region") or "us-east-1"
    try:
        dynamodb = _boto("dynamodb", endpoint_url=aws, region=region, sandbox=True)
        tables: list[str] = dynamodb.list_tables().get("TableNames", [])
        sqs = _boto("sqs", endpoint_url=aws, region=region, sandbox=True)
        deal_queue, dlq = discover_queues(sqs)
    except TargetError:
        raise
    except Exception as exc:  # connection refused: the sandbox is not running any more
        raise TargetError(
            f"the sandbox at {aws} does not answer ({type(exc).__name__}): is it running?"
        ) from exc
    table = _pick(tables, "DynamoDB table", "sandbox")
    account = endpoints.get("salesdrive_account") or ""
    environment = {
        "AWS_ENDPOINT_URL": aws,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        **SANDBOX_CREDENTIALS,
        "BRIDGE_TABLE": table,
        "BRIDGE_SECRETS_PREFIX": secrets_prefix,
        "SALESDRIVE_ACCOUNT": account,
        "DEAL_QUEUE_URL": deal_queue,
        "UTP_ODATA_URL": endpoints.get("utp_odata_url", ""),
        "SALESDRIVE_URL": endpoints.get("salesdrive_url", ""),
    }
    notes: list[str] = []
    s3 = _boto("s3", endpoint_url=aws, region=region, sandbox=True)
    buckets = [b["Name"] for b in s3.list_buckets().get("Buckets", []) if "catalog" in b["Name"]]
    if buckets:
        environment["CATALOG_BUCKET"] = _pick(sorted(buckets), "catalog bucket", "sandbox")
    else:
        notes.append("the sandbox has no catalog bucket: catalog fingerprints are not kept")
    if not account:
        ssm = _boto("ssm", endpoint_url=aws, region=region, sandbox=True)
        environment["SALESDRIVE_ACCOUNT"] = _account_from_settings(ssm, secrets_prefix)
    return Target(
        kind="sandbox",
        name=str(endpoints_file),
        environment=environment,
        dead_letter_queue_url=dlq,
        yml_key_fallback=SANDBOX_YML_KEY,
        notes=notes,
    )


def _account_from_settings(ssm: Any, secrets_prefix: str) -> str:
    try:
        value = ssm.get_parameter(Name=f"{secrets_prefix}/settings", WithDecryption=True)["Parameter"][
            "Value"
        ]
    except Exception as exc:
        raise TargetError(f"no settings under {secrets_prefix}/settings: {exc}") from exc
    return str(json.loads(value).get("salesdrive_account") or "")


# -- a deployed stack --------------------------------------------------------------------------------


def stack_target(
    name: str, *, region: str | None = None, cloudformation: Any = None, sqs: Any = None
) -> Target:
    """A deployed CloudFormation stack: its parameters, outputs and resources name everything."""
    cfn = cloudformation or _boto("cloudformation", endpoint_url=None, region=region, sandbox=False)
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except Exception as exc:
        raise TargetError(f"stack {name}: {exc}") from exc
    if not stacks:
        raise TargetError(f"stack {name} does not exist")
    stack = stacks[0]
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    resources: dict[str, str] = {}
    paginator_args: dict[str, Any] = {"StackName": name}
    while True:
        page = cfn.list_stack_resources(**paginator_args)
        for resource in page.get("StackResourceSummaries", []):
            resources[resource["LogicalResourceId"]] = resource.get("PhysicalResourceId", "")
        if not page.get("NextToken"):
            break
        paginator_args["NextToken"] = page["NextToken"]

    def first(*values: str | None) -> str:
        return next((v for v in values if v), "")

    table = first(outputs.get("BridgeTableName"), resources.get("BridgeTable"))
    deal_queue = first(outputs.get("DealQueueUrl"), resources.get("DealQueue"))
    dlq = first(outputs.get("DealDeadLetterQueueUrl"), resources.get("DealDeadLetterQueue")) or None
    missing = [n for n, v in (("BridgeTableName", table), ("DealQueueUrl", deal_queue)) if not v]
    if missing:
        raise TargetError(f"stack {name} has no {', '.join(missing)} (output or resource)")
    environment = {
        "BRIDGE_TABLE": table,
        "BRIDGE_SECRETS_PREFIX": parameters.get("SecretsPrefix") or DEFAULT_SECRETS_PREFIX,
        "SALESDRIVE_ACCOUNT": parameters.get("SalesDriveAccount", ""),
        "DEAL_QUEUE_URL": deal_queue,
        "UTP_ODATA_URL": parameters.get("UtpODataUrl", ""),
    }
    if resources.get("CatalogBucket"):
        environment["CATALOG_BUCKET"] = resources["CatalogBucket"]
    if region:
        environment["AWS_DEFAULT_REGION"] = environment["AWS_REGION"] = region
    if dlq is None and sqs is not None:
        attributes = sqs.get_queue_attributes(QueueUrl=deal_queue, AttributeNames=["RedrivePolicy"])
        policy = attributes.get("Attributes", {}).get("RedrivePolicy")
        dlq = dead_letter_of(sqs, policy) if policy else None
    return Target(kind="stack", name=name, environment=environment, dead_letter_queue_url=dlq)
