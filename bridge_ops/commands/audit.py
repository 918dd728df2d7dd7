"""``audit ORDER_ID`` and ``parked``: what the bridge recorded about an order, and the parked orders."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from bridge_ops.commands.common import EXIT_FAILED, compact, fail, on_target

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


def audit(
    ctx: typer.Context,
    order_id: Annotated[int, typer.Argument(help="SalesDrive order id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """An order's audit trail (events received, decisions, UTP documents, SalesDrive writes), its current
    state, its UTP documents in the ledger and whether it is parked."""
    with on_target(ctx) as (_, console):
        found = _audit_records(order_id)
        result = _audit_json(order_id, found)
        known = any(found[name] for name in ("trail", "state", "ledger", "parked"))
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False, indent=1, default=str))
            if not known:
                raise typer.Exit(EXIT_FAILED)
            return
        if not known:
            raise fail(console, f"the bridge knows nothing about SalesDrive order {order_id}")
        _print_audit(console, order_id, found)


def _audit_records(order_id: int) -> dict[str, Any]:
    """Everything the bridge's store holds about one order."""
    from bridge import runtime
    from bridge.store.deals import DocumentKind

    store = runtime.deal_store()
    kinds = (
        DocumentKind.SALES_ORDER,
        DocumentKind.SALES_INVOICE,
        DocumentKind.ORDER_CLOSURE,
        DocumentKind.RETURN_NOTE,
    )
    return {
        "trail": store.audit_trail(order_id),
        "state": store.order_state(order_id),
        "ledger": {
            kind.value: found.model_dump(mode="json")
            for kind in kinds
            if (found := store.ledger(kind, str(order_id))) is not None
        },
        "parked": store.parked_order(order_id),
        "writes": runtime.status_writes().get(order_id),
    }


def _audit_json(order_id: int, found: dict[str, Any]) -> dict[str, Any]:
    state, parked, writes = found["state"], found["parked"], found["writes"]
    return {
        "order_id": order_id,
        "state": state.model_dump(mode="json") if state else None,
        "ledger": found["ledger"],
        "parked": parked.model_dump(mode="json", exclude={"payload"}) if parked else None,
        "status_writes": writes.model_dump(mode="json") if writes else None,
        "trail": [
            {**{k: v for k, v in row.items() if k != "expires_at"}, "kind": event_kind(row.get("event"))}
            for row in found["trail"]
        ],
    }


def _print_audit(console: Console, order_id: int, found: dict[str, Any]) -> None:
    table = Table(title=f"Audit trail of SalesDrive order {order_id}", show_lines=False)
    table.add_column("at (UTC)", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("event", no_wrap=True)
    table.add_column("detail")
    for row in found["trail"]:
        table.add_row(
            str(row.get("at", ""))[:23],
            event_kind(row.get("event")),
            str(row.get("event")),
            compact(row.get("detail") or {}),
        )
    console.print(table)

    ledger = found["ledger"]
    docs = Table(title="UTP documents (ledger)")
    for column in ("document", "state", "UTP ref", "detail"):
        docs.add_column(column, no_wrap=column != "detail")
    for kind, doc in ledger.items():
        docs.add_row(kind, doc["state"], doc.get("ref") or "—", compact(doc.get("detail") or {}))
    console.print(docs if ledger else "[dim]no UTP document in the ledger[/]")
    console.print(Panel("\n".join(_state_lines(found)), title="current state"))


def _state_lines(found: dict[str, Any]) -> list[str]:
    state, parked, writes = found["state"], found["parked"], found["writes"]
    lines = []
    if state:
        lines.append(
            f"applied version {state.version} (updateAt {state.update_at}), status {state.status_id}, "
            f"UTP order {state.utp_order_ref or '—'}"
        )
        if state.characteristics:
            lines.append("properties: " + compact(state.characteristics))
        if state.discrepancy:
            lines.append(f"[yellow]discrepancy:[/] {state.discrepancy}")
    else:
        lines.append("no version applied yet")
    if parked:
        lines.append(
            f"[bold yellow]parked[/] since {parked.parked_at} ({parked.attempts} attempt(s)): {parked.reason}"
        )
    if writes and writes.pushed_status_id is not None:
        lines.append(f"status {writes.pushed_status_id} pushed to SalesDrive at {writes.pushed_at}")
    return lines


def parked(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Parked orders: reason, SKUs waited for, attempts, since when."""
    from bridge import runtime

    with on_target(ctx) as (_, console):
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
