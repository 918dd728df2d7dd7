"""The README's rule index names only modules, functions, tests and settings that exist, and its settings
table lists exactly the fields of ``BridgeSettings``.

Modules are read with ``ast`` (nothing is imported), so a stale entry is named, not a crash."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bridge.settings import BridgeSettings

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
TICKED = re.compile(r"`([^`]+)`")


def _section(title: str) -> list[str]:
    """The lines of the README section ``## <title>`` (up to the next ``## ``)."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"## {title}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return lines[start:end]


def _table_rows(lines: list[str]) -> list[list[str]]:
    """Cells of the first Markdown table in ``lines``, header and separator left out."""
    rows = [line for line in lines if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


@dataclass(frozen=True)
class IndexRow:
    capability: str
    rules: str
    tests: str
    settings: str


def rule_index() -> list[IndexRow]:
    rows = _table_rows(_section("Rule index"))
    assert rows, "README has no rule index table"
    return [IndexRow(*cells) for cells in rows]


def module_path(name: str) -> Path:
    """``bridge/...`` lives in the layer; everything else is relative to the repository."""
    return ROOT / "layers" / "common" / name if name.startswith("bridge/") else ROOT / name


@cache
def defined_names(path: Path) -> frozenset[str]:
    """Top-level functions, classes and assignments, and ``Class.method`` for methods."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            names.update(
                f"{node.name}.{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            )
        if isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return frozenset(names)


def rule_problems(row: IndexRow) -> list[str]:
    """Each ``module.py`` token is followed by the names it must define; other files must mention them."""
    problems: list[str] = []
    module: Path | None = None
    for token in TICKED.findall(row.rules):
        if "/" in token or token.endswith((".py", ".yaml")):
            module = module_path(token)
            if not module.is_file():
                problems.append(f"{row.capability}: module {token} does not exist")
                module = None
            continue
        if module is None:
            continue
        if module.suffix == ".py":
            if token not in defined_names(module):
                problems.append(f"{row.capability}: {module.relative_to(ROOT)} defines no {token}")
        elif token not in module.read_text(encoding="utf-8"):
            problems.append(f"{row.capability}: {module.relative_to(ROOT)} does not mention {token}")
    return problems


def missing_tests(row: IndexRow) -> list[str]:
    problems: list[str] = []
    for token in TICKED.findall(row.tests):
        path, _, test = token.partition("::")
        if not (ROOT / path).is_file():
            problems.append(f"{row.capability}: test file {path} does not exist")
        elif test and test not in defined_names(ROOT / path):
            problems.append(f"{row.capability}: {path} has no {test}")
    return problems


def test_every_rule_module_and_function_of_the_index_exists() -> None:
    problems = [p for row in rule_index() for p in rule_problems(row)]
    assert problems == [], "stale rule index entries:\n" + "\n".join(problems)


def test_every_test_of_the_index_exists() -> None:
    problems = [p for row in rule_index() for p in missing_tests(row)]
    assert problems == [], "stale rule index entries:\n" + "\n".join(problems)


def test_every_setting_of_the_index_is_a_bridge_setting() -> None:
    fields = set(BridgeSettings.model_fields)
    unknown = [
        f"{row.capability}: {name}"
        for row in rule_index()
        for name in TICKED.findall(row.settings)
        if name not in fields
    ]
    assert unknown == [], "settings in the rule index that BridgeSettings does not have"


def test_the_index_covers_the_twelve_capabilities_and_the_guarantees() -> None:
    capabilities = [row.capability for row in rule_index()]
    numbered = {int(m.group(1)) for c in capabilities if (m := re.match(r"(\d+)\. ", c))}
    assert numbered == set(range(1, 13))
    for guarantee in (
        "Exactly once",
        "Stale guard",
        "Echo suppression",
        "Read budget",
        "Catch-up sweep",
        "Parked orders",
        "Audit",
        "Dry-run and replay",
        "Dashboard",
    ):
        assert any(c.startswith(guarantee) for c in capabilities), guarantee


def test_the_settings_table_lists_exactly_the_bridge_settings() -> None:
    listed: list[str] = []
    for cells in _table_rows(_section("Settings")):
        listed += TICKED.findall(cells[0])
    fields = set(BridgeSettings.model_fields)
    assert sorted(set(listed) - fields) == [], "README lists settings BridgeSettings does not have"
    assert sorted(fields - set(listed)) == [], "BridgeSettings fields missing from the README"
    assert len(listed) == len(set(listed)), "a setting is listed twice"
