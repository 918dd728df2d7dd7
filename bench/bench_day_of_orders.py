"""A simulated day of 2,000 orders: SalesDrive list calls, throttled answers and the worst delays.

    .venv/bin/python bench/bench_day_of_orders.py [--orders 2000] [--shapes 429,400] [--loss 0.03]

In process, on simulated time (the SalesDrive emulator's ``ManualClock``, which also drives the read
budget), with the real pieces wherever the figures depend on them:

- SalesDrive: the emulator (``sandbox.salesdrive``) with its limits enforced (10/min, 100/h, 1,000/day,
  sliding), once with each throttle answer it can give (429 + ``Retry-After``, and 400); its webhooks
  lose ``--loss`` of the deliveries at random (seeded);
- the bridge: the real ``SalesDriveClient`` with the real read budget (``InMemoryReadBudget``: the same
  decision as the DynamoDB budget, on the emulator's clock), the real ``sweep_orders`` every 4 min and
  the real ``import_payments`` every 5 min (the default schedules of ``template.yaml``) with the default
  overlaps, the real ``DealStore`` and ``CursorStore`` (on a dictionary that answers the DynamoDB calls
  they make; ``--moto`` puts them on moto instead: the same figures, several times slower);
- stubbed, because no figure printed depends on it: the deal processor (an event, from a webhook or from
  the sweep, is applied at once: its version is recorded as ``DealStore.order_state`` with a made-up
  UTP order reference) and UTP under the payment importer (a dictionary of cash receipts; every order
  is found with a counterparty and a contract). UTP costs are in ``bench_deal_calls.py`` and
  ``bench_utp_calls.py``.

The day: 2,000 orders spread over the hours like a Ukrainian web shop (quiet at night, busy 9-22), each
moved through 1-3 more statuses within hours; 80 % are paid (a quarter of those in two partial
payments). Printed per throttle shape: list calls used (target ≤ 1,000), their peaks per sliding
minute and hour, throttled answers (target 0), orders and payments read, webhooks lost and how each
change they carried reached the bridge, and the worst-case delay (simulated time) from a change in
SalesDrive whose webhook was lost to the bridge applying it, and from a payment to its cash receipt.
Exits non-zero when a target is missed. Takes about 20 s per shape (2-core sandbox machine).
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import itertools
import json
import os
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "layers" / "common"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
os.environ["AWS_ACCESS_KEY_ID"] = "testing"  # moto only: nothing here may reach AWS
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"  # noqa: S105
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_SESSION_TOKEN", None)

import httpx  # noqa: E402

from bridge.salesdrive.client import SalesDriveClient  # noqa: E402
from bridge.settings import BridgeSettings  # noqa: E402
from bridge.store.cursors import CursorStore  # noqa: E402
from bridge.store.deals import DealStore, OrderState, is_newer  # noqa: E402
from bridge.sync.catch_up import sweep_orders  # noqa: E402
from bridge.sync.payments import PaymentCollaborators, import_payments  # noqa: E402
from bridge.sync.read_budget_rules import InMemoryReadBudget  # noqa: E402
from bridge.sync.reference import UtpReference  # noqa: E402
from bridge.utp.models import CashReceiptInput  # noqa: E402
from sandbox.salesdrive.app import SalesDriveEmulator, SalesDriveEmulatorConfig, create_app  # noqa: E402
from sandbox.salesdrive.clock import KYIV, ManualClock  # noqa: E402
from sandbox.salesdrive.testing import api_client  # noqa: E402

DAY_START = datetime(2025, 10, 6, 0, 0, 0)  # SalesDrive's account-local (Kyiv) wall clock, a Monday
DAY = timedelta(days=1)
SWEEP_EVERY = timedelta(minutes=4)  # template.yaml: CatchUpSweepFunction rate(4 minutes)
PAYMENTS_EVERY = timedelta(minutes=5)  # template.yaml: PaymentImporterFunction rate(5 minutes)
HOURLY = (1, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 7, 7, 7, 7, 7, 8, 8, 7, 5, 3, 2)
STATUS_PATH = (2, 3, 4, 5)  # Підтверджено → На відправку → Відправлено → Продаж (seeded statuses)
LIST_PATHS = ("/api/order/list/", "/api/payment/list/")
TARGET_CALLS = 1000
TABLE = "bridge-bench"


def _ref(kind: str, n: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{kind}/{n}"))


class StubUtp:
    """UTP under the payment importer: every order exists, receipts are kept in a dictionary."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self.receipts: dict[str, str] = {}  # marker → ref
        self.created_at: dict[str, datetime] = {}  # marker → simulated time of the receipt

    def get_sales_order(self, ref: str) -> Any:
        return SimpleNamespace(
            ref=ref,
            counterparty_key=_ref("counterparty", 0),
            contract_key=_ref("contract", 0),
            organisation_key=_ref("organisation", 0),
            currency_key=_ref("currency", 0),
            date=DAY_START,
        )

    def find_sales_order_by_marker(self, marker: str) -> None:
        return None  # the bridge's records always know the order here

    def find_cash_receipt_by_marker(self, marker: str) -> Any:
        ref = self.receipts.get(marker)
        return SimpleNamespace(ref=ref, posted=True, deletion_mark=False) if ref else None

    def create_cash_receipt(self, receipt: CashReceiptInput, *, post: bool = True) -> Any:
        ref = _ref("receipt", len(self.receipts))
        self.receipts[receipt.marker] = ref
        self.created_at[receipt.marker] = self._now()
        return SimpleNamespace(ref=ref, posted=post)

    def post_document(self, entity: str, ref: str, *, operational: bool = False) -> None:
        return None


@dataclass
class DealFlow:
    """The deal processor, stubbed: an event is applied when it arrives (webhook or sweep)."""

    store: DealStore
    now: Callable[[], datetime]
    changed_at: dict[tuple[int, int], datetime] = field(default_factory=dict)  # (order, version) → when
    versions: dict[int, list[int]] = field(default_factory=dict)  # order → versions not applied yet
    applied_at: dict[tuple[int, int], tuple[datetime, str]] = field(default_factory=dict)
    applied: Counter[str] = field(default_factory=Counter)

    def apply(self, body: dict[str, Any], source: str) -> None:
        data = body.get("data", body)
        order_id, version = int(data["id"]), int(data.get("version") or 0)
        update_at = str(data.get("updateAt") or "")
        state = self.store.order_state(order_id)
        if state is not None and not is_newer(version, update_at, state):
            return
        self.store.save_order_state(
            OrderState(
                order_id=order_id,
                version=version,
                update_at=update_at,
                status_id=int(data["statusId"]) if data.get("statusId") is not None else None,
                utp_order_ref=_ref("order", order_id),
            )
        )
        self.applied[source] += 1
        waiting = self.versions.get(order_id, [])
        for v in [v for v in waiting if v <= version]:
            self.applied_at[(order_id, v)] = (self.now(), source)
            waiting.remove(v)

    def changed(self, order_id: int, version: int) -> None:
        if (order_id, version) not in self.changed_at:
            self.changed_at[(order_id, version)] = self.now()
            self.versions.setdefault(order_id, []).append(version)

    def webhook(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        self.apply(json.loads(body), "webhook")
        return 200

    def send(self, *, order_id: int, deduplication_id: str, body: str, source: str) -> str:
        self.apply(json.loads(body), source)  # the FIFO queue, consumed at once
        return deduplication_id


class ConditionalCheckFailedException(Exception):
    pass


class DictDynamoDB:
    """The five DynamoDB calls ``DealStore`` and ``CursorStore`` make, on a dictionary (``--moto``
    runs them on moto instead: the same figures, about six times slower)."""

    exceptions = SimpleNamespace(ConditionalCheckFailedException=ConditionalCheckFailedException)

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    @staticmethod
    def _key(key: dict[str, Any]) -> tuple[str, str]:
        return key["pk"]["S"], key["sk"]["S"]

    def get_item(self, *, TableName: str, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        item = self.items.get(self._key(Key))
        return {"Item": item} if item is not None else {}

    def put_item(
        self,
        *,
        TableName: str,
        Item: dict[str, Any],
        ConditionExpression: str | None = None,
        ExpressionAttributeValues: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        key = self._key(Item)
        current = self.items.get(key)
        if ConditionExpression == "attribute_not_exists(pk)" and current is not None:
            raise ConditionalCheckFailedException()
        if ConditionExpression == "claim = :claim":
            wanted = (ExpressionAttributeValues or {})[":claim"]
            if current is None or current.get("claim") != wanted:
                raise ConditionalCheckFailedException()
        elif ConditionExpression not in (None, "attribute_not_exists(pk)"):
            raise NotImplementedError(ConditionExpression)
        self.items[key] = Item
        return {}

    def delete_item(self, *, TableName: str, Key: dict[str, Any]) -> dict[str, Any]:
        self.items.pop(self._key(Key), None)
        return {}

    def query(self, *, ExpressionAttributeValues: dict[str, Any], **_: Any) -> dict[str, Any]:
        pk, prefix = ExpressionAttributeValues[":pk"]["S"], ExpressionAttributeValues[":prefix"]["S"]
        found = [item for (p, sk), item in sorted(self.items.items()) if p == pk and sk.startswith(prefix)]
        return {"Items": found}


def _dynamodb() -> Any:
    import boto3

    client = boto3.client("dynamodb", region_name="eu-central-1")
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )
    return client


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


def _max_in(times: list[datetime], span: timedelta) -> int:
    best, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= span:
            first += 1
        best = max(best, last - first + 1)
    return best


def run_day(orders: int, shape: str, loss: float, seed: int, *, moto: bool = False) -> dict[str, Any]:
    from moto import mock_aws

    rng = random.Random(seed)
    clock = ManualClock(DAY_START - timedelta(minutes=1))
    with mock_aws() if moto else contextlib.nullcontext():
        dynamodb = _dynamodb() if moto else DictDynamoDB()
        store = DealStore(TABLE, dynamodb=dynamodb)
        flow = DealFlow(store, clock.now)
        emulator: SalesDriveEmulator = create_app(
            SalesDriveEmulatorConfig(
                throttle_shape=shape,
                limit_window="sliding",
                webhook_loss_rate=loss,
                random_seed=seed,
                seed_products=3,
            ),
            clock=clock,
            webhook_transport=flow.webhook,
        )
        emulator.subscribe("https://bridge.bench/webhook/token")
        list_calls: list[datetime] = []

        def count(request: httpx.Request) -> None:
            if request.url.path in LIST_PATHS:
                list_calls.append(clock.now())

        http = api_client(emulator)
        http.event_hooks["request"].append(count)
        budget = InMemoryReadBudget(now=lambda: clock.now().replace(tzinfo=KYIV).astimezone(UTC))
        salesdrive = SalesDriveClient(
            api_key=emulator.config.api_key,
            budget=budget,
            http=http,
            sleep=clock.advance,
            wall_clock=lambda: clock.now().replace(tzinfo=KYIV).timestamp(),
        )
        settings = BridgeSettings(
            salesdrive_account=emulator.config.account,
            organisation="ТОВ Bench",
            price_type="Роздрібна",
            default_warehouse="Основний склад",
            cash_desk="Основна каса",
            closure_reason="Відмова покупця",
            responsible_user="Інтеграція SalesDrive",
        )
        cursors = CursorStore(TABLE, dynamodb=dynamodb)
        utp = StubUtp(clock.now)
        reference = UtpReference(
            organisation_key=_ref("organisation", 0),
            currency_key=_ref("currency", 0),
            price_type_key=_ref("price-type", 0),
            default_warehouse_key=_ref("warehouse", 0),
            warehouse_keys={},
            warehouse_names={},
            cash_desk_key=_ref("cash-desk", 0),
            closure_reason_key=_ref("closure-reason", 0),
            responsible_key=_ref("user", 0),
        )
        payments_ctx = PaymentCollaborators(
            salesdrive=salesdrive,
            utp=utp,  # type: ignore[arg-type]
            store=store,
            cursors=cursors,
            settings=settings,
            reference=reference,
        )

        order_ids: dict[int, int] = {}
        step: dict[int, int] = {}
        paid_at: dict[str, datetime] = {}  # receipt marker → when the payment was made
        counts: Counter[str] = Counter()
        budget_waits = 0

        def note_version(order_id: int) -> None:
            flow.changed(order_id, int(emulator.order(order_id)["version"]))

        def pay(n: int, amount: Decimal) -> None:
            order_id = order_ids[n]
            payment = emulator.add_payment(amount, [(order_id, amount)])
            paid_at[f"SDP-{payment['id']}-{order_id}"] = clock.now()
            counts["payments"] += 1
            note_version(order_id)  # a payment may bump updateAt (not the version)

        events: list[tuple[datetime, int, str, int]] = []
        seq = itertools.count()
        for when, what, n in _day_plan(orders, rng):
            heapq.heappush(events, (when, next(seq), what, n))
        moment = DAY_START
        while moment < DAY_START + DAY:
            heapq.heappush(events, (moment + timedelta(seconds=30), next(seq), "sweep", 0))
            moment += SWEEP_EVERY
        moment = DAY_START
        while moment < DAY_START + DAY:
            heapq.heappush(events, (moment + timedelta(seconds=45), next(seq), "payments", 0))
            moment += PAYMENTS_EVERY

        sweep_reports = []
        payment_reports = []
        while events:
            when, _, what, n = heapq.heappop(events)
            if when > clock.now():
                clock.set(when)
            emulator.deliver_due_webhooks()
            if what == "create":
                answer = emulator.create_order(
                    {
                        "fName": f"Покупець {n}",
                        "phone": f"+38067{n:07d}",
                        "products": [{"id": f"BENCH-{n % 50}", "name": "Запчастина", "costPerItem": 400}],
                    }
                )
                order_ids[n] = int(answer["id"])
                step[n] = 0
                note_version(order_ids[n])
            elif what == "advance":
                status = STATUS_PATH[min(step[n], len(STATUS_PATH) - 1)]
                step[n] += 1
                emulator.update_order({"id": order_ids[n], "data": {"statusId": status}})
                note_version(order_ids[n])
            elif what == "pay_full":
                pay(n, Decimal(400))
            elif what == "pay_half":
                pay(n, Decimal(150))
            elif what == "pay_rest":
                pay(n, Decimal(250))
            elif what == "sweep":
                report = sweep_orders(
                    salesdrive=salesdrive,
                    store=store,
                    queue=flow,
                    cursors=cursors,
                    now=clock.now(),
                    overlap_minutes=settings.sweep_overlap_minutes,
                )
                sweep_reports.append(report)
                budget_waits += report.budget_exhausted_until is not None
            elif what == "payments":
                result = import_payments(
                    payments_ctx, now=clock.now(), overlap_minutes=settings.payment_overlap_minutes
                )
                payment_reports.append(result)
                budget_waits += result.budget_exhausted_until is not None
            emulator.deliver_due_webhooks()

        counters = emulator.counters
        lost = {
            (int(e["order_id"]), int(e["version"])) for e in emulator.webhook_log if e["outcome"] == "lost"
        }
        lost_delays = []
        recovered_by: Counter[str] = Counter()
        for key in lost:
            if key not in flow.changed_at:
                continue
            applied = flow.applied_at.get(key)
            if applied is None:
                recovered_by["never"] += 1
                continue
            lost_delays.append(applied[0] - flow.changed_at[key])
            recovered_by[applied[1]] += 1
        unapplied = [k for k in flow.changed_at if k not in flow.applied_at]
        payment_delays = [
            utp.created_at[marker] - made for marker, made in paid_at.items() if marker in utp.created_at
        ]
        throttled = sum(int(v) for v in counters["throttled"].values())
        answers = Counter[str]()
        for path in LIST_PATHS:
            for status, k in counters["requests"].get(path, {}).items():
                answers[status] += k
        return {
            "shape": shape,
            "orders": len(order_ids),
            "changes": len(flow.changed_at),
            "list_calls": len(list_calls),
            "list_calls_orders": sum(counters["requests"].get(LIST_PATHS[0], {}).values()),
            "list_calls_payments": sum(counters["requests"].get(LIST_PATHS[1], {}).values()),
            "answers": dict(answers),
            "peak_minute": _max_in(list_calls, timedelta(minutes=1)),
            "peak_hour": _max_in(list_calls, timedelta(hours=1)),
            "throttled": throttled,
            "budget_waits": budget_waits,
            "orders_read": sum(r.orders_read for r in sweep_reports),
            "sent_by_sweep": sum(len(r.sent) for r in sweep_reports),
            "payments_read": sum(r.payments_read for r in payment_reports),
            "payments": counts["payments"],
            "receipts": len(utp.receipts),
            "webhooks_lost": len(lost),
            "lost_recovered_by": dict(recovered_by),
            "unapplied": len(unapplied),
            "worst_missed_webhook": max(lost_delays, default=timedelta(0)),
            "worst_payment": max(payment_delays, default=timedelta(0)),
            "payments_without_receipt": len(paid_at) - len(payment_delays),
        }


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
