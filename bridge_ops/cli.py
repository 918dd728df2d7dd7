"""``python -m bridge_ops``: the operator's tool (audit, parked, replay, replay-window, dlq, match-skus,
catalog-push, doctor) against the sandbox or a deployed stack. See ``--help`` of each command.

Exit codes: 0 done; 1 failed (the message says why); 3 SalesDrive read budget exhausted (retry at the time
printed); 4 the feature is not available in this version of the bridge; 5 ``doctor`` found a blocker.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from bridge_ops.target import (
    DEFAULT_ENDPOINTS,
    DEFAULT_SECRETS_PREFIX,
    Target,
    TargetError,
    activated,
    sandbox_target,
    stack_target,
)

EXIT_FAILED = 1
EXIT_BUDGET = 3
EXIT_UNAVAILABLE = 4
EXIT_BLOCKED = 5

app = typer.Typer(
    help="Operate the SalesDrive ↔ UTP bridge: audit trail, parked orders, replays, the dead-letter queue, "
    "SKU matching and catalog push, against the sandbox or a deployed stack.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
dlq_app = typer.Typer(help="The deal dead-letter queue.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")


@dataclass
class Options:
    stack: str | None
    endpoints: Path
    region: str | None
    secrets_prefix: str
    console: Console
    _target: Target | None = field(default=None)

    def target(self) -> Target:
        if self._target is None:
            if self.stack:
                self._target = stack_target(self.stack, region=self.region)
            else:
                self._target = sandbox_target(self.endpoints, secrets_prefix=self.secrets_prefix)
        return self._target


def _console() -> Console:
    width = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "160"))
    return Console(width=width, soft_wrap=False, highlight=False)


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
        stack=stack, endpoints=endpoints, region=region, secrets_prefix=secrets_prefix, console=_console()
    )


def _options(ctx: typer.Context) -> Options:
    options = ctx.find_root().obj
    assert isinstance(options, Options)
    return options


def _fail(console: Console, message: str, code: int = EXIT_FAILED) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


@contextmanager
def _on_target(ctx: typer.Context) -> Iterator[tuple[Target, Console]]:
    options = _options(ctx)
    console = options.console
    try:
        target = options.target()
    except TargetError as exc:
        raise _fail(console, str(exc)) from exc
    with activated(target):
        try:
            yield target, console
        except typer.Exit:
            raise
        except Exception as exc:
            from bridge.read_budget import ReadBudgetExhausted

            if isinstance(exc, ReadBudgetExhausted):
                raise _budget_exhausted(console, exc) from exc
            raise _fail(console, f"{type(exc).__name__}: {exc}") from exc


def _budget_exhausted(console: Console, exc: Any) -> typer.Exit:
    console.print(
        f"[bold yellow]SalesDrive read budget exhausted[/] for {exc.consumer} ({exc.window}): "
        f"retry at {exc.retry_at:%Y-%m-%d %H:%M:%S %Z}"
    )
    return typer.Exit(EXIT_BUDGET)


def _progress(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _compact(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- audit -----------------------------------------------------------------------------------------------

_EVENT_KINDS = {
    "event_received": "received",
    "stale_event_ignored": "received",
    "sent_by_catch_up": "received",
    "replayed": "received",
    "replayed_by_operator": "received",
    "utp_order_created": "UTP document",
    "utp_order_updated": "UTP document",
    "sales_invoice_created": "UTP document",
    "order_closure_created": "UTP document",
    "return_note_created": "UTP document",
    "counterparty_recognised": "UTP document",
    "properties_written": "UTP document",
    "status_pushed_to_salesdrive": "SalesDrive write",
}


def event_kind(event: str | None) -> str:
    return _EVENT_KINDS.get(event or "", "decision")


@app.command()
def audit(
    ctx: typer.Context,
    order_id: Annotated[int, typer.Argument(help="SalesDrive order id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """An order's audit trail (events received, decisions, UTP documents, SalesDrive writes), its current
    state, its UTP documents in the ledger and whether it is parked."""
    from bridge import runtime
    from bridge.store.deals import DocumentKind

    with _on_target(ctx) as (_, console):
        store = runtime.deal_store()
        trail = store.audit_trail(order_id)
        state = store.order_state(order_id)
        ledger: dict[str, dict[str, Any]] = {
            kind.value: found.model_dump(mode="json")
            for kind in (
                DocumentKind.SALES_ORDER,
                DocumentKind.SALES_INVOICE,
                DocumentKind.ORDER_CLOSURE,
                DocumentKind.RETURN_NOTE,
            )
            if (found := store.ledger(kind, str(order_id))) is not None
        }
        parked = store.parked_order(order_id)
        writes = runtime.status_writes().get(order_id)
        result = {
            "order_id": order_id,
            "state": state.model_dump(mode="json") if state else None,
            "ledger": ledger,
            "parked": parked.model_dump(mode="json", exclude={"payload"}) if parked else None,
            "status_writes": writes.model_dump(mode="json") if writes else None,
            "trail": [
                {**{k: v for k, v in row.items() if k != "expires_at"}, "kind": event_kind(row.get("event"))}
                for row in trail
            ],
        }
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False, indent=1, default=str))
            if not (trail or state or ledger or parked):
                raise typer.Exit(EXIT_FAILED)
            return
        if not (trail or state or ledger or parked):
            raise _fail(console, f"the bridge knows nothing about SalesDrive order {order_id}")

        table = Table(title=f"Audit trail of SalesDrive order {order_id}", show_lines=False)
        table.add_column("at (UTC)", no_wrap=True)
        table.add_column("kind", no_wrap=True)
        table.add_column("event", no_wrap=True)
        table.add_column("detail")
        for row in trail:
            table.add_row(
                str(row.get("at", ""))[:23],
                event_kind(row.get("event")),
                str(row.get("event")),
                _compact(row.get("detail") or {}),
            )
        console.print(table)

        docs = Table(title="UTP documents (ledger)")
        for column in ("document", "state", "UTP ref", "detail"):
            docs.add_column(column, no_wrap=column != "detail")
        for kind, doc in ledger.items():
            docs.add_row(kind, doc["state"], doc.get("ref") or "—", _compact(doc.get("detail") or {}))
        console.print(docs if ledger else "[dim]no UTP document in the ledger[/]")

        lines = []
        if state:
            lines.append(
                f"applied version {state.version} (updateAt {state.update_at}), status {state.status_id}, "
                f"UTP order {state.utp_order_ref or '—'}"
            )
            if state.characteristics:
                lines.append("properties: " + _compact(state.characteristics))
            if state.discrepancy:
                lines.append(f"[yellow]discrepancy:[/] {state.discrepancy}")
        else:
            lines.append("no version applied yet")
        if parked:
            lines.append(
                f"[bold yellow]parked[/] since {parked.parked_at} "
                f"({parked.attempts} attempt(s)): {parked.reason}"
            )
        if writes and writes.pushed_status_id is not None:
            lines.append(f"status {writes.pushed_status_id} pushed to SalesDrive at {writes.pushed_at}")
        console.print(Panel("\n".join(lines), title="current state"))


# -- parked ----------------------------------------------------------------------------------------------


@app.command()
def parked(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Parked orders: reason, SKUs waited for, attempts, since when."""
    from bridge import runtime

    with _on_target(ctx) as (_, console):
        orders = sorted(runtime.deal_store().parked_orders(), key=lambda p: p.parked_at)
        if as_json:
            rows = [p.model_dump(mode="json", exclude={"payload"}) for p in orders]
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        table = Table(title=f"Parked orders ({len(orders)})")
        for column in ("order", "since (UTC)", "last attempt", "attempts", "SKUs", "reason"):
            table.add_column(column, no_wrap=column not in ("reason", "SKUs"))
        for p in orders:
            table.add_row(
                str(p.order_id),
                p.parked_at[:19],
                (p.last_parked_at or "")[:19],
                str(p.attempts),
                ", ".join(p.skus) or "—",
                p.reason,
            )
        console.print(table)
        by_sku = sum(1 for p in orders if p.skus)
        by_data = sum(1 for p in orders if p.cause == "order_data")
        console.print(
            f"{len(orders)} parked: {by_sku} waiting for SKUs, {by_data} for the order to be corrected in "
            f"SalesDrive, {len(orders) - by_sku - by_data} for UTP. They are replayed automatically (an "
            "order's own data: when SalesDrive sends its next version); `replay ORDER_ID` shows what a "
            "replay would do now."
        )


# -- replay ----------------------------------------------------------------------------------------------


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


@app.command()
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

    with _on_target(ctx) as (_, console):
        found = replays.fetch_order(order_id)
        if found is None:
            raise _fail(console, f"SalesDrive has no order {order_id}")
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


@app.command("replay-window")
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
    with _on_target(ctx) as (_, console):
        runner = replays.DryRunner() if dry_run else None
        rows: list[tuple[str, ...]] = []
        exhausted: ReadBudgetExhausted | None = None
        counts: dict[str, int] = {}
        with _progress(console) as progress:
            task = progress.add_task("orders", total=None)

            def on_page(page: int, page_count: int | None) -> None:
                progress.update(task, description=f"page {page}/{page_count or '?'}")

            try:
                for order, meta in replays.iter_window(since, until, on_page):
                    if runner is not None:
                        try:
                            result = runner.run(order, meta)
                            outcome = result.action
                            detail = "; ".join(w.operation for w in result.plan.writes) or "no UTP write"
                            if result.reason:
                                detail = f"{result.reason}; {detail}"
                        except Exception as exc:  # one order must not stop the window
                            outcome, detail = "error", f"{type(exc).__name__}: {exc}"
                    else:
                        sent = replays.enqueue(order, meta)
                        outcome, detail = ("enqueued" if sent.sent else "up to date"), sent.note
                    counts[outcome] = counts.get(outcome, 0) + 1
                    rows.append((str(order.id), str(order.version or 0), outcome, _compact(detail, 200)))
                    progress.advance(task)
            except ReadBudgetExhausted as exc:
                exhausted = exc
        table = Table(title=f"Orders updated {start} … {end} ({'dry run' if dry_run else 'applied'})")
        for column in ("order", "version", "outcome", "detail"):
            table.add_column(column, no_wrap=column != "detail")
        for row in rows:
            table.add_row(*row)
        console.print(table)
        summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "no order in the window"
        console.print(
            f"[bold]{len(rows)} order(s)[/]: {summary}." + (" Nothing was written." if dry_run else "")
        )
        if exhausted is not None:
            console.print("[yellow]stopped before the end of the window:[/] the orders above were handled.")
            raise _budget_exhausted(console, exhausted)


# -- dead-letter queue -----------------------------------------------------------------------------------


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
        raise _fail(console, f"{target.describe()} has no dead-letter queue for its deal queue")
    sqs = boto3.client("sqs")
    letters = dlq.receive_all(sqs, target.dead_letter_queue_url)
    store = runtime.deal_store()
    for letter in letters:
        letter.reason = dlq.reason_for(store, letter.order_id)
    return sqs, target.dead_letter_queue_url, letters


@dlq_app.command("list")
def dlq_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Messages in the deal dead-letter queue, with their order ids and the reason the bridge recorded."""
    from bridge_ops import dlq

    with _on_target(ctx) as (target, console):
        sqs, url, letters = _dead_letters(target, console)
        dlq.release(sqs, url, letters)
        if as_json:
            rows = [{k: v for k, v in vars(x).items() if k != "receipt_handle"} for x in letters]
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        console.print(_dlq_table(f"Dead-letter queue ({len(letters)} message(s))", letters))


@dlq_app.command("redrive")
def dlq_redrive(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be moved; move nothing.")
    ] = False,
) -> None:
    """Move every dead-letter message back to the deal queue (same message group, new de-duplication id)."""
    from bridge_ops import dlq

    with _on_target(ctx) as (target, console):
        sqs, url, letters = _dead_letters(target, console)
        if dry_run:
            dlq.release(sqs, url, letters)
            console.print(_dlq_table(f"Would move {len(letters)} message(s) back (dry run)", letters))
            return
        moved = 0
        with _progress(console) as progress:
            task = progress.add_task("redriving", total=len(letters))
            for letter in letters:
                dlq.redrive(sqs, url, target.deal_queue_url, letter)
                moved += 1
                progress.advance(task)
        console.print(_dlq_table("Moved back to the deal queue", letters))
        console.print(f"[bold]{moved} message(s)[/] moved from the dead-letter queue to the deal queue.")


# -- SKU matching and the catalog push ------------------------------------------------------------


@app.command("match-skus")
def match_skus(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and report; write nothing.")] = False,
    yml_key: Annotated[
        str | None,
        typer.Option("--yml-key", help="SalesDrive YML key (default: the secret salesdrive-yml-key)."),
    ] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="Also write the full report as CSV.")] = None,
) -> None:
    """Link SalesDrive and UTP products by SKU, export UTP-only products, replay parked orders."""
    from bridge_ops.issue5 import CountingUtp, FeatureUnavailable, counted, public_function

    console = _options(ctx).console
    try:
        match = public_function("bridge.sync.sku_matching", "match_skus")
        replay_parked = public_function("bridge.sync.parked_orders", "replay_parked_orders")
    except FeatureUnavailable as exc:
        raise _fail(console, f"SKU matching is not available: {exc}", EXIT_UNAVAILABLE) from exc
    from bridge import runtime

    with _on_target(ctx) as (target, console):
        key = yml_key or _secret_or_none("salesdrive-yml-key") or target.yml_key_fallback
        if not key:
            raise _fail(
                console, "no YML key: store salesdrive-yml-key under the secrets prefix or pass --yml-key"
            )
        with _progress(console) as progress:
            offers_task = progress.add_task("SalesDrive feed offers", total=None)
            products_task = progress.add_task("UTP products", total=None)
            ids_task = progress.add_task("SalesDrive IDs written to UTP cards", total=None)
            salesdrive = runtime.salesdrive_client()
            report = match(
                offers=counted(salesdrive.yml_products(key), lambda n: progress.advance(offers_task, n)),
                utp=CountingUtp(runtime.utp_client(), lambda n: progress.advance(products_task, n)),
                salesdrive=salesdrive,
                store=runtime.deal_store(),
                settings=runtime.settings(),
                dry_run=dry_run,
                cursors=runtime.cursors(),
                progress=lambda done, total: progress.update(ids_task, completed=done, total=total),
                replay=lambda: (
                    replay_parked(
                        store=runtime.deal_store(),
                        utp=runtime.utp_client(),
                        queue=runtime.deal_queue(),
                        now=datetime.now(UTC),
                        settings=runtime.settings(),
                    ).replayed
                ),
            )
        _print_match_report(console, report)
        if csv_file is not None and hasattr(report, "to_csv"):
            csv_file.write_text(report.to_csv(), encoding="utf-8")
            console.print(f"full report written to {csv_file}")


def _secret_or_none(name: str) -> str | None:
    from bridge import runtime

    try:
        return runtime.secret(name)
    except Exception:
        return None


def _print_match_report(console: Console, report: Any) -> None:
    summary = getattr(report, "summary", {}) or {}
    table = Table(title="SKU matching " + ("(dry run: nothing written)" if report.dry_run else "(applied)"))
    table.add_column("status")
    table.add_column("products", justify="right")
    for status, count in summary.items():
        table.add_row(str(status), str(count))
    console.print(table)
    needs_a_person = [r for r in getattr(report, "rows", []) if r.status in ("ambiguous", "failed")]
    if needs_a_person:
        detail = Table(title="Needs a person")
        for column in ("status", "SKU", "SalesDrive", "UTP code", "note"):
            detail.add_column(column)
        for row in needs_a_person[:50]:
            detail.add_row(
                row.status, row.sku, ",".join(row.salesdrive_ids), ",".join(row.utp_codes), row.note
            )
        console.print(detail)
    replayed = getattr(report, "replayed_orders", [])
    console.print(
        f"[bold]{sum(summary.values())} SKU(s)[/]: "
        + ", ".join(f"{v} {k}" for k, v in summary.items() if v)
        + f"; {getattr(report, 'utp_writes', 0)} UTP write(s), "
        f"{getattr(report, 'salesdrive_calls', 0)} SalesDrive call(s)"
        + (
            f"; SalesDrive ID on {getattr(report, 'id_pending', 0) - getattr(report, 'id_left', 0)} of "
            f"{getattr(report, 'id_pending', 0)} UTP card(s) that needed it"
            + (f", {report.id_left} left for the next run (paced)" if getattr(report, "id_left", 0) else "")
            if getattr(report, "id_pending", 0) and not report.dry_run
            else ""
        )
        + (f"; parked orders replayed: {', '.join(map(str, replayed))}" if replayed else "")
        + (". Dry run: nothing was written." if report.dry_run else ".")
    )


@app.command("catalog-push")
def catalog_push(
    ctx: typer.Context,
    full: Annotated[
        bool,
        typer.Option(
            "--full/--changed",
            help="--full: send every product, price and stock figure (ignore what SalesDrive last got); "
            "--changed: only the changes, like the schedule.",
        ),
    ] = False,
) -> None:
    """Push the catalog (products, prices, free stock) from UTP to SalesDrive now, in process."""
    from bridge_ops.issue5 import (
        CountingSalesDrive,
        FeatureUnavailable,
        FullPushBlobs,
        MemoryBlobs,
        public_function,
    )

    console = _options(ctx).console
    try:
        read_catalog = public_function("bridge.sync.catalog_push", "read_catalog")
        push_catalog = public_function("bridge.sync.catalog_push", "push_catalog")
        stock_warehouses = public_function("bridge.sync.stock", "stock_warehouses")
    except FeatureUnavailable as exc:
        raise _fail(console, f"the catalog push is not available: {exc}", EXIT_UNAVAILABLE) from exc
    from bridge import runtime
    from bridge.store.bucket import CatalogFingerprintStore

    with _on_target(ctx) as (target, console):
        settings = runtime.settings()
        reference = runtime.utp_reference()
        warehouses = stock_warehouses(settings, reference.warehouse_names)
        bucket = target.environment.get("CATALOG_BUCKET")
        real_store: Any = CatalogFingerprintStore(bucket) if bucket else None
        for note in target.notes:
            console.print(f"[dim]note: {note}[/]")
        store: Any = FullPushBlobs(real_store) if full else (real_store or MemoryBlobs())
        with _progress(console) as progress:
            reading = progress.add_task("reading the UTP catalog", total=None)
            snapshot = read_catalog(
                runtime.utp_client(),
                settings=settings,
                price_type_key=reference.price_type_key,
                warehouses=warehouses,
            )
            progress.update(reading, total=1, completed=1)
            sending = progress.add_task("products sent to SalesDrive", total=None)
            report = push_catalog(
                utp=runtime.utp_client(),
                salesdrive=CountingSalesDrive(
                    runtime.salesdrive_client(), lambda n: progress.advance(sending, n)
                ),
                store=store,
                settings=settings,
                price_type_key=reference.price_type_key,
                warehouses=warehouses,
                cursors=runtime.cursors(),
                now=datetime.now(UTC),
                snapshot=snapshot,
            )
        data = report.as_dict() if hasattr(report, "as_dict") else dict(vars(report))
        skipped = data.pop("skipped", []) or []
        table = Table(title=f"Catalog push ({'full' if full else 'changes only'})")
        table.add_column("figure")
        table.add_column("value", justify="right")
        for name, value in data.items():
            table.add_row(name, str(value))
        console.print(table)
        if skipped:
            console.print(
                f"[yellow]{len(skipped)} product(s) skipped[/], e.g.: " + _compact(skipped[:5], 400)
            )
        state = (
            "[green]complete[/]" if data.get("complete") else f"[yellow]partial[/] ({data.get('stopped')})"
        )
        console.print(
            f"[bold]catalog push {state}[/]: {data.get('products', 0)} product(s) read, "
            f"{data.get('changed', 0)} sent in {data.get('salesdrive_calls', 0)} SalesDrive call(s), "
            f"{data.get('failed_batches', 0)} failed batch(es)."
        )
        if not data.get("complete"):
            raise typer.Exit(EXIT_FAILED)


# -- doctor ----------------------------------------------------------------------------------------------


@app.command()
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

    console = _options(ctx).console
    if settings_file is not None or utp_url is not None:
        if not (settings_file and utp_url and utp_user):
            raise typer.BadParameter("a local check needs --settings, --utp-url and --utp-user")
        report, notes = doctors.run_local(settings_file, utp_url, utp_user, salesdrive_url)
        where = f"{settings_file} on {utp_url}"
    else:
        with _on_target(ctx) as (target, console):
            report, notes = doctors.run_on_target(), list(target.notes)
            where = f"{target.kind} {target.name}"
    if not as_json:
        for note in notes:
            console.print(f"[dim]note: {note}[/]")
    doctors.print_report(console, report, as_json=as_json, where=where)
    if report.blockers:
        raise typer.Exit(EXIT_BLOCKED)
