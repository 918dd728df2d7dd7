"""docs/architecture.md tells the truth about template.yaml: its functions table lists exactly the
template's Lambda functions, with their handler directories and schedules, and the HTTP routes the
tests' OpenAPI description fuzzes are the routes the template serves."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "architecture.md"
OPENAPI = ROOT / "tests" / "integration" / "http_endpoints.openapi.yaml"
TICKED = re.compile(r"`([^`]+)`")


@pytest.fixture(scope="module")
def functions() -> dict[str, dict[str, Any]]:
    data, matches = decode(str(ROOT / "template.yaml"))
    assert not matches, matches
    return {
        name: resource["Properties"]
        for name, resource in data["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def documented() -> dict[str, dict[str, str]]:
    """Rows of the table under ``## Functions``, keyed by the function's logical id."""
    lines = ARCHITECTURE.read_text(encoding="utf-8").splitlines()
    start = lines.index("## Functions")
    table = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if line.startswith("|"):
            table.append([cell.strip() for cell in line.strip("|").split("|")])
    header, rows = table[0], table[2:]
    return {TICKED.findall(row[0])[0]: dict(zip(header, row, strict=True)) for row in rows}


def _events(props: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["Properties"] for e in (props.get("Events") or {}).values() if e["Type"] == kind]


def test_the_table_lists_exactly_the_template_functions(functions: dict[str, dict[str, Any]]) -> None:
    table = documented()
    assert sorted(set(functions) - set(table)) == [], "functions of template.yaml missing from the table"
    assert sorted(set(table) - set(functions)) == [], "functions in the table that template.yaml lacks"


def test_each_row_names_the_handler_directory(functions: dict[str, dict[str, Any]]) -> None:
    table = documented()
    wrong = {
        name: (row["handler"], props["CodeUri"])
        for name, row in table.items()
        if (props := functions.get(name)) and f"`{props['CodeUri'].rstrip('/')}`" != row["handler"]
    }
    assert wrong == {}


def test_each_schedule_and_route_is_in_the_trigger_column(functions: dict[str, dict[str, Any]]) -> None:
    table = documented()
    missing: list[str] = []
    for name, props in functions.items():
        trigger = table.get(name, {}).get("trigger", "")
        expected = [e["Schedule"] for e in _events(props, "Schedule")]
        expected += [f"{e['Method']} {e['Path']}" for e in _events(props, "HttpApi")]
        missing += [f"{name}: {text}" for text in expected if text not in trigger]
    assert missing == []


def test_each_rules_module_exists() -> None:
    missing = [
        f"{name}: {module}"
        for name, row in documented().items()
        for module in TICKED.findall(row["rules module"])
        if not (ROOT / "layers" / "common" / module).is_file()
    ]
    assert missing == []


def test_the_openapi_routes_are_the_template_routes(functions: dict[str, dict[str, Any]]) -> None:
    routes = {
        (e["Method"].lower(), e["Path"]) for props in functions.values() for e in _events(props, "HttpApi")
    }
    described = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))["paths"]
    assert {(method, path) for path, ops in described.items() for method in ops} == routes
