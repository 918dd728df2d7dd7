"""The measured runs of the cost bench: each function's sample of a month (deals, scheduled runs empty
and with orders, catalog ticks, saves and the watcher's polls) in the in-process ``World``; the full
catalog read at two small sizes; the diff's CPU on a synthetic snapshot; each module's import time."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cost_meter import METER, TimedApp
from cost_template import FunctionInfo
from cost_world import BUCKET, UTP_ROOT, World
from harness import ROOT

REPEATS = 5  # runs of a scheduled function per measuring point; the fastest is kept
WATCHER = "CatalogWatchFunction"


@dataclass
class Measured:
    deal_orders: int = 0
    webhooks_per_order: float = 0.0
    recon_orders: tuple[int, int] = (0, 0)
    sweep_orders: int = 0
    payments: int = 0
    table_bytes_per_order: float = 0.0
    tick_due_after_full_run: bool = False
    targeted: str = ""
    refresh_ssm: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _kyiv_stamp(delta: timedelta) -> str:
    from zoneinfo import ZoneInfo

    return (datetime.now(ZoneInfo("Europe/Kyiv")).replace(tzinfo=None) + delta).strftime("%Y-%m-%d %H:%M:%S")


def run_world(world: World, deal_orders: int, status_path: list[int], m: Measured) -> None:
    """All in-process handler runs of the small world, in order (each step leaves state the next uses)."""
    _run_scheduled_empty(world)
    order_ids, warmup = _run_deals(world, deal_orders, status_path, m)
    _run_scheduled_with_orders(world, order_ids, warmup, m)
    _run_catalog_ticks(world, m)
    _run_catalog_saves(world, m)
    _run_watcher(world, m)


def _run_scheduled_empty(world: World) -> None:
    """Cold runs, then the scheduled functions with nothing to do."""
    for lid in ("ParkedReplayerFunction", "CatchUpSweepFunction", "PaymentImporterFunction"):
        world.scheduled(lid, "cold run")
    for _ in range(REPEATS):
        world.scheduled("ParkedReplayerFunction", "run")
    # Once each: their SalesDrive list calls go through the shared read budget (10 a minute).
    world.checked(world.scheduled("CatchUpSweepFunction", "empty"))
    world.checked(world.scheduled("PaymentImporterFunction", "empty"))
    world.scheduled("StatusReconcilerFunction", "cold run")


def _run_deals(world: World, deal_orders: int, status_path: list[int], m: Measured) -> tuple[list[int], int]:
    """Webhooks of new orders and status changes, through the receiver, the queue and the processor;
    the status reconciler at two window sizes. Returns the order ids and how many only warmed up."""
    lines = [{"id": s, "sku": s, "name": s, "costPerItem": 250, "amount": 1} for s in world.skus[:2]]
    warmup = 2  # the first two orders only warm the code paths up (first-use costs are not per order)
    half = warmup + deal_orders // 2
    order_ids: list[int] = []
    for n in range(warmup + deal_orders):
        customer = n // 2  # orders 0, 2, 4 … come from a new customer; 1, 3, 5 … from the same one again
        prefix = "warm-up: " if n < warmup else ""
        answer = world.sd_app.create_order(
            {
                "fName": f"Покупець{customer}",
                "lName": "Бенч",
                "phone": f"+38067{customer + 1:07d}",
                "email": f"buyer{customer}@example.com",
                "products": lines,
                "sajt": "sparesshop.com.ua",
            }
        )
        order_id = int(answer["id"] if "id" in answer else answer["orderId"])
        order_ids.append(order_id)
        world.deliver(prefix + ("new order, new customer" if n % 2 == 0 else "new order, returning customer"))
        for k, status in enumerate(status_path):
            world.sd_app.update_order({"id": order_id, "data": {"statusId": status}})
            world.deliver(prefix + ("status change → sale" if k == len(status_path) - 1 else "status change"))
        if n + 1 == half:
            for _ in range(REPEATS):
                world.scheduled("StatusReconcilerFunction", "orders 1")
    for _ in range(REPEATS):
        world.scheduled("StatusReconcilerFunction", "orders 2")
    m.deal_orders = deal_orders
    m.recon_orders = (half, warmup + deal_orders)
    m.webhooks_per_order = world.webhooks_sent / (warmup + deal_orders)
    m.table_bytes_per_order = world.table_bytes() / (warmup + deal_orders)
    m.refresh_ssm["WebhookReceiverFunction"] = world.refresh_secrets(
        "WebhookReceiverFunction", world.http_event("webhook", "not-the-token", "{}")
    ).ssm
    return order_ids, warmup


def _run_scheduled_with_orders(world: World, order_ids: list[int], warmup: int, m: Measured) -> None:
    """The scheduled functions with the deal run's orders and payments to work on."""
    world.scheduled("ParkedReplayerFunction", "run")
    for label in ("orders, warm-up", "orders"):  # the same window twice: the second is measured
        world.runtime.cursors().put("catch_up", {"updated_at": _kyiv_stamp(-timedelta(minutes=30))})
        m.sweep_orders = int(world.checked(world.scheduled("CatchUpSweepFunction", label))["orders_read"])
    for label, batch in (("payments, warm-up", order_ids[:warmup]), ("payments", order_ids[warmup:])):
        for order_id in batch:
            total = world.sd_app.order(order_id).get("paymentAmount") or 500
            world.sd_app.add_payment(total, [(order_id, total)])
        world.runtime.cursors().put("payments", {"updated_at": _kyiv_stamp(-timedelta(minutes=2))})
        m.payments = len(world.checked(world.scheduled("PaymentImporterFunction", label))["created"])


def _run_catalog_ticks(world: World, m: Measured) -> None:
    """The minute tick (a full run: no cursor yet), the tick right after it, a forced run, ticks not due."""
    world.scheduled("CatalogPushFunction", "full run")
    second = world.scheduled("CatalogPushFunction", "tick after a complete run")
    m.tick_due_after_full_run = bool(second.get("ran"))
    if m.tick_due_after_full_run:
        m.notes.append(
            "MEASURED: the catalog tick right after a complete full push ran a full push again. "
            "record_run() stores a naive last_complete_at; is_due() is given an aware now and treats "
            "the mismatch as due: every minute is a full run."
        )
    world.scheduled("CatalogPushFunction", "full run", force=True)
    # A tick that is not due, as it would be with the timestamps fixed (an aware last_complete_at).
    now = datetime.now(UTC).isoformat()
    world.runtime.cursors().put(
        "catalog-push", {"status": "complete", "last_run_at": now, "last_complete_at": now}
    )
    for _ in range(REPEATS):
        if world.scheduled("CatalogPushFunction", "tick not due").get("ran"):
            m.notes.append("a tick with a fresh aware last_complete_at still ran a full push")
            break


def _run_catalog_saves(world: World, m: Measured) -> None:
    """The on-save trigger and the targeted push (when this code has it)."""
    lid = next(
        (lid for lid, i in world.infos.items() if i.sqs_batch_size and lid.startswith("Catalog")), None
    )
    if lid and world.change_queue:
        for k, ref in enumerate(world.product_refs[:5]):
            world.set_price(ref, 1000 + k)  # what a save in UTP means: something changed
            body = json.dumps({"type": "Catalog_Номенклатура", "ref": ref, "products": [ref]})
            event = world.http_event("catalog-trigger", world.trigger_token, body)
            answer = world.invoke("CatalogPushFunction", event, "trigger")
            if answer.get("statusCode") != 202:
                raise RuntimeError(f"the catalog trigger answered {answer}")
            world.poll(world.change_queue, lid, "targeted push", batch=10)
        m.targeted = f"measured: price saved in UTP → trigger → change queue → {lid}, one product a save"
    else:
        body = json.dumps({"type": "Catalog_Номенклатура", "ref": world.product_refs[0]})
        for _ in range(3):
            event = world.http_event("catalog-trigger", world.trigger_token, body)
            world.invoke("CatalogPushFunction", event, "trigger")
        m.targeted = "modelled: no targeted push in this code (the trigger only asks for a full run)"
    trigger = world.http_event("catalog-trigger", "not-the-token", "{}")
    m.refresh_ssm["CatalogPushFunction"] = world.refresh_secrets("CatalogPushFunction", trigger).ssm


def _run_watcher(world: World, m: Measured) -> None:
    """The change watcher, one poll a run (the world's catalog_watch_run_seconds is 5): the first run
    records the window, then polls that find nothing, then polls that each find one price set."""
    if WATCHER not in world.infos:
        return
    world.scheduled(WATCHER, "first run")
    for _ in range(REPEATS):
        world.scheduled(WATCHER, "poll, nothing changed")
    for k, ref in enumerate(world.product_refs[5 : 5 + REPEATS]):
        world.set_price(ref, 2000 + k)
        found = world.scheduled(WATCHER, "poll, one price set")
        if not found.get("products_queued"):
            raise RuntimeError(f"the watcher did not find a price set: {found}")
    m.refresh_ssm[WATCHER] = world.refresh_secrets(WATCHER, world.scheduled_event(WATCHER)).ssm


def run_catalog_read(warehouses: int, sizes: tuple[int, int]) -> dict[str, Any]:
    """The full read + diff end to end at two small sizes (UTP emulator → rules → SalesDrive emulator,
    fingerprints on moto's S3): UTP calls and own time per product, S3 and SalesDrive calls of a run
    that finds a few prices changed."""
    points = [_catalog_point(n, warehouses) for n in sizes]
    first, last = points
    slope = (last["read"] - first["read"]).scaled(1 / (last["n"] - first["n"]))
    return {"points": points, "slope": slope, "base": first["read"] - slope.scaled(first["n"])}


def _catalog_point(n: int, warehouses: int) -> dict[str, Any]:
    """A first push of ``n`` products, ten prices changed, then the measured read and push."""
    import httpx
    from bench_catalog import post, settings

    from bridge.read_budget import UnlimitedReadBudget
    from bridge.salesdrive.client import SalesDriveClient
    from bridge.store.bucket import CatalogFingerprintStore
    from bridge.sync.catalog_push import push_catalog, read_catalog
    from bridge.sync.reference import resolve_reference
    from bridge.sync.stock import stock_warehouses
    from bridge.utp.client import UtpClient
    from sandbox.salesdrive.app import SalesDriveEmulatorConfig
    from sandbox.salesdrive.app import create_app as create_salesdrive
    from sandbox.salesdrive.clock import ManualClock
    from sandbox.utp.app import UtpEmulatorConfig
    from sandbox.utp.app import create_app as create_utp
    from sandbox.utp.catalog_bodies import price_row

    utp_app = create_utp(UtpEmulatorConfig(products=n, warehouses=warehouses))
    http = httpx.Client(
        transport=httpx.WSGITransport(app=TimedApp(utp_app, "utp")),
        base_url=UTP_ROOT,
        auth=("bridge", "bridge"),
        timeout=600,
    )
    utp = UtpClient.from_http(http)
    sd_app = create_salesdrive(SalesDriveEmulatorConfig(random_seed=1), clock=ManualClock())
    crm = SalesDriveClient(
        api_key=sd_app.config.api_key,
        budget=UnlimitedReadBudget(),
        http=httpx.Client(
            transport=httpx.WSGITransport(app=TimedApp(sd_app, "sd")), base_url="https://sd.bench"
        ),
    )
    seed = utp_app.seed_info
    cfg = settings(stock_ids={w["description"]: k + 1 for k, w in enumerate(seed["warehouses"])})
    reference = resolve_reference(cfg, utp)
    common = {
        "utp": utp,
        "salesdrive": crm,
        "store": CatalogFingerprintStore(BUCKET, key=f"bench/catalog-{n}.bin"),
        "settings": cfg,
        "price_type_key": reference.price_type_key,
        "warehouses": stock_warehouses(cfg, reference.warehouse_names),
    }
    push_catalog(**common)  # the first push: everything new
    goods = [(p.ref, str(p.unit_key)) for p in utp.iter_products(1000) if not p.is_service][100:110]
    lines = [price_row(seed, ref, unit, 900 + k, line=k + 1) for k, (ref, unit) in enumerate(goods)]
    post(http, "Document_УстановкаЦенНоменклатуры", {"Date": "2030-01-01T00:00:00", "Товары": lines})
    with METER.measure() as read:
        snapshot = read_catalog(
            utp, settings=cfg, price_type_key=reference.price_type_key, warehouses=common["warehouses"]
        )
    with METER.measure() as push:
        report = push_catalog(**common, snapshot=snapshot)
    http.close()
    return {"n": n, "read": read, "push": push, "changed": report.changed, "rules_calls": report.utp_calls}


def run_diff(products: int) -> dict[str, float]:
    """``bench_catalog``'s synthetic snapshot: CPU of the diff (decode blob, plan, encode) and the blob's
    size, per product, for 0.1 % of the products changed."""
    from bench_catalog import CountingSalesDrive, settings, synthetic

    from bridge.store.bucket import MemoryObjectStore
    from bridge.sync.catalog_diff import Fingerprints, plan_push
    from bridge.sync.catalog_push import push_catalog
    from bridge.sync.catalog_send import plan_options

    rng = random.Random(5)
    snapshot = synthetic(products, rng)
    cfg = settings()
    store = MemoryObjectStore()
    push_catalog(
        utp=None,  # type: ignore[arg-type]
        salesdrive=CountingSalesDrive(),  # type: ignore[arg-type]
        store=store,
        settings=cfg,
        price_type_key="",
        warehouses={},
        snapshot=snapshot,
    )
    for i in rng.sample(range(products), max(products // 1000, 1)):
        snapshot.prices[i] += 1.0
    blob = store.data or b""
    cpu0 = time.process_time()
    fingerprints = Fingerprints.decode(blob)
    cpu1 = time.process_time()
    plan_push(snapshot, fingerprints, plan_options(cfg))
    cpu2 = time.process_time()
    encoded = fingerprints.encode()
    cpu3 = time.process_time()
    return {
        "products": products,
        "blob_per_product": len(encoded) / products,
        "decode_per_product": (cpu1 - cpu0) / products,
        "plan_per_product": (cpu2 - cpu1) / products,
        "encode_per_product": (cpu3 - cpu2) / products,
    }


def cold_imports(infos: dict[str, FunctionInfo]) -> dict[str, float]:
    """Import time of each function's module in a fresh interpreter: its INIT phase (billed since 2025)."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers/common'}:{ROOT}"}

    def one(info: FunctionInfo) -> float:
        module = info.code_uri.strip("/").replace("/", ".") + ".app"
        code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        return float(out.stdout.strip().splitlines()[-1])

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(infos, pool.map(one, infos.values()), strict=True))
