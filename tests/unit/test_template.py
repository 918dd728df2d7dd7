"""The SAM template is valid and keeps the promises the design makes about infrastructure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint_all

from sandbox.runner.template import read_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return read_template(TEMPLATE)


def test_cfn_lint_reports_nothing() -> None:
    # Errors and warnings fail; informational hints (I-rules) are advice, as on the cfn-lint command line.
    problems = lint_all(TEMPLATE.read_text(encoding="utf-8"))
    assert [str(p) for p in problems if p.rule.id[0] in "EW"] == []


def test_deal_queue_is_fifo_with_a_dead_letter_queue(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    queue = resources["DealQueue"]["Properties"]
    assert queue["FifoQueue"] is True
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["DealDeadLetterQueue", "Arn"]}
    assert resources["DealDeadLetterQueue"]["Properties"]["FifoQueue"] is True
    alarm_dimensions = resources["DealDeadLetterAlarm"]["Properties"]["Dimensions"]
    assert alarm_dimensions[0]["Value"] == {"Fn::GetAtt": ["DealDeadLetterQueue", "QueueName"]}


def test_table_is_on_demand_with_point_in_time_recovery(template: dict[str, Any]) -> None:
    table = template["Resources"]["BridgeTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_no_secret_is_a_plain_template_value(template: dict[str, Any]) -> None:
    # Secrets come from SSM / Secrets Manager at run time, never from parameters or environment values.
    suspicious = ("password", "apikey", "api_key", "token", "secret")
    for name, parameter in template["Parameters"].items():
        if any(word in name.lower() for word in suspicious):
            assert name == "SecretsPrefix", f"parameter {name} looks like a secret"
            assert parameter["Default"].startswith("/")
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    for name in variables:
        assert not any(word in name.lower() for word in ("password", "api_key", "token")), name


# SAM policy templates the functions use, expanded as SAM expands them (policy_templates.json): the
# actions each grants and the resources, which are always the named table / queue / bucket.
_SAM_POLICY_TEMPLATES: dict[str, tuple[list[str], list[str]]] = {
    "DynamoDBCrudPolicy": (
        [
            "dynamodb:GetItem",
            "dynamodb:DeleteItem",
            "dynamodb:PutItem",
            "dynamodb:Scan",
            "dynamodb:Query",
            "dynamodb:UpdateItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:BatchGetItem",
            "dynamodb:DescribeTable",
            "dynamodb:ConditionCheckItem",
        ],
        ["table/${tableName}", "table/${tableName}/index/*"],
    ),
    "SQSSendMessagePolicy": (["sqs:SendMessage*"], ["${queueName}"]),
    "S3CrudPolicy": (
        [
            "s3:GetObject",
            "s3:ListBucket",
            "s3:GetBucketLocation",
            "s3:GetObjectVersion",
            "s3:PutObject",
            "s3:PutObjectAcl",
            "s3:GetLifecycleConfiguration",
            "s3:PutLifecycleConfiguration",
            "s3:DeleteObject",
        ],
        ["${bucketName}", "${bucketName}/*"],
    ),
}
_DATA_SERVICES = ("dynamodb", "sqs", "s3", "ssm", "secretsmanager")


def _statements(template: dict[str, Any]) -> list[tuple[str, list[str], list[Any]]]:
    found = []
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for policy in resource["Properties"].get("Policies", []):
            assert isinstance(policy, dict), f"{name}: managed policy {policy!r} is not reviewable here"
            for key, value in policy.items():
                if key == "Statement":
                    for statement in value:
                        actions = statement["Action"]
                        resources = statement["Resource"]
                        found.append(
                            (
                                name,
                                actions if isinstance(actions, list) else [actions],
                                resources if isinstance(resources, list) else [resources],
                            )
                        )
                else:
                    assert key in _SAM_POLICY_TEMPLATES, f"{name}: unreviewed policy template {key}"
                    assert all(v for v in value.values()), f"{name}: {key} without its resource name"
                    actions, resources = _SAM_POLICY_TEMPLATES[key]
                    found.append((name, actions, resources))
    return found


def _text(resource: Any) -> str:
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        sub = resource["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0]
    return resource if isinstance(resource, str) else repr(resource)


def test_no_iam_statement_uses_a_wildcard_action_or_a_wildcard_data_resource(
    template: dict[str, Any],
) -> None:
    statements = _statements(template)
    assert len(statements) >= 10  # every function's policies were read
    for function, actions, resources in statements:
        for action in actions:
            _service, _, verb = action.partition(":")
            assert action != "*" and verb != "*", f"{function}: wildcard action {action}"
            assert verb and verb[0] != "*", f"{function}: wildcard action {action}"
        if not any(a.split(":")[0] in _DATA_SERVICES for a in actions):
            continue
        for resource in resources:
            text = _text(resource)
            assert text != "*", f"{function}: {actions} on every resource"
            # The resource name itself must be fixed: "table/*", "parameter/*", "arn:…:s3:::*" are not.
            head = text.split("*", 1)[0]
            assert not head.endswith(("table/", ":parameter", ":parameter/", ":::", ":secret:")), (
                function,
                text,
            )
            if text.startswith("arn:") and ":ssm:" in text:
                assert "*" not in text, f"{function}: SSM parameters must be named one by one: {text}"


def test_the_http_api_is_throttled(template: dict[str, Any]) -> None:
    apis = {n: r for n, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::HttpApi"}
    assert apis
    for name, api in apis.items():
        route = api["Properties"].get("DefaultRouteSettings", {})
        assert 0 < route.get("ThrottlingRateLimit", 0) <= 100, name
        assert 0 < route.get("ThrottlingBurstLimit", 0) <= 200, name
    http_events = [
        e
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
        for e in r["Properties"].get("Events", {}).values()
        if e["Type"] == "HttpApi"
    ]
    assert {e["Properties"]["Path"] for e in http_events} == {"/webhook/{token}", "/catalog-trigger/{token}"}
    assert all(e["Properties"]["ApiId"] == {"Ref": next(iter(apis))} for e in http_events)


def test_sam_builds_every_function_and_the_layer_with_the_packaging_makefile(
    template: dict[str, Any],
) -> None:
    """``make build`` (CI) runs ``sam build``; this says why it can: no resource needs SAM's python3.12
    builder, each has a target in packaging/Makefile."""
    import re

    makefile = (TEMPLATE.parent / "packaging" / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^(build-[\w%]+):", makefile, flags=re.M))
    built = {
        name: res
        for name, res in template["Resources"].items()
        if res["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion")
    }
    assert len(built) >= 10
    for name, res in built.items():
        assert res.get("Metadata", {}).get("BuildMethod") == "makefile", name
        assert res["Metadata"].get("ContextPath") == "packaging", name
        assert f"build-{name}" in targets or (name.endswith("Function") and "build-%Function" in targets), (
            name
        )
    assert "--python-version 3.12" in makefile and "manylinux2014_aarch64" in makefile
