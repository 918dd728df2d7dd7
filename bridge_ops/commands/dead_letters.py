"""``dlq list`` and ``dlq redrive``: the deal dead-letter queue, with the reason the bridge recorded."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bridge_ops.commands.common import fail, on_target, progress_bar
from bridge_ops.target import Target


def _dlq_table(title: str, letters: list[Any]) -> Table:
    table = Table(title=title)
    for column in ("message", "order", "group", "receives", "sent (UTC)", "source", "reason"):
        table.add_column(column, no_wrap=column not in ("reason",))
    for letter in letters:
        table.add_row(
            letter.message_id[:12],
            str(letter.order_id) if letter.order_id is not None else "?",
            letter.group_id or "—",
            str(letter.receive_count),
            letter.sent_at or "—",
            letter.source or "—",
            letter.reason or "unknown",
        )
    return table


def _dead_letters(target: Target, console: Console) -> tuple[Any, str, list[Any]]:
    import boto3

    from bridge import runtime
    from bridge_ops import dlq

    if not target.dead_letter_queue_url:
        raise fail(console, f"{target.describe()} has no dead-letter queue for its deal queue")
    sqs = boto3.client("sqs")
    letters = dlq.receive_all(sqs, target.dead_letter_queue_url)
    store = runtime.deal_store()
    for letter in letters:
        letter.reason = dlq.reason_for(store, letter.order_id)
    return sqs, target.dead_letter_queue_url, letters


def dlq_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Messages in the deal dead-letter queue, with their order ids and the reason the bridge recorded."""
    from bridge_ops import dlq

    with on_target(ctx) as (target, console):
        sqs, url, letters = _dead_letters(target, console)
        dlq.release(sqs, url, letters)
        if as_json:
            rows = [{k: v for k, v in vars(x).items() if k != "receipt_handle"} for x in letters]
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        console.print(_dlq_table(f"Dead-letter queue ({len(letters)} message(s))", letters))


def dlq_redrive(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be moved; move nothing.")
    ] = False,
) -> None:
    """Move every dead-letter message back to the deal queue (same message group, new de-duplication id)."""
    from bridge_ops import dlq

    with on_target(ctx) as (target, console):
        sqs, url, letters = _dead_letters(target, console)
        if dry_run:
            dlq.release(sqs, url, letters)
            console.print(_dlq_table(f"Would move {len(letters)} message(s) back (dry run)", letters))
            return
        moved = 0
        with progress_bar(console) as progress:
            task = progress.add_task("redriving", total=len(letters))
            for letter in letters:
                dlq.redrive(sqs, url, target.deal_queue_url, letter)
                moved += 1
                progress.advance(task)
        console.print(_dlq_table("Moved back to the deal queue", letters))
        console.print(f"[bold]{moved} message(s)[/] moved from the dead-letter queue to the deal queue.")
