"""A simulated day of 2,000 orders: SalesDrive list calls, throttled answers and the worst delays.

    .venv/bin/python bench/bench_day_of_orders.py [--orders 2000] [--shapes 429,400] [--loss 0.03]

In process, on simulated time, with the real SalesDriveClient, read budget, sweep, payment import and
stores against the SalesDrive emulator (limits enforced, webhooks lost at random); what is stubbed and
what each printed figure means: ``bench/README.md``. Exits non-zero when a target is missed. Takes about
20 s per shape (2-core sandbox machine).
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import itertools
import os
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from harness import create_table, max_in_window, shop_settings

os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
os.environ["AWS_ACCESS_KEY_ID"] = "testing"  # moto only: nothing here may reach AWS
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"  # noqa: S105
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_SESSION_TOKEN", None)

import httpx
from day_stubs import DAY_START, DealFlow, DictDynamoDB, StubUtp, stub_ref

from bridge.salesdrive.client import SalesDriveClient
from bridge.store.cursors import CursorStore
from bridge.store.deals import DealStore
from bridge.sync.catch_up import sweep_orders
from bridge.sync.payments import PaymentCollaborators, import_payments
from bridge.sync.read_budget_rules import InMemoryReadBudget
from bridge.sync.reference import UtpReference
from sandbox.salesdrive.app import SalesDriveEmulator, SalesDriveEmulatorConfig, create_app
from sandbox.salesdrive.clock import KYIV, ManualClock
from sandbox.salesdrive.testing import api_client

DAY = timedelta(days=1)
SWEEP_EVERY = timedelta(minutes=4)  # template.yaml: CatchUpSweepFunction rate(4 minutes)
PAYMENTS_EVERY = timedelta(minutes=5)  # template.yaml: PaymentImporterFunction rate(5 minutes)
HOURLY = (1, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 7, 7, 7, 7, 7, 8, 8, 7, 5, 3, 2)
STATUS_PATH = (2, 3, 4, 5)  # Підтверджено → На відправку → Відправлено → Продаж (seeded statuses)
LIST_PATHS = ("/api/order/list/", "/api/payment/list/")
TARGET_CALLS = 1000
TABLE = "bridge-bench"


def _day_plan(orders: int, rng: random.Random) -> list[tuple[datetime, str, int]]:
    """(when, what, n): order n is created, moves one status on, or is paid (in one or two parts)."""
    end = DAY_START + DAY - timedelta(minutes=20)  # every change of the day is settled by midnight
    plan: list[tuple[datetime, str, int]] = []
    hours = rng.choices(range(24), weights=HOURLY, k=orders)
    for n, hour in enumerate(hours):
        created = DAY_START + timedelta(hours=hour, seconds=rng.randrange(3600))
        created = min(created, end - timedelta(minutes=30))
        plan.append((created, "create", n))
        moment = created
        for _ in range(rng.choice((1, 2, 3))):
            moment += timedelta(minutes=rng.randint(5, 180))
            if moment < end:
                plan.append((moment, "advance", n))
        if rng.random() < 0.8:
            paid = created + timedelta(minutes=rng.randint(2, 240))
            if paid < end:
                plan.append((paid, "pay_full" if rng.random() < 0.75 else "pay_half", n))
                if plan[-1][1] == "pay_half":
                    second = paid + timedelta(minutes=rng.randint(10, 300))
                    plan.append((min(second, end), "pay_rest", n))
    return sorted(plan)


def _timeline(plan: list[tuple[datetime, str, int]]) -> list[tuple[datetime, int, str, int]]:
    """The day's events as a heap: the plan, a sweep every 4 min and a payment import every 5 min."""
    events: list[tuple[datetime, int, str, int]] = []
    seq = itertools.count()
    for when, what, n in plan:
        heapq.heappush(events, (when, next(seq), what, n))
    for every, offset, what in ((SWEEP_EVERY, 30, "sweep"), (PAYMENTS_EVERY, 45, "payments")):
        moment = DAY_START
        while moment < DAY_START + DAY:
            heapq.heappush(events, (moment + timedelta(seconds=offset), next(seq), what, 0))
            moment += every
    return events


def run_day(orders: int, shape: str, loss: float, seed: int, *, moto: bool = False) -> dict[str, Any]:
    """One simulated day of ``orders`` orders with the ``shape`` throttle answer; the day's figures."""
    from moto import mock_aws

    rng = random.Random(seed)
    with mock_aws() if moto else contextlib.nullcontext():
        day = _Day(shape, loss, seed, moto=moto)
        day.run(_timeline(_day_plan(orders, rng)))
        return day.results()


class _Day:
    """The emulator, the real client, budget, stores, sweep and payment import on one simulated clock."""

    def __init__(self, shape: str, loss: float, seed: int, *, moto: bool) -> None:
        self.shape = shape
        self.clock = ManualClock(DAY_START - timedelta(minutes=1))
        dynamodb: Any = DictDynamoDB()
        if moto:
            import boto3

            dynamodb = boto3.client("dynamodb", region_name="eu-central-1")
            create_table(dynamodb, TABLE)
        self.store = DealStore(TABLE, dynamodb=dynamodb)
        self.flow = DealFlow(self.store, self.clock.now)
        self.emulator: SalesDriveEmulator = create_app(
            SalesDriveEmulatorConfig(
                throttle_shape=shape,
                limit_window="sliding",
                webhook_loss_rate=loss,
                random_seed=seed,
                seed_products=3,
            ),
            clock=self.clock,
            webhook_transport=self.flow.webhook,
        )
        self.emulator.subscribe("https://bridge.bench/webhook/token")
        self.list_calls: list[datetime] = []
        self.salesdrive = self._client()
        self.settings = shop_settings(self.emulator.config.account, "ТОВ Bench")
        self.cursors = CursorStore(TABLE, dynamodb=dynamodb)
        self.utp = StubUtp(self.clock.now)
        self.payments_ctx = PaymentCollaborators(
            salesdrive=self.salesdrive,
            utp=self.utp,  # type: ignore[arg-type]
            store=self.store,
            cursors=self.cursors,
            settings=self.settings,
            reference=_stub_reference(),
        )
        self.order_ids: dict[int, int] = {}
        self.step: dict[int, int] = {}
        self.paid_at: dict[str, datetime] = {}  # receipt marker → when the payment was made
        self.counts: Counter[str] = Counter()
        self.budget_waits = 0
        self.sweep_reports: list[Any] = []
        self.payment_reports: list[Any] = []

    def _client(self) -> SalesDriveClient:
        """The real client with the real read budget, both on the emulator's clock; list calls counted."""
        clock = self.clock

        def count(request: httpx.Request) -> None:
            if request.url.path in LIST_PATHS:
                self.list_calls.append(clock.now())

        http = api_client(self.emulator)
        http.event_hooks["request"].append(count)
        budget = InMemoryReadBudget(now=lambda: clock.now().replace(tzinfo=KYIV).astimezone(UTC))
        return SalesDriveClient(
            api_key=self.emulator.config.api_key,
            budget=budget,
            http=http,
            sleep=clock.advance,
            wall_clock=lambda: clock.now().replace(tzinfo=KYIV).timestamp(),
        )

    def run(self, events: list[tuple[datetime, int, str, int]]) -> None:
        while events:
            when, _, what, n = heapq.heappop(events)
            if when > self.clock.now():
                self.clock.set(when)
            self.emulator.deliver_due_webhooks()
            self._handle(what, n)
            self.emulator.deliver_due_webhooks()

    def _handle(self, what: str, n: int) -> None:
        emulator = self.emulator
        if what == "create":
            answer = emulator.create_order(
                {
                    "fName": f"Покупець {n}",
                    "phone": f"+38067{n:07d}",
                    "products": [{"id": f"BENCH-{n % 50}", "name": "Запчастина", "costPerItem": 400}],
                }
            )
            self.order_ids[n] = int(answer["id"])
            self.step[n] = 0
            self._note_version(self.order_ids[n])
        elif what == "advance":
            status = STATUS_PATH[min(self.step[n], len(STATUS_PATH) - 1)]
            self.step[n] += 1
            emulator.update_order({"id": self.order_ids[n], "data": {"statusId": status}})
            self._note_version(self.order_ids[n])
        elif what in ("pay_full", "pay_half", "pay_rest"):
            self._pay(n, Decimal({"pay_full": 400, "pay_half": 150, "pay_rest": 250}[what]))
        elif what == "sweep":
            report = sweep_orders(
                salesdrive=self.salesdrive,
                store=self.store,
                queue=self.flow,
                cursors=self.cursors,
                now=self.clock.now(),
                overlap_minutes=self.settings.sweep_overlap_minutes,
            )
            self.sweep_reports.append(report)
            self.budget_waits += report.budget_exhausted_until is not None
        elif what == "payments":
            overlap = self.settings.payment_overlap_minutes
            result = import_payments(self.payments_ctx, now=self.clock.now(), overlap_minutes=overlap)
            self.payment_reports.append(result)
            self.budget_waits += result.budget_exhausted_until is not None

    def _note_version(self, order_id: int) -> None:
        self.flow.changed(order_id, int(self.emulator.order(order_id)["version"]))

    def _pay(self, n: int, amount: Decimal) -> None:
        order_id = self.order_ids[n]
        payment = self.emulator.add_payment(amount, [(order_id, amount)])
        self.paid_at[f"SDP-{payment['id']}-{order_id}"] = self.clock.now()
        self.counts["payments"] += 1
        self._note_version(order_id)  # a payment may bump updateAt (not the version)

    def _lost_webhooks(self) -> tuple[int, list[timedelta], Counter[str]]:
        """Webhooks SalesDrive lost, the delay until each one's change was applied, and by what."""
        flow = self.flow
        log = self.emulator.webhook_log
        lost = {(int(e["order_id"]), int(e["version"])) for e in log if e["outcome"] == "lost"}
        delays = []
        recovered_by: Counter[str] = Counter()
        for key in lost:
            if key not in flow.changed_at:
                continue
            applied = flow.applied_at.get(key)
            if applied is None:
                recovered_by["never"] += 1
                continue
            delays.append(applied[0] - flow.changed_at[key])
            recovered_by[applied[1]] += 1
        return len(lost), delays, recovered_by

    def results(self) -> dict[str, Any]:
        counters = self.emulator.counters
        lost, lost_delays, recovered_by = self._lost_webhooks()
        unapplied = [k for k in self.flow.changed_at if k not in self.flow.applied_at]
        created = self.utp.created_at
        payment_delays = [
            created[marker] - made for marker, made in self.paid_at.items() if marker in created
        ]
        answers = Counter[str]()
        for path in LIST_PATHS:
            for status, k in counters["requests"].get(path, {}).items():
                answers[status] += k
        return {
            "shape": self.shape,
            "orders": len(self.order_ids),
            "changes": len(self.flow.changed_at),
            "list_calls": len(self.list_calls),
            "list_calls_orders": sum(counters["requests"].get(LIST_PATHS[0], {}).values()),
            "list_calls_payments": sum(counters["requests"].get(LIST_PATHS[1], {}).values()),
            "answers": dict(answers),
            "peak_minute": max_in_window(self.list_calls, timedelta(minutes=1)),
            "peak_hour": max_in_window(self.list_calls, timedelta(hours=1)),
            "throttled": sum(int(v) for v in counters["throttled"].values()),
            "budget_waits": self.budget_waits,
            "orders_read": sum(r.orders_read for r in self.sweep_reports),
            "sent_by_sweep": sum(len(r.sent) for r in self.sweep_reports),
            "payments_read": sum(r.payments_read for r in self.payment_reports),
            "payments": self.counts["payments"],
            "receipts": len(self.utp.receipts),
            "webhooks_lost": lost,
            "lost_recovered_by": dict(recovered_by),
            "unapplied": len(unapplied),
            "worst_missed_webhook": max(lost_delays, default=timedelta(0)),
            "worst_payment": max(payment_delays, default=timedelta(0)),
            "payments_without_receipt": len(self.paid_at) - len(payment_delays),
        }


def _stub_reference() -> UtpReference:
    """Made-up UTP keys: the stubbed UTP accepts any."""
    return UtpReference(
        organisation_key=stub_ref("organisation", 0),
        currency_key=stub_ref("currency", 0),
        price_type_key=stub_ref("price-type", 0),
        default_warehouse_key=stub_ref("warehouse", 0),
        warehouse_keys={},
        warehouse_names={},
        cash_desk_key=stub_ref("cash-desk", 0),
        closure_reason_key=stub_ref("closure-reason", 0),
        responsible_key=stub_ref("user", 0),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--shapes", default="429,400", help="throttle answers to run the day with")
    parser.add_argument("--loss", type=float, default=0.03, help="share of webhooks SalesDrive loses")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--moto", action="store_true", help="DealStore and CursorStore on moto")
    args = parser.parse_args()
    worst_sweep = SWEEP_EVERY + timedelta(seconds=5)  # one interval (plus the run itself)
    worst_payment = PAYMENTS_EVERY + SWEEP_EVERY + timedelta(seconds=5)
    failed: list[str] = []
    for shape in args.shapes.split(","):
        started = time.perf_counter()
        r = run_day(args.orders, shape.strip(), args.loss, args.seed, moto=args.moto)
        took = time.perf_counter() - started
        print(f"== a day of {r['orders']} orders, throttle answer {r['shape']} ({took:.0f} s wall clock)")
        print(
            f"list calls used:            {r['list_calls']} (orders {r['list_calls_orders']}, payments"
            f" {r['list_calls_payments']}); target ≤ {TARGET_CALLS}"
        )
        print(f"peak list calls:            {r['peak_minute']} per sliding minute, {r['peak_hour']} per hour")
        print(f"answers to list calls:      {r['answers']}")
        print(f"throttled answers:          {r['throttled']}; target 0")
        print(f"runs stopped by the budget: {r['budget_waits']}")
        print(f"orders read by the sweep:   {r['orders_read']} ({r['sent_by_sweep']} sent to the deal flow)")
        print(f"order changes in the day:   {r['changes']} ({r['unapplied']} never applied)")
        print(
            f"webhooks lost:              {r['webhooks_lost']}; their changes reached the bridge by"
            f" {r['lost_recovered_by']}"
        )
        print(f"worst delay, lost webhook:  {r['worst_missed_webhook']} (simulated); bound {worst_sweep}")
        print(
            f"payments:                   {r['payments']} made, {r['payments_read']} read,"
            f" {r['receipts']} cash receipts"
        )
        print(f"worst delay, payment:       {r['worst_payment']} (simulated); bound {worst_payment}")
        if r["list_calls"] > TARGET_CALLS:
            failed.append(f"{shape}: {r['list_calls']} list calls > {TARGET_CALLS}")
        if r["throttled"]:
            failed.append(f"{shape}: {r['throttled']} throttled answers")
        if r["unapplied"] or r["lost_recovered_by"].get("never"):
            failed.append(f"{shape}: order changes never applied")
        if r["payments_without_receipt"] or r["receipts"] != r["payments"]:
            failed.append(f"{shape}: payments without exactly one cash receipt")
        if r["worst_missed_webhook"] > worst_sweep:
            failed.append(f"{shape}: a lost webhook waited {r['worst_missed_webhook']} > {worst_sweep}")
        if r["worst_payment"] > worst_payment:
            failed.append(f"{shape}: a payment waited {r['worst_payment']} > {worst_payment}")
    for reason in failed:
        print(f"TARGET MISSED: {reason}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
