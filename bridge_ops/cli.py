"""``python -m bridge_ops``: the operator's tool (audit, parked, replay, replay-window, dlq, match-skus,
catalog-push, doctor) against the sandbox or a deployed stack. This module only wires the commands of
``bridge_ops.commands`` into one Typer app; see ``--help`` of each command.

Exit codes: 0 done; 1 failed (the message says why); 2 bad arguments; 3 SalesDrive read budget exhausted
(retry at the time printed); 5 ``doctor`` found a blocker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bridge_ops.commands import audit, catalog, dead_letters, preflight, replay
from bridge_ops.commands.common import (
    EXIT_BLOCKED,
    EXIT_BUDGET,
    EXIT_FAILED,
    Options,
    console_for_output,
)
from bridge_ops.target import DEFAULT_ENDPOINTS, DEFAULT_SECRETS_PREFIX

__all__ = ["EXIT_BLOCKED", "EXIT_BUDGET", "EXIT_FAILED", "app"]

app = typer.Typer(
    help="Operate the SalesDrive ↔ UTP bridge: audit trail, parked orders, replays, the dead-letter queue, "
    "SKU matching and catalog push, against the sandbox or a deployed stack.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    sandbox: Annotated[
        bool,
        typer.Option("--sandbox", help="The local sandbox (default when .sandbox/endpoints.json exists)."),
    ] = False,
    stack: Annotated[
        str | None, typer.Option("--stack", help="A deployed CloudFormation stack, by name.", metavar="NAME")
    ] = None,
    endpoints: Annotated[
        Path, typer.Option("--endpoints", help="The sandbox's endpoints file.")
    ] = DEFAULT_ENDPOINTS,
    region: Annotated[str | None, typer.Option("--region", help="AWS region of the stack.")] = None,
    secrets_prefix: Annotated[
        str, typer.Option("--secrets-prefix", help="SSM path of the sandbox's secrets and settings.")
    ] = DEFAULT_SECRETS_PREFIX,
) -> None:
    if sandbox and stack:
        raise typer.BadParameter("choose --sandbox or --stack NAME, not both")
    ctx.obj = Options(
        stack=stack,
        endpoints=endpoints,
        region=region,
        secrets_prefix=secrets_prefix,
        console=console_for_output(),
    )


app.command()(audit.audit)
app.command()(audit.parked)
app.command()(replay.replay)
app.command("replay-window")(replay.replay_window)

dlq_app = typer.Typer(help="The deal dead-letter queue.", no_args_is_help=True)
dlq_app.command("list")(dead_letters.dlq_list)
dlq_app.command("redrive")(dead_letters.dlq_redrive)
app.add_typer(dlq_app, name="dlq")

app.command("match-skus")(catalog.match_skus)
app.command("catalog-push")(catalog.catalog_push)
app.command()(preflight.doctor)
