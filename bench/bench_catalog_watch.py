"""Catalog freshness with the change watcher and **without** the on-save subscription (no change to the 1C
configuration): a change saved in UTP → visible in SalesDrive, and the load the watcher puts on UTP.

The whole product runs in the sandbox (as ``bench_catalog_freshness.py``), the UTP emulator's on-save
subscription off; ``CatalogWatchFunction`` runs every minute as its schedule says and polls UTP's recent
documents for a new ``DataVersion``. Measured:

1. UTP load while idle: requests and rows read per minute over ``--idle-s`` seconds with nothing changing.
2. ``--changes`` changes saved at random moments (``--per-minute``): price sets, goods receipts, unposting
   of a receipt, and a receipt re-posted with another product (both products must show). Each is timed from
   UTP's answer until SalesDrive shows it; p50 / p95 / max per kind, and how many were never seen.
3. UTP load meanwhile (requests and rows per minute, from the emulator's counters and the watcher's report).

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
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_catalog_freshness import Change, _pick_products, percentile  # noqa: E402

from sandbox.runner.catalog_steps import CatalogUtp as Utp  # noqa: E402
from sandbox.runner.product import DEFAULT_SETTINGS, BridgeSandboxConfig, build_stack  # noqa: E402
from sandbox.utp.app import UtpEmulatorConfig  # noqa: E402

RECEIPT = "Document_ПоступлениеТоваровУслуг"


def _stock_at_least(stock_id: str, level: int) -> Any:
    return lambda p: bool(p) and Decimal(str((p.get("stockBalanceByStock") or {}).get(stock_id, 0))) >= level


def _stock_below(stock_id: str, level: int) -> Any:
    return lambda p: bool(p) and Decimal(str((p.get("stockBalanceByStock") or {}).get(stock_id, 0))) < level


def _price_is(price: Decimal) -> Any:
    return lambda p: bool(p) and Decimal(str(p.get("costPerItem"))) == price


def _receipt(utp: Utp, seed: dict[str, Any], warehouse: str, product: dict[str, Any], qty: int) -> str:
    line = {
        "LineNumber": "1",
        "Номенклатура_Key": str(product["Ref_Key"]),
        "ЕдиницаИзмерения_Key": product.get("ЕдиницаХраненияОстатков_Key"),
        "Количество": qty,
        "Сумма": qty,
    }
    return utp.create(
        RECEIPT,
        {
            "Организация_Key": seed["organization"]["ref"],
            "Контрагент_Key": seed["supplier"]["ref"],
            "ДоговорКонтрагента_Key": seed["supplier"]["contract"],
            "ВалютаДокумента_Key": seed["currency_uah"],
            "Склад_Key": warehouse,
            "Товары": [line],
        },
        post=True,
    )


def _figures(values: list[float]) -> str:
    p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
    return f"p50 {p50:5.1f} s  p95 {p95:5.1f} s  max {max(values):5.1f} s"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=200_000)
    parser.add_argument("--warehouses", type=int, default=10)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--per-minute", type=float, default=20.0)
    parser.add_argument("--idle-s", type=float, default=60.0)
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
    log_file = (state_dir / "handlers.log").open("w", encoding="utf-8")
    real_stdout = sys.stdout
    with stack:
        sd_app = stack.emulators["salesdrive"].app
        endpoints = stack.endpoints
        utp = Utp(endpoints["utp_odata_url"], (endpoints["utp_user"], endpoints["utp_password"]))
        utp_app.configure(latency_ms=args.utp_latency_ms)
        print("First full push (forced) …", flush=True)
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
        assert stack.scheduler is not None
        stack.scheduler.fire_in_background("CatalogWatchFunction")
        time.sleep(5)  # its first look (the whole window) is done

        def watcher_runs() -> list[dict[str, Any]]:
            return [
                c.result
                for c in stack.invocations()
                if c.function == "CatalogWatchFunction" and c.ok and isinstance(c.result, dict)
            ]

        # 1. Idle load.
        utp_app.reset_counters()
        print(f"Idle for {args.idle_s:.0f} s …", flush=True)
        time.sleep(args.idle_s)
        idle_gets = sum(v for k, v in utp_app.counters.items() if k.startswith("GET "))
        idle_per_min = idle_gets / (args.idle_s / 60)

        # 2. Changes.
        warehouse_refs = [w["ref"] for w in seed["warehouses"]]
        products = _pick_products(utp, rng, 200)
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
        utp_app.reset_counters()
        started = time.monotonic()
        receipts: list[tuple[str, dict[str, Any], int]] = []
        print(
            f"Saving {args.changes} changes in UTP (≈ {args.per_minute:g}/min), subscription off …",
            flush=True,
        )
        sys.stdout = log_file
        try:
            for n in range(args.changes):
                time.sleep(rng.expovariate(args.per_minute / 60.0))
                product = products[n % len(products)]
                sku = str(product["Артикул"])
                kinds = ["price set", "goods receipt"] + (["unposting", "re-posted"] if receipts else [])
                kind = rng.choice(kinds)
                made: list[Change] = []
                if kind == "price set":
                    price = Decimal(rng.randint(100, 99_999)) / 100
                    line = {
                        "LineNumber": "1",
                        "Номенклатура_Key": str(product["Ref_Key"]),
                        "ТипЦен_Key": seed["price_type"],
                        "Цена": float(price),
                    }
                    utp.create(
                        "Document_УстановкаЦенНоменклатуры",
                        {"Date": "2030-01-01T00:00:00", "Товары": [line]},
                        post=True,
                    )
                    made.append(
                        Change(
                            kind,
                            sku,
                            time.monotonic(),
                            lambda p, v=price: bool(p) and Decimal(str(p.get("costPerItem"))) == v,
                        )
                    )
                elif kind == "goods receipt":
                    w = rng.randrange(len(warehouse_refs))
                    ref = _receipt(utp, seed, warehouse_refs[w], product, 100_000)
                    receipts.append((ref, product, w))
                    made.append(Change(kind, sku, time.monotonic(), _stock_at_least(str(w + 1), 100_000)))
                else:
                    ref, old, w = receipts.pop(rng.randrange(len(receipts)))
                    old_sku = str(old["Артикул"])
                    if kind == "unposting":
                        utp.http.post(
                            f"{utp.root}/{RECEIPT}(guid'{ref}')/Unpost?$format=json"
                        ).raise_for_status()
                        made.append(
                            Change(kind, old_sku, time.monotonic(), _stock_below(str(w + 1), 100_000))
                        )
                    else:
                        body = {
                            "Товары": [
                                {
                                    "LineNumber": "1",
                                    "Номенклатура_Key": str(product["Ref_Key"]),
                                    "ЕдиницаИзмерения_Key": product.get("ЕдиницаХраненияОстатков_Key"),
                                    "Количество": 100_000,
                                    "Сумма": 1,
                                }
                            ]
                        }
                        utp.patch(RECEIPT, ref, body)
                        utp.http.post(
                            f"{utp.root}/{RECEIPT}(guid'{ref}')/Post?$format=json"
                        ).raise_for_status()
                        at = time.monotonic()
                        receipts.append((ref, product, w))
                        made.append(Change(kind + " (old)", old_sku, at, _stock_below(str(w + 1), 100_000)))
                        made.append(Change(kind + " (new)", sku, at, _stock_at_least(str(w + 1), 100_000)))
                with lock:
                    changes.extend(made)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and any(c.seen_after is None for c in changes):
                time.sleep(0.1)
        finally:
            sys.stdout = real_stdout
        done.set()
        busy_s = time.monotonic() - started
        busy_gets = sum(v for k, v in utp_app.counters.items() if k.startswith("GET "))
        runs = watcher_runs()
        utp.http.close()

    seen = [c.seen_after for c in changes if c.seen_after is not None]
    missing = [c for c in changes if c.seen_after is None]
    print()
    size = f"{args.products:,} SKUs × {args.warehouses}"
    print(f"Freshness with the watcher, subscription OFF: {len(changes)} changes at {size}")
    per_kind: dict[str, list[float]] = {}
    for c in changes:
        if c.seen_after is not None:
            per_kind.setdefault(c.kind, []).append(c.seen_after)
    for kind, values in sorted(per_kind.items()):
        print(f"  {kind:<20} n={len(values):<3} {_figures(values)}")
    if seen:
        print(f"  all                  n={len(seen):<3} {_figures([v for v in seen if v is not None])}")
    print(f"  never seen: {len(missing)} {[c.kind for c in missing]}")
    rows = sum(int(r.get("rows_read", 0)) for r in runs)
    polls = sum(int(r.get("polls", 0)) for r in runs)
    print(f"UTP load idle: {idle_per_min:.1f} GET requests/min (all of the bridge's UTP reads)")
    print(
        f"UTP load with changes: {busy_gets / (busy_s / 60):.1f} GET requests/min (watcher + targeted pushes)"
    )
    print(
        f"  watcher: {polls} polls in {len(runs)} finished run(s), {rows} document rows read "
        f"({rows / max(polls, 1):.1f} per poll)"
    )
    ok = bool(seen) and not missing and percentile(seen, 0.95) <= 60
    print("PASS" if ok else "FAIL", "(target: p95 ≤ 60 s, none lost)")
    log_file.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
