"""The chaos suite's deals and faults: its configuration, the deals it draws (status paths, a customer's
two orders at once, orders without lines), and its handles on the emulators' fault controls (a UTP
reader that no fault touches, a steady pump of one-shot UTP faults, SalesDrive's list quota)."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from sandbox.runner import driver
from sandbox.runner.driver import (
    CANCELLED,
    CLOSURE,
    COMPLETED,
    CONFIRMED,
    COUNTERPARTIES,
    INVOICE,
    ORDER,
    RECEIPT,
    RETURN,
    expected_documents,
)
from sandbox.salesdrive.odd_shapes import ALL_SHAPES
from sandbox.utp.app import OBSERVE_PREFIX

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
ADVANCE_UNDER_FAULTS_S = 120.0
SAME_CUSTOMER = "same customer at once"
NO_LINES = "no lines"


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


def plan_deals(cfg: ChaosConfig, rng: random.Random) -> list[Deal]:
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


def order_body(deal: Deal, skus: list[str], rng: random.Random) -> dict[str, Any]:
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


class Utp(driver.Utp):
    """OData reads (``%20`` for spaces) through the UTP emulator's fault-free read path: the faults this
    run injects are for the bridge, and a checker that read through them would fail on them (a 504 in
    the middle of the final check) instead of reporting what UTP holds. ``odata_root`` is the path the
    bridge uses (faults and latency included)."""

    def __init__(self, odata_url: str, auth: tuple[str, str], control_url: str) -> None:
        self.odata_root = odata_url.rstrip("/")
        super().__init__(
            control_url.rstrip("/") + OBSERVE_PREFIX + urlsplit(self.odata_root).path, auth, timeout=15
        )
        self.control = control_url.rstrip("/") + "/__emulator__"

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


class SalesDrive(driver.SalesDrive):
    """The driver's SalesDrive, plus the quota and counter controls the chaos run needs."""

    payment_description = "chaos"

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


class FaultPump(threading.Thread):
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


@dataclass
class ChaosRun:
    """One chaos run: the stack, both sides' handles, the deals and what happened to the faults."""

    stack: Any
    cfg: ChaosConfig
    utp: Utp
    crm: SalesDrive
    state_dir: Any
    log: Any
    rng: random.Random
    started: float
    deals: list[Deal] = field(default_factory=list)
    pending: list[Deal] = field(default_factory=list)  # deals whose later statuses are not sent yet
    status_names: dict[int, str] = field(default_factory=dict)
    status_property: str | None = None
    skus: list[str] = field(default_factory=list)
    counterparties_before: int = 0
    log_before: int = 0
    figures: dict[str, Any] = field(default_factory=dict)
    pump: FaultPump | None = None
    crashes: list[tuple[str, str, int]] = field(default_factory=list)  # (method, target, counter then)
    outage_requests: int = 0
    throttle_runs: dict[str, Any] = field(default_factory=dict)
    throttled: int = 0
    faults_stopped_at: float = 0.0
    # The settle rounds.
    rounds: int = 0
    last_jobs: dict[str, Any] = field(default_factory=dict)
    busy: str = ""
    settled: bool = False
    time_to_reconcile: float = 0.0
