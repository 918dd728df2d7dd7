"""The targeted catalog push: the products UTP reported saved, read, diffed and sent within seconds.

Same fingerprints and rules as the full push (``catalog_send``), so the two never disagree about what
SalesDrive holds. Whatever cannot be done here is handed to the full push, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

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
from bridge.sync.catalog_trigger import QueuedChange, request_full_push
from bridge.utp.client import UtpClient

# Above this many products a targeted read costs UTP more than the full read it replaces
# (7 calls per 40 products against ⌈N/1000⌉ pages + 3 + 2·warehouses): ask for a full push instead.
MAX_TARGETED_PRODUCTS = 1000


class Exclusive(Protocol):
    def acquire(self, wait_s: float = 60.0) -> bool: ...

    def release(self) -> None: ...


def read_catalog_slice(
    utp: UtpClient,
    *,
    settings: BridgeSettings,
    price_type_key: str,
    warehouses: Mapping[str, str],
    product_keys: Sequence[str],
) -> CatalogSnapshot:
    """What ``read_catalog`` reads, for a few products only: 8 UTP calls per 40 products when only
    wholesale warehouses are mapped (one more per other warehouse kind), each conditioned on those
    products, whatever the size of the catalog."""
    currency = utp.currency(settings.currency_code).ref
    return snapshot_of(
        product_rules.read_products_of(utp, list(product_keys), id_property=settings.product_id_property),
        settings=settings,
        prices=lambda products: price_rules.read_prices_of(utp, price_type_key, products, currency),
        stock=(lambda index: stock_rules.read_free_stock_of(utp, warehouses, index)) if warehouses else None,
    )


def push_products(
    product_keys: Sequence[str],
    *,
    utp: UtpClient,
    salesdrive: SalesDriveClient,
    store: FingerprintBlobs,
    settings: BridgeSettings,
    price_type_key: str,
    warehouses: Mapping[str, str],
    time_left: Callable[[], float] | None = None,
) -> CatalogPushReport:
    """A targeted push: the products UTP said it saved, diffed against the same fingerprints and sent
    by the same rules as the full push, so the two never disagree about what SalesDrive holds. Products
    outside the slice are left alone (no deletions, no categories: the full push owns those)."""
    snapshot = read_catalog_slice(
        utp,
        settings=settings,
        price_type_key=price_type_key,
        warehouses=warehouses,
        product_keys=product_keys,
    )
    options = replace(plan_options(settings), partial=True)
    return diff_and_send(
        snapshot,
        options,
        salesdrive=salesdrive,
        store=store,
        settings=settings,
        time_left=time_left,
        record_ids=id_recorder(utp, settings, time_left),
    )


def _read_changes(bodies: Sequence[str]) -> tuple[dict[str, None], datetime | None, int]:
    """The product keys named in the messages (in order, once each), the oldest request, unreadable count."""
    keys: dict[str, None] = {}
    oldest: datetime | None = None
    unreadable = 0
    for body in bodies:
        try:
            change = QueuedChange.model_validate_json(body)
        except ValidationError:
            unreadable += 1
            continue
        keys.update((str(k), None) for k in change.products)
        oldest = change.requested_at if oldest is None else min(oldest, change.requested_at)
    return keys, oldest, unreadable


def refresh_products(
    bodies: Sequence[str],
    *,
    push: Callable[[list[str]], CatalogPushReport],
    cursors: CursorStore,
    now: Callable[[], datetime],
    exclusive: Exclusive | None = None,
) -> dict[str, Any]:
    """The targeted push of one batch of the change queue: every product named in it, in one push.

    ``exclusive`` (a lease) makes concurrent batches run one after the other, so a product two sources
    reported (the on-save subscription and the watcher) is read and diffed after the first push saved
    its fingerprints, and is not sent twice.

    Whatever cannot be done here is handed to the full push, never dropped: an unreadable message,
    more products than a targeted read is worth, or a push that failed (UTP or SalesDrive down).
    """
    keys, oldest, unreadable = _read_changes(bodies)
    result: dict[str, Any] = {"products": len(keys), "unreadable": unreadable, "handed_to_full_push": None}
    if unreadable:
        request_full_push(cursors, now(), f"{unreadable} unreadable catalog change message(s)")
        result["handed_to_full_push"] = "unreadable message"
    if len(keys) > MAX_TARGETED_PRODUCTS:
        request_full_push(cursors, now(), f"{len(keys)} products changed at once")
        result["handed_to_full_push"] = "too many products"
        return result
    if keys:
        if exclusive is not None and not exclusive.acquire():
            request_full_push(cursors, now(), "another targeted push held the lease too long")
            result["handed_to_full_push"] = "lease not free"
            return result
        try:
            report = push(list(keys))
        except Exception as exc:  # any failure: the full push takes these products over
            request_full_push(cursors, now(), f"targeted push failed: {type(exc).__name__}")
            result["handed_to_full_push"] = f"{type(exc).__name__}: {exc}"[:300]
            return result
        finally:
            if exclusive is not None:
                exclusive.release()
        result.update(report.as_dict())
        if not report.complete:
            request_full_push(cursors, now(), f"targeted push incomplete: {report.stopped or 'failed batch'}")
            result["handed_to_full_push"] = report.stopped or "failed batch"
    if oldest is not None:
        done = now()
        if (oldest.tzinfo is None) == (done.tzinfo is None):
            result["lag_s"] = round(max((done - oldest).total_seconds(), 0.0), 3)
    return result
