"""The demo's report: the JSON written to ``<state dir>/report.json`` and the text printed for a person,
one block per order (what SalesDrive shows, what UTP holds, the check), every line within 120 columns."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.text import Text

from sandbox.runner.demo_day import OrderFacts, out_of_order
from sandbox.runner.driver import CLOSURE, INVOICE, RETURN, money

WIDTH = 120
INDENT = "    "


def order_json(f: OrderFacts) -> dict[str, Any]:
    return {
        "key": f.key,
        "salesdrive_id": f.salesdrive_id,
        "status_id": f.status_id,
        "status": f.status_name,
        "statuses_set": f.statuses,
        "customer": f.customer,
        "phone": f.phone,
        "customer_kind": f.customer_kind,
        "utp_orders": f.utp_orders,
        "utp_number": f.utp_number,
        "utp_ref": f.utp_ref,
        "posted": f.posted,
        "counterparty": f.counterparty,
        "counterparty_ref": f.counterparty_ref,
        "invoice": f.documents.get(INVOICE, 0),
        "closure": f.documents.get(CLOSURE, 0),
        "return_note": f.documents.get(RETURN, 0),
        "expected": {
            "invoice": f.expected[INVOICE],
            "closure": f.expected[CLOSURE],
            "return_note": f.expected[RETURN],
        },
        "webhook_lost": f.webhook_lost,
        "in_utp_before_sweep": f.in_utp_before_sweep,
        "recovered_by_sweep": f.recovered_by_sweep,
        "paid": f.paid,
        "cash_receipts": f.receipts,
        "cash_receipts_sum": f.receipts_sum,
        "cash_receipts_posted": f.receipts_posted,
        "utp_status_set_by_person": f.utp_status_set,
        "utp_status_now": f.utp_status_now,
        "status_pushed": f.pushed_status,
        "echo_webhooks_delivered": f.echoes_delivered,
        "problems": f.problems,
    }


def totals(facts: list[OrderFacts], log: list[dict[str, Any]], counterparties_created: int) -> dict[str, Any]:
    """The day's figures (without the handler invocations, which the caller adds)."""
    return {
        "orders": len(facts),
        "utp_sales_orders": sum(f.utp_orders for f in facts),
        "posted": sum(1 for f in facts if f.posted),
        "invoices": sum(f.documents.get(INVOICE, 0) for f in facts),
        "closures": sum(f.documents.get(CLOSURE, 0) for f in facts),
        "return_notes": sum(f.documents.get(RETURN, 0) for f in facts),
        "expected_invoices": sum(f.expected[INVOICE] for f in facts),
        "expected_closures": sum(f.expected[CLOSURE] for f in facts),
        "expected_return_notes": sum(f.expected[RETURN] for f in facts),
        "counterparties_created": counterparties_created,
        "new_customers": new_customers(facts),
        "webhooks_sent": len(log),
        "webhooks_duplicated": sum(1 for e in log if e.get("duplicate")),
        "webhooks_reordered": sum(1 for e in log if e.get("reordered")),
        "webhooks_behind_a_newer_version": out_of_order(log),
        "webhooks_not_delivered": sum(1 for e in log if e.get("outcome") != "delivered"),
        "webhooks_lost_on_purpose": sum(1 for f in facts if f.webhook_lost),
        "recovered_by_sweep": sum(1 for f in facts if f.recovered_by_sweep),
        "payments": sum(len(f.paid) for f in facts),
        "paid": money(sum((Decimal(a) for f in facts for a in f.paid), Decimal(0))),
        "cash_receipts": sum(f.receipts for f in facts),
        "cash_receipts_sum": money(sum((Decimal(f.receipts_sum) for f in facts if f.paid), Decimal(0))),
        "statuses_set_in_utp": sum(1 for f in facts if f.utp_status_set is not None),
        "statuses_pushed_to_salesdrive": sum(1 for f in facts if f.pushed_status is not None),
        "echo_webhooks_ignored": sum(
            1
            for f in facts
            if f.echoes_delivered and f.utp_status_set is not None and f.utp_status_now == f.utp_status_set
        ),
    }


def new_customers(facts: list[OrderFacts]) -> int:
    return len({f.customer for f in facts if f.customer_kind == "new"})


# -- the printed report ----------------------------------------------------------------------------------


def _customer(order: dict[str, Any]) -> str:
    kind = order["customer_kind"]
    if kind.startswith("same as "):
        return f"{order['customer']} (the customer of order {kind.removeprefix('same as ')})"
    return f"{order['customer']} ({kind} customer)"


def _utp_line(order: dict[str, Any]) -> str:
    count = order["utp_orders"]
    if count == 0:
        return "UTP: no sales order"
    text = f"UTP: sales order {order['utp_number'] or '?'}"
    text += f" ×{count}" if count > 1 else ""
    text += ", posted" if order["posted"] else ", NOT posted"
    return text + f"; counterparty {order['counterparty'] or '—'}"


def _documents_line(order: dict[str, Any]) -> str:
    parts = []
    for key, label in (("invoice", "invoice"), ("closure", "closure"), ("return_note", "return note")):
        want, have = order["expected"][key], order[key]
        if want or have:
            parts.append(f"{label} {have} of {want}")
    return "documents: " + ("; ".join(parts) if parts else "none expected yet")


def _job_lines(order: dict[str, Any]) -> list[str]:
    lines = []
    if order["paid"]:
        lines.append(
            f"payments: {order['cash_receipts']} cash receipt(s) for {len(order['paid'])} payment(s), "
            f"{order['cash_receipts_sum']} received of {' + '.join(order['paid'])} paid"
        )
    if order["webhook_lost"]:
        found = "recovered by the catch-up sweep" if order["recovered_by_sweep"] else "NOT found by the sweep"
        lines.append(f"webhook lost on purpose → {found}")
    if order["utp_status_set_by_person"] is not None:
        lines.append(
            f"status set by a person in UTP: {order['utp_status_set_by_person']!r} → SalesDrive "
            f"[{order['status_pushed']}]; echo webhook ×{order['echo_webhooks_delivered']} ignored "
            f"(UTP shows {order['utp_status_now']!r})"
        )
    return lines


def order_block(order: dict[str, Any]) -> list[tuple[str, str]]:
    """One order as (line, style) pairs, each line at most ``WIDTH`` columns."""
    statuses = " → ".join(str(s) for s in order["statuses_set"]) or "none"
    header = (
        f"{order['key']}  SalesDrive order {order['salesdrive_id']}: {order['status']} "
        f"[{order['status_id']}] (statuses set: {statuses}); {_customer(order)}"
    )
    body = [_utp_line(order), _documents_line(order), *_job_lines(order)]
    check = "check: ok" if not order["problems"] else "check: " + "; ".join(order["problems"])
    lines = [(line, "bold") for line in _wrap(header, "")]
    lines += [(line, "") for text in body for line in _wrap(text, INDENT)]
    lines += [(line, "green" if not order["problems"] else "red") for line in _wrap(check, INDENT)]
    return lines


def report_lines(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The whole printed report as (line, style) pairs."""
    lines: list[tuple[str, str]] = [("A day of the shop: SalesDrive ↔ UTP", "bold underline"), ("", "")]
    for order in report["orders"]:
        lines += order_block(order)
        lines.append(("", ""))
    lines.append(("Totals", "bold underline"))
    for name, value in report["totals"].items():
        lines.append((f"{INDENT}{name.replace('_', ' '):40} {value}", ""))
    verdict, style = ("reconciled", "bold green") if report["reconciled"] else ("NOT reconciled", "bold red")
    lines.append((f"{verdict} in {report['elapsed_s']} s", style))
    lines += [(line, "") for line in _wrap(f"report: {report['report_path']}", "")]
    lines += [(line, "red") for problem in report["problems"] for line in _wrap(f"- {problem}", "  ")]
    return lines


def print_report(console: Console, report: dict[str, Any]) -> None:
    for line, style in report_lines(report):
        console.print(Text(line, style=style), soft_wrap=True)


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(
        text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ", break_long_words=True
    ) or [indent]
