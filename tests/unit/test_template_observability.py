"""The on-call engineer's view is part of the template: a dashboard, and alarms that reach a person."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from sandbox.runner.template import read_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return dict(read_template(TEMPLATE)["Resources"])


def alarms(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in resources.items() if v["Type"] == "AWS::CloudWatch::Alarm"}


def test_every_alarm_notifies_the_alarm_topic_and_says_what_to_do(resources: dict[str, Any]) -> None:
    found = alarms(resources)
    assert {
        "DealDeadLetterAlarm",
        "ParkedOrdersAlarm",
        "DealLagAlarm",
        "ReadBudgetExhaustedAlarm",
        "CatalogPushAgeAlarm",
        "FunctionErrorsAlarm",
    } <= set(found)
    for name, alarm in found.items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert len(alarm["AlarmDescription"]) > 20, name


def test_function_errors_alarm_covers_every_function(resources: dict[str, Any]) -> None:
    functions = {k for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}
    watched = {
        m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"]
        for m in resources["FunctionErrorsAlarm"]["Properties"]["Metrics"]
        if "MetricStat" in m
    }
    assert watched == functions


def test_custom_metric_alarms_watch_metrics_the_functions_emit(resources: dict[str, Any]) -> None:
    emitted = set()
    for app in FUNCTIONS.glob("*/app.py"):
        emitted |= set(re.findall(r'name="(\w+)"', app.read_text(encoding="utf-8")))
    for name, alarm in alarms(resources).items():
        if alarm.get("Namespace") == "SalesDriveUtpBridge":
            assert alarm["MetricName"] in emitted, (
                f"{name} watches {alarm['MetricName']}, which nothing emits"
            )


def test_the_dashboard_is_valid_json_showing_the_health_metrics(resources: dict[str, Any]) -> None:
    body = resources["HealthDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    substituted = re.sub(r"\$\{[^}]+\}", "x", body)
    widgets = json.loads(substituted)["widgets"]
    shown = {
        m[1]
        for w in widgets
        for m in w["properties"].get("metrics", [])
        if len(m) > 1 and isinstance(m[1], str)
    }
    assert {
        "Deals_applied",
        "DealLagSeconds",
        "ParkedOrders",
        "ReadBudgetExhausted",
        "CatalogPushCompleted",
    } <= shown
    emitted = emitted_metrics()
    custom = {
        m[1] for w in widgets for m in w["properties"].get("metrics", []) if m[0] == "SalesDriveUtpBridge"
    }
    assert custom <= emitted, f"the dashboard shows metrics nothing emits: {custom - emitted}"
    [logs] = [w for w in widgets if w["type"] == "log"]
    for message in (
        "statuses reconciled",
        "catch-up sweep",
        "payments imported",
        "catalog products refreshed",
    ):
        assert f"'{message}'" in logs["properties"]["query"]
        assert any(f'"{message}"' in app.read_text(encoding="utf-8") for app in FUNCTIONS.glob("*/app.py"))


def emitted_metrics() -> set[str]:
    """Metric names the functions emit: ``name="…"`` literals and ``name=TABLE[key]`` with a module-level
    ``TABLE = {"key": "Name", …}`` (every value of the table)."""
    import ast

    names: set[str] = set()
    for app in FUNCTIONS.glob("*/app.py"):
        text = app.read_text(encoding="utf-8")
        names |= set(re.findall(r'name="(\w+)"', text))
        tree = ast.parse(text)
        tables = {
            node.targets[0].id: node.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Dict)
        }
        for table in re.findall(r"name=(\w+)\[", text):
            names |= {v.value for v in tables[table].values if isinstance(v, ast.Constant)}
    return names


def test_custom_metrics_stay_within_the_free_ten_and_a_few(resources: dict[str, Any]) -> None:
    """Every custom metric costs 0.30 USD a month beyond the free ten (the 10 USD a month budget): the
    rest of what the functions report lives in the structured logs."""
    assert len(emitted_metrics()) <= 13, sorted(emitted_metrics())
    assert not any("capture_cold_start_metric=True" in a.read_text() for a in FUNCTIONS.glob("*/app.py"))
