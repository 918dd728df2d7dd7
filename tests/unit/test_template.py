"""The SAM template is valid and keeps the promises the design makes about infrastructure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint_all
from cfnlint.decode import decode

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    data, matches = decode(str(TEMPLATE))
    assert not matches, matches
    return data


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
