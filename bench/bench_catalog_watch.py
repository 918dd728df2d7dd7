"""Catalog freshness with the change watcher and **without** the on-save subscription (no change to the 1C
configuration): a change saved in UTP → visible in SalesDrive, and the load the watcher puts on UTP.

The whole product runs in the sandbox (as ``bench_catalog_freshness.py``), the UTP emulator's on-save
subscription off; ``CatalogWatchFunction`` runs every minute as its schedule says and polls UTP's recent
documents for a new ``DataVersion``. Every document is written with the bodies a real base posts
(``sandbox/utp/catalog_bodies.py``, and the sales documents of ``tests/sandbox``). Measured:

1. UTP load while idle, the watcher's window empty: requests and rows read per minute.
2. The same with the window holding 48 h of a ``--orders-per-day`` shop's documents (each order: a posted
   customer order reserving its goods and a sales invoice; a return for one order in ten; goods receipts
   and price sets), dated over the last 48 h in UTP's local time, written before the first full push.
3. ``--changes`` changes saved at random moments (``--per-minute``): price sets, goods receipts, sales
   invoices, customer returns, order reserves, unposting of one of them, and a receipt re-posted with
   another product (both products must show). Each is timed from UTP's answer until SalesDrive shows the
   free stock (or price) UTP itself now gives; p50 / p95 / max per kind, and how many were never seen.
   The UTP load meanwhile, less the benchmark's own reads of the expected values.

    .venv/bin/python bench/bench_catalog_watch.py [--products 200000] [--warehouses 10] [--changes 40]
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_catalog_freshness import Change, _pick_products, percentile  # noqa: E402

from sandbox.runner.catalog_steps import CatalogUtp as Utp  # noqa: E402
from sandbox.runner.product import DEFAULT_SETTINGS, BridgeSandboxConfig, build_stack  # noqa: E402
from sandbox.utp.app import UtpEmulatorConfig  # noqa: E402
from sandbox.utp.catalog_bodies import price_row, receipt_body  # noqa: E402

RECEIPT = "Document_ПоступлениеТоваровУслуг"
PRICE_SET = "Document_УстановкаЦенНоменклатуры"
INVOICE = "Document_РеализацияТоваровУслуг"
RETURN = "Document_ВозвратТоваровОтПокупателя"
ORDER = "Document_ЗаказПокупателя"
NS = "StandardODATA"
KYIV = ZoneInfo("Europe/Kyiv")
KIND_OF = {
    RECEIPT: "goods receipt",
    INVOICE: "sales invoice",
    RETURN: "customer return",
    ORDER: "order reserve",
}  # the sandbox settings' timezone: UTP's local time


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
        "Организация_Key": seed["organization"]["ref"],
        "Контрагент_Key": cp["ref"],
        "ДоговорКонтрагента_Key": cp["contract"],
        "ВалютаДокумента_Key": seed["currency_uah"],
        "КурсВзаиморасчетов": 1,
        "КратностьВзаиморасчетов": "1",
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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=200_000)
    parser.add_argument("--warehouses", type=int, default=10)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--per-minute", type=float, default=20.0)
    parser.add_argument("--idle-s", type=float, default=70.0)
    parser.add_argument("--orders-per-day", type=int, default=300)
    parser.add_argument("--utp-latency-ms", type=int, default=100)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("werkzeug", "httpx", "sandbox", "botocore", "salesdrive-utp-bridge"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    rng = random.Random(args.seed)
    print(
        f"Seeding the UTP emulator: {args.products:,} products × {args.warehouses} warehouses …", flush=True
    )
    t0 = time.monotonic()
    utp_config = UtpEmulatorConfig(products=args.products, warehouses=args.warehouses, latency_ms=0)
    state_dir = Path(tempfile.mkdtemp(prefix="watch-"))
    config = BridgeSandboxConfig(state_dir=state_dir, utp_config=utp_config, utp_on_save=False)
    stack = build_stack(config)
    utp_app = stack.emulators["utp"].app
    seed = utp_app.seed_info
    names = [w["description"] for w in seed["warehouses"]]
    config.settings = {
        **DEFAULT_SETTINGS,
        "warehouses": {str(i + 1): name for i, name in enumerate(names)},
        "stock_ids": {name: i + 1 for i, name in enumerate(names)},
    }
    # Wholesale warehouses: the retail one keeps its goods in another register.
    wholesale = [(i, w["ref"]) for i, w in enumerate(seed["warehouses"]) if w["kind"] == "Оптовый"]
    log_file = (state_dir / "handlers.log").open("w", encoding="utf-8")
    real_stdout = sys.stdout
    own = {"gets": 0}  # the benchmark's own UTP reads (expected values), taken out of the load

    def count_own(request: httpx.Request) -> None:
        if request.method == "GET":
            own["gets"] += 1

    with stack:
        print(f"  seeded in {time.monotonic() - t0:.0f} s", flush=True)
        sd_app = stack.emulators["salesdrive"].app
        endpoints = stack.endpoints
        utp = Utp(endpoints["utp_odata_url"], (endpoints["utp_user"], endpoints["utp_password"]))
        utp.http.event_hooks["request"].append(count_own)
        products = _pick_products(utp, rng, max(400, 3 * args.changes))
        backdrop_products, products = products[:100], products[100:]
        print(f"Writing 48 h of a {args.orders_per_day}-orders-a-day shop's documents …", flush=True)
        t0 = time.monotonic()
        made = seed_window(utp, seed, backdrop_products, [r for _, r in wholesale], args.orders_per_day, rng)
        print(f"  {made} in {time.monotonic() - t0:.0f} s", flush=True)
        utp_app.configure(latency_ms=args.utp_latency_ms)
        print("First full push (forced) …", flush=True)
        t0 = time.monotonic()
        sys.stdout = log_file
        try:
            while True:
                run = stack.invoke("CatalogPushFunction", {"force": True})
                if not run.ok or run.result.get("complete"):
                    break
        finally:
            sys.stdout = real_stdout
        if not run.ok:
            print(f"  FAILED: {run.error}")
            return 1
        print(f"  {time.monotonic() - t0:.0f} s", flush=True)

        def watcher_runs() -> list[dict[str, Any]]:
            return [
                c.result
                for c in stack.invocations()
                if c.function == "CatalogWatchFunction" and c.ok and isinstance(c.result, dict)
            ]

        def load(label: str, seconds: float) -> tuple[float, float, float]:
            """UTP GET requests a minute (all of the bridge's reads, from the emulator's counters), and the
            rows the watcher read a minute (its runs that finished meanwhile: one a minute)."""
            before_runs, before_own = len(watcher_runs()), own["gets"]
            utp_app.reset_counters()
            print(f"{label}: {seconds:.0f} s …", flush=True)
            time.sleep(seconds)
            gets = sum(v for k, v in utp_app.counters.items() if k.startswith("GET ")) - (
                own["gets"] - before_own
            )
            runs = watcher_runs()[before_runs:]
            rows = sum(int(r.get("rows_read", 0)) for r in runs) / max(len(runs), 1)
            return gets / (seconds / 60), rows, float(len(runs))  # rows: a run is a minute

        # 1. Idle, the window holding the backdrop (the watcher's first look records it).
        assert stack.scheduler is not None
        stack.scheduler.fire_in_background("CatalogWatchFunction")
        # Its first run (the first look reads the lines of every posted document of the window) ends
        # before the idle minute starts: otherwise that minute counts the first look's reads.
        deadline = time.monotonic() + 120
        while not watcher_runs() and time.monotonic() < deadline:
            time.sleep(0.5)
        idle = load(f"Idle, the window holding {args.orders_per_day} orders a day", args.idle_s)

        # 2. Changes.
        changes: list[Change] = []
        lock = threading.Lock()
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                now = time.monotonic()
                with lock:
                    pending = [c for c in changes if c.seen_after is None]
                for change in pending:
                    try:
                        product = sd_app.product(change.sku)
                    except KeyError:
                        product = None
                    if change.check(product):
                        change.seen_after = now - change.saved_at
                time.sleep(0.05)

        threading.Thread(target=watch, daemon=True).start()
        before_runs, before_own = len(watcher_runs()), own["gets"]
        utp_app.reset_counters()
        started = time.monotonic()
        # Posted documents that may be unposted or re-posted: (entity, ref, product, warehouse index, change).
        posted: list[tuple[str, str, dict[str, Any], int, Change]] = []
        print(
            f"Saving {args.changes} changes in UTP (≈ {args.per_minute:g}/min), subscription off …",
            flush=True,
        )
        kinds = ["price set", "goods receipt", "sales invoice", "customer return", "order reserve"]
        sys.stdout = log_file
        try:
            for n in range(args.changes):
                time.sleep(rng.expovariate(args.per_minute / 60.0))
                product = products.pop()
                sku = str(product["Артикул"])
                ready = [p for p in posted if p[4].seen_after is not None]
                kind = (
                    kinds[n % len(kinds)]
                    if n < len(kinds)
                    else rng.choice([*kinds, "unposting", "re-posted"])
                )
                if kind in ("unposting", "re-posted") and not [
                    p for p in ready if p[0] == RECEIPT or kind == "unposting"
                ]:
                    kind = "goods receipt"
                w, warehouse = rng.choice(wholesale)
                stock_id = str(w + 1)
                made_now: list[Change] = []
                if kind in ("sales invoice", "order reserve"):
                    # Goods on the shelf, or the free stock has nothing to lose.
                    for _ in range(20):
                        if utp.free_stock(warehouse, str(product["Ref_Key"])) >= 3:
                            break
                        product = products.pop()
                    else:
                        kind = "goods receipt"
                    sku = str(product["Артикул"])
                if kind == "price set":
                    price = Decimal(rng.randint(100, 99_999)) / 100
                    row = price_row(
                        seed,
                        str(product["Ref_Key"]),
                        str(product.get("ЕдиницаХраненияОстатков_Key")),
                        float(price),
                    )
                    utp.create(PRICE_SET, {"Товары": [row]}, post=True)
                    made_now.append(Change(kind, sku, time.monotonic(), _price_is(price)))
                elif kind in ("goods receipt", "sales invoice", "customer return", "order reserve"):
                    entity, body = {
                        "goods receipt": (RECEIPT, _receipt(seed, warehouse, product, rng.randint(5, 50))),
                        "sales invoice": (INVOICE, invoice_body(seed, warehouse, product, 2)),
                        "customer return": (RETURN, return_body(seed, warehouse, product, 1)),
                        "order reserve": (ORDER, order_body(seed, warehouse, product, 2)),
                    }[kind]
                    ref = utp.create(entity, body, post=True)
                    at = time.monotonic()
                    expected = utp.free_stock(warehouse, str(product["Ref_Key"]))
                    change = Change(kind, sku, at, _stock_is(stock_id, expected))
                    made_now.append(change)
                    posted.append((entity, ref, product, w, change))
                else:
                    pool = [p for p in ready if p[0] == RECEIPT or kind == "unposting"]
                    entity, ref, old, w, _ = pool[rng.randrange(len(pool))]
                    posted.remove(next(p for p in posted if p[1] == ref))
                    old_ref, old_sku = str(old["Ref_Key"]), str(old["Артикул"])
                    warehouse, stock_id = seed["warehouses"][w]["ref"], str(w + 1)
                    if kind == "unposting":
                        utp.http.post(
                            f"{utp.root}/{entity}(guid'{ref}')/Unpost?$format=json"
                        ).raise_for_status()
                        at = time.monotonic()
                        expected = utp.free_stock(warehouse, old_ref)
                        made_now.append(
                            Change(
                                f"unposting: {KIND_OF[entity]}",
                                old_sku,
                                at,
                                _stock_is(stock_id, expected),
                            )
                        )
                    else:
                        body = _receipt(seed, warehouse, product, rng.randint(5, 50))
                        utp.patch(RECEIPT, ref, {"Товары": body["Товары"]})
                        utp.http.post(
                            f"{utp.root}/{RECEIPT}(guid'{ref}')/Post?$format=json"
                        ).raise_for_status()
                        at = time.monotonic()
                        old_level = utp.free_stock(warehouse, old_ref)
                        new_level = utp.free_stock(warehouse, str(product["Ref_Key"]))
                        made_now.append(Change(kind + " (old)", old_sku, at, _stock_is(stock_id, old_level)))
                        new = Change(kind + " (new)", sku, at, _stock_is(stock_id, new_level))
                        made_now.append(new)
                        posted.append((RECEIPT, ref, product, w, new))
                with lock:
                    changes.extend(made_now)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and any(c.seen_after is None for c in changes):
                time.sleep(0.1)
        finally:
            sys.stdout = real_stdout
        done.set()
        busy_s = time.monotonic() - started
        busy_gets = sum(v for k, v in utp_app.counters.items() if k.startswith("GET ")) - (
            own["gets"] - before_own
        )
        busy_runs = watcher_runs()[before_runs:]
        utp.http.close()

    seen = [c.seen_after for c in changes if c.seen_after is not None]
    missing = [c for c in changes if c.seen_after is None]
    print()
    size = f"{args.products:,} SKUs × {args.warehouses} warehouses"
    print(f"Freshness with the watcher, subscription OFF: {len(changes)} changes at {size}")
    per_kind: dict[str, list[float]] = {}
    for c in changes:
        if c.seen_after is not None:
            per_kind.setdefault(c.kind, []).append(c.seen_after)
    for kind, values in sorted(per_kind.items()):
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
    log_file.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
