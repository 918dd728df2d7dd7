"""The doctor's findings: one ``Finding`` per check (ok / warning / blocker, what is wrong, how to fix it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    OK = "ok"
    WARNING = "warning"
    BLOCKER = "blocker"


@dataclass(frozen=True)
class Finding:
    check: str  # what was checked: "odata Document_ЗаказПокупателя", "setting price_type", …
    severity: Severity
    detail: str  # what was found, or what is missing
    fix: str = ""  # how to fix it (empty when ok)

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "severity": self.severity.value, "detail": self.detail, "fix": self.fix}


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    @property
    def blockers(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.BLOCKER]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": not self.blockers,
            "blockers": len(self.blockers),
            "warnings": len(self.warnings),
            "findings": [f.as_dict() for f in self.findings],
            "unchecked": list(self.unchecked),
        }
