"""``make demo``: a scripted day of the shop against the running sandbox, then a reconciliation.

Everything goes over HTTP, the way a person would see it: orders are placed through SalesDrive's
``/handler/`` and moved through ``/api/order/update/``; what the bridge made of them is read from UTP's
OData (never from the bridge's own records). Webhooks are duplicated and reordered on purpose.

The day: eight orders from new customers, a returning customer (the one UTP already knows by the phone
"067 111-22-33") and a new customer who comes back; some are sold (status 5), one is refused before
shipment (6: the order is closed), one is sold and then refused (5, then 6: a return note), two stay new.
Then the scheduled jobs of issue 6, each fired once through the stack's scheduler (as EventBridge would):

- a ninth order ("I") whose ``new_order`` webhook SalesDrive loses on purpose (a loss rate of 1 for that
  one order, through ``/__emulator__/config``): it is not in UTP until the catch-up sweep finds it;
- payments (``POST /api/payment/``): order A paid in full, order F in two parts (a partial payment and
  the rest): the payment importer makes one posted cash receipt (``ПриходныйКассовыйОрдер``) per payment
  with the order as ``Сделка`` of its payment line;
- a person changes order B's status in UTP (the property "SalesDrive: статус", written through UTP's
  OData): the status reconciler pushes it to SalesDrive, and SalesDrive's ``status_change`` webhook of
  that push (the echo) is ignored: UTP keeps the person's text.

The report (a table per order, totals) is printed and written to ``<state dir>/report.json``; the exit
code is 0 only if every order and document the statuses call for exists in UTP exactly once and posted,
no customer was duplicated, the lost order was recovered by the sweep, every payment became exactly one
posted receipt of its amount, and the status set in UTP shows in SalesDrive with UTP's text unchanged.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from rich.console import Console
from rich.table import Table

from sandbox.runner import demo_accounting
from sandbox.runner.catalog_steps import run_catalog_steps

ORDER = "Document_ЗаказПокупателя"
INVOICE = "Document_РеализацияТоваровУслуг"
CLOSURE = "Document_ЗакрытиеЗаказовПокупателей"
RETURN = "Document_ВозвратТоваровОтПокупателя"
RECEIPT = "Document_ПриходныйКассовыйОрдер"
PROPERTIES = "ChartOfCharacteristicTypes_СвойстваОбъектов"
PROPERTY_VALUES = "InformationRegister_ЗначенияСвойствОбъектов"
STATUS_PROPERTY = "SalesDrive: статус"  # the bridge's default order_status_property
COUNTERPARTIES = "Catalog_Контрагенты"
PRODUCTS = "Catalog_Номенклатура"

COMPLETED, CANCELLED = 5, 6  # "Продаж" (type sale) and "Відмова" (type refusal) in the emulator's base
CONFIRMED = 2  # "Підтверджено" (type "in progress"): what a person sets in UTP for order B
RETURNING_PHONE = "+380671112233"  # UTP's seed has a counterparty with the phone "067 111-22-33"

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
    # Issue 6: the webhook of the order is lost on purpose; payments made for it in SalesDrive (amounts,
    # "rest" = what is left to pay); a status a person sets in UTP (by its SalesDrive id).
    lose_webhook: bool = False
    payments: list[str] = field(default_factory=list)
    status_in_utp: int | None = None


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
    # Issue 6.
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


def expected_documents(statuses: list[int]) -> dict[str, int]:
    """What UTP must hold for an order that went through these statuses (each at most once)."""
    invoice = closure = ret = 0
    for status in statuses:
        if status == COMPLETED:
            invoice = 1
        elif status == CANCELLED:
            if invoice:
                ret = 1
            else:
                closure = 1
    return {INVOICE: invoice, CLOSURE: closure, RETURN: ret}


class Utp:
    """Plain OData reads against UTP (spaces as %20: 1C refuses "+")."""

    def __init__(self, root: str, auth: tuple[str, str]) -> None:
        self.root = root.rstrip("/")
        self.http = httpx.Client(auth=auth, timeout=10)

    def rows(self, entity: str, flt: str | None = None, extra: str = "") -> list[dict[str, Any]]:
        url = f"{self.root}/{quote(entity)}?$format=json"
        if flt:
            url += f"&$filter={quote(flt, safe='')}"
        answer = self.http.get(url + extra)
        answer.raise_for_status()
        return list(answer.json()["value"])

    def count(self, entity: str) -> int:
        answer = self.http.get(f"{self.root}/{quote(entity)}/$count")
        answer.raise_for_status()
        return int(answer.text.strip())

    def orders_with_marker(self, order_id: int) -> list[dict[str, Any]]:
        rows = self.rows(ORDER, f"НомерВходящегоДокументаЭлектронногоОбмена eq 'SD-{order_id}'")
        return [r for r in rows if not r.get("DeletionMark")]

    def documents_of(self, entity: str, order_ref: str) -> list[dict[str, Any]]:
        the_order = f"cast(guid'{order_ref}','{ORDER}')"
        flt = (
            f"Заказы/any(z: z/ЗаказПокупателя eq {the_order})"
            if entity == CLOSURE
            else f"Сделка eq {the_order}"
        )
        return [r for r in self.rows(entity, flt) if not r.get("DeletionMark")]

    def counterparty(self, ref: str) -> dict[str, Any] | None:
        rows = self.rows(COUNTERPARTIES, f"Ref_Key eq guid'{ref}'")
        return rows[0] if rows else None

    def receipts_of(self, order_ref: str) -> list[dict[str, Any]]:
        """Cash receipts whose payment lines have the order as ``Сделка``."""
        flt = f"РасшифровкаПлатежа/any(r: r/Сделка eq cast(guid'{order_ref}','{ORDER}'))"
        return [r for r in self.rows(RECEIPT, flt) if not r.get("DeletionMark")]

    def property_key(self, name: str) -> str:
        rows = self.rows(PROPERTIES, f"Description eq '{name}'")
        if not rows:
            raise RuntimeError(f"UTP has no additional property {name!r}")
        return str(rows[0]["Ref_Key"])

    def _value_key(self, order_ref: str, prop: str) -> str:
        key = f"Объект=cast(guid'{order_ref}','{ORDER}'),Свойство_Key=guid'{prop}'"
        encoded = quote(key, safe="'=,")
        return f"{self.root}/{quote(PROPERTY_VALUES)}({encoded})?$format=json"

    def order_property(self, order_ref: str, prop: str) -> str | None:
        answer = self.http.get(self._value_key(order_ref, prop))
        if answer.status_code == 404:
            return None
        answer.raise_for_status()
        value = answer.json().get("Значение")
        return str(value) if value not in (None, "") else None

    def set_order_property(self, order_ref: str, prop: str, text: str) -> None:
        """What an accountant does in 1C: write the value; PATCH the record when it exists."""
        value = {"Значение": text, "Значение_Type": "Edm.String"}
        body = {"Объект": order_ref, "Объект_Type": f"StandardODATA.{ORDER}", "Свойство_Key": prop, **value}
        answer = self.http.post(f"{self.root}/{quote(PROPERTY_VALUES)}?$format=json", json=body)
        if answer.status_code == 400:  # the record exists (1C: duplicate key)
            answer = self.http.patch(self._value_key(order_ref, prop), json=value)
        answer.raise_for_status()

    def close(self) -> None:
        self.http.close()


class SalesDrive:
    def __init__(self, url: str, api_key: str) -> None:
        self.url = url.rstrip("/")
        self.http = httpx.Client(headers={"X-Api-Key": api_key}, timeout=10)

    def configure(self, **changes: Any) -> dict[str, Any]:
        answer = self.http.post(f"{self.url}/__emulator__/config", json=changes)
        answer.raise_for_status()
        return dict(answer.json())

    def place(self, body: dict[str, Any]) -> int:
        answer = self.http.post(f"{self.url}/handler/", json={"getResultData": 1, **body})
        answer.raise_for_status()
        return int(answer.json()["data"]["orderId"])

    def set_status(self, order_id: int, status_id: int) -> None:
        answer = self.http.post(
            f"{self.url}/api/order/update/", json={"id": order_id, "data": {"statusId": status_id}}
        )
        answer.raise_for_status()
        if not answer.json().get("success"):
            raise RuntimeError(f"SalesDrive refused status {status_id} for order {order_id}: {answer.text}")

    def statuses(self) -> dict[int, str]:
        answer = self.http.get(f"{self.url}/api/statuses/")
        answer.raise_for_status()
        return {int(s["id"]): str(s["name"]) for s in answer.json()["data"]}

    def order(self, order_id: int) -> dict[str, Any]:
        answer = self.http.get(f"{self.url}/__emulator__/orders/{order_id}")
        answer.raise_for_status()
        return dict(answer.json())

    def pay(self, order_id: int, amount: str, *, description: str = "demo") -> int:
        answer = self.http.post(
            f"{self.url}/api/payment/",
            json={
                "sum": amount,
                "orderId": order_id,
                "description": description,
                "counterpartyName": "Покупець",
            },
        )
        answer.raise_for_status()
        return int(answer.json()["data"]["paymentId"])

    def webhook_log(self) -> list[dict[str, Any]]:
        answer = self.http.get(f"{self.url}/__emulator__/webhook-log")
        answer.raise_for_status()
        return list(answer.json()["log"])

    def close(self) -> None:
        self.http.close()


def _skus(utp: Utp, wanted: int) -> list[str]:
    products = utp.rows(PRODUCTS, "Услуга eq false and IsFolder eq false", "&$top=20")
    skus = [str(p["Артикул"]) for p in products if p.get("Артикул")]
    if not skus:
        raise RuntimeError("the UTP emulator has no goods with a SKU")
    return [skus[i % len(skus)] for i in range(wanted)]


def _order_body(plan: PlannedOrder, skus: list[str]) -> dict[str, Any]:
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


def _observe(utp: Utp, facts: OrderFacts) -> None:
    """Refresh what UTP holds for one order."""
    orders = utp.orders_with_marker(facts.salesdrive_id)
    facts.utp_orders = len(orders)
    if not orders:
        return
    order = orders[0]
    facts.utp_ref = str(order["Ref_Key"])
    facts.utp_number = str(order.get("Number") or "").strip() or None
    facts.posted = bool(order.get("Posted"))
    facts.counterparty_ref = order.get("Контрагент_Key")
    for entity in (INVOICE, CLOSURE, RETURN):
        docs = utp.documents_of(entity, facts.utp_ref)
        facts.documents[entity] = len(docs)
        facts.documents_posted[entity] = all(bool(d.get("Posted")) for d in docs)


def _money(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01")))


def _observe_issue6(utp: Utp, f: OrderFacts, status_property: str | None) -> None:
    """Refresh the cash receipts of an order and, where a person set it, its status text in UTP."""
    if not f.utp_ref:
        return
    if f.paid:
        receipts = utp.receipts_of(f.utp_ref)
        f.receipts = len(receipts)
        f.receipts_posted = all(bool(r.get("Posted")) for r in receipts)
        f.receipts_sum = _money(
            sum((Decimal(str(r.get("СуммаДокумента") or 0)) for r in receipts), Decimal(0))
        )
    if f.utp_status_set is not None and status_property:
        f.utp_status_now = utp.order_property(f.utp_ref, status_property)


def _echoes(log: list[dict[str, Any]], f: OrderFacts) -> int:
    """status_change webhooks of the status the reconciler pushed that reached the bridge."""
    return sum(
        1
        for e in log
        if e.get("order_id") == f.salesdrive_id
        and e.get("event") == "status_change"
        and e.get("status_id") == f.pushed_status
        and e.get("outcome") == "delivered"
    )


def _issue6_problems(f: OrderFacts, plan: PlannedOrder) -> list[str]:
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


def _check(facts: list[OrderFacts], returning_ref: str | None, *, issue6: bool = True) -> None:
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
            if f.customer_kind == "returning" and f.counterparty_ref != returning_ref:
                problems.append("the returning customer got another counterparty")
            if f.customer_kind.startswith("same as "):
                first = by_key[f.customer_kind.removeprefix("same as ")]
                if f.counterparty_ref != first.counterparty_ref:
                    problems.append(f"a second counterparty for the customer of order {first.key}")
            if f.customer_kind == "new" and f.counterparty_ref == returning_ref:
                problems.append("a new customer was put on the returning customer's counterparty")
        by_plan = {p.key: p for p in DAY}
        if issue6 and f.key in by_plan:
            problems.extend(_issue6_problems(f, by_plan[f.key]))
        f.problems = problems


def _out_of_order(log: list[dict[str, Any]]) -> int:
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


def _wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return bool(predicate())


def _doc_label(f: OrderFacts, entity: str) -> str:
    want, have = f.expected.get(entity, 0), f.documents.get(entity, 0)
    if not want and not have:
        return "—"
    text = f"{have}/{want}"
    return f"[green]{text}[/]" if want == have else f"[red]{text}[/]"


def _utp_label(f: OrderFacts) -> str:
    if f.utp_orders == 0:
        return "[red]missing[/]"
    label = f.utp_number or "?"
    return label if f.utp_orders == 1 else f"[red]{label} ×{f.utp_orders}[/]"


def _receipts_label(f: OrderFacts) -> str:
    if not f.paid:
        return "—"
    text = f"{f.receipts}/{len(f.paid)} ({f.receipts_sum} of {' + '.join(f.paid)})"
    return f"[green]{text}[/]" if f.receipts == len(f.paid) else f"[red]{text}[/]"


def _issue6_label(f: OrderFacts) -> str:
    notes = []
    if f.webhook_lost:
        notes.append(
            "webhook lost → " + ("recovered by the sweep" if f.recovered_by_sweep else "[red]NOT swept[/]")
        )
    if f.utp_status_set is not None:
        notes.append(
            f"UTP: {f.utp_status_set!r} → SalesDrive [{f.pushed_status}], "
            f"echo ×{f.echoes_delivered} ignored (UTP: {f.utp_status_now!r})"
        )
    return "; ".join(notes) or "—"


def _print_report(console: Console, report: dict[str, Any], facts: list[OrderFacts]) -> None:
    table = Table(title="A day of the shop: SalesDrive ↔ UTP", show_lines=False)
    for column in (
        "#",
        "SalesDrive id",
        "status",
        "customer",
        "UTP order",
        "posted",
        "counterparty",
        "invoice",
        "closure",
        "return",
        "receipts",
        "issue 6",
        "check",
    ):
        table.add_column(column)
    for f in facts:
        table.add_row(
            f.key,
            str(f.salesdrive_id),
            f"{f.status_name} [{f.status_id}]" + (" (5→6)" if len(f.statuses) > 1 else ""),
            f"{f.customer} ({f.customer_kind})",
            _utp_label(f),
            "[green]yes[/]" if f.posted else "[red]no[/]",
            f.counterparty or "—",
            _doc_label(f, INVOICE),
            _doc_label(f, CLOSURE),
            _doc_label(f, RETURN),
            _receipts_label(f),
            _issue6_label(f),
            "[green]ok[/]" if not f.problems else "[red]" + "; ".join(f.problems) + "[/]",
        )
    console.print(table)
    totals = report["totals"]
    summary = Table(title="Totals", show_header=False)
    summary.add_column("what")
    summary.add_column("value")
    for name, value in totals.items():
        summary.add_row(name.replace("_", " "), str(value))
    console.print(summary)
    verdict = "[bold green]reconciled[/]" if report["reconciled"] else "[bold red]NOT reconciled[/]"
    console.print(f"{verdict} in {report['elapsed_s']} s; report: {report['report_path']}")
    for problem in report["problems"]:
        console.print(f"[red]- {problem}[/]")


def run_demo(stack: Any, *, timeout_s: float = 45.0, console: Console | None = None) -> int:
    """Play the day against a started sandbox stack; 0 if UTP reconciles with SalesDrive, else 1."""
    if console is None:
        console = Console()
        if not console.is_terminal:  # piped or captured: rich would fold the table into 80 columns
            console = Console(width=160)
    started = time.monotonic()
    endpoints = stack.endpoints
    utp = Utp(endpoints["utp_odata_url"], (endpoints["utp_user"], endpoints["utp_password"]))
    crm = SalesDrive(endpoints["salesdrive_url"], endpoints["salesdrive_api_key"])
    try:
        return _run(stack, utp, crm, console, started, timeout_s)
    finally:
        utp.close()
        crm.close()


def _run(stack: Any, utp: Utp, crm: SalesDrive, console: Console, started: float, timeout_s: float) -> int:
    deadline = started + timeout_s
    crm.configure(**WEBHOOK_FAULTS, webhook_loss_rate=0.0)
    log_before = len(crm.webhook_log())
    status_names = crm.statuses()
    returning = utp.rows(COUNTERPARTIES, "Description eq 'ТОВ Сервіс-Центр Гарант'")
    returning_ref = str(returning[0]["Ref_Key"]) if returning else None
    counterparties_before = utp.count(COUNTERPARTIES)
    status_property = utp.property_key(STATUS_PROPERTY)
    skus = _skus(utp, sum(p.lines for p in DAY))
    parked_id = demo_accounting.start(crm)  # an order UTP cannot take, and SalesDrive's echo webhooks

    # The day: orders come in and the managers move them at once (without waiting for the bridge), so a
    # held-back webhook of an order can reach the bridge after that order's next one.
    console.print(
        f"[bold]Placing {len(DAY)} orders through SalesDrive[/] (webhooks duplicated and reordered,"
        " one lost on purpose)"
    )
    facts: list[OrderFacts] = []
    pending: list[tuple[OrderFacts, list[int]]] = []
    offset = 0
    for plan in DAY:
        if plan.lose_webhook:
            crm.configure(webhook_loss_rate=1.0)  # this order's webhook only
        try:
            order_id = crm.place(_order_body(plan, skus[offset : offset + plan.lines]))
        finally:
            if plan.lose_webhook:
                crm.configure(webhook_loss_rate=0.0)
        offset += plan.lines
        f = OrderFacts(
            key=plan.key,
            salesdrive_id=order_id,
            customer=" ".join(p for p in (plan.last_name, plan.first_name) if p),
            phone=plan.phone,
            customer_kind=plan.customer,
            statuses=list(plan.statuses),
            expected=expected_documents(plan.statuses),
        )
        facts.append(f)
        if plan.statuses:
            crm.set_status(order_id, plan.statuses[0])
        if len(plan.statuses) > 1:
            pending.append((f, plan.statuses[1:]))
    log = crm.webhook_log()[log_before:]
    for f in facts:
        f.webhook_lost = any(e["order_id"] == f.salesdrive_id and e["outcome"] == "lost" for e in log)

    # After shipment: a customer brings the goods back (the invoice must exist first).
    for f, later in pending:

        def shipped(f: OrderFacts = f) -> bool:
            _observe(utp, f)
            return f.documents.get(INVOICE, 0) > 0

        if not _wait_for(shipped, max(1.0, deadline - time.monotonic())):
            f.problems.append("never shipped in UTP, so the refusal was not sent")
            break
        for status in later:
            crm.set_status(f.salesdrive_id, status)
    console.print("[bold]Statuses changed[/]; waiting for the bridge to settle")

    def settled(*, day_only: bool = False) -> bool:
        for f in facts:
            _observe(utp, f)
            _observe_issue6(utp, f, status_property)
        _check(facts, returning_ref, issue6=not day_only)
        if day_only:  # the orders the webhooks carried; before payments and UTP's status change
            plans = {p.key: p for p in DAY}
            return all(not f.problems for f in facts if not plans[f.key].lose_webhook)
        return all(not f.problems for f in facts)

    _wait_for(lambda: settled(day_only=True), max(1.0, deadline - time.monotonic()))

    # Issue 6, 1: the order whose webhook was lost is not in UTP; the catch-up sweep finds it.
    lost = [f for f in facts if f.webhook_lost]
    for f in lost:
        _observe(utp, f)
        f.in_utp_before_sweep = f.utp_orders
    console.print(f"[bold]Catch-up sweep[/] (orders whose webhook was lost: {[f.key for f in lost]})")
    sweep = stack.fire_schedule("CatchUpSweepFunction")
    swept = set(sweep.result.get("sent") or []) if sweep.ok and isinstance(sweep.result, dict) else set()
    for f in lost:
        f.recovered_by_sweep = f.salesdrive_id in swept

    # Issue 6, 2: payments in SalesDrive, partial and full; the payment importer makes cash receipts.
    for plan, f in zip(DAY, facts, strict=True):
        for amount in plan.payments:
            if amount == "rest":
                total = Decimal(str(crm.order(f.salesdrive_id)["totals"]["paymentAmount"]))
                amount = str(
                    (total - sum((Decimal(a) for a in f.paid), Decimal(0))).quantize(Decimal("0.01"))
                )
            crm.pay(f.salesdrive_id, amount)
            f.paid.append(amount)
    console.print("[bold]Payment importer[/] (a full payment for A, a partial one and the rest for F)")
    payments = stack.fire_schedule("PaymentImporterFunction")

    # Issue 6, 3: a person sets a status in UTP; the status reconciler pushes it to SalesDrive.
    for plan, f in zip(DAY, facts, strict=True):
        if plan.status_in_utp is not None and f.utp_ref:
            f.utp_status_set = status_names[plan.status_in_utp]
            utp.set_order_property(f.utp_ref, status_property, f.utp_status_set)
    console.print("[bold]Status reconciler[/] (a status a person set in UTP)")
    reconcile = stack.fire_schedule("StatusReconcilerFunction")
    pushed = reconcile.result.get("pushed") if reconcile.ok and isinstance(reconcile.result, dict) else None
    for f in facts:
        value = (pushed or {}).get(str(f.salesdrive_id))
        f.pushed_status = int(value) if value is not None else None

    def echoed() -> bool:
        log = crm.webhook_log()[log_before:]
        for f in facts:
            if f.pushed_status is not None:
                f.echoes_delivered = _echoes(log, f)
        return all(f.echoes_delivered for f in facts if f.pushed_status is not None)

    _wait_for(lambda: echoed() and settled(), max(1.0, deadline - time.monotonic()))
    try:
        stack.wait_until_idle(timeout=max(5.0, deadline - time.monotonic()))
        idle = True
    except TimeoutError:
        idle = False
    echoed()
    settled()  # final look, after idle: a late duplicate or a bounced echo would show up now

    for f in facts:
        order = crm.order(f.salesdrive_id)
        f.status_id = int(order["statusId"]) if order.get("statusId") is not None else None
        f.status_name = status_names.get(f.status_id or -1, "?")
        if f.counterparty_ref:
            row = utp.counterparty(f.counterparty_ref)
            f.counterparty = str(row["Description"]) if row else f"? {f.counterparty_ref}"
        if f.status_id != (f.statuses[-1] if f.statuses else f.status_id):
            f.problems.append(f"SalesDrive shows status {f.status_id}, the day set {f.statuses[-1]}")
        if f.pushed_status is not None:
            if f.status_id != f.pushed_status:
                f.problems.append(
                    f"SalesDrive shows status {f.status_id}, UTP's {f.pushed_status} was pushed"
                )
            if not f.echoes_delivered:
                f.problems.append("the echo webhook of the pushed status never reached the bridge")
    # Issue 5: the catalog's day (SKU matching, a full push, a price set, a goods receipt, a new product,
    # a reservation), each change seen arriving in SalesDrive.
    labels = {INVOICE: "invoice", CLOSURE: "closed by", RETURN: "return note"}
    accounting = demo_accounting.observe(
        crm, facts, parked_id, labels, timeout_s=max(5.0, deadline - time.monotonic())
    )
    # The watcher polls every 10 s, the queue gathers 5 s: a change shows within ≈ 20 s.
    catalog = run_catalog_steps(stack, console, timeout_s=max(30.0, min(45.0, deadline - time.monotonic())))
    job_problems = [
        f"the {name} failed: {run.error}"
        for name, run in (
            ("catch-up sweep", sweep),
            ("payment importer", payments),
            ("reconciler", reconcile),
        )
        if not run.ok
    ]

    counterparties_after = utp.count(COUNTERPARTIES)
    new_customers = len({f.customer for f in facts if f.customer_kind == "new"})
    problems = [f"order {f.key} (SalesDrive {f.salesdrive_id}): {p}" for f in facts for p in f.problems]
    problems.extend(job_problems)
    problems.extend(catalog["problems"])
    problems.extend(accounting["problems"])
    if returning_ref is None:
        problems.append("UTP has no seeded counterparty for the returning customer")
    if counterparties_after - counterparties_before != new_customers:
        problems.append(
            f"{counterparties_after - counterparties_before} counterparties created, expected {new_customers}"
        )
    if not idle:
        problems.append("the sandbox did not become idle")

    log = crm.webhook_log()[log_before:]
    invocations = stack.invocations()
    jobs = {"catch_up_sweep": sweep, "payment_importer": payments, "status_reconciler": reconcile}
    failed = [c for c in invocations if not c.ok]
    totals = {
        "orders": len(facts),
        "utp_sales_orders": sum(f.utp_orders for f in facts),
        "posted": sum(1 for f in facts if f.posted),
        "invoices": sum(f.documents.get(INVOICE, 0) for f in facts),
        "closures": sum(f.documents.get(CLOSURE, 0) for f in facts),
        "return_notes": sum(f.documents.get(RETURN, 0) for f in facts),
        "expected_invoices": sum(f.expected[INVOICE] for f in facts),
        "expected_closures": sum(f.expected[CLOSURE] for f in facts),
        "expected_return_notes": sum(f.expected[RETURN] for f in facts),
        "counterparties_created": counterparties_after - counterparties_before,
        "new_customers": new_customers,
        "webhooks_sent": len(log),
        "webhooks_duplicated": sum(1 for e in log if e.get("duplicate")),
        "webhooks_reordered": sum(1 for e in log if e.get("reordered")),
        "webhooks_behind_a_newer_version": _out_of_order(log),
        "webhooks_not_delivered": sum(1 for e in log if e.get("outcome") != "delivered"),
        "webhooks_lost_on_purpose": sum(1 for f in facts if f.webhook_lost),
        "recovered_by_sweep": sum(1 for f in facts if f.recovered_by_sweep),
        "payments": sum(len(f.paid) for f in facts),
        "paid": _money(sum((Decimal(a) for f in facts for a in f.paid), Decimal(0))),
        "cash_receipts": sum(f.receipts for f in facts),
        "cash_receipts_sum": _money(sum((Decimal(f.receipts_sum) for f in facts if f.paid), Decimal(0))),
        "statuses_set_in_utp": sum(1 for f in facts if f.utp_status_set is not None),
        "statuses_pushed_to_salesdrive": sum(1 for f in facts if f.pushed_status is not None),
        "echo_webhooks_ignored": sum(
            1
            for f in facts
            if f.echoes_delivered and f.utp_status_set is not None and f.utp_status_now == f.utp_status_set
        ),
        "handler_invocations": len(invocations),
        "handler_failures": len(failed),
    }
    reconciled = not problems
    state_dir = Path(stack.state_dir) if getattr(stack, "state_dir", None) else Path(".sandbox")
    report_path = state_dir / "report.json"
    report: dict[str, Any] = {
        "reconciled": reconciled,
        "elapsed_s": round(time.monotonic() - started, 1),
        "report_path": str(report_path),
        "totals": totals,
        "problems": problems,
        "orders": [
            {
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
            for f in facts
        ],
        "scheduled_jobs": {
            name: {"ok": run.ok, "result": run.result, "error": run.error} for name, run in jobs.items()
        },
        "catalog": catalog,
        "accounting_state": accounting,
        "handler_failures": [
            {"function": c.function, "source": c.source, "error": c.error} for c in failed[:20]
        ],
    }
    state_dir.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    _print_report(console, report, facts)
    demo_accounting.print_table(console, accounting)
    return 0 if reconciled else 1
