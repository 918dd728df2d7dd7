"""``doctor``: the preflight of the bridge (``bridge.sync.preflight``) wired to a deployment or to local
files, and printed. The rule decides; this module only builds the collaborators and renders the report."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

UTP_PASSWORD_ENV = "UTP_PASSWORD"  # noqa: S105 - the name of a variable, not a password
SALESDRIVE_KEY_ENV = "SALESDRIVE_API_KEY"

_STYLE = {"ok": "green", "warning": "yellow", "blocker": "bold red"}


def settings_problem(exc: Exception) -> Any:
    """Settings that do not even validate: one blocker, so the report still prints."""
    from bridge.sync.preflight_findings import Finding, Report, Severity

    return Report(
        findings=[
            Finding(
                "settings",
                Severity.BLOCKER,
                str(exc),
                "Correct the settings JSON (README, settings table).",
            )
        ]
    )


def run_on_target() -> Any:
    """The preflight against the deployment the environment names (``bridge.runtime``)."""
    from bridge import runtime
    from bridge.settings import SettingsError
    from bridge.sync.preflight import run_preflight

    try:
        settings = runtime.settings()
    except SettingsError as exc:
        return settings_problem(exc)
    return run_preflight(settings, runtime.utp_client(), runtime.salesdrive_client())


def run_local(
    settings_file: Path, utp_url: str, utp_user: str, salesdrive_url: str | None = None
) -> tuple[Any, list[str]]:
    """The preflight before deploying: a local settings JSON, the UTP OData root and user, the password
    in ``UTP_PASSWORD`` and (optionally) the SalesDrive key in ``SALESDRIVE_API_KEY``."""
    from bridge.read_budget import UnlimitedReadBudget
    from bridge.salesdrive.client import SalesDriveClient
    from bridge.settings import SettingsError, load_settings
    from bridge.sync.preflight import run_preflight
    from bridge.utp.client import UtpClient

    notes: list[str] = []
    try:
        settings = load_settings(settings_file.read_text(encoding="utf-8"))
    except (OSError, SettingsError) as exc:
        return settings_problem(exc), notes
    password = os.environ.get(UTP_PASSWORD_ENV)
    if not password:
        notes.append(f"{UTP_PASSWORD_ENV} is not set: connecting to UTP with an empty password")
    utp = UtpClient.from_settings(
        utp_url,
        utp_user,
        password or "",
        order_marker_field=settings.order_marker_field,
        order_extra_fields=settings.order_attributes,
    )
    key = os.environ.get(SALESDRIVE_KEY_ENV)
    salesdrive = None
    if key:
        # One dictionary call (statuses): not a list endpoint, so no read-budget token is taken.
        salesdrive = SalesDriveClient(
            api_key=key,
            budget=UnlimitedReadBudget(),
            account=settings.salesdrive_account,
            base_url=salesdrive_url,
        )
    else:
        notes.append(f"{SALESDRIVE_KEY_ENV} is not set: SalesDrive is not checked")
    try:
        return run_preflight(settings, utp, salesdrive), notes
    finally:
        utp.close()


def print_report(console: Console, report: Any, *, as_json: bool, where: str) -> None:
    if as_json:
        typer.echo(json.dumps({"target": where, **report.as_dict()}, ensure_ascii=False, indent=1))
        return
    table = Table(title=f"Doctor: {where}", show_lines=True)
    table.add_column("check", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("what was found")
    table.add_column("how to fix it")
    order = {"blocker": 0, "warning": 1, "ok": 2}
    for finding in sorted(report.findings, key=lambda f: order[f.severity.value]):
        style = _STYLE[finding.severity.value]
        table.add_row(finding.check, f"[{style}]{finding.severity.value}[/]", finding.detail, finding.fix)
    console.print(table)
    if report.unchecked:
        console.print("[bold]Not checkable from $metadata[/] (verify once on a new or customised base):")
        for note in report.unchecked:
            console.print(f"  • {note}")
    blockers, warnings = len(report.blockers), len(report.warnings)
    verdict = "[bold red]the bridge cannot run here[/]" if blockers else "[green]ready[/]"
    console.print(f"{blockers} blocker(s), {warnings} warning(s): {verdict}")
