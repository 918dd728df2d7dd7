"""The demo's look at what managers see of the accounting in SalesDrive.

For each order of the day the bridge writes its accounting state into the order's custom field (the
sandbox's settings name the seeded field ``stanVObliku``): the UTP order's number and date, then the
invoice, closure and return note numbers; for an order it had to park, why, in a manager's words. The
demo places one such order (a SKU UTP does not have), makes SalesDrive answer every edit with a
webhook (the echo the bridge must not answer with another write), and then reads SalesDrive.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Protocol

from rich.console import Console
from rich.table import Table

from sandbox.salesdrive.accounting_field import ACCOUNTING_STATE_CODE

UNKNOWN_SKU = "AB-12"
PARKED_TEXT = f"Parked: SKU {UNKNOWN_SKU} is not in UTP"


class _SalesDrive(Protocol):
    def configure(self, **changes: Any) -> dict[str, Any]: ...

    def place(self, body: dict[str, Any]) -> int: ...

    def order(self, order_id: int) -> dict[str, Any]: ...


class _Facts(Protocol):
    key: str
    salesdrive_id: int
    utp_number: str | None
    documents: dict[str, int]


def start(crm: _SalesDrive) -> int:
    """Every effective edit sends a webhook (so the bridge's own write comes back as an echo); an order
    with a SKU UTP does not know. Returns that order's SalesDrive id."""
    crm.configure(update_webhook="any")
    return crm.place(
        {
            "fName": "Богдан",
            "lName": "Кравець",
            "phone": "+380951234509",
            "products": [{"id": UNKNOWN_SKU, "sku": UNKNOWN_SKU, "name": "Ущільнювач дверцят", "amount": 1}],
        }
    )


def expected_start(f: _Facts) -> str | None:
    return f"UTP order {f.utp_number} of " if f.utp_number else None


def _problem(text: str | None, f: _Facts | None, labels: dict[str, str]) -> str | None:
    if f is None:
        return None if text == PARKED_TEXT else f"SalesDrive shows {text!r}, expected {PARKED_TEXT!r}"
    start = expected_start(f)
    if start is None:
        return "not in UTP"
    if not text or not text.startswith(start):
        return f"SalesDrive shows {text!r}, expected it to start with {start!r}"
    for entity, label in labels.items():
        if bool(f.documents.get(entity)) != (f"; {label} " in text):
            wrong = "missing" if f.documents.get(entity) else "extra"
            return f"SalesDrive shows {text!r}: the {label} is {wrong}"
    return None


def observe(
    crm: _SalesDrive, facts: Sequence[_Facts], parked_id: int, labels: dict[str, str], timeout_s: float
) -> dict[str, Any]:
    """What SalesDrive holds in the field of every order (waiting up to ``timeout_s`` for the last
    writes), each checked against what UTP holds."""
    deadline = time.monotonic() + timeout_s
    while True:
        rows: list[dict[str, Any]] = []
        for f in [*facts, None]:
            order_id = f.salesdrive_id if f is not None else parked_id
            text = (crm.order(order_id).get("custom") or {}).get(ACCOUNTING_STATE_CODE)
            rows.append(
                {
                    "key": f.key if f is not None else "P",
                    "salesdrive_id": order_id,
                    "field": text,
                    "problem": _problem(text, f, labels),
                }
            )
        if all(r["problem"] is None for r in rows) or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    problems = [
        f"order {r['key']} (SalesDrive {r['salesdrive_id']}): {r['problem']}" for r in rows if r["problem"]
    ]
    return {"field": ACCOUNTING_STATE_CODE, "orders": rows, "problems": problems}


def print_table(console: Console, seen: dict[str, Any]) -> None:
    table = Table(title=f"What managers see in SalesDrive (custom field {seen['field']})")
    for column in ("#", "SalesDrive id", "accounting state", "check"):
        table.add_column(column)
    for row in seen["orders"]:
        check = "[green]ok[/]" if row["problem"] is None else f"[red]{row['problem']}[/]"
        table.add_row(row["key"], str(row["salesdrive_id"]), str(row["field"] or "—"), check)
    console.print(table)
