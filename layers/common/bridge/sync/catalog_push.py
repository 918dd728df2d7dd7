"""The full catalog push: read all of UTP, diff against what SalesDrive last accepted, send only the changes.

Resumable: when ``time_left()`` says the Lambda is near its limit, the run stops between batches, saves
what succeeded and records ``status: partial`` in the cursor; the next run (the schedule runs a partial
catalog at once, without waiting for the interval) re-reads UTP and, since the pushed products now match
their fingerprints, sends only the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from bridge.salesdrive.client import SalesDriveClient
from bridge.settings import BridgeSettings
from bridge.store.cursors import CursorStore
from bridge.sync import prices as price_rules
from bridge.sync import products as product_rules
from bridge.sync import stock as stock_rules
from bridge.sync.catalog_diff import CatalogSnapshot
from bridge.sync.catalog_send import (
    CatalogPushReport,
    FingerprintBlobs,
    diff_and_send,
    id_recorder,
    plan_options,
    snapshot_of,
)
from bridge.sync.catalog_trigger import TRIGGER_CURSOR
from bridge.utp.client import UtpClient

CURSOR = "catalog-push"


def read_catalog(
    utp: UtpClient,
    *,
    settings: BridgeSettings,
    price_type_key: str,
    warehouses: Mapping[str, str],
    page_size: int = 1000,
) -> CatalogSnapshot:
    """Everything the diff needs, in ⌈N/page⌉ + ⌈linked/page⌉ + 1 + 1 + 3·warehouses UTP calls (+ unit
    coefficients and rates when price rows need them)."""
    currency = utp.currency(settings.currency_code).ref
    return snapshot_of(
        product_rules.read_products(utp, id_property=settings.product_id_property, page_size=page_size),
        settings=settings,
        prices=lambda products: price_rules.read_prices(utp, price_type_key, products, currency),
        stock=(lambda index: stock_rules.read_free_stock(utp, warehouses, index)) if warehouses else None,
    )


def push_catalog(
    *,
    utp: UtpClient,
    salesdrive: SalesDriveClient,
    store: FingerprintBlobs,
    settings: BridgeSettings,
    price_type_key: str,
    warehouses: Mapping[str, str],
    cursors: CursorStore | None = None,
    time_left: Callable[[], float] | None = None,
    now: datetime | None = None,
    snapshot: CatalogSnapshot | None = None,
) -> CatalogPushReport:
    """One catalog push. ``warehouses`` = SalesDrive stock id → UTP warehouse key (``stock_warehouses``)."""
    if snapshot is None:
        snapshot = read_catalog(utp, settings=settings, price_type_key=price_type_key, warehouses=warehouses)
    report = diff_and_send(
        snapshot,
        plan_options(settings),
        salesdrive=salesdrive,
        store=store,
        settings=settings,
        time_left=time_left,
        record_ids=id_recorder(utp, settings, time_left),
    )
    if cursors is not None:
        record_run(cursors, report, now)
    return report


def record_run(cursors: CursorStore, report: CatalogPushReport, now: datetime | None) -> None:
    previous = cursors.get(CURSOR) or {}
    at = (now or datetime.now(UTC)).isoformat()
    cursors.put(
        CURSOR,
        {
            "status": "complete" if report.complete else "partial",
            "last_run_at": at,
            "last_complete_at": at if report.complete else previous.get("last_complete_at"),
            "changed": report.changed,
            "unsent_products": report.unsent_products,
            "failed_batches": report.failed_batches,
            "stopped": report.stopped,
        },
    )


def scheduled_push(
    *,
    cursors: CursorStore,
    settings: BridgeSettings,
    now: datetime,
    push: Callable[[], CatalogPushReport],
    force: bool = False,
) -> dict[str, Any]:
    """Run ``push`` if due (interval passed, last run partial, or UTP asked for it); else say why not."""
    if not (force or is_due(cursors, settings, now)):
        return {"ran": False, "reason": "not due"}
    return {"ran": True, **push().as_dict()}


def is_due(cursors: CursorStore, settings: BridgeSettings, now: datetime) -> bool:
    """The schedule fires every minute; a run is due when the interval has passed, the last run was
    partial, or the on-save trigger asked for one since the last run."""
    state = cursors.get(CURSOR)
    if not state or state.get("status") != "complete" or not state.get("last_complete_at"):
        return True
    requested = (cursors.get(TRIGGER_CURSOR) or {}).get("requested_at")
    if requested and str(requested) > str(state.get("last_run_at") or ""):
        return True
    last = datetime.fromisoformat(str(state["last_complete_at"]))
    # Times are UTC; one written without its zone (an older run) is read as UTC, never as "due": that
    # mismatch once made every minute's tick a full push.
    last = last if last.tzinfo is not None else last.replace(tzinfo=UTC)
    now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return now - last >= timedelta(minutes=settings.catalog_interval_minutes) - timedelta(seconds=5)
