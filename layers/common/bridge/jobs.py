"""Scheduled jobs wired to the deployment's collaborators (``bridge.runtime``): what the Lambdas call.

The rules stay free of the deployment (they take their collaborators as arguments); the handlers stay
wiring only (event in, report out, metrics and log lines).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypedDict

from bridge import runtime
from bridge.salesdrive.client import SalesDriveClient
from bridge.settings import BridgeSettings
from bridge.store.leases import Lease
from bridge.sync import catalog_push, catalog_refresh, catch_up, order_statuses, payments
from bridge.sync.catalog_send import FingerprintBlobs
from bridge.sync.catalog_watch import WatchReport, last_full_push, watch
from bridge.sync.parked_orders import ReplayReport, replay_parked_orders
from bridge.sync.product_ids import writes_pending
from bridge.sync.reference import UtpReference, utp_now
from bridge.sync.sku_matching import MatchRun, match_skus
from bridge.sync.stock import stock_warehouses
from bridge.utp.client import UtpClient

TimeLeft = Callable[[], float]


def replay_parked() -> ReplayReport:
    """Re-enqueue the parked orders whose cause is gone (the replayer's schedule, and the matcher's)."""
    return replay_parked_orders(
        store=runtime.deal_store(),
        utp=runtime.utp_client(),
        queue=runtime.deal_queue(),
        now=datetime.now(UTC),
        settings=runtime.settings(),
    )


def match_products(*, dry_run: bool, resume: bool, time_left: Callable[[], float]) -> MatchRun:
    """The SKU matching. A resume run (``resume``) runs only while SalesDrive IDs remain to write, and only
    goes on writing them; the nightly run also replays the parked orders."""
    if resume and not writes_pending(runtime.cursors()):
        return MatchRun(dry_run=dry_run, resumed=False)
    report = match_skus(
        offers=runtime.salesdrive_client().yml_products(runtime.yml_public_key()),
        utp=runtime.utp_client(),
        salesdrive=runtime.salesdrive_client(),
        store=runtime.deal_store(),
        settings=runtime.settings(),
        dry_run=dry_run,
        cursors=runtime.cursors(),
        time_left=time_left,
        replay=None if resume else lambda: replay_parked().replayed,
    )
    return MatchRun(dry_run=dry_run, resumed=resume, report=report)


def sweep_orders() -> catch_up.SweepReport:
    """The catch-up sweep: changed SalesDrive orders the bridge has not applied go to the deal queue."""
    settings = runtime.settings()
    return catch_up.sweep_orders(
        salesdrive=runtime.salesdrive_client(),
        store=runtime.deal_store(),
        queue=runtime.deal_queue(),
        cursors=runtime.cursors(),
        now=utp_now(settings),
        overlap_minutes=settings.sweep_overlap_minutes,
    )


def import_payments() -> payments.PaymentReport:
    """The payment importer: SalesDrive incoming payments become posted UTP cash receipts."""
    settings = runtime.settings()
    return payments.import_payments(
        payments.PaymentCollaborators(
            salesdrive=runtime.salesdrive_client(),
            utp=runtime.utp_client(),
            store=runtime.deal_store(),
            cursors=runtime.cursors(),
            settings=settings,
            reference=runtime.utp_reference(),
        ),
        now=utp_now(settings),
        overlap_minutes=settings.payment_overlap_minutes,
    )


def reconcile_statuses() -> order_statuses.StatusReport:
    """The status reconciler: order statuses people set in UTP are pushed to SalesDrive."""
    settings = runtime.settings()
    return order_statuses.reconcile_statuses(
        utp=runtime.utp_client(),
        salesdrive=runtime.salesdrive_client(),
        store=runtime.deal_store(),
        writes=runtime.status_writes(),
        settings=settings,
        statuses=runtime.salesdrive_statuses(),
        now=utp_now(settings),
        seen=runtime.seen_statuses(),
    )


class _CatalogSources(TypedDict):
    """What both catalog pushes (full and targeted) read from and write to."""

    utp: UtpClient
    salesdrive: SalesDriveClient
    store: FingerprintBlobs
    settings: BridgeSettings
    price_type_key: str
    warehouses: Mapping[str, str]


def _catalog_sources(settings: BridgeSettings, reference: UtpReference) -> _CatalogSources:
    return _CatalogSources(
        utp=runtime.utp_client(),
        salesdrive=runtime.salesdrive_client(),
        store=runtime.fingerprint_store(),
        settings=settings,
        price_type_key=reference.price_type_key,
        warehouses=stock_warehouses(settings, reference.warehouse_names),
    )


def on_save_enabled() -> bool:
    """``catalog_on_save``; settings that cannot be read keep the trigger on (it only queues keys, and
    refusing a save's notice would lose it)."""
    try:
        return runtime.settings().catalog_on_save
    except Exception:
        return True


def push_catalog(*, force: bool, time_left: TimeLeft) -> dict[str, Any]:
    """The full catalog push's schedule: runs when due (``catalog_interval_minutes``), partial or forced."""
    settings = runtime.settings()
    reference = runtime.utp_reference()
    now = datetime.now(UTC)
    return catalog_push.scheduled_push(
        cursors=runtime.cursors(),
        settings=settings,
        now=now,
        force=force,
        push=lambda: catalog_push.push_catalog(
            **_catalog_sources(settings, reference), cursors=runtime.cursors(), time_left=time_left, now=now
        ),
    )


def refresh_catalog(bodies: Sequence[str], *, time_left: TimeLeft) -> dict[str, Any]:
    """The targeted catalog push: the products of the catalog change queue's messages (``bodies``)."""
    settings = runtime.settings()
    reference = runtime.utp_reference()
    return catalog_refresh.refresh_products(
        bodies,
        push=lambda keys: catalog_refresh.push_products(
            keys, **_catalog_sources(settings, reference), time_left=time_left
        ),
        cursors=runtime.cursors(),
        now=lambda: datetime.now(UTC),
        exclusive=Lease(runtime.deployment().table_name, "catalog-refresh", ttl_s=150),
    )


def watch_catalog(*, time_left: TimeLeft) -> WatchReport:
    """The catalog change watcher: products of recently changed UTP documents go to the change queue."""
    settings = runtime.settings()
    queue = runtime.catalog_change_queue()
    if queue is None:
        raise RuntimeError("environment variable CATALOG_CHANGE_QUEUE_URL is not set")
    cursors = runtime.cursors()
    return watch(
        utp=runtime.utp_client(),
        queue=queue,
        store=runtime.catalog_watch_state(),
        settings=settings,
        now=lambda: datetime.now(UTC),
        fresh_after=last_full_push(cursors.get(catalog_push.CURSOR)),
        time_left=time_left,
    )
