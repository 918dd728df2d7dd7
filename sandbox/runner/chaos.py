"""The chaos suite: many deals through the whole product under faults, then a reconciliation that reads
UTP and SalesDrive directly (never the bridge's own records).

Everything goes over HTTP against a started sandbox stack (``sandbox.runner.product.build_stack``): orders
are placed through SalesDrive's ``/handler/``, moved with ``/api/order/update/`` and paid with
``/api/payment/``; faults are switched on through the emulators' control endpoints; UTP is read by OData.
The sandbox never imports the product: the dead-letter queue and parked orders are read by running the
operator's tool (``python -m bridge_ops``) in a child process.

Faults, together, while the deals come in:

- SalesDrive webhooks duplicated, reordered, delayed and lost (``/__emulator__/config``); lost ones are
  recovered by the catch-up sweep;
- UTP answering 500 / 503 / timeout: one-shot faults (``/__emulator__/faults``, no match = the next
  request, whatever it is) pushed at a steady pace, so every fault injected is counted;
- crashes between a UTP write and its record: one-shot faults with ``phase: "after"`` on the creation of
  sales orders, their posting, counterparties, invoices, closures, return notes and cash receipts (the
  write happens, the answer is lost);
- a UTP outage: ``fault_rate`` 1.0 for ``outage_s`` seconds, then 0;
- SalesDrive throttling in both answer shapes: the driver spends the account's list quota (another
  integration of the same account), then fires the sweep (answer shape ``429``) and the payment importer
  (shape ``400``); the quota is given back with ``/__emulator__/counters/reset?limits=1``.

Then the faults stop and the system settles: the sweep, the parked-order replayer and the payment
importer are fired until nothing changes in UTP, and the stack is idle. The check: every order in UTP
exactly once and posted, every document its final status calls for exactly once and posted, the status in
UTP's property the one SalesDrive shows, every payment exactly one posted cash receipt of its amount, one
counterparty per customer, and the dead-letter queue empty or holding only messages with a stated reason.
Orders the bridge parked are reported with their reason; with transient faults only, none should remain.
"""

from __future__ import annotations

import contextlib
import json
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from sandbox.runner.demo import SalesDrive as DemoSalesDrive
from sandbox.salesdrive.odd_shapes import ALL_SHAPES
from sandbox.utp.app import OBSERVE_PREFIX

ORDER = "Document_ЗаказПокупателя"
INVOICE = "Document_РеализацияТоваровУслуг"
CLOSURE = "Document_ЗакрытиеЗаказовПокупателей"
RETURN = "Document_ВозвратТоваровОтПокупателя"
RECEIPT = "Document_ПриходныйКассовыйОрдер"
COUNTERPARTIES = "Catalog_Контрагенты"
PRODUCTS = "Catalog_Номенклатура"
PROPERTIES = "ChartOfCharacteristicTypes_СвойстваОбъектов"
PROPERTY_VALUES = "InformationRegister_ЗначенияСвойствОбъектов"
STATUS_PROPERTY = "SalesDrive: статус"
MARKER = "НомерВходящегоДокументаЭлектронногоОбмена"

CONFIRMED, COMPLETED, CANCELLED = 2, 5, 6  # the SalesDrive emulator's seeded statuses
# Status paths of a deal (applied in turn) and how often each is drawn.
PATHS: list[tuple[list[int], int]] = [
    ([], 2),
    ([CONFIRMED], 1),
    ([COMPLETED], 4),
    ([CANCELLED], 2),
    ([CONFIRMED, COMPLETED], 2),
    ([COMPLETED, CANCELLED], 2),
]
# Crashes between a UTP write and its record: (method, counter target) of writes the bridge makes.
CRASH_TARGETS = [
    ("POST", ORDER),
    ("POST", f"{ORDER}/Post"),
    ("POST", COUNTERPARTIES),
    ("POST", INVOICE),
    ("POST", CLOSURE),
    ("POST", RETURN),
    ("POST", RECEIPT),
]
SCHEDULES = ("CatchUpSweepFunction", "ParkedReplayerFunction", "PaymentImporterFunction")


@dataclass
class ChaosConfig:
    deals: int = 30
    seed: int = 7
    pace_s: float = 0.05  # between two deals placed
    # SalesDrive webhooks.
    webhook_duplicate_rate: float = 0.3
    webhook_reorder_rate: float = 0.3
    webhook_reorder_max_hold_s: float = 1.0
    webhook_delay_s: float = 0.5
    webhook_loss_rate: float = 0.1
    # UTP: one transient fault (of a kind drawn from utp_fault_kinds) every utp_fault_interval_s.
    utp_fault_interval_s: float = 0.5
    utp_fault_kinds: tuple[str, ...] = ("500", "503", "timeout")
    utp_timeout_sleep_s: float = 0.3
    crash_rounds: int = 1  # each round injects one crash per CRASH_TARGETS entry
    crash_kinds: tuple[str, ...] = ("500", "timeout", "drop")
    outage_s: float = 3.0  # UTP answers nothing but faults for this long (mid-run)
    throttle: bool = True  # SalesDrive throttling in both shapes
    pay_share: float = 0.5  # share of completed deals that are paid (a third of those in two parts)
    settle_timeout_s: float = 90.0
    wait_for_parked_s: float = 0.0  # > 0: also wait this long for parked orders to be replayed
    # The mix: the same new customer's second order right after her first (two orders at once); an
    # order without lines (it must end parked with a reason: not lost, not dead-lettered).
    same_customer_share: float = 0.08
    no_lines_share: float = 0.03
    # Odd payloads while the faults last: numbers as strings (the SalesDrive emulator's usual shape) and
    # every other shape real accounts send (sandbox/salesdrive/odd_shapes.py: empty meta, {id, name}
    # options and selects, phones as one string, contact and waybill as objects…), in webhooks and lists.
    odd_shapes: tuple[str, ...] = ALL_SHAPES


ADVANCE_UNDER_FAULTS_S = 120.0
SAME_CUSTOMER = "same customer at once"
NO_LINES = "no lines"


@dataclass
class Deal:
    index: int
    phone: str
    statuses: list[int]
    kind: str = "order"  # or SAME_CUSTOMER, NO_LINES
    salesdrive_id: int = 0
    applied: list[int] = field(default_factory=list)  # statuses already set in SalesDrive
    payments: list[str] = field(default_factory=list)
    expected: dict[str, int] = field(default_factory=dict)
    # Found in UTP and SalesDrive at the end.
    utp_orders: int = 0
    posted: bool = False
    utp_ref: str | None = None
    counterparty_ref: str | None = None
    documents: dict[str, int] = field(default_factory=dict)
    receipts: int = 0
    receipts_sum: str = "0.00"
    salesdrive_status: int | None = None
    utp_status: str | None = None
    problems: list[str] = field(default_factory=list)


def expected_documents(statuses: list[int]) -> dict[str, int]:
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


def _money(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01")))


class Utp:
    """OData reads (``%20`` for spaces) through the UTP emulator's fault-free read path: the faults this
    run injects are for the bridge, and a checker that read through them would fail on them (a 504 in
    the middle of the final check) instead of reporting what UTP holds. ``odata_root`` is the path the
    bridge uses (faults and latency included)."""

    def __init__(self, odata_url: str, auth: tuple[str, str], control_url: str) -> None:
        self.odata_root = odata_url.rstrip("/")
        self.root = control_url.rstrip("/") + OBSERVE_PREFIX + urlsplit(self.odata_root).path
        self.control = control_url.rstrip("/") + "/__emulator__"
        self.http = httpx.Client(auth=auth, timeout=15)

    def _get(self, url: str, *, ok_404: bool = False) -> httpx.Response:
        last: Exception | None = None
        for attempt in range(10):  # fault-free, but the emulator shares two cores with everything else
            try:
                answer = self.http.get(url)
                if answer.status_code == 404 and ok_404:
                    return answer
                if answer.status_code < 400 and "html" not in answer.headers.get("content-type", ""):
                    return answer
                if answer.status_code < 500 and answer.status_code != 200:
                    answer.raise_for_status()
                last = RuntimeError(f"UTP answered {answer.status_code}")
            except httpx.TransportError as exc:
                last = exc
            time.sleep(min(0.1 * (attempt + 1), 1.0))
        raise RuntimeError(f"UTP read kept failing: {url}: {last}")

    def rows(self, entity: str, flt: str | None = None, extra: str = "") -> list[dict[str, Any]]:
        url = f"{self.root}/{quote(entity)}?$format=json"
        if flt:
            url += f"&$filter={quote(flt, safe='')}"
        return list(self._get(url + extra).json()["value"])

    def count(self, entity: str) -> int:
        answer = self._get(f"{self.root}/{quote(entity)}/$count")
        return int(answer.text.strip())

    def orders_with_marker(self, order_id: int) -> list[dict[str, Any]]:
        rows = self.rows(ORDER, f"{MARKER} eq 'SD-{order_id}'")
        return [r for r in rows if not r.get("DeletionMark")]

    def documents_of(self, entity: str, order_ref: str) -> list[dict[str, Any]]:
        the_order = f"cast(guid'{order_ref}','{ORDER}')"
        if entity == CLOSURE:
            flt = f"Заказы/any(z: z/ЗаказПокупателя eq {the_order})"
        elif entity == RECEIPT:
            flt = f"РасшифровкаПлатежа/any(r: r/Сделка eq {the_order})"
        else:
            flt = f"Сделка eq {the_order}"
        return [r for r in self.rows(entity, flt) if not r.get("DeletionMark")]

    def property_key(self, name: str) -> str | None:
        rows = self.rows(PROPERTIES, f"Description eq '{name}'")
        return str(rows[0]["Ref_Key"]) if rows else None

    def order_property(self, order_ref: str, prop: str) -> str | None:
        key = f"Объект=cast(guid'{order_ref}','{ORDER}'),Свойство_Key=guid'{prop}'"
        url = f"{self.root}/{quote(PROPERTY_VALUES)}({quote(key, safe=chr(39) + '=,')})?$format=json"
        answer = self._get(url, ok_404=True)
        if answer.status_code == 404:
            return None
        value = answer.json().get("Значение")
        return str(value) if value not in (None, "") else None

    # -- the emulator's control endpoints ---------------------------------------------------------------
    def configure(self, **changes: Any) -> None:
        self.http.post(f"{self.control}/config", json=changes).raise_for_status()

    def inject(
        self, kind: str, *, match: str | None = None, method: str | None = None, phase: str = "before"
    ) -> None:
        body: dict[str, Any] = {"kind": kind, "phase": phase}
        if match:
            body["match"] = match
        if method:
            body["method"] = method
        self.http.post(f"{self.control}/faults", json=body).raise_for_status()

    def counters(self) -> dict[str, int]:
        answer = self.http.get(f"{self.control}/counters")
        answer.raise_for_status()
        return dict(answer.json()["counters"])

    def close(self) -> None:
        self.http.close()


class SalesDrive(DemoSalesDrive):
    """The demo's SalesDrive helper, plus the quota and counter controls the chaos run needs."""

    def pay(self, order_id: int, amount: str, *, description: str = "chaos") -> int:
        return super().pay(order_id, amount, description=description)

    def list_call(self) -> int:
        """One order-list call (it spends the account's quota); its HTTP status."""
        return self.http.get(f"{self.url}/api/order/list/", params={"limit": 1}).status_code

    def spend_quota(self) -> int:
        """List calls until SalesDrive throttles; how many were accepted."""
        for accepted in range(200):
            if self.list_call() != 200:
                return accepted
        return 200

    def give_quota_back(self) -> None:
        self.http.post(f"{self.url}/__emulator__/counters/reset", params={"limits": 1}).raise_for_status()

    def counters(self) -> dict[str, Any]:
        answer = self.http.get(f"{self.url}/__emulator__/counters")
        answer.raise_for_status()
        return dict(answer.json())


def _plan(cfg: ChaosConfig, rng: random.Random) -> list[Deal]:
    paths = [p for p, weight in PATHS for _ in range(weight)]
    deals: list[Deal] = []
    for i in range(cfg.deals):
        statuses = list(rng.choice(paths))
        phone, kind = f"+38050{7000000 + i:07d}", "order"
        draw = rng.random()
        if draw < cfg.no_lines_share:
            statuses, kind = [], NO_LINES
        elif draw < cfg.no_lines_share + cfg.same_customer_share and deals and deals[-1].kind == "order":
            phone, kind = deals[-1].phone, SAME_CUSTOMER
        deals.append(Deal(index=i, phone=phone, statuses=statuses, kind=kind))
        deals[-1].expected = expected_documents(statuses)  # none for an order without lines
    return deals


def _order_body(deal: Deal, skus: list[str], rng: random.Random) -> dict[str, Any]:
    lines = rng.randint(1, 3)
    picked = rng.sample(skus, min(lines, len(skus)))
    return {
        "fName": f"Клієнт{deal.phone[-7:]}",  # one name per customer: her orders share phone and name
        "lName": "Хаос",
        "phone": deal.phone,
        "products": []
        if deal.kind == NO_LINES
        else [
            {
                "id": sku,
                "sku": sku,
                "name": f"Запчастина {sku}",
                "costPerItem": 100 + 10 * rng.randint(0, 40),
                "amount": rng.randint(1, 3),
            }
            for sku in picked
        ],
        "sajt": "spares.example",
        "utmSource": "chaos",
    }


class _FaultPump(threading.Thread):
    """One transient UTP fault every ``interval`` seconds until stopped; counts what it injected."""

    def __init__(self, utp: Utp, interval: float, kinds: tuple[str, ...], rng: random.Random) -> None:
        super().__init__(name="chaos-utp-faults", daemon=True)
        self.utp, self.interval, self.kinds, self.rng = utp, interval, kinds, rng
        self.injected: dict[str, int] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            kind = self.rng.choice(self.kinds)
            try:
                self.utp.inject(kind)
            except httpx.HTTPError:
                continue
            self.injected[kind] = self.injected.get(kind, 0) + 1

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _bridge_ops(state_dir: Path, *args: str) -> Any:
    """Run the operator's tool against this sandbox in a child process; its JSON answer."""
    done = subprocess.run(  # noqa: S603 (our own interpreter and tool)
        [
            sys.executable,
            "-m",
            "bridge_ops",
            "--endpoints",
            str(state_dir / "endpoints.json"),
            *args,
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(Path(__file__).resolve().parents[2]),
    )
    if done.returncode != 0:
        raise RuntimeError(f"bridge_ops {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def _observe(utp: Utp, deal: Deal, *, receipts: bool) -> None:
    orders = utp.orders_with_marker(deal.salesdrive_id)
    deal.utp_orders = len(orders)
    if not orders:
        return
    order = orders[0]
    deal.utp_ref = str(order["Ref_Key"])
    deal.posted = bool(order.get("Posted"))
    deal.counterparty_ref = order.get("Контрагент_Key")
    for entity in (INVOICE, CLOSURE, RETURN):
        docs = utp.documents_of(entity, deal.utp_ref)
        deal.documents[entity] = len(docs)
        if docs and not all(d.get("Posted") for d in docs):
            deal.documents[entity] = -len(docs)  # present but not posted
    if receipts and deal.payments:
        rows = utp.documents_of(RECEIPT, deal.utp_ref)
        deal.receipts = len(rows) if all(r.get("Posted") for r in rows) else -len(rows)
        deal.receipts_sum = _money(
            sum((Decimal(str(r.get("СуммаДокумента") or 0)) for r in rows), Decimal(0))
        )


def _wait_for(predicate: Callable[[], bool], timeout: float, pause: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(pause)
    return bool(predicate())


def run_chaos(
    stack: Any, cfg: ChaosConfig | None = None, *, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Play the chaos scenario against a started bridge sandbox; the report (figures, problems)."""
    cfg = cfg or ChaosConfig()
    ep = stack.endpoints
    state_dir = Path(stack.state_dir)
    utp = Utp(ep["utp_odata_url"], (ep["utp_user"], ep["utp_password"]), stack.urls["utp"])
    crm = SalesDrive(ep["salesdrive_url"], ep["salesdrive_api_key"])
    try:
        return _run(stack, cfg, utp, crm, state_dir, log)
    finally:
        utp.close()
        crm.close()


def _run(
    stack: Any, cfg: ChaosConfig, utp: Utp, crm: SalesDrive, state_dir: Path, log: Callable[[str], None]
) -> dict[str, Any]:
    rng = random.Random(cfg.seed)
    started = time.monotonic()
    status_names = crm.statuses()
    status_property = utp.property_key(STATUS_PROPERTY)
    goods = utp.rows(PRODUCTS, "Услуга eq false and IsFolder eq false", "&$top=40")
    skus = [str(p["Артикул"]) for p in goods if p.get("Артикул")]
    if not skus:
        raise RuntimeError("the UTP emulator has no goods with a SKU")
    counterparties_before = utp.count(COUNTERPARTIES)
    log_before = len(crm.webhook_log())
    deals = _plan(cfg, rng)
    figures: dict[str, Any] = {"deals": cfg.deals}

    # -- faults on --------------------------------------------------------------------------------------
    crm.configure(
        webhook_duplicate_rate=cfg.webhook_duplicate_rate,
        webhook_reorder_rate=cfg.webhook_reorder_rate,
        webhook_reorder_max_hold_s=cfg.webhook_reorder_max_hold_s,
        webhook_delay_s=cfg.webhook_delay_s,
        webhook_loss_rate=cfg.webhook_loss_rate,
        random_seed=cfg.seed,
        throttle_shape="429",
        numbers_as_strings=True,
        odd_shapes=list(cfg.odd_shapes),
    )
    utp.configure(timeout_sleep_s=cfg.utp_timeout_sleep_s)
    pump = _FaultPump(utp, cfg.utp_fault_interval_s, cfg.utp_fault_kinds, random.Random(cfg.seed + 1))
    pump.start()
    crashes: list[tuple[str, str, int]] = []  # (method, target, counter when injected)

    def inject_crashes() -> None:
        now = utp.counters()
        for method, target in CRASH_TARGETS:
            kind = rng.choice(cfg.crash_kinds)
            utp.inject(kind, match=target, method=method, phase="after")
            crashes.append((method, target, now.get(f"{method} {target}", 0)))

    crash_at = {int(cfg.deals * (r + 1) / (cfg.crash_rounds + 1)) for r in range(cfg.crash_rounds)}
    outage_at = cfg.deals // 2 if cfg.outage_s > 0 else -1
    outage_requests = 0
    log(f"chaos: placing {cfg.deals} deals under webhook, UTP and throttling faults")
    pending: list[Deal] = []
    for deal in deals:
        if deal.index in crash_at:
            inject_crashes()
        if deal.index == outage_at:
            before = sum(utp.counters().values())
            utp.configure(fault_rate=1.0, fault_kinds=list(cfg.utp_fault_kinds))
            time.sleep(cfg.outage_s)
            utp.configure(fault_rate=0.0)
            outage_requests = sum(utp.counters().values()) - before - 1  # minus the counters read itself
        deal.salesdrive_id = crm.place(_order_body(deal, skus, rng))
        if deal.statuses:
            crm.set_status(deal.salesdrive_id, deal.statuses[0])
            deal.applied.append(deal.statuses[0])
        if len(deal.statuses) > 1:
            pending.append(deal)
        time.sleep(cfg.pace_s)

    # Throttling, both shapes: another user of the account spends the list quota, then the bridge reads.
    throttle_runs: dict[str, Any] = {}
    throttled = 0
    if cfg.throttle:
        for shape, job in (("429", "CatchUpSweepFunction"), ("400", "PaymentImporterFunction")):
            crm.configure(throttle_shape=shape)
            crm.spend_quota()
            run = stack.fire_schedule(job)
            error = run.error.get("errorMessage") if isinstance(run.error, dict) else run.error
            throttle_runs[f"{job} ({shape})"] = {"ok": run.ok, "result": run.result, "error": error}
            throttled += sum(int(v) for v in (crm.counters().get("throttled") or {}).values())
            crm.give_quota_back()  # (it clears the throttle counters too)
        crm.configure(throttle_shape="429")

    # Second steps (a sale that follows a confirmation; a refusal after shipment: the invoice first).
    def advance() -> bool:
        for deal in list(pending):
            first = deal.statuses[0]
            if first == COMPLETED:
                _observe(utp, deal, receipts=False)
                if deal.documents.get(INVOICE, 0) <= 0:
                    continue
            for status in deal.statuses[len(deal.applied) :]:
                crm.set_status(deal.salesdrive_id, status)
                deal.applied.append(status)
            pending.remove(deal)
        return not pending

    # Payments: some completed deals paid in full, a third of those in two parts.
    for deal in deals:
        if deal.statuses and deal.statuses[-1] == COMPLETED and rng.random() < cfg.pay_share:
            total = Decimal(str(crm.order(deal.salesdrive_id)["totals"]["paymentAmount"]))
            parts = [_money(total / 3), None] if rng.random() < 1 / 3 else [None]
            paid = Decimal(0)
            for part in parts:
                amount = part or _money(total - paid)
                crm.pay(deal.salesdrive_id, amount)
                deal.payments.append(amount)
                paid += Decimal(amount)

    # Faults stay on while the second steps go out, but not for long: an order 1C refused (500/-1) waits
    # parked for the replayer, and the settle rounds below take its second step when its invoice exists.
    _wait_for(advance, max(5.0, min(cfg.settle_timeout_s / 3, ADVANCE_UNDER_FAULTS_S)), pause=1.0)
    pump.stop()
    figures_faults_stop = time.monotonic()
    log(f"chaos: faults stop after {figures_faults_stop - started:.1f} s; settling")

    # -- faults off, settle -----------------------------------------------------------------------------
    crm.configure(
        webhook_duplicate_rate=0.0,
        webhook_reorder_rate=0.0,
        webhook_delay_s=0.0,
        webhook_loss_rate=0.0,
        odd_shapes=[],
    )
    utp.configure(fault_rate=0.0)
    for _ in range(60):  # one-shot faults nobody took yet (a crash rule whose write never came is dropped)
        try:
            utp.http.get(f"{utp.odata_root}/$metadata").raise_for_status()
            break
        except httpx.HTTPError:
            continue
    deadline = figures_faults_stop + cfg.settle_timeout_s + cfg.wait_for_parked_s
    rounds = 0
    last_jobs: dict[str, Any] = {}
    busy = ""
    previous: Any = None
    quiet = 0
    settled = False
    while time.monotonic() < deadline:
        rounds += 1
        advance()
        for job in SCHEDULES:
            run = stack.fire_schedule(job)
            last_jobs[job] = {"ok": run.ok, "result": run.result, "error": run.error and str(run.error)[:500]}
        try:
            stack.wait_until_idle(timeout=max(1.0, min(20.0, deadline - time.monotonic())))
        except TimeoutError as exc:
            busy = str(exc)
            continue
        for deal in deals:
            _observe(utp, deal, receipts=True)
        snapshot = [(d.utp_orders, d.posted, sorted(d.documents.items()), d.receipts) for d in deals]
        unsettled = [(d.salesdrive_id, _deal_problems(d)) for d in deals if _deal_problems(d)]
        complete = not pending and not unsettled
        if unsettled:
            log(f"chaos: settle round {rounds}: {len(unsettled)} deal(s) not reconciled yet: {unsettled[:3]}")
        quiet = quiet + 1 if snapshot == previous else 0
        previous = snapshot
        if complete and quiet >= 1:
            settled = True
            break
        if quiet >= 2 and time.monotonic() > figures_faults_stop + cfg.settle_timeout_s:
            break  # nothing moves any more; only parked orders' back-off could still change it
        time.sleep(0.5 if not complete else 0)
    time_to_reconcile = time.monotonic() - figures_faults_stop
    with contextlib.suppress(TimeoutError):
        stack.wait_until_idle(timeout=30)

    # -- the check ---------------------------------------------------------------------------------------
    by_id = {d.salesdrive_id: d for d in deals}
    for deal in deals:
        _observe(utp, deal, receipts=True)
        order = crm.order(deal.salesdrive_id)
        deal.salesdrive_status = int(order["statusId"]) if order.get("statusId") is not None else None
        if deal.utp_ref and status_property:
            deal.utp_status = utp.order_property(deal.utp_ref, status_property)
        deal.problems = _deal_problems(deal)
        want = deal.statuses[-1] if deal.statuses else deal.salesdrive_status
        if deal.salesdrive_status != want:
            deal.problems.append(f"SalesDrive shows status {deal.salesdrive_status}, the scenario set {want}")
        name = status_names.get(deal.salesdrive_status or -1)
        if (
            deal.utp_orders == 1
            and name
            and deal.utp_status
            not in (name, f"{name} [{deal.salesdrive_status}]", f"[{deal.salesdrive_status}] {name}"[:50])
        ):
            deal.problems.append(f"UTP's status is {deal.utp_status!r}, SalesDrive's {name!r}")
    marked = utp.rows(ORDER, f"substringof('SD-', {MARKER})", f"&$select=Ref_Key,{MARKER},DeletionMark")
    strays = sorted(
        {str(r[MARKER]) for r in marked if not r.get("DeletionMark")}
        - {f"SD-{d.salesdrive_id}" for d in deals}
    )
    counterparties_created = utp.count(COUNTERPARTIES) - counterparties_before
    customers = len({d.phone for d in deals})
    parked = _bridge_ops(state_dir, "parked")
    dead = _bridge_ops(state_dir, "dlq", "list")
    parked_list = parked if isinstance(parked, list) else parked.get("parked", parked.get("orders", []))
    dead_list = dead if isinstance(dead, list) else dead.get("messages", dead.get("letters", []))
    parked_ours = [p for p in parked_list if int(p.get("order_id", 0)) in by_id]
    dead_without_reason = [m for m in dead_list if not m.get("reason")]
    parked_reasons = {int(p["order_id"]): str(p.get("reason") or "") for p in parked_ours}
    dead_ids = {int(m.get("order_id") or 0) for m in dead_list}
    without_lines = [d for d in deals if d.kind == NO_LINES]
    for deal in without_lines:
        if deal.salesdrive_id in dead_ids:
            deal.problems.append("an order without lines went to the dead-letter queue")
        elif not parked_reasons.get(deal.salesdrive_id):
            deal.problems.append("an order without lines is neither parked with a reason nor anywhere else")

    wh = crm.webhook_log()[log_before:]
    sd_counters = crm.counters()
    utp_after = utp.counters()
    crashes_taken = sum(1 for method, target, n in crashes if utp_after.get(f"{method} {target}", 0) > n)
    problems = [f"order {d.salesdrive_id}: {p}" for d in deals for p in d.problems]
    if strays:
        problems.append(f"UTP holds sales orders of no deal of this run: {strays[:10]}")
    # Every new customer once: more counterparties than customers is a duplicate; fewer is a problem only
    # when every order reached UTP (an order parked before its customer was created explains one less).
    known_bugs: list[str] = []
    if counterparties_created > customers or (
        counterparties_created < customers and all(d.utp_orders == 1 for d in deals)
    ):
        problems.append(f"{counterparties_created} counterparties created for {customers} new customers")
    problems += [f"dead letter without a reason: {m}" for m in dead_without_reason]
    if not settled:
        problems.append(f"did not settle within {cfg.settle_timeout_s + cfg.wait_for_parked_s:.0f} s")

    duplicates = (
        sum(max(d.utp_orders - 1, 0) for d in deals)
        + sum(max(abs(d.documents.get(e, 0)) - 1, 0) for d in deals for e in (INVOICE, CLOSURE, RETURN))
        + sum(max(abs(d.receipts) - len(d.payments), 0) for d in deals)
    )
    missing = (
        sum(1 for d in deals if d.utp_orders == 0 and d.kind != NO_LINES)
        + sum(1 for d in without_lines if not parked_reasons.get(d.salesdrive_id))
        + sum(max(want - abs(d.documents.get(e, 0)), 0) for d in deals for e, want in d.expected.items())
        + sum(max(len(d.payments) - abs(d.receipts), 0) for d in deals)
    )
    figures.update(
        {
            "webhooks_sent": sum(1 for e in wh if e.get("outcome") != "lost"),
            "webhooks_duplicated": sum(1 for e in wh if e.get("duplicate")),
            "webhooks_reordered": sum(1 for e in wh if e.get("reordered")),
            "webhooks_delayed": sum(1 for e in wh if float(e.get("delay_s") or 0) > 0),
            "webhooks_lost": sum(1 for e in wh if e.get("outcome") == "lost"),
            "webhook_shapes": ["numbers as strings", *cfg.odd_shapes],
            "utp_faults_injected": sum(pump.injected.values()),
            "utp_faults_by_kind": dict(sorted(pump.injected.items())),
            "utp_outage_s": cfg.outage_s,
            "utp_requests_failed_in_outage": outage_requests,
            "crashes_injected": len(crashes),
            "crashes_hit": crashes_taken,
            "throttled_answers": throttled
            + sum(int(v) for v in (sd_counters.get("throttled") or {}).values()),
            "payments": sum(len(d.payments) for d in deals),
            "cash_receipts": sum(max(d.receipts, 0) for d in deals),
            "utp_sales_orders": sum(d.utp_orders for d in deals),
            "invoices": sum(abs(d.documents.get(INVOICE, 0)) for d in deals),
            "closures": sum(abs(d.documents.get(CLOSURE, 0)) for d in deals),
            "return_notes": sum(abs(d.documents.get(RETURN, 0)) for d in deals),
            "counterparties_created": counterparties_created,
            "counterparty_duplicates": max(counterparties_created - customers, 0),
            "same_customer_orders_at_once": sum(1 for d in deals if d.kind == SAME_CUSTOMER),
            "orders_without_lines": len(without_lines),
            "orders_without_lines_parked": sum(
                1 for d in without_lines if parked_reasons.get(d.salesdrive_id)
            ),
            "parked": len(parked_ours) - sum(1 for d in without_lines if d.salesdrive_id in parked_reasons),
            "dead_letters": len(dead_list),
            "settle_rounds": rounds,
            "time_to_reconcile_s": round(time_to_reconcile, 1),
            "elapsed_s": round(time.monotonic() - started, 1),
            "duplicates": duplicates,
            "missing": missing,
        }
    )
    # What the bridge recorded about each order that did not reconcile (its audit trail, state, ledger),
    # read with the operator's tool: the report then explains itself without a rerun.
    trails: dict[str, Any] = {}
    for deal in deals:
        if deal.problems and deal.salesdrive_id:
            try:
                trails[str(deal.salesdrive_id)] = _bridge_ops(state_dir, "audit", str(deal.salesdrive_id))
            except (RuntimeError, ValueError, subprocess.TimeoutExpired) as exc:
                trails[str(deal.salesdrive_id)] = {"error": str(exc)[-500:]}
    report = {
        "reconciled": not problems and duplicates == 0 and missing == 0,
        "figures": figures,
        "problems": problems,
        "known_bugs": known_bugs,
        "parked": [{k: p.get(k) for k in ("order_id", "reason", "attempts")} for p in parked_ours],
        "dead_letters": [{k: m.get(k) for k in ("order_id", "receive_count", "reason")} for m in dead_list],
        "throttle_runs": throttle_runs,
        "last_settle_jobs": last_jobs,
        "last_busy": busy,
        "deals": [asdict(d) for d in deals],
        "audit_of_problems": trails,
    }
    (state_dir / "chaos-report.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return report


def _deal_problems(deal: Deal) -> list[str]:
    problems: list[str] = []
    if deal.kind == NO_LINES:  # nothing to put in UTP: parked with a reason (checked with the parked list)
        if deal.utp_orders and deal.posted:
            problems.append("an order without lines was posted in UTP")
        return problems
    if deal.utp_orders != 1:
        problems.append(f"{deal.utp_orders} sales orders in UTP (expected 1)")
        return problems
    if not deal.posted:
        problems.append("the sales order is not posted")
    for entity, want in deal.expected.items():
        have = deal.documents.get(entity, 0)
        if have < 0:
            problems.append(f"{-have} × {entity}, not posted")
        elif have != want:
            problems.append(f"{have} × {entity} (expected {want})")
    if deal.payments:
        paid = _money(sum((Decimal(a) for a in deal.payments), Decimal(0)))
        if deal.receipts != len(deal.payments):
            problems.append(f"{deal.receipts} posted cash receipts for {len(deal.payments)} payments")
        elif deal.receipts_sum != paid:
            problems.append(f"cash receipts sum to {deal.receipts_sum}, SalesDrive has {paid} paid")
    return problems


def format_figures(report: dict[str, Any]) -> str:
    lines = [f"{name.replace('_', ' '):32} {value}" for name, value in report["figures"].items()]
    lines.append(f"{'reconciled':32} {report['reconciled']}")
    lines += [f"parked: {p}" for p in report["parked"]]
    lines += [f"dead letter: {m}" for m in report["dead_letters"]]
    lines += [f"PROBLEM: {p}" for p in report["problems"][:50]]
    lines += [f"KNOWN BUG: {p}" for p in report["known_bugs"]]
    return "\n".join(lines)
