"""Catalog push benchmark (targets): calls, diff CPU and memory at 200,000 SKUs × 10 warehouses.

Part A — synthetic UTP snapshot of 200,000 products × 10 warehouses (what ``read_catalog`` returns), pushed
to a counting SalesDrive stand-in: full first push, then 1 % changed (half prices, half stock), with the
diff's CPU time and the process's peak RSS. Building a 200k emulator base takes ≈ 90 s and reading it ≈ 2
minutes, so the end-to-end path is measured in part B at a smaller size instead.

Part B — end to end in process: UTP emulator (N products × 10 warehouses) → rules → SalesDrive emulator,
first push, then a price-setting document, a goods receipt and a sales order's reservation posted in UTP;
SalesDrive product calls and UTP requests counted by the emulators themselves.

Run: ``.venv/bin/python bench/bench_catalog.py [--products 200000] [--e2e-products 3000]``
"""

from __future__ import annotations

import argparse
import math
import random
import resource
import time
import uuid
from array import array
from typing import Any
from urllib.parse import quote

from harness import shop_settings

from bridge.salesdrive.products import BatchResult, PushMode
from bridge.settings import BridgeSettings
from bridge.store.bucket import MemoryObjectStore
from bridge.sync.catalog_diff import CatalogSnapshot, Fingerprints, ProductData, plan_push
from bridge.sync.catalog_push import push_catalog
from bridge.sync.catalog_send import plan_options

WAREHOUSES = 10


class CountingSalesDrive:
    """Accepts every batch and counts calls (the SalesDrive emulator would spend minutes on 2,000 calls)."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.products = 0

    def _count(self, kind: str, items: Any) -> list[BatchResult[Any]]:
        batch = tuple(items)
        assert len(batch) <= 100
        self.calls[kind] = self.calls.get(kind, 0) + 1
        self.products += len(batch)
        return [BatchResult(0, batch, ok=True)]

    def push_products(self, items: Any, mode: PushMode = PushMode.FULL) -> list[BatchResult[Any]]:
        for item in items:
            item.payload(mode)  # build the JSON body as the real client would
        return self._count(str(mode), items)

    def push_categories(self, items: Any) -> list[BatchResult[Any]]:
        return self._count("categories", items)

    def delete_products(self, ids: Any) -> list[BatchResult[Any]]:
        return self._count("delete", ids)

    @property
    def product_calls(self) -> int:
        return sum(n for kind, n in self.calls.items() if kind != "categories")


def settings(**extra: Any) -> BridgeSettings:
    """The demo shop's settings (what the catalog benchmarks push with)."""
    return shop_settings("sparesshop", 'ТОВ "Запчастини Плюс"', **extra)


def synthetic(n: int, rng: random.Random) -> CatalogSnapshot:
    folders = {str(uuid.UUID(int=rng.getrandbits(128))): f"Група {k}" for k in range(40)}
    folder_refs = list(folders)
    products = [
        ProductData(
            ref=str(uuid.UUID(int=rng.getrandbits(128))),
            sku=f"SKU-{k:07d}",
            name=f"Запчастина {k} для пральної машини",
            folder_ref=folder_refs[k % 40],
            unit_ref=None,
            deletion_mark=False,
        )
        for k in range(n)
    ]
    prices = array("d", (float(rng.randrange(50, 50000)) / 10 for _ in range(n)))
    stock = array(
        "d", (float(rng.randrange(0, 30)) if rng.random() > 0.18 else 0.0 for _ in range(n * WAREHOUSES))
    )
    return CatalogSnapshot(
        products=products,
        folders=folders,
        salesdrive_ids={},
        stock_ids=[str(w + 1) for w in range(WAREHOUSES)],
        prices=prices,
        stock=stock,
    )


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _push_synthetic(cfg: BridgeSettings, store: MemoryObjectStore, snapshot: CatalogSnapshot) -> Any:
    """Push a snapshot to a counting SalesDrive stand-in; returns the stand-in (its calls)."""
    crm = CountingSalesDrive()
    push_catalog(
        utp=None,
        salesdrive=crm,
        store=store,
        settings=cfg,
        price_type_key="",
        warehouses={},
        snapshot=snapshot,
    )  # type: ignore[arg-type]
    return crm


def part_a(n: int) -> None:
    rng = random.Random(5)
    print(f"A. synthetic snapshot: {n:,} products × {WAREHOUSES} warehouses (RSS before: {rss_mb():.0f} MB)")
    snapshot = synthetic(n, rng)
    cfg = settings()
    store = MemoryObjectStore()
    crm = _push_synthetic(cfg, store, snapshot)
    print(
        f"   first push: {crm.product_calls:,} product calls (⌈{n:,}/100⌉ = {math.ceil(n / 100):,}), "
        f"{crm.calls.get('categories', 0)} category call(s); "
        f"fingerprint blob {len(store.data or b'') / 1e6:.1f} MB"
    )
    # 1 % changed: half of them a new price, the other half a stock movement on one warehouse.
    changed = n // 100
    picks = rng.sample(range(n), changed)
    for i in picks[: changed // 2]:
        snapshot.prices[i] += 1.0
    for i in picks[changed // 2 :]:
        snapshot.stock[i * WAREHOUSES + rng.randrange(WAREHOUSES)] += 3.0
    # The diff's fingerprints and blob stay alive through the push, as in one Lambda run (peak RSS).
    diffed = _timed_diff(snapshot, store.data, cfg)
    crm = _push_synthetic(cfg, store, snapshot)
    print(
        f"   SalesDrive product calls: {crm.product_calls} (⌈{changed:,}/100⌉ = {math.ceil(changed / 100)}; "
        f"per mode {dict(sorted(crm.calls.items()))})"
    )
    print(f"   peak RSS of the process (snapshot + fingerprints + diff): {rss_mb():.0f} MB (target ≤ 400 MB)")
    del diffed


def _timed_diff(
    snapshot: CatalogSnapshot, previous_blob: bytes | None, cfg: BridgeSettings
) -> tuple[Any, ...]:
    """The diff's CPU: load the fingerprint blob, plan the push, save the blob; returns what it made."""
    cpu0 = time.process_time()
    fingerprints = Fingerprints.decode(previous_blob)
    cpu1 = time.process_time()
    plan = plan_push(snapshot, fingerprints, plan_options(cfg))
    cpu2 = time.process_time()
    blob = fingerprints.encode()
    cpu3 = time.process_time()
    assert len(blob) > 0
    print(
        f"   diff of 1 % changed: {plan.changed:,} products to send ({len(plan.price_only):,} price-only, "
        f"{len(plan.stock_only):,} stock-only, {len(plan.full)} full)"
    )
    print(
        f"   diff CPU: plan {cpu2 - cpu1:.2f} s + load blob {cpu1 - cpu0:.2f} s "
        f"+ save blob {cpu3 - cpu2:.2f} s "
        f"= {cpu3 - cpu0:.2f} s (target ≤ 3 s)"
    )
    return previous_blob, fingerprints, plan, blob


def part_b(n: int) -> None:
    import httpx

    from bridge.read_budget import UnlimitedReadBudget
    from bridge.salesdrive.client import SalesDriveClient
    from bridge.sync.reference import resolve_reference
    from bridge.sync.stock import stock_warehouses
    from bridge.utp.client import UtpClient
    from sandbox.salesdrive.app import SalesDriveEmulatorConfig
    from sandbox.salesdrive.app import create_app as create_salesdrive
    from sandbox.salesdrive.clock import ManualClock
    from sandbox.salesdrive.testing import api_client
    from sandbox.utp.app import UtpEmulatorConfig
    from sandbox.utp.app import create_app as create_utp

    print(
        f"\nB. end to end in process: UTP emulator {n:,} products × {WAREHOUSES} warehouses "
        "→ SalesDrive emulator"
    )
    t0 = time.perf_counter()
    utp_app = create_utp(UtpEmulatorConfig(products=n, warehouses=WAREHOUSES))
    print(f"   seeded in {time.perf_counter() - t0:.1f} s")
    root = "http://utp.bench/utp/odata/standard.odata/"
    http = httpx.Client(
        transport=httpx.WSGITransport(app=utp_app), base_url=root, auth=("bridge", "bridge"), timeout=600
    )
    utp = UtpClient.from_http(http)
    sd_app = create_salesdrive(SalesDriveEmulatorConfig(random_seed=1), clock=ManualClock())
    crm = SalesDriveClient(
        api_key=sd_app.config.api_key, budget=UnlimitedReadBudget(), http=api_client(sd_app)
    )
    seed = utp_app.seed_info
    names = [w["description"] for w in seed["warehouses"]]
    cfg = settings(stock_ids={name: k + 1 for k, name in enumerate(names)})
    reference = resolve_reference(cfg, utp)
    push = {
        "utp": utp,
        "salesdrive": crm,
        "store": MemoryObjectStore(),
        "settings": cfg,
        "price_type_key": reference.price_type_key,
        "warehouses": stock_warehouses(cfg, reference.warehouse_names),
    }
    _timed_push("first push", utp_app, sd_app, push)
    _timed_push("no change", utp_app, sd_app, push)
    _post_changes(http, utp, seed)
    _timed_push("15 prices + 15 receipts", utp_app, sd_app, push)
    http.close()


def _timed_push(label: str, utp_app: Any, sd_app: Any, push: dict[str, Any]) -> None:
    """One ``push_catalog`` run, its calls counted by the emulators."""
    utp_app.counters.clear()
    before = sd_app.counters["product_handler"]["calls"]
    started = time.perf_counter()
    report = push_catalog(**push)
    took = time.perf_counter() - started
    calls = sd_app.counters["product_handler"]["calls"] - before
    utp_requests = sum(utp_app.counters.values())
    print(
        f"   {label}: {report.changed:,} changed → {calls} SalesDrive product calls "
        f"(full {report.full}, price {report.price_only}, stock {report.stock_only}); "
        f"UTP requests {utp_requests} (emulator counters; the rules count {report.utp_calls}); "
        f"{took:.1f} s"
    )


def _post_changes(http: Any, utp: Any, seed: dict[str, Any]) -> None:
    """15 new prices and a goods receipt of 15 more products, posted in UTP."""
    from sandbox.utp.catalog_bodies import price_row, receipt_body

    goods = [
        {"ref": p.ref, "unit": p.unit_key} for p in utp.iter_products(1000) if not p.is_service and p.unit_key
    ][100:130]
    lines = [price_row(seed, p["ref"], p["unit"], 1000 + k, line=k + 1) for k, p in enumerate(goods[:15])]
    post(http, "Document_УстановкаЦенНоменклатуры", {"Date": "2030-01-01T00:00:00", "Товары": lines})
    post(
        http,
        "Document_ПоступлениеТоваровУслуг",
        receipt_body(seed, seed["warehouses"][0]["ref"], [(p["ref"], p["unit"], 5, 50) for p in goods[15:]]),
    )


def post(http: Any, entity: str, body: dict[str, Any]) -> None:
    answer = http.post(f"{quote(entity)}?$format=json", json=body)
    answer.raise_for_status()
    ref = answer.json()["Ref_Key"]
    http.post(f"{quote(entity)}(guid'{ref}')/Post?$format=json").raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=200_000)
    parser.add_argument("--e2e-products", type=int, default=3_000)
    args = parser.parse_args()
    part_a(args.products)
    part_b(args.e2e_products)
    print(
        "\nFreshness and the full push end to end at 200,000 × 10 (the whole product in the sandbox, the"
        " on-save trigger and the targeted push): bench/bench_catalog_freshness.py."
    )


if __name__ == "__main__":
    main()
