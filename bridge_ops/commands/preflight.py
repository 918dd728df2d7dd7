"""``doctor``: the preflight (does UTP publish what the bridge uses, do the settings resolve, does
SalesDrive answer?) against the target or local files before deploying. Reads only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bridge_ops.commands.common import EXIT_BLOCKED, on_target, options


def doctor(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    settings_file: Annotated[
        Path | None,
        typer.Option(
            "--settings", help="Check a local settings JSON before deploying (with --utp-url, --utp-user)."
        ),
    ] = None,
    utp_url: Annotated[
        str | None, typer.Option("--utp-url", help="UTP's OData root (…/odata/standard.odata).")
    ] = None,
    utp_user: Annotated[
        str | None, typer.Option("--utp-user", help="UTP user (password in the UTP_PASSWORD variable).")
    ] = None,
    salesdrive_url: Annotated[
        str | None, typer.Option("--salesdrive-url", help="SalesDrive's URL (default: the account's).")
    ] = None,
) -> None:
    """Preflight: does UTP publish everything the bridge uses, do the settings resolve, does SalesDrive
    answer? Reads only. Exit 5 on a blocker."""
    from bridge_ops import doctor as doctors

    console = options(ctx).console
    if settings_file is not None or utp_url is not None:
        if not (settings_file and utp_url and utp_user):
            raise typer.BadParameter("a local check needs --settings, --utp-url and --utp-user")
        report, notes = doctors.run_local(settings_file, utp_url, utp_user, salesdrive_url)
        where = f"{settings_file} on {utp_url}"
    else:
        with on_target(ctx) as (target, console):
            report, notes = doctors.run_on_target(), list(target.notes)
            where = f"{target.kind} {target.name}"
    if not as_json:
        for note in notes:
            console.print(f"[dim]note: {note}[/]")
    doctors.print_report(console, report, as_json=as_json, where=where)
    if report.blockers:
        raise typer.Exit(EXIT_BLOCKED)
