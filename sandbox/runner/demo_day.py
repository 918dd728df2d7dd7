"""The demo's day of the shop: the orders it places (who buys, which statuses follow), what the demo
learns about each order on both sides, and the checks that decide whether UTP reconciles with SalesDrive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sandbox.runner.driver import (
    CANCELLED,
    COMPLETED,
    CONFIRMED,
    FOLLOW_UPS,
    RECEIPT,
    Utp,
    read_utp_side,
    receipts_sum,
)

RETURNING_PHONE = "+380671112233"  # UTP's seed has a counterparty with the phone "067 111-22-33"
RETURNING_NAME = "ТОВ Сервіс-Центр Гарант"

# Webhook faults for the day: a fixed seed gives the same duplicates and reorderings on every run.
WEBHOOK_FAULTS = {
    "webhook_duplicate_rate": 0.35,
    "webhook_reorder_rate": 0.3,
    "webhook_reorder_max_hold_s": 1.0,
    "random_seed": 7,
}


@dataclass
class PlannedOrder:
    key: str
    first_name: str
    last_name: str
    phone: str
    email: str
    statuses: list[int]  # applied in turn; the last one decides the documents expected
    customer: str  # "new", "returning" (UTP's seeded counterparty) or "same as <key>"
    lines: int = 1
    # The scheduled jobs' part: the order's webhook is lost on purpose (the catch-up sweep must find it);
    # payments made for it in SalesDrive (amounts, "rest" = what is left to pay); a status a person sets
    # in UTP (by its SalesDrive id).
    lose_webhook: bool = False
    payments: list[str] = field(default_factory=list)
    status_in_utp: int | None = None


DAY = [
    PlannedOrder(
        "A",
        "Олена",
        "Коваленко",
        "+38 (097) 555-44-33",
        "olena.k@example.com",
        [COMPLETED],
        "new",
        payments=["rest"],
    ),
    PlannedOrder("B", "Андрій", "Мельник", "+380501234501", "", [], "new", lines=2, status_in_utp=CONFIRMED),
    PlannedOrder("C", "Гарант", "", RETURNING_PHONE, "", [COMPLETED], "returning"),
    PlannedOrder("D", "Тарас", "Бондар", "+380931234502", "taras@example.com", [CANCELLED], "new"),
    PlannedOrder("E", "Олена", "Коваленко", "097 555 44 33", "", [COMPLETED, CANCELLED], "same as A"),
    PlannedOrder(
        "F",
        "Ірина",
        "Шевченко",
        "+380661234503",
        "",
        [COMPLETED],
        "new",
        lines=2,
        payments=["100.00", "rest"],
    ),
    PlannedOrder("G", "Сервіс", "Гарант", "0671112233", "", [], "returning"),
    PlannedOrder("H", "Марія", "Ткачук", "+380681234504", "maria.t@example.com", [COMPLETED], "new"),
    PlannedOrder("I", "Остап", "Гнатюк", "+380731234505", "", [], "new", lose_webhook=True),
]
PLANS = {p.key: p for p in DAY}


@dataclass
class OrderFacts:
    key: str
    salesdrive_id: int
    customer: str
    phone: str
    customer_kind: str
    statuses: list[int]
    status_id: int | None = None
    status_name: str = ""
    expected: dict[str, int] = field(default_factory=dict)
    utp_orders: int = 0
    utp_number: str | None = None
    utp_ref: str | None = None
    posted: bool = False
    counterparty_ref: str | None = None
    counterparty: str | None = None
    documents: dict[str, int] = field(default_factory=dict)
    documents_posted: dict[str, bool] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # The scheduled jobs' part.
    webhook_lost: bool = False
    in_utp_before_sweep: int | None = None
    recovered_by_sweep: bool = False
    paid: list[str] = field(default_factory=list)  # amounts paid in SalesDrive
    receipts: int = 0
    receipts_posted: bool = True
    receipts_sum: str = "0"
    utp_status_set: str | None = None  # the text a person wrote into UTP
    utp_status_now: str | None = None  # the text UTP holds at the end
    pushed_status: int | None = None  # what the reconciler pushed to SalesDrive
    echoes_delivered: int = 0  # status_change webhooks of the push that reached the bridge


def order_body(plan: PlannedOrder, skus: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "fName": plan.first_name,
        "lName": plan.last_name,
        "phone": plan.phone,
        "products": [
            {"id": sku, "sku": sku, "name": f"Запчастина {sku}", "costPerItem": 250 + 50 * i, "amount": i + 1}
            for i, sku in enumerate(skus)
        ],
        "sajt": "spares.example",
        "utmSource": "demo",
    }
    if plan.email:
        body["email"] = plan.email
    return body


def observe(utp: Utp, facts: OrderFacts) -> None:
    """Refresh what UTP holds for one order."""
    side = read_utp_side(utp, facts.salesdrive_id)
    facts.utp_orders = side.orders
    if not side.orders:
        return
    facts.utp_ref = side.ref
    facts.utp_number = side.number
    facts.posted = side.posted
    facts.counterparty_ref = side.counterparty_ref
    for entity in FOLLOW_UPS:
        docs = side.documents[entity]
        facts.documents[entity] = len(docs)
        facts.documents_posted[entity] = all(bool(d.get("Posted")) for d in docs)


def observe_jobs(utp: Utp, f: OrderFacts, status_property: str | None) -> None:
    """Refresh the cash receipts of an order and, where a person set it, its status text in UTP."""
    if not f.utp_ref:
        return
    if f.paid:
        receipts = utp.documents_of(RECEIPT, f.utp_ref)
        f.receipts = len(receipts)
        f.receipts_posted = all(bool(r.get("Posted")) for r in receipts)
        f.receipts_sum = receipts_sum(receipts)
    if f.utp_status_set is not None and status_property:
        f.utp_status_now = utp.order_property(f.utp_ref, status_property)


def echoes(log: list[dict[str, Any]], f: OrderFacts) -> int:
    """status_change webhooks of the status the reconciler pushed that reached the bridge."""
    return sum(
        1
        for e in log
        if e.get("order_id") == f.salesdrive_id
        and e.get("event") == "status_change"
        and e.get("status_id") == f.pushed_status
        and e.get("outcome") == "delivered"
    )


def scheduled_job_problems(f: OrderFacts, plan: PlannedOrder) -> list[str]:
    """The catch-up sweep, the payment importer and the status reconciler, as they concern one order."""
    problems: list[str] = []
    if plan.lose_webhook:
        if not f.webhook_lost:
            problems.append("its webhook was meant to be lost but SalesDrive delivered it")
        elif f.in_utp_before_sweep:
            problems.append("in UTP before the catch-up sweep although its webhook was lost")
        elif not f.recovered_by_sweep:
            problems.append("the catch-up sweep did not send the order whose webhook was lost")
    if plan.payments:
        paid = sum((Decimal(a) for a in f.paid), Decimal(0))
        if f.receipts != len(plan.payments):
            problems.append(f"{f.receipts} cash receipts in UTP (expected {len(plan.payments)})")
        elif not f.receipts_posted:
            problems.append("a cash receipt is not posted")
        elif Decimal(f.receipts_sum) != paid:
            problems.append(f"cash receipts sum to {f.receipts_sum}, SalesDrive has {paid} paid")
    if plan.status_in_utp is not None:
        if f.pushed_status != plan.status_in_utp:
            problems.append(f"the reconciler pushed {f.pushed_status}, UTP says {plan.status_in_utp}")
        elif f.utp_status_now != f.utp_status_set:
            problems.append(
                f"UTP's status became {f.utp_status_now!r}, the person wrote {f.utp_status_set!r}"
            )
    return problems


def _customer_problems(f: OrderFacts, by_key: dict[str, OrderFacts], returning_ref: str | None) -> list[str]:
    problems: list[str] = []
    if f.customer_kind == "returning" and f.counterparty_ref != returning_ref:
        problems.append("the returning customer got another counterparty")
    if f.customer_kind.startswith("same as "):
        first = by_key[f.customer_kind.removeprefix("same as ")]
        if f.counterparty_ref != first.counterparty_ref:
            problems.append(f"a second counterparty for the customer of order {first.key}")
    if f.customer_kind == "new" and f.counterparty_ref == returning_ref:
        problems.append("a new customer was put on the returning customer's counterparty")
    return problems


def check(facts: list[OrderFacts], returning_ref: str | None, *, with_jobs: bool = True) -> None:
    """Set each order's problems from what was last observed (``with_jobs``: the scheduled jobs' too)."""
    by_key = {f.key: f for f in facts}
    for f in facts:
        problems: list[str] = []
        if f.utp_orders != 1:
            problems.append(f"{f.utp_orders} sales orders in UTP (expected 1)")
        elif not f.posted:
            problems.append("the sales order is not posted")
        for entity, want in f.expected.items():
            have = f.documents.get(entity, 0)
            if have != want:
                problems.append(f"{have} × {entity} (expected {want})")
            elif have and not f.documents_posted.get(entity, False):
                problems.append(f"{entity} not posted")
        if f.utp_orders == 1:
            problems.extend(_customer_problems(f, by_key, returning_ref))
        if with_jobs and f.key in PLANS:
            problems.extend(scheduled_job_problems(f, PLANS[f.key]))
        f.problems = problems


def out_of_order(log: list[dict[str, Any]]) -> int:
    """Webhooks that reached the bridge after a newer version of the same order (duplicates included)."""
    newest: dict[Any, int] = {}
    late = 0
    for entry in log:
        if entry.get("outcome") != "delivered":
            continue
        order, version = entry.get("order_id"), int(entry.get("version") or 0)
        if version < newest.get(order, 0):
            late += 1
        newest[order] = max(newest.get(order, 0), version)
    return late
