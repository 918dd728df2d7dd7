"""Catalog push (items 4–6): read UTP, diff against what SalesDrive last accepted, send only the changes.

One run: read products (+ folders, + "SalesDrive ID" values), prices (1 ``SliceLast``) and free stock
(2 ``Balance`` per mapped warehouse) → ``plan_push`` → batches of ≤ 100 per push mode (categories, deletes,
``FULL``, ``PRICE_ONLY``, ``STOCK_ONLY``) → fingerprints of the products in *successful* batches advance.
A failed batch is retried once alone; if it fails again its products keep their old fingerprints and go
again next run. An auth error or a throttle stops the run (every next batch would get the same answer).

Resumable: when ``time_left()`` says the Lambda is near its limit, the run stops between batches, saves
what succeeded and records ``status: partial`` in the cursor; the next run (the schedule runs a partial
catalog at once, without waiting for the interval) re-reads UTP and, since the pushed products now match
their fingerprints, sends only the rest. The fingerprints are saved read-modify-write (the latest blob is
re-read and only this run's products are replaced), so a targeted run and a scheduled run overlap safely:
at worst a product is sent twice.
"""

from __future__ import annotations

import contextlib
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Protocol
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bridge.salesdrive.client import SalesDriveClient
from bridge.salesdrive.errors import SalesDriveAuthError, SalesDriveThrottled
from bridge.salesdrive.products import MAX_BATCH, BatchResult, ProductUpdate, PushMode
from bridge.settings import BridgeSettings
from bridge.store.cursors import CursorStore
from bridge.sync import prices as price_rules
from bridge.sync import products as product_rules
from bridge.sync import stock as stock_rules
from bridge.sync.catalog_diff import (
    CatalogSnapshot,
    Fingerprints,
    PlanOptions,
    ProductData,
    PushPlan,
    committed,
    plan_push,
    zero_stock_entry,
)
from bridge.utp.client import UtpClient

CURSOR = "catalog-push"
STOP_MARGIN_S = 20.0  # stop sending batches when less than this is left of the Lambda's time


class FingerprintBlobs(Protocol):
    def load(self) -> bytes | None: ...

    def save(self, data: bytes) -> None: ...


@dataclass
class CatalogPushReport:
    complete: bool = True
    stopped: str | None = None
    products: int = 0
    changed: int = 0
    full: int = 0
    price_only: int = 0
    stock_only: int = 0
    zero_stock: int = 0
    deleted: int = 0
    categories: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    salesdrive_calls: int = 0
    failed_batches: int = 0
    retried_batches: int = 0
    unsent_products: int = 0
    utp_calls: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def plan_options(settings: BridgeSettings) -> PlanOptions:
    return PlanOptions(
        transfer_products=settings.transfer_products,
        transfer_prices=settings.transfer_prices,
        transfer_stock=settings.transfer_stock,
        deleted_product_policy=settings.deleted_product_policy,
    )


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
    return _snapshot(
        product_rules.read_products(utp, id_property=settings.product_id_property, page_size=page_size),
        settings=settings,
        prices=lambda products: price_rules.read_prices(utp, price_type_key, products, currency),
        stock=(lambda index: stock_rules.read_free_stock(utp, warehouses, index)) if warehouses else None,
    )


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
    return _snapshot(
        product_rules.read_products_of(utp, list(product_keys), id_property=settings.product_id_property),
        settings=settings,
        prices=lambda products: price_rules.read_prices_of(utp, price_type_key, products, currency),
        stock=(lambda index: stock_rules.read_free_stock_of(utp, warehouses, index)) if warehouses else None,
    )


def _snapshot(
    read: tuple[list[ProductData], dict[str, str], dict[str, str], int],
    *,
    settings: BridgeSettings,
    prices: Callable[[list[ProductData]], tuple[array[float], int]],
    stock: Callable[[dict[str, int]], tuple[list[str], array[float], int]] | None,
) -> CatalogSnapshot:
    products, folders, ids, calls = read
    snapshot = CatalogSnapshot(
        products=products,
        folders=folders,
        salesdrive_ids=ids,
        stock_ids=[],
        prices=CatalogSnapshot.empty_prices(len(products)),
        stock=CatalogSnapshot.empty_stock(len(products), 0),
    )
    if products and (settings.transfer_prices or settings.transfer_products):
        snapshot.prices, price_calls = prices(snapshot.products)
        calls += price_calls
    if products and stock is not None and (settings.transfer_stock or settings.transfer_products):
        snapshot.stock_ids, snapshot.stock, stock_calls = stock(snapshot.index)
        calls += stock_calls
    snapshot.utp_calls = calls
    return snapshot


class _Sender:
    """Sends batches one call each, retries a failed batch once alone, stops on auth/throttle/time."""

    def __init__(
        self, salesdrive: SalesDriveClient, report: CatalogPushReport, time_left: Callable[[], float] | None
    ) -> None:
        self.salesdrive = salesdrive
        self.report = report
        self.time_left = time_left

    def _should_stop(self) -> bool:
        if self.report.stopped:
            return True
        if self.time_left is not None and self.time_left() < STOP_MARGIN_S:
            self.report.stopped = "time"
            return True
        return False

    def send(self, call: Callable[[], list[BatchResult[Any]]], size: int) -> bool:
        if self._should_stop():
            self.report.unsent_products += size
            return False
        for attempt in (1, 2):
            self.report.salesdrive_calls += 1
            results = call()
            if all(r.ok for r in results):
                return True
            error = next((r.error for r in results if not r.ok), None)
            if isinstance(error, SalesDriveAuthError | SalesDriveThrottled):
                self.report.stopped = type(error).__name__
                break
            if attempt == 1:
                self.report.retried_batches += 1
        self.report.failed_batches += 1
        self.report.unsent_products += size
        return False


def _batches(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), MAX_BATCH):
        yield items[start : start + MAX_BATCH]


def execute_plan(
    plan: PushPlan,
    snapshot: CatalogSnapshot,
    previous: Fingerprints,
    *,
    salesdrive: SalesDriveClient,
    settings: BridgeSettings,
    report: CatalogPushReport,
    time_left: Callable[[], float] | None = None,
) -> tuple[dict[str, tuple[bytes, str] | None], bytes | None]:
    """Send the plan; returns the fingerprint updates of what SalesDrive accepted (and the categories')."""
    sender = _Sender(salesdrive, report, time_left)
    updates: dict[str, tuple[bytes, str] | None] = {}
    categories_fp: bytes | None = None
    currency = settings.catalog_currency
    rows = previous.rows

    if plan.categories_changed and snapshot.folders:
        cats = product_rules.categories(snapshot.folders)
        ok = True
        for batch in _batches(cats):
            ok = sender.send(partial(salesdrive.push_categories, batch), 0) and ok
        if ok:
            categories_fp = plan.categories
            report.categories = len(cats)

    for batch in _batches(plan.delete):
        if sender.send(partial(salesdrive.delete_products, [sd for _, sd in batch]), len(batch)):
            updates.update({ref: None for ref, _ in batch})
            report.deleted += len(batch)

    def push(indices: Sequence[int], mode: PushMode, make: Callable[[int], ProductUpdate]) -> int:
        sent = 0
        for batch in _batches(indices):
            items = [make(i) for i in batch]
            if not sender.send(partial(salesdrive.push_products, items, mode), len(batch)):
                continue
            sent += len(batch)
            for i in batch:
                ref = snapshot.products[i].ref
                before = updates.get(ref) or rows.get(ref)
                if mode is PushMode.FULL:
                    price, stock = plan.full_aspects[i]
                    flags = {"data": True, "price": price, "stock": stock}
                else:
                    flags = {
                        "data": False,
                        "price": mode is PushMode.PRICE_ONLY,
                        "stock": mode is PushMode.STOCK_ONLY,
                    }
                updates[ref] = committed(before, plan.fingerprints[i], plan.ids[i], **flags)
        return sent

    report.full = push(
        plan.full,
        PushMode.FULL,
        lambda i: product_rules.full_update(
            snapshot,
            i,
            plan.ids[i],
            with_price=plan.full_aspects[i][0],
            with_stock=plan.full_aspects[i][1],
            currency=currency,
        ),
    )
    report.price_only = push(
        plan.price_only,
        PushMode.PRICE_ONLY,
        lambda i: price_rules.price_update(snapshot, i, plan.ids[i], currency=currency),
    )
    report.stock_only = push(
        plan.stock_only, PushMode.STOCK_ONLY, lambda i: stock_rules.stock_update(snapshot, i, plan.ids[i])
    )
    width = len(snapshot.stock_ids)
    for batch in _batches(plan.zero_stock):
        items = [stock_rules.zero_stock_update(sd, snapshot.stock_ids) for _, sd in batch]
        if width and sender.send(partial(salesdrive.push_products, items, PushMode.STOCK_ONLY), len(batch)):
            report.zero_stock += len(batch)
            for ref, _ in batch:
                updates[ref] = zero_stock_entry(rows[ref], width)
    return updates, categories_fp


def save_fingerprints(
    store: FingerprintBlobs,
    updates: Mapping[str, tuple[bytes, str] | None],
    categories: bytes | None,
    *,
    base: tuple[bytes | None, Fingerprints] | None = None,
) -> None:
    """Read-modify-write: only this run's products are replaced in the latest blob (``base`` = the blob
    this run loaded and its decoded form: reused when nobody wrote in between, saving a decode)."""
    if not updates and categories is None:
        return
    blob = store.load()
    latest = base[1] if base is not None and blob == base[0] else Fingerprints.decode(blob)
    latest.apply(updates, categories)
    store.save(latest.encode())


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
    report = _diff_and_send(
        snapshot,
        plan_options(settings),
        salesdrive=salesdrive,
        store=store,
        settings=settings,
        time_left=time_left,
    )
    if cursors is not None:
        record_run(cursors, report, now)
    return report


def _diff_and_send(
    snapshot: CatalogSnapshot,
    options: PlanOptions,
    *,
    salesdrive: SalesDriveClient,
    store: FingerprintBlobs,
    settings: BridgeSettings,
    time_left: Callable[[], float] | None,
) -> CatalogPushReport:
    report = CatalogPushReport()
    report.utp_calls = snapshot.utp_calls
    report.products = len(snapshot.products)
    loaded = store.load()
    previous = Fingerprints.decode(loaded)
    plan = plan_push(snapshot, previous, options)
    report.changed = plan.changed
    report.skipped = [{"ref": s.ref, "sku": s.sku, "reason": s.reason} for s in plan.skipped]
    updates: dict[str, tuple[bytes, str] | None] = {}
    categories: bytes | None = None
    try:
        updates, categories = execute_plan(
            plan,
            snapshot,
            previous,
            salesdrive=salesdrive,
            settings=settings,
            report=report,
            time_left=time_left,
        )
    finally:
        save_fingerprints(store, updates, categories, base=(loaded, previous))
        del previous
    report.complete = report.stopped is None and report.failed_batches == 0
    return report


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
    return _diff_and_send(
        snapshot, options, salesdrive=salesdrive, store=store, settings=settings, time_left=time_left
    )


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


TRIGGER_CURSOR = "catalog-trigger"
MAX_TRIGGER_PRODUCTS = 1000
# Above this many products a targeted read costs UTP more than the full read it replaces
# (7 calls per 40 products against ⌈N/1000⌉ pages + 3 + 2·warehouses): ask for a full push instead.
MAX_TARGETED_PRODUCTS = 1000


class CatalogChange(BaseModel):
    """What UTP's on-save event subscription posts: the object saved and the products it touches."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: str = Field(default="", max_length=200)
    ref: str = Field(default="", max_length=64)
    products: list[UUID] = Field(default_factory=list, max_length=MAX_TRIGGER_PRODUCTS)

    def product_keys(self) -> list[str]:
        keys = [str(key) for key in self.products]
        if self.type == product_rules.PRODUCT_ENTITY and self.ref:
            with contextlib.suppress(ValueError):
                keys.append(str(UUID(self.ref)))
        return list(dict.fromkeys(keys))


class QueuedChange(BaseModel):
    """One message of the catalog change queue (``CatalogChangeQueue.send``)."""

    model_config = ConfigDict(extra="ignore")

    products: list[UUID] = Field(max_length=MAX_TRIGGER_PRODUCTS)
    requested_at: datetime


class ChangeQueue(Protocol):
    def send(self, product_keys: Sequence[str], *, requested_at: datetime, source: str) -> int: ...


def request_push(
    *,
    token: str,
    accepted_tokens: Sequence[str],
    cursors: CursorStore,
    now: datetime,
    body: str | bytes | None = None,
    changes: ChangeQueue | None = None,
) -> tuple[int, dict[str, Any]]:
    """The on-save trigger UTP calls. Checks the token, then:

    - a body naming products (``products``, or ``type`` ``Catalog_Номенклатура`` + ``ref``) → the keys
      go to the change queue and the targeted push sends them within seconds (202);
    - an empty body, or one naming no product (a document without goods) → the next minute's full push
      runs whatever the interval (202): a save is never missed;
    - a body that is not such an object (not UTF-8, not JSON, keys that are not GUIDs, more than 1,000)
      → 400 with the reason, and nothing is recorded.
    """
    from bridge.sync.webhook_intake import token_is_valid

    if not token_is_valid(token, accepted_tokens):
        return 403, {"accepted": False, "reason": "unknown trigger token"}
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return 400, {"accepted": False, "reason": "body is not UTF-8"}
    change = CatalogChange()
    if body and body.strip():
        try:
            change = CatalogChange.model_validate_json(body)
        except ValidationError as exc:
            reason = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()[:3]
            )
            return 400, {"accepted": False, "reason": reason[:300]}
    keys = change.product_keys()
    if keys and changes is not None:
        changes.send(keys, requested_at=now, source=change.type)
        return 202, {"accepted": True, "products": len(keys)}
    request_full_push(cursors, now, f"{change.type} {change.ref}".strip())
    return 202, {"accepted": True, "requested_at": now.isoformat()}


def request_full_push(cursors: CursorStore, now: datetime, detail: str) -> None:
    """Make the every-minute schedule run a full push at once, whatever the interval."""
    cursors.put(TRIGGER_CURSOR, {"requested_at": now.isoformat(), "detail": detail[:200]})


def refresh_products(
    bodies: Sequence[str],
    *,
    push: Callable[[list[str]], CatalogPushReport],
    cursors: CursorStore,
    now: Callable[[], datetime],
) -> dict[str, Any]:
    """The targeted push of one batch of the change queue: every product named in it, in one push.

    Whatever cannot be done here is handed to the full push, never dropped: an unreadable message,
    more products than a targeted read is worth, or a push that failed (UTP or SalesDrive down).
    """
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
    result: dict[str, Any] = {"products": len(keys), "unreadable": unreadable, "handed_to_full_push": None}
    if unreadable:
        request_full_push(cursors, now(), f"{unreadable} unreadable catalog change message(s)")
        result["handed_to_full_push"] = "unreadable message"
    if len(keys) > MAX_TARGETED_PRODUCTS:
        request_full_push(cursors, now(), f"{len(keys)} products changed at once")
        result["handed_to_full_push"] = "too many products"
        return result
    if keys:
        try:
            report = push(list(keys))
        except Exception as exc:  # any failure: the full push takes these products over
            request_full_push(cursors, now(), f"targeted push failed: {type(exc).__name__}")
            result["handed_to_full_push"] = f"{type(exc).__name__}: {exc}"[:300]
            return result
        result.update(report.as_dict())
        if not report.complete:
            request_full_push(cursors, now(), f"targeted push incomplete: {report.stopped or 'failed batch'}")
            result["handed_to_full_push"] = report.stopped or "failed batch"
    if oldest is not None:
        done = now()
        if (oldest.tzinfo is None) == (done.tzinfo is None):
            result["lag_s"] = round(max((done - oldest).total_seconds(), 0.0), 3)
    return result


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
