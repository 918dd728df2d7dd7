"""Catalog freshness end to end: a change saved in UTP → visible in SalesDrive, at catalog size.

The whole product runs in the sandbox (``sandbox.runner``: moto in server mode, the local gateway, the
pollers, the real handlers of ``template.yaml``) against a UTP emulator seeded with ``--products`` ×
``--warehouses`` (prices, stock, reserves) answering with ``--utp-latency-ms`` per request, and the
SalesDrive emulator. The UTP emulator plays the 1C event subscription of the README (``on_save_url`` →
``POST /catalog-trigger/{token}``), so each change travels: trigger → catalog change queue → targeted push
(``functions/catalog_refresh``) → SalesDrive.

1. First, a full push (``CatalogPushFunction``, forced) seeds SalesDrive and the fingerprint blob: its
   SalesDrive product calls (target ⌈SKUs/100⌉), UTP requests and wall time are printed.
2. Then ``--changes`` changes are saved in UTP at random moments (Poisson, ``--per-minute`` on average), as
   a shop's staff would: price sets, goods receipts on a random warehouse, product renames, new products.
   For each, the time from UTP's answer to the save until the SalesDrive emulator shows the new value is
   measured (polled every 20 ms). Printed: p50 / p95 / max (target p95 ≤ 60 s), and the load the bridge
   put on UTP meanwhile (GET requests per minute, from the emulator's own counters) against what a full
   re-read every minute would cost.

The sandbox's poller keeps the queue's batching window (``MaximumBatchingWindowInSeconds`` of the template),
as Lambda's does: saves within it travel in one push, which is what keeps the load on UTP low. Run:

    .venv/bin/python bench/bench_catalog_freshness.py [--products 200000] [--warehouses 10] [--changes 60]

At 200,000 × 10 the UTP emulator takes ≈ 1.5 min to seed and the first push a few minutes (2 cores).
"""

from __future__ import annotations

import argparse
import logging
import math
import random
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from sandbox.runner.catalog_steps import CatalogUtp as Utp  # noqa: E402
from sandbox.runner.product import DEFAULT_SETTINGS, BridgeSandboxConfig, build_stack  # noqa: E402
from sandbox.utp.app import UtpEmulatorConfig  # noqa: E402
from sandbox.utp.catalog_bodies import price_row, receipt_body  # noqa: E402


@dataclass
class Change:
    kind: str
    sku: str
    saved_at: float
    check: Any  # product dict | None → bool
    seen_after: float | None = None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def batching_window() -> int:
    class Loader(yaml.SafeLoader):  # CloudFormation's short tags (!Ref, !Sub …) read as nothing
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = yaml.load((ROOT / "template.yaml").read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506
    events = template["Resources"]["CatalogRefreshFunction"]["Properties"]["Events"]
    return int(next(iter(events.values()))["Properties"].get("MaximumBatchingWindowInSeconds", 0))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=200_000)
    parser.add_argument("--warehouses", type=int, default=10)
    parser.add_argument("--changes", type=int, default=60)
    parser.add_argument("--per-minute", type=float, default=30.0, help="average changes saved per minute")
    parser.add_argument("--utp-latency-ms", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    # The handlers' JSON logs (Powertools' logger is named after the service) would bury the figures.
    for noisy in ("werkzeug", "httpx", "sandbox", "botocore", "salesdrive-utp-bridge"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    rng = random.Random(args.seed)

    print(
        f"Seeding the UTP emulator: {args.products:,} products × {args.warehouses} warehouses …", flush=True
    )
    started = time.monotonic()
    utp_config = UtpEmulatorConfig(products=args.products, warehouses=args.warehouses, latency_ms=0)
    state_dir = Path(tempfile.mkdtemp(prefix="freshness-"))
    config = BridgeSandboxConfig(state_dir=state_dir, utp_config=utp_config, utp_on_save=True)
    stack = build_stack(config)
    utp_app = stack.emulators["utp"].app
    seed = utp_app.seed_info
    names = [w["description"] for w in seed["warehouses"]]
    config.settings = {
        **DEFAULT_SETTINGS,
        "warehouses": {str(i + 1): name for i, name in enumerate(names)},
        "stock_ids": {name: i + 1 for i, name in enumerate(names)},
    }
    print(f"  seeded in {time.monotonic() - started:.0f} s", flush=True)
    # Only the bridge's own answers are stdout's business here: the handlers' JSON logs go to a file.
    log_file = (state_dir / "handlers.log").open("w", encoding="utf-8")
    real_stdout = sys.stdout
    with stack:
        sd_app = stack.emulators["salesdrive"].app
        endpoints = stack.endpoints
        utp = Utp(endpoints["utp_odata_url"], (endpoints["utp_user"], endpoints["utp_password"]))
        utp_app.configure(latency_ms=args.utp_latency_ms)

        # 1. The first full push (forced), measured by the emulators' counters.
        utp_app.reset_counters()
        sd_calls = int(sd_app.counters["product_handler"]["calls"])
        print("First full push (CatalogPushFunction, forced) …", flush=True)
        t0 = time.monotonic()
        sys.stdout = log_file
        try:
            while True:  # resumable: a run that stops before Lambda's limit is continued
                run = stack.invoke("CatalogPushFunction", {"force": True})
                if not run.ok or run.result.get("complete"):
                    break
        finally:
            sys.stdout = real_stdout
        if not run.ok:
            print(f"  FAILED: {run.error}")
            return 1
        first_push_s = time.monotonic() - t0
        first_calls = int(sd_app.counters["product_handler"]["calls"]) - sd_calls
        first_utp = sum(utp_app.counters.values())
        pushed = run.result
        print(
            f"  {pushed['products']:,} products: {first_calls:,} SalesDrive product calls "
            f"(minimum ⌈{pushed['products']:,}/100⌉ = {math.ceil(pushed['products'] / 100):,}), "
            f"{first_utp:,} UTP requests, {first_push_s:.0f} s",
            flush=True,
        )

        # 2. Changes saved in UTP at random moments; each watched until SalesDrive shows it.
        goods = [p for p in seed["sample_products"] if not p.get("service") and p.get("sku")]
        products = _pick_products(utp, rng, 400)
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
                time.sleep(0.02)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        utp_app.reset_counters()
        window_started = time.monotonic()
        print(f"Saving {args.changes} changes in UTP (≈ {args.per_minute:g}/min) …", flush=True)
        sys.stdout = log_file
        try:
            for n in range(args.changes):
                time.sleep(rng.expovariate(args.per_minute / 60.0))
                change = _make_change(n, rng, utp, seed, products, goods, names)
                with lock:
                    changes.append(change)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and any(c.seen_after is None for c in changes):
                time.sleep(0.1)
        finally:
            sys.stdout = real_stdout
        done.set()
        window_s = time.monotonic() - window_started
        bridge_gets = sum(v for k, v in utp_app.counters.items() if k.startswith("GET "))
        utp.http.close()

    seen = [c.seen_after for c in changes if c.seen_after is not None]
    missing = [c for c in changes if c.seen_after is None]
    window = batching_window()
    per_kind: dict[str, list[float]] = {}
    for c in changes:
        if c.seen_after is not None:
            per_kind.setdefault(c.kind, []).append(c.seen_after)
    print()
    size = f"{args.products:,} SKUs × {args.warehouses}"
    print(f"Freshness: UTP save → SalesDrive, {len(changes)} changes at {size}")
    for kind, values in sorted(per_kind.items()):
        print(
            f"  {kind:<14} n={len(values):<3} p50 {percentile(values, 0.5):5.2f} s   max {max(values):5.2f} s"
        )
    if seen:
        p50, p95, worst = percentile(seen, 0.5), percentile(seen, 0.95), max(seen)
        figures = f"p50 {p50:5.2f} s   p95 {p95:5.2f} s   max {worst:5.2f} s"
        print(f"  all            n={len(seen):<3} {figures} (sandbox, batching window included)")
        print(f"  (the sandbox's poller keeps the template's {window} s batching window, as Lambda's does)")
    print(f"  never seen: {len(missing)}")
    per_min = bridge_gets / (window_s / 60)
    full_reads = math.ceil(args.products / 1000) + 1 + 1 + 1 + 2 * args.warehouses
    print(
        f"UTP load while changes were saved: {bridge_gets} GET requests in {window_s:.0f} s "
        f"= {per_min:.1f}/min, each conditioned on the batch's products "
        f"(rows read ≈ batch × (3 + 2 × {args.warehouses}))"
    )
    print(
        f"  (polling a full re-read every minute instead: {full_reads} requests and "
        f"≈ {args.products * (1 + 1 + 2 * args.warehouses):,} rows per minute)"
    )
    ok = (
        bool(seen)
        and not missing
        and percentile(seen, 0.95) + window <= 60
        and first_calls == math.ceil(pushed["products"] / 100)
    )
    print(
        "PASS" if ok else "FAIL",
        "(targets: p95 ≤ 60 s with the batching window; first push = ⌈SKUs/100⌉ calls)",
    )
    log_file.close()
    return 0 if ok else 1


def _pick_products(utp: Utp, rng: random.Random, count: int) -> list[dict[str, Any]]:
    flt = quote("Услуга eq false and IsFolder eq false and DeletionMark eq false", safe="")
    answer = utp.http.get(
        f"{utp.root}/{quote('Catalog_Номенклатура')}?$format=json&$filter={flt}&$top={count * 3}"
        "&$select=Ref_Key,Артикул,ЕдиницаХраненияОстатков_Key"
    )
    answer.raise_for_status()
    rows = [r for r in answer.json()["value"] if str(r.get("Артикул") or "").strip()]
    rng.shuffle(rows)
    return rows[:count]


def _make_change(
    n: int,
    rng: random.Random,
    utp: Utp,
    seed: dict[str, Any],
    products: list[dict[str, Any]],
    goods: list[dict[str, Any]],
    warehouses: list[str],
) -> Change:
    kind = rng.choice(["price set", "goods receipt", "rename", "new product"])
    product = products[n % len(products)]
    ref, sku = str(product["Ref_Key"]), str(product["Артикул"])
    if kind == "price set":
        price = Decimal(rng.randint(100, 99_999)) / 100
        body = price_row(seed, ref, str(product.get("ЕдиницаХраненияОстатков_Key")), float(price))
        utp.create(
            "Document_УстановкаЦенНоменклатуры", {"Date": "2030-01-01T00:00:00", "Товары": [body]}, post=True
        )
        return Change(
            kind, sku, time.monotonic(), lambda p: bool(p) and Decimal(str(p.get("costPerItem"))) == price
        )
    if kind == "goods receipt":
        w = rng.randrange(len(warehouses))
        warehouse = seed["warehouses"][w]["ref"]
        unit = str(product.get("ЕдиницаХраненияОстатков_Key"))
        utp.create(
            "Document_ПоступлениеТоваровУслуг",
            receipt_body(seed, warehouse, [(ref, unit, 1000 + n, 1000 + n)]),
            post=True,
        )
        stock_id = str(w + 1)
        # A receipt of ≥ 1,000 makes that warehouse's free stock ≥ 1,000: no seeded stock is that large.
        return Change(
            kind,
            sku,
            time.monotonic(),
            lambda p: bool(p) and Decimal(str((p.get("stockBalanceByStock") or {}).get(stock_id, 0))) >= 1000,
        )
    if kind == "rename":
        name = f"Запчастина {sku} ред. {n}"
        utp.patch("Catalog_Номенклатура", ref, {"Description": name})
        return Change(kind, sku, time.monotonic(), lambda p: bool(p) and p.get("name") == name)
    new_sku = f"FRESH-{n:05d}-{rng.randint(0, 99999):05d}"
    utp.create(
        "Catalog_Номенклатура",
        {"Description": f"Нова запчастина {new_sku}", "Артикул": new_sku, "IsFolder": False},
        post=False,
    )
    return Change(kind, new_sku, time.monotonic(), lambda p: bool(p) and bool(p.get("name")))


if __name__ == "__main__":
    sys.exit(main())
