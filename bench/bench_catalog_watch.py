"""Catalog freshness with the change watcher and **without** the on-save subscription (no change to the 1C
configuration): a change saved in UTP → visible in SalesDrive, and the load the watcher puts on UTP.

    .venv/bin/python bench/bench_catalog_watch.py [--products 200000] [--warehouses 10] [--changes 40]

The whole product runs in the sandbox, ``CatalogWatchFunction`` every minute as its schedule says; the
load on UTP idle (the window holding 48 h of a shop's documents) and while ``--changes`` changes are saved,
each timed until SalesDrive shows it (target p95 ≤ 60 s, none lost). Method: ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from typing import IO, Any
from zoneinfo import ZoneInfo

import httpx
from catalog_changes import Change, SeenWatcher, forced_full_push, per_kind, pick_products
from harness import argument_parser, percentile, quiet_logs, seeded_stack

from sandbox.runner.catalog_steps import CatalogUtp as Utp
from sandbox.utp.catalog_bodies import price_row, receipt_body, sale_parties

RECEIPT = "Document_ПоступлениеТоваровУслуг"
PRICE_SET = "Document_УстановкаЦенНоменклатуры"
INVOICE = "Document_РеализацияТоваровУслуг"
RETURN = "Document_ВозвратТоваровОтПокупателя"
ORDER = "Document_ЗаказПокупателя"
NS = "StandardODATA"
KYIV = ZoneInfo("Europe/Kyiv")  # the sandbox settings' timezone: UTP's local time
KINDS = ("price set", "goods receipt", "sales invoice", "customer return", "order reserve")
KIND_OF = {
    RECEIPT: "goods receipt",
    INVOICE: "sales invoice",
    RETURN: "customer return",
    ORDER: "order reserve",
}


def _stock(product: dict[str, Any] | None, stock_id: str) -> Decimal | None:
    if not product or stock_id not in (product.get("stockBalanceByStock") or {}):
        return None
    return Decimal(str(product["stockBalanceByStock"][stock_id]))


def _stock_is(stock_id: str, level: Decimal) -> Any:
    return lambda p: _stock(p, stock_id) == level


def _price_is(price: Decimal) -> Any:
    return lambda p: bool(p) and Decimal(str(p.get("costPerItem"))) == price


def _row(product: dict[str, Any], qty: float, warehouse: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "LineNumber": "1",
        "Номенклатура_Key": str(product["Ref_Key"]),
        "ЕдиницаИзмерения_Key": product.get("ЕдиницаХраненияОстатков_Key"),
        "Коэффициент": 1,
        "Количество": qty,
        "Цена": 100,
        "Сумма": qty * 100,
        "СтавкаНДС": "НДС20",
        "СуммаНДС": round(qty * 100 / 6, 2),
    }
    if warehouse:
        row["Склад_Key"] = warehouse
    return row


def _sale_header(seed: dict[str, Any], date: str | None) -> dict[str, Any]:
    # A customer whose contract is settled for the contract as a whole: neither an invoice nor a return
    # needs an order (UTP 1.2: Documents/РеализацияТоваровУслуг/Ext/ObjectModule.bsl,
    # ПроверитьЗаполнениеШапки; the same in ВозвратТоваровОтПокупателя).
    cp = next(c for c in seed["counterparties"] if c["settlement"] == "ПоДоговоруВЦелом")
    body = {
        "ВидОперации": "ПродажаКомиссия",
        **sale_parties(seed, cp),
        "УчитыватьНДС": True,
        "СуммаВключаетНДС": True,
        "ОтражатьВУправленческомУчете": True,
    }
    if date:
        body["Date"] = date
    return body


def order_body(
    seed: dict[str, Any], warehouse: str, product: dict[str, Any], qty: float, date: str | None = None
) -> dict[str, Any]:
    """A customer order reserving ``qty`` on ``warehouse`` (its row's Размещение)."""
    row = _row(product, qty)
    row.update(Размещение=warehouse, Размещение_Type=f"{NS}.Catalog_Склады")
    return {
        **_sale_header(seed, date),
        "ТипЦен_Key": seed["price_type"],
        "СкладГруппа": warehouse,
        "СкладГруппа_Type": f"{NS}.Catalog_Склады",
        "Товары": [row],
    }


def invoice_body(
    seed: dict[str, Any], warehouse: str, product: dict[str, Any], qty: float, date: str | None = None
) -> dict[str, Any]:
    """A sales invoice shipping ``qty`` from the warehouse's free stock."""
    row = _row(product, qty, warehouse)
    row["СпособСписанияОстаткаТоваров"] = "СоСклада"
    return {**_sale_header(seed, date), "ВидПередачи": "СоСклада", "Склад_Key": warehouse, "Товары": [row]}


def return_body(
    seed: dict[str, Any], warehouse: str, product: dict[str, Any], qty: float, date: str | None = None
) -> dict[str, Any]:
    """A customer return of ``qty`` to the warehouse (quality "new": nothing fills it on write)."""
    row = _row(product, qty, warehouse)
    row["Качество_Key"] = seed["quality_new"]
    return {
        **_sale_header(seed, date),
        "ВидПоступления": "НаСклад",
        "СкладОрдер": warehouse,
        "СкладОрдер_Type": f"{NS}.Catalog_Склады",
        "Товары": [row],
    }


def _receipt(
    seed: dict[str, Any], warehouse: str, product: dict[str, Any], qty: float, date: str | None = None
) -> dict[str, Any]:
    body = receipt_body(
        seed,
        warehouse,
        [(str(product["Ref_Key"]), str(product.get("ЕдиницаХраненияОстатков_Key")), qty, qty)],
    )
    if date:
        body["Date"] = date
    return body


def _figures(values: list[float]) -> str:
    p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
    return f"p50 {p50:5.1f} s  p95 {p95:5.1f} s  max {max(values):5.1f} s"


def seed_window(
    utp: Utp,
    seed: dict[str, Any],
    products: list[dict[str, Any]],
    warehouses: list[str],
    per_day: int,
    rng: random.Random,
) -> dict[str, int]:
    """48 h of a shop's documents, dated over the last 48 h (UTP local time), all posted."""
    now = datetime.now(KYIV).replace(tzinfo=None, microsecond=0)
    made: dict[str, int] = {}

    def at() -> str:
        return (now - timedelta(seconds=rng.randrange(48 * 3600))).isoformat()

    def make(entity: str, body: dict[str, Any]) -> None:
        utp.create(entity, body, post=True)
        made[entity] = made.get(entity, 0) + 1
        if sum(made.values()) % 250 == 0:
            print(f"  {sum(made.values())} documents …", flush=True)

    for n in range(per_day * 2):
        product, warehouse = rng.choice(products), rng.choice(warehouses)
        date = at()
        make(ORDER, order_body(seed, warehouse, product, 1, date))
        make(INVOICE, invoice_body(seed, warehouse, product, 1, date))
        if n % 10 == 0:
            make(RETURN, return_body(seed, warehouse, product, 1, date))
    for _ in range(2 * max(per_day // 15, 1)):  # a receipt and a price set for every ≈ 15 orders
        product, warehouse = rng.choice(products), rng.choice(warehouses)
        make(RECEIPT, _receipt(seed, warehouse, product, 10, at()))
        row = price_row(seed, str(product["Ref_Key"]), str(product.get("ЕдиницаХраненияОстатков_Key")), 99.0)
        make(PRICE_SET, {"Date": at(), "Товары": [row]})
    return made


def parse_args() -> argparse.Namespace:
    parser = argument_parser(__doc__)
    parser.add_argument("--products", type=int, default=200_000)
    parser.add_argument("--warehouses", type=int, default=10)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--per-minute", type=float, default=20.0)
    parser.add_argument("--idle-s", type=float, default=70.0)
    parser.add_argument("--orders-per-day", type=int, default=300)
    parser.add_argument("--utp-latency-ms", type=int, default=100)
    parser.add_argument("--seed", type=int, default=11)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    quiet_logs()
    rng = random.Random(args.seed)
    t0 = time.monotonic()
    stack, _config, state_dir = seeded_stack(
        args.products, args.warehouses, utp_on_save=False, prefix="watch-"
    )
    log_file = (state_dir / "handlers.log").open("w", encoding="utf-8")
    with stack:
        print(f"  seeded in {time.monotonic() - t0:.0f} s", flush=True)
        bench = _WatchBench(args, rng, stack, log_file)
        made = bench.write_backdrop()
        if not bench.first_push():
            return 1
        idle = bench.idle_load()
        busy = bench.save_changes()
        bench.utp.http.close()
    ok = _report(args, bench.watcher.changes, made, idle, busy)
    log_file.close()
    return 0 if ok else 1


class _WatchBench:
    """The stack, a UTP client whose own reads are counted (taken out of the load), the products to
    change, the documents posted so far and the SalesDrive watcher."""

    def __init__(self, args: argparse.Namespace, rng: random.Random, stack: Any, log_file: IO[str]) -> None:
        self.args, self.rng, self.stack, self.log_file = args, rng, stack, log_file
        self.utp_app = stack.emulators["utp"].app
        self.seed = self.utp_app.seed_info
        # Wholesale warehouses: the retail one keeps its goods in another register.
        self.wholesale = [
            (i, w["ref"]) for i, w in enumerate(self.seed["warehouses"]) if w["kind"] == "Оптовый"
        ]
        self.own_gets = 0  # the benchmark's own UTP reads (expected values), taken out of the load
        endpoints = stack.endpoints
        self.utp = Utp(endpoints["utp_odata_url"], (endpoints["utp_user"], endpoints["utp_password"]))
        self.utp.http.event_hooks["request"].append(self._count_own)
        self.products = pick_products(self.utp, rng, max(400, 3 * args.changes))
        # Posted documents that may be unposted or re-posted: (entity, ref, product, warehouse index, change).
        self.posted: list[tuple[str, str, dict[str, Any], int, Change]] = []
        self.watcher = SeenWatcher(stack.emulators["salesdrive"].app, 0.05)

    def _count_own(self, request: httpx.Request) -> None:
        if request.method == "GET":
            self.own_gets += 1

    def write_backdrop(self) -> dict[str, int]:
        """48 h of the shop's documents on 100 of the products (then UTP's latency switched on)."""
        backdrop_products, self.products = self.products[:100], self.products[100:]
        print(f"Writing 48 h of a {self.args.orders_per_day}-orders-a-day shop's documents …", flush=True)
        t0 = time.monotonic()
        warehouses = [r for _, r in self.wholesale]
        made = seed_window(
            self.utp, self.seed, backdrop_products, warehouses, self.args.orders_per_day, self.rng
        )
        print(f"  {made} in {time.monotonic() - t0:.0f} s", flush=True)
        self.utp_app.configure(latency_ms=self.args.utp_latency_ms)
        return made

    def first_push(self) -> bool:
        print("First full push (forced) …", flush=True)
        t0 = time.monotonic()
        run = forced_full_push(self.stack, self.log_file)
        if not run.ok:
            print(f"  FAILED: {run.error}")
            return False
        print(f"  {time.monotonic() - t0:.0f} s", flush=True)
        return True

    def watcher_runs(self) -> list[dict[str, Any]]:
        return [
            c.result
            for c in self.stack.invocations()
            if c.function == "CatalogWatchFunction" and c.ok and isinstance(c.result, dict)
        ]

    def bridge_gets(self, own_before: int) -> int:
        """UTP GET requests since the counters were reset, less the benchmark's own since ``own_before``."""
        gets = sum(v for k, v in self.utp_app.counters.items() if k.startswith("GET "))
        return gets - (self.own_gets - own_before)

    def idle_load(self) -> tuple[float, float, float]:
        """The watcher started, its first run (the first look reads the lines of every posted document of
        the window) finished, then a quiet period: UTP GET requests a minute (all of the bridge's reads,
        from the emulator's counters), rows the watcher read a minute (a run is a minute), its runs."""
        assert self.stack.scheduler is not None
        self.stack.scheduler.fire_in_background("CatalogWatchFunction")
        deadline = time.monotonic() + 120
        while not self.watcher_runs() and time.monotonic() < deadline:
            time.sleep(0.5)
        seconds = self.args.idle_s
        before_runs, before_own = len(self.watcher_runs()), self.own_gets
        self.utp_app.reset_counters()
        print(
            f"Idle, the window holding {self.args.orders_per_day} orders a day: {seconds:.0f} s …", flush=True
        )
        time.sleep(seconds)
        gets = self.bridge_gets(before_own)
        runs = self.watcher_runs()[before_runs:]
        rows = sum(int(r.get("rows_read", 0)) for r in runs) / max(len(runs), 1)
        return gets / (seconds / 60), rows, float(len(runs))

    def save_changes(self) -> tuple[float, int, list[dict[str, Any]]]:
        """``--changes`` changes saved at random moments, watched until seen: the seconds it took, the
        bridge's UTP GET requests meanwhile and the watcher's runs."""
        args = self.args
        self.watcher.thread.start()
        before_runs, before_own = len(self.watcher_runs()), self.own_gets
        self.utp_app.reset_counters()
        started = time.monotonic()
        print(
            f"Saving {args.changes} changes in UTP (≈ {args.per_minute:g}/min), subscription off …",
            flush=True,
        )
        with contextlib.redirect_stdout(self.log_file):
            for n in range(args.changes):
                time.sleep(self.rng.expovariate(args.per_minute / 60.0))
                self.watcher.add(*self._change(n))
            self.watcher.wait(120)
        self.watcher.done.set()
        busy_s = time.monotonic() - started
        return busy_s, self.bridge_gets(before_own), self.watcher_runs()[before_runs:]

    def _change(self, n: int) -> list[Change]:
        """The ``n``-th change: the five kinds in turn first, then any kind, unposting or re-posting
        included once a posted document has been seen."""
        rng = self.rng
        product = self.products.pop()
        ready = [p for p in self.posted if p[4].seen_after is not None]
        kind = KINDS[n % len(KINDS)] if n < len(KINDS) else rng.choice([*KINDS, "unposting", "re-posted"])
        if kind in ("unposting", "re-posted") and not [
            p for p in ready if p[0] == RECEIPT or kind == "unposting"
        ]:
            kind = "goods receipt"
        w, warehouse = rng.choice(self.wholesale)
        if kind in ("sales invoice", "order reserve"):
            # Goods on the shelf, or the free stock has nothing to lose.
            for _ in range(20):
                if self.utp.free_stock(warehouse, str(product["Ref_Key"])) >= 3:
                    break
                product = self.products.pop()
            else:
                kind = "goods receipt"
        if kind == "price set":
            return [self._price_set(product)]
        if kind in KINDS:
            return [self._document(kind, product, w, warehouse)]
        return self._undo(kind, ready, product)

    def _price_set(self, product: dict[str, Any]) -> Change:
        price = Decimal(self.rng.randint(100, 99_999)) / 100
        unit = str(product.get("ЕдиницаХраненияОстатков_Key"))
        row = price_row(self.seed, str(product["Ref_Key"]), unit, float(price))
        self.utp.create(PRICE_SET, {"Товары": [row]}, post=True)
        return Change("price set", str(product["Артикул"]), time.monotonic(), _price_is(price))

    def _document(self, kind: str, product: dict[str, Any], w: int, warehouse: str) -> Change:
        """A posted document that moves the product's free stock; expected: what UTP now gives."""
        seed = self.seed
        entity, body = {
            "goods receipt": (RECEIPT, _receipt(seed, warehouse, product, self.rng.randint(5, 50))),
            "sales invoice": (INVOICE, invoice_body(seed, warehouse, product, 2)),
            "customer return": (RETURN, return_body(seed, warehouse, product, 1)),
            "order reserve": (ORDER, order_body(seed, warehouse, product, 2)),
        }[kind]
        ref = self.utp.create(entity, body, post=True)
        at = time.monotonic()
        expected = self.utp.free_stock(warehouse, str(product["Ref_Key"]))
        change = Change(kind, str(product["Артикул"]), at, _stock_is(str(w + 1), expected))
        self.posted.append((entity, ref, product, w, change))
        return change

    def _undo(
        self, kind: str, ready: list[tuple[str, str, dict[str, Any], int, Change]], product: dict[str, Any]
    ) -> list[Change]:
        """A seen document unposted, or a seen receipt re-posted with ``product`` instead of its own."""
        utp, rng = self.utp, self.rng
        pool = [p for p in ready if p[0] == RECEIPT or kind == "unposting"]
        entity, ref, old, w, _ = pool[rng.randrange(len(pool))]
        self.posted.remove(next(p for p in self.posted if p[1] == ref))
        old_ref, old_sku = str(old["Ref_Key"]), str(old["Артикул"])
        warehouse, stock_id = self.seed["warehouses"][w]["ref"], str(w + 1)
        if kind == "unposting":
            utp.http.post(f"{utp.root}/{entity}(guid'{ref}')/Unpost?$format=json").raise_for_status()
            at = time.monotonic()
            expected = utp.free_stock(warehouse, old_ref)
            return [Change(f"unposting: {KIND_OF[entity]}", old_sku, at, _stock_is(stock_id, expected))]
        body = _receipt(self.seed, warehouse, product, rng.randint(5, 50))
        utp.patch(RECEIPT, ref, {"Товары": body["Товары"]})
        utp.http.post(f"{utp.root}/{RECEIPT}(guid'{ref}')/Post?$format=json").raise_for_status()
        at = time.monotonic()
        old_level = utp.free_stock(warehouse, old_ref)
        new_level = utp.free_stock(warehouse, str(product["Ref_Key"]))
        new = Change(kind + " (new)", str(product["Артикул"]), at, _stock_is(stock_id, new_level))
        self.posted.append((RECEIPT, ref, product, w, new))
        return [Change(kind + " (old)", old_sku, at, _stock_is(stock_id, old_level)), new]


def _report(
    args: argparse.Namespace,
    changes: list[Change],
    made: dict[str, int],
    idle: tuple[float, float, float],
    busy: tuple[float, int, list[dict[str, Any]]],
) -> bool:
    """Freshness per kind and overall, the load on UTP idle and busy; True when the target is met."""
    busy_s, busy_gets, busy_runs = busy
    seen = [c.seen_after for c in changes if c.seen_after is not None]
    missing = [c for c in changes if c.seen_after is None]
    print()
    size = f"{args.products:,} SKUs × {args.warehouses} warehouses"
    print(f"Freshness with the watcher, subscription OFF: {len(changes)} changes at {size}")
    for kind, values in sorted(per_kind(changes).items()):
        print(f"  {kind:<28} n={len(values):<3} {_figures(values)}")
    if seen:
        print(f"  {'all':<28} n={len(seen):<3} {_figures(seen)}")
    print(f"  never seen: {len(missing)} {[c.kind for c in missing]}")
    rows = sum(int(r.get("rows_read", 0)) for r in busy_runs) / max(len(busy_runs), 1)
    print(
        f"UTP load, nothing changing, the window holding 48 h of {args.orders_per_day} orders a day "
        f"({sum(made.values())} documents): {idle[0]:.1f} GET/min (the watcher alone), "
        f"{idle[1]:,.0f} document rows/min ({idle[2]:.0f} watcher runs)"
    )
    print(
        f"UTP load with the changes: {busy_gets / (busy_s / 60):.1f} GET/min (watcher + targeted pushes), "
        f"the watcher {rows:,.0f} document rows/min ({len(busy_runs)} runs)"
    )
    ok = bool(seen) and not missing and percentile(seen, 0.95) <= 60
    print("PASS" if ok else "FAIL", "(target: p95 ≤ 60 s, none lost)")
    return ok


if __name__ == "__main__":
    sys.exit(main())
