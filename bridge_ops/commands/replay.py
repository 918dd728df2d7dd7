"""``replay ORDER_ID`` and ``replay-window``: re-read orders from SalesDrive and show what the deal rules
would do with them (dry run, the default) or send them to the deal queue (``--apply``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bridge_ops.commands.common import budget_exhausted, compact, fail, on_target, progress_bar


def _print_dry_run(console: Console, result: Any) -> None:
    from bridge_ops.dryrun import FAKE_REF_PREFIX

    verb, colour = {
        "applied": ("apply it", "green"),
        "stale": ("ignore it: this version is already applied", "dim"),
        "parked": ("park it", "yellow"),
    }.get(result.action, (result.action, "white"))
    console.print(
        f"order {result.order_id} version {result.version}: the deal rules would "
        f"[{colour}]{verb}[/]" + (f" ({result.reason})" if result.reason else "")
    )
    if result.plan.writes:
        table = Table(title=f"Planned UTP writes for order {result.order_id} (not sent)")
        table.add_column("#", justify="right")
        table.add_column("operation", no_wrap=True)
        table.add_column("what")
        table.add_column("OData calls")
        for n, row in enumerate(result.plan.as_rows(), start=1):
            table.add_row(str(n), row["operation"], row["summary"], row["odata"])
        console.print(table)
        console.print(f"  [dim]refs {FAKE_REF_PREFIX}… stand for objects the dry run would create[/]")
    else:
        console.print("  no UTP write would be made")
    if result.decisions:
        console.print("  decisions it would record: " + ", ".join(str(d["event"]) for d in result.decisions))


def replay(
    ctx: typer.Context,
    order_id: Annotated[int, typer.Argument(help="SalesDrive order id.")],
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run/--apply",
            help="--dry-run (default): show what would change in UTP, change nothing. "
            "--apply: send the order to the deal queue (the real path, once).",
        ),
    ] = True,
) -> None:
    """Re-read one order from SalesDrive (OPERATOR read budget) and apply it through the deal rules."""
    from bridge_ops import replay as replays

    with on_target(ctx) as (_, console):
        found = replays.fetch_order(order_id)
        if found is None:
            raise fail(console, f"SalesDrive has no order {order_id}")
        order, meta = found
        if dry_run:
            result = replays.DryRunner().run(order, meta)
            _print_dry_run(console, result)
            console.print(
                f"[bold]dry run[/]: nothing was written; {len(result.plan.writes)} UTP operation(s) "
                f"({result.plan.odata_writes} OData write(s)) would be made. Use --apply to send it."
            )
            return
        sent = replays.enqueue(order, meta)
        console.print(
            f"order {sent.order_id} version {sent.version}: {sent.note}"
            + (f" (message {sent.message_id})" if sent.message_id else "")
        )


def _parse_time(value: str, name: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError as exc:
        raise typer.BadParameter(f"{name} must be 'YYYY-MM-DD HH:MM:SS' (SalesDrive's local time)") from exc


def replay_window(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="'YYYY-MM-DD HH:MM:SS', SalesDrive local time.")],
    end: Annotated[str, typer.Option("--to", help="'YYYY-MM-DD HH:MM:SS', SalesDrive local time.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run/--apply", help="Show what would change (default) or enqueue.")
    ] = True,
) -> None:
    """Replay every order updated in a window (list calls through the read budget, OPERATOR)."""
    from bridge.read_budget import ReadBudgetExhausted
    from bridge_ops import replay as replays

    since, until = _parse_time(start, "--from"), _parse_time(end, "--to")
    if until < since:
        raise typer.BadParameter("--to is before --from")
    with on_target(ctx) as (_, console):
        rows: list[tuple[str, ...]] = []
        exhausted: ReadBudgetExhausted | None = None
        with progress_bar(console) as progress:
            task = progress.add_task("orders", total=None)

            def on_page(page: int, page_count: int | None) -> None:
                progress.update(task, description=f"page {page}/{page_count or '?'}")

            handle = _dry_run_outcome(replays.DryRunner()) if dry_run else _enqueue_outcome
            try:
                for order, meta in replays.iter_window(since, until, on_page):
                    outcome, detail = handle(order, meta)
                    rows.append((str(order.id), str(order.version or 0), outcome, compact(detail, 200)))
                    progress.advance(task)
            except ReadBudgetExhausted as exc:
                exhausted = exc
        _print_window(console, rows, f"Orders updated {start} … {end}", dry_run)
        if exhausted is not None:
            console.print("[yellow]stopped before the end of the window:[/] the orders above were handled.")
            raise budget_exhausted(console, exhausted)


def _dry_run_outcome(runner: Any) -> Callable[[Any, Any], tuple[str, str]]:
    def outcome(order: Any, meta: Any) -> tuple[str, str]:
        try:
            result = runner.run(order, meta)
        except Exception as exc:  # one order must not stop the window
            return "error", f"{type(exc).__name__}: {exc}"
        detail = "; ".join(w.operation for w in result.plan.writes) or "no UTP write"
        if result.reason:
            detail = f"{result.reason}; {detail}"
        return result.action, detail

    return outcome


def _enqueue_outcome(order: Any, meta: Any) -> tuple[str, str]:
    from bridge_ops import replay as replays

    sent = replays.enqueue(order, meta)
    return ("enqueued" if sent.sent else "up to date"), sent.note


def _print_window(console: Console, rows: list[tuple[str, ...]], title: str, dry_run: bool) -> None:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[2]] = counts.get(row[2], 0) + 1
    table = Table(title=f"{title} ({'dry run' if dry_run else 'applied'})")
    for column in ("order", "version", "outcome", "detail"):
        table.add_column(column, no_wrap=column != "detail")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "no order in the window"
    console.print(f"[bold]{len(rows)} order(s)[/]: {summary}." + (" Nothing was written." if dry_run else ""))
