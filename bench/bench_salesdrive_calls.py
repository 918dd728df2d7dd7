"""SalesDrive calls used vs. work done: list calls per orders read, product calls per products sent.

Runs the production client against the SalesDrive emulator in process (no sockets, a manual clock):

    .venv/bin/python bench/bench_salesdrive_calls.py

The emulator enforces SalesDrive's read limits (10/min, 100/h, 1000/day). A pacing budget stands in for
the shared DynamoDB budget: when the minute's 10 tokens are spent it moves the clock to the next minute
instead of letting the client be throttled, so the figures also show the simulated wall time.
"""

from __future__ import annotations

import math
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import harness  # noqa: F401 - puts the repository on sys.path
import httpx

from bridge.read_budget import ReadConsumer
from bridge.salesdrive.client import SalesDriveClient
from bridge.salesdrive.products import ProductUpdate, PushMode
from sandbox.salesdrive.app import SalesDriveEmulatorConfig, create_app
from sandbox.salesdrive.clock import ManualClock

START = datetime(2025, 10, 5, 9, 0, 0)
ORDERS = 2000
PAYMENTS = 450
PRODUCT_COUNTS = (1234, 20_000)


class PacedBudget:
    """10 tokens a minute on the emulator's clock; waiting = advancing the clock to the next minute."""

    def __init__(self, clock: ManualClock, per_minute: int = 10) -> None:
        self.clock = clock
        self.per_minute = per_minute
        self.window_start = clock.now()
        self.used = 0
        self.taken = 0
        self.waited = timedelta(0)

    def take(self, consumer: ReadConsumer) -> None:
        now = self.clock.now()
        if now - self.window_start >= timedelta(minutes=1):
            self.window_start, self.used = now, 0
        if self.used >= self.per_minute:
            wait = self.window_start + timedelta(minutes=1, seconds=1) - now
            self.clock.advance(wait.total_seconds())
            self.waited += wait
            self.window_start, self.used = self.clock.now(), 0
        self.used += 1
        self.taken += 1


def main() -> int:
    clock = ManualClock(START)
    emu = create_app(SalesDriveEmulatorConfig(throttle_shape="429"), clock=clock)
    budget = PacedBudget(clock)
    http = httpx.Client(transport=httpx.WSGITransport(app=emu), base_url="http://sparesshop.salesdrive.test")
    client = SalesDriveClient(api_key=emu.config.api_key, budget=budget, http=http, sleep=clock.advance)
    window_start = _day_of_orders(emu, clock)
    failures = _orders(emu, client, budget, window_start)
    failures += _payments(emu, client, budget, window_start)
    failures += _products(emu, client)
    client.close()
    emu.close()
    print("OK" if not failures else f"FAILED ({failures} figure(s) off target)")
    return 1 if failures else 0


def _day_of_orders(emu: Any, clock: ManualClock) -> datetime:
    """A day of 2,000 orders (the first ``PAYMENTS`` of them paid); returns when the window starts."""
    clock.advance(3600)
    window_start = clock.now()
    order_ids = []
    for n in range(ORDERS):
        order = emu.create_order(
            {
                "fName": f"Клієнт{n}",
                "phone": f"+38067{n:07d}",
                "products": [{"id": f"P-{n % 50}", "name": "Деталь", "costPerItem": "99.90", "amount": 1}],
            }
        )
        order_ids.append(order["id"])
        clock.advance(20)
    for n, order_id in enumerate(order_ids[:PAYMENTS]):
        emu.add_payment("99.90", [(order_id, "99.90")], description=f"payment {n}")
    return window_start


def _orders(emu: Any, client: SalesDriveClient, budget: PacedBudget, window_start: datetime) -> int:
    """One catch-up read of the whole window; returns how many figures miss their target."""
    emu.reset_counters()
    started = time.perf_counter()
    read = list(client.iter_orders(window_start, overlap=timedelta(0)))
    elapsed = time.perf_counter() - started
    list_calls = sum(emu.counters["requests"].get("/api/order/list/", {}).values())
    throttled = sum(emu.counters["throttled"].values())
    expected = math.ceil(ORDERS / 100)
    print("SalesDrive order list (limit=100, filter[updateAt][from], stop at pagination.pageCount)")
    print(f"  orders read        {len(read):>7,}   (created in the window: {ORDERS:,})")
    print(f"  list calls         {list_calls:>7}   (minimum ⌈{ORDERS}/100⌉ = {expected})")
    print(f"  budget tokens      {budget.taken:>7}")
    print(f"  throttled answers  {throttled:>7}")
    print(f"  simulated waiting  {budget.waited}   (10 list calls a minute)  in-process {elapsed:.2f} s")
    return int(len({o.id for o in read}) != ORDERS or list_calls != expected or throttled != 0)


def _payments(emu: Any, client: SalesDriveClient, budget: PacedBudget, window_start: datetime) -> int:
    budget.taken = 0
    emu.reset_counters()
    payments = list(client.iter_payments(window_start, overlap=timedelta(0)))
    pay_calls = sum(emu.counters["requests"].get("/api/payment/list/", {}).values())
    print("SalesDrive payment list (type=incoming, filter[updatedAt][from])")
    minimum_pay = math.ceil(PAYMENTS / 100)
    print(f"  payments read      {len(payments):>7,}   list calls {pay_calls} (minimum {minimum_pay})")
    return int(len(payments) != PAYMENTS or pay_calls != minimum_pay)


def _products(emu: Any, client: SalesDriveClient) -> int:
    """A full push, then stock-only and price-only pushes of the same products, at two sizes."""
    failures = 0
    print("SalesDrive /product-handler/ (≤ 100 products a call)")
    print(f"  {'mode':<11} {'products':>9} {'calls':>6} {'minimum':>8} {'max/call':>9} {'time s':>7}")
    for count in PRODUCT_COUNTS:
        catalog = [
            ProductUpdate(
                id=f"SKU-{n}",
                name=f"Деталь {n}",
                sku=f"ART-{n}",
                price=Decimal("100.25"),
                currency="UAH",
                stock_by_warehouse={str(w): n % 7 for w in range(1, 11)},
            )
            for n in range(count)
        ]
        for mode in PushMode:
            emu.reset_counters()
            started = time.perf_counter()
            results = client.push_products(catalog, mode)
            elapsed = time.perf_counter() - started
            stats = emu.counters["product_handler"]
            minimum = math.ceil(count / 100)
            print(
                f"  {mode.value:<11} {stats['products']:>9,} {stats['calls']:>6} {minimum:>8} "
                f"{max(stats['per_call']):>9} {elapsed:>7.2f}"
            )
            failures += stats["calls"] != minimum or not all(r.ok for r in results)
    return failures


if __name__ == "__main__":
    sys.exit(main())
