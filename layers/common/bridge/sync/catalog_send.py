"""What the full and the targeted catalog pushes share: diff a UTP snapshot, send changes, save fingerprints.

Batches of ≤ 100 per push mode (categories, deletes, ``FULL``, ``PRICE_ONLY``, ``STOCK_ONLY``); the
fingerprints of the products in *successful* batches advance. A failed batch is retried once alone; if it
fails again its products keep their old fingerprints and go again next run. An auth error, a throttle or
the Lambda's time running out stops the run between batches. Fingerprints are saved read-modify-write,
so a targeted run and a scheduled run overlap safely: at worst a product is sent twice.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any, Protocol

from bridge.salesdrive.client import SalesDriveClient
from bridge.salesdrive.errors import SalesDriveAuthError, SalesDriveThrottled
from bridge.salesdrive.products import MAX_BATCH, BatchResult, ProductUpdate, PushMode
from bridge.settings import BridgeSettings
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

STOP_MARGIN_S = 20.0  # stop sending batches when less than this is left of the Lambda's time
MAX_ID_WRITES_PER_PUSH = 100  # more (a first full push): the SKU matching writes them, paced
SEND_ATTEMPTS = (1, 2)  # a failed batch is sent once more, alone, before its products wait for the next run

FingerprintUpdates = dict[str, tuple[bytes, str] | None]


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
    ids_written: int = 0  # "SalesDrive ID" properties written on the cards of exported products

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def plan_options(settings: BridgeSettings) -> PlanOptions:
    return PlanOptions(
        transfer_products=settings.transfer_products,
        transfer_prices=settings.transfer_prices,
        transfer_stock=settings.transfer_stock,
        deleted_product_policy=settings.deleted_product_policy,
    )


def snapshot_of(
    read: tuple[list[ProductData], dict[str, str], dict[str, str], int],
    *,
    settings: BridgeSettings,
    prices: Callable[[list[ProductData]], tuple[array[float], int]],
    stock: Callable[[dict[str, int]], tuple[list[str], array[float], int]] | None,
) -> CatalogSnapshot:
    """A snapshot from products already read, with the prices and stock the settings transfer."""
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
        for attempt in SEND_ATTEMPTS:
            self.report.salesdrive_calls += 1
            results = call()
            if all(r.ok for r in results):
                return True
            error = next((r.error for r in results if not r.ok), None)
            if isinstance(error, SalesDriveAuthError | SalesDriveThrottled):
                self.report.stopped = type(error).__name__
                break
            if attempt < SEND_ATTEMPTS[-1]:
                self.report.retried_batches += 1
        self.report.failed_batches += 1
        self.report.unsent_products += size
        return False


def _batches(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), MAX_BATCH):
        yield items[start : start + MAX_BATCH]


class _PlanRun:
    """One execution of a push plan: what was sent and the fingerprint updates it earned."""

    def __init__(
        self,
        plan: PushPlan,
        snapshot: CatalogSnapshot,
        previous: Fingerprints,
        salesdrive: SalesDriveClient,
        sender: _Sender,
    ) -> None:
        self.plan = plan
        self.snapshot = snapshot
        self.rows = previous.rows
        self.salesdrive = salesdrive
        self.sender = sender
        self.report = sender.report
        self.updates: FingerprintUpdates = {}
        self.categories_fp: bytes | None = None

    def send_categories(self) -> None:
        if not (self.plan.categories_changed and self.snapshot.folders):
            return
        cats = product_rules.categories(self.snapshot.folders)
        ok = True
        for batch in _batches(cats):
            ok = self.sender.send(partial(self.salesdrive.push_categories, batch), 0) and ok
        if ok:
            self.categories_fp = self.plan.categories
            self.report.categories = len(cats)

    def send_deletes(self) -> None:
        for batch in _batches(self.plan.delete):
            if self.sender.send(
                partial(self.salesdrive.delete_products, [sd for _, sd in batch]), len(batch)
            ):
                self.updates.update({ref: None for ref, _ in batch})
                self.report.deleted += len(batch)

    def send_products(
        self, indices: Sequence[int], mode: PushMode, make: Callable[[int], ProductUpdate]
    ) -> int:
        """Push the products at ``indices`` in ``mode``; returns how many SalesDrive accepted."""
        sent = 0
        for batch in _batches(indices):
            items = [make(i) for i in batch]
            if not self.sender.send(partial(self.salesdrive.push_products, items, mode), len(batch)):
                continue
            sent += len(batch)
            for i in batch:
                self._commit(i, mode)
        return sent

    def _commit(self, i: int, mode: PushMode) -> None:
        plan = self.plan
        ref = self.snapshot.products[i].ref
        before = self.updates.get(ref) or self.rows.get(ref)
        if mode is PushMode.FULL:
            price, stock = plan.full_aspects[i]
            flags = {"data": True, "price": price, "stock": stock}
        else:
            flags = {
                "data": False,
                "price": mode is PushMode.PRICE_ONLY,
                "stock": mode is PushMode.STOCK_ONLY,
            }
        self.updates[ref] = committed(before, plan.fingerprints[i], plan.ids[i], **flags)

    def send_zero_stock(self) -> None:
        stock_ids = self.snapshot.stock_ids
        width = len(stock_ids)
        for batch in _batches(self.plan.zero_stock):
            items = [stock_rules.zero_stock_update(sd, stock_ids) for _, sd in batch]
            if width and self.sender.send(
                partial(self.salesdrive.push_products, items, PushMode.STOCK_ONLY), len(batch)
            ):
                self.report.zero_stock += len(batch)
                for ref, _ in batch:
                    self.updates[ref] = zero_stock_entry(self.rows[ref], width)


def execute_plan(
    plan: PushPlan,
    snapshot: CatalogSnapshot,
    previous: Fingerprints,
    *,
    salesdrive: SalesDriveClient,
    settings: BridgeSettings,
    report: CatalogPushReport,
    time_left: Callable[[], float] | None = None,
) -> tuple[FingerprintUpdates, bytes | None]:
    """Send the plan; returns the fingerprint updates of what SalesDrive accepted (and the categories')."""
    run = _PlanRun(plan, snapshot, previous, salesdrive, _Sender(salesdrive, report, time_left))
    currency = settings.catalog_currency
    run.send_categories()
    run.send_deletes()
    report.full = run.send_products(
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
    report.price_only = run.send_products(
        plan.price_only,
        PushMode.PRICE_ONLY,
        lambda i: price_rules.price_update(snapshot, i, plan.ids[i], currency=currency),
    )
    report.stock_only = run.send_products(
        plan.stock_only, PushMode.STOCK_ONLY, lambda i: stock_rules.stock_update(snapshot, i, plan.ids[i])
    )
    run.send_zero_stock()
    return run.updates, run.categories_fp


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


def diff_and_send(
    snapshot: CatalogSnapshot,
    options: PlanOptions,
    *,
    salesdrive: SalesDriveClient,
    store: FingerprintBlobs,
    settings: BridgeSettings,
    time_left: Callable[[], float] | None,
    record_ids: Callable[[dict[str, str]], int] | None = None,
) -> CatalogPushReport:
    """Plan against the saved fingerprints, send, save what succeeded, record first-time exports' IDs."""
    report = CatalogPushReport()
    report.utp_calls = snapshot.utp_calls
    report.products = len(snapshot.products)
    loaded = store.load()
    previous = Fingerprints.decode(loaded)
    plan = plan_push(snapshot, previous, options)
    report.changed = plan.changed
    report.skipped = [{"ref": s.ref, "sku": s.sku, "reason": s.reason} for s in plan.skipped]
    updates: FingerprintUpdates = {}
    categories: bytes | None = None
    first_time = [
        i
        for i in plan.full
        if snapshot.products[i].ref not in previous.rows
        and snapshot.products[i].ref not in snapshot.salesdrive_ids
    ]
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
    # Products SalesDrive got for the first time under their SKU: their UTP card gets the SalesDrive ID.
    exported = {
        snapshot.products[i].ref: plan.ids[i]
        for i in first_time
        if updates.get(snapshot.products[i].ref) is not None
    }
    del previous
    if record_ids is not None and exported:
        report.ids_written = record_ids(exported)
    report.complete = report.stopped is None and report.failed_batches == 0
    return report


def id_recorder(
    utp: UtpClient, settings: BridgeSettings, time_left: Callable[[], float] | None = None
) -> Callable[[dict[str, str]], int]:
    """What a push does with the products it exported: write their "SalesDrive ID" property now, up to
    ``MAX_ID_WRITES_PER_PUSH`` (the nightly SKU matching writes any others, paced)."""
    from bridge.sync.product_ids import write_product_ids

    def record(exported: dict[str, str]) -> int:
        if len(exported) > MAX_ID_WRITES_PER_PUSH:
            return 0
        return write_product_ids(exported, utp=utp, settings=settings, time_left=time_left).written

    return record
