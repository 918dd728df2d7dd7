"""The catalog change watcher: fresh stock and prices in SalesDrive with no change to the 1C configuration.

Stock, reserves and prices move only when a ``WATCHED`` document is (un)posted or deleted, which gives it
a new ``DataVersion``; so each poll lists recent documents, reads lines of changed ones only and queues
their products for the targeted push (docs/decisions.md). The first poll reads the whole window, later
ones the hot minutes; an unpublished document type (404, or 400 code 6) is retried an hour later. The
first run only records, except documents dated after the last complete full push (their products go).
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bridge.settings import BridgeSettings
from bridge.utp import names as n
from bridge.utp.changes import DocumentVersion, document_products, document_versions
from bridge.utp.client import UtpClient
from bridge.utp.errors import UtpBadRequestError, UtpError, UtpNotFoundError

CURSOR = "catalog-watch"
UNPUBLISHED_RETRY = timedelta(hours=1)


@dataclass(frozen=True)
class WatchedDocument:
    entity: str
    section: str = "Товары"
    column: str = "Номенклатура_Key"
    via_orders: bool = False  # the lines name sales orders: their products are the ones that move


# The documents whose posting moves free stock or the price (UTP 1.2: each writes ТоварыНаСкладах,
# ТоварыВРезервеНаСкладах or ЦеныНоменклатуры in ОбработкаПроведения, from its Товары lines).
WATCHED: tuple[WatchedDocument, ...] = (
    WatchedDocument(n.PRICE_SETTING),
    WatchedDocument(n.GOODS_RECEIPT),
    WatchedDocument(n.INVOICE),
    WatchedDocument(n.ORDER),
    WatchedDocument(n.RETURN),
    WatchedDocument(n.CLOSURE, section="Заказы", column="ЗаказПокупателя", via_orders=True),
    WatchedDocument(n.GOODS_TRANSFER),
    WatchedDocument(n.GOODS_WRITE_OFF),
    WatchedDocument(n.GOODS_SURPLUS),
    WatchedDocument(n.SUPPLIER_RETURN),
)


class StateBlob(Protocol):
    def load(self) -> bytes | None: ...

    def save(self, data: bytes) -> None: ...


class ProductQueue(Protocol):
    def send(self, product_keys: Sequence[str], *, requested_at: datetime, source: str) -> int: ...


@dataclass
class WatchState:
    """What the watcher saw: per document type, ref → [DataVersion, date, posted, products]."""

    documents: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    unpublished: dict[str, str] = field(default_factory=dict)  # entity → when UTP answered 404

    def encode(self) -> bytes:
        data = {"documents": self.documents, "unpublished": self.unpublished}
        return gzip.compress(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode(), 6)

    @classmethod
    def decode(cls, blob: bytes | None) -> WatchState:
        if not blob:
            return cls()
        data = json.loads(gzip.decompress(blob))
        return cls(documents=data.get("documents") or {}, unpublished=data.get("unpublished") or {})


@dataclass
class PollResult:
    products: list[str] = field(default_factory=list)
    changed_documents: int = 0
    requests: int = 0
    rows: int = 0
    baseline: list[str] = field(default_factory=list)  # document types seen for the first time
    unpublished: list[str] = field(default_factory=list)


def _local(now: datetime, timezone: str) -> datetime:
    return now.astimezone(ZoneInfo(timezone)).replace(tzinfo=None, microsecond=0)


def poll(
    utp: UtpClient,
    state: WatchState,
    *,
    since: datetime,
    now: datetime,
    fresh_after: str | None = None,
    window_start: datetime | None = None,
    watched: Sequence[WatchedDocument] = WATCHED,
) -> PollResult:
    """One look at the documents dated at or after ``since`` (UTP's local naive time); updates ``state``
    and returns the products whose stock, reserve or price may have moved since the last look.

    ``fresh_after`` (local ISO date): on the first look at a type, its documents dated after it count as
    changes (the last complete full push did not see them); the others are only recorded.
    ``window_start``: documents dated before it are forgotten (default ``since``); a hot poll passes the
    whole window's start, so what it does not look at is kept.
    """
    result = PollResult()
    products: dict[str, None] = {}
    for doc in watched:
        versions = _versions(utp, state, doc, since=since, now=now, result=result)
        if versions is None:
            continue
        first_look = doc.entity not in state.documents
        known = state.documents.setdefault(doc.entity, {})
        current = {v.ref: v for v in versions}
        changed, gone = _changes(known, current, first_look, fresh_after, since.isoformat())
        if first_look:
            result.baseline.append(doc.entity)
        # Lines of the changed documents that are posted now (an unposted draft moves nothing), and of
        # the recorded-only ones of the first look that are posted (a later unposting needs them).
        need = [v.ref for v in changed if v.posted] + [
            ref for ref, seen in known.items() if seen[3] is None and seen[2] and ref in current
        ]
        lines, calls = _products_of(utp, doc, need)
        result.requests += calls
        _record(known, changed, gone, lines, result, products)
        # Documents that aged out of the whole window: forgotten (the full push owns them now).
        forget = (window_start or since).isoformat()
        for ref in [r for r, s in known.items() if str(s[1]) < forget and r not in current]:
            del known[ref]
    result.products = list(products)
    return result


def _versions(
    utp: UtpClient,
    state: WatchState,
    doc: WatchedDocument,
    *,
    since: datetime,
    now: datetime,
    result: PollResult,
) -> list[DocumentVersion] | None:
    """The type's documents dated since ``since``; None when UTP does not publish it (asked again later)."""
    missing_at = state.unpublished.get(doc.entity)
    if missing_at and now - datetime.fromisoformat(missing_at) < UNPUBLISHED_RETRY:
        return None
    try:
        versions = document_versions(utp.odata, doc.entity, since)
    except (UtpNotFoundError, UtpBadRequestError) as exc:
        # An entity set the publication does not include: "segment not found", 400 code 6 (or 404).
        if not isinstance(exc, UtpNotFoundError) and exc.code != "6":
            raise
        state.unpublished[doc.entity] = now.isoformat()
        result.unpublished.append(doc.entity)
        result.requests += 1
        return None
    state.unpublished.pop(doc.entity, None)
    result.requests += 1 + len(versions) // 1000
    result.rows += len(versions)
    return versions


def _changes(
    known: dict[str, list[Any]],
    current: Mapping[str, DocumentVersion],
    first_look: bool,
    fresh_after: str | None,
    since_text: str,
) -> tuple[list[DocumentVersion], list[str]]:
    """The documents new or with another ``DataVersion``, and those gone from the window. On the first
    look, documents not fresh are only recorded (in ``known``)."""
    changed: list[DocumentVersion] = []
    gone: list[str] = []
    for ref, version in current.items():
        seen = known.get(ref)
        if seen is None:
            if first_look and not (fresh_after and version.date > fresh_after):
                known[ref] = [version.data_version, version.date, version.posted, None]
                continue
            changed.append(version)
        elif seen[0] != version.data_version:
            changed.append(version)
    for ref, seen in known.items():
        if ref not in current and str(seen[1]) >= since_text:
            gone.append(ref)  # deleted, or re-dated out of the window: what it moved goes back
    return changed, gone


def _record(
    known: dict[str, list[Any]],
    changed: list[DocumentVersion],
    gone: list[str],
    lines: Mapping[str, list[str]],
    result: PollResult,
    products: dict[str, None],
) -> None:
    """Remember what each document now moves; the products of what changed (before and after) go."""
    for ref, seen in list(known.items()):
        if seen[3] is None:
            seen[3] = lines.get(ref, []) if seen[2] else []
    for version in changed:
        before = known.get(version.ref)
        was_posted = bool(before and before[2])
        if was_posted or version.posted:
            result.changed_documents += 1
            products.update((p, None) for p in (before[3] if before and before[3] else []))
            products.update((p, None) for p in lines.get(version.ref, []))
        known[version.ref] = [
            version.data_version,
            version.date,
            version.posted,
            lines.get(version.ref, []) if version.posted else [],
        ]
    for ref in gone:
        seen = known.pop(ref)
        if seen[2] and seen[3]:
            result.changed_documents += 1
            products.update((p, None) for p in seen[3])


def _products_of(utp: UtpClient, doc: WatchedDocument, refs: list[str]) -> tuple[dict[str, list[str]], int]:
    if not refs:
        return {}, 0
    chunk = utp.chunk_size
    lines = document_products(
        utp.odata, doc.entity, refs, section=doc.section, column=doc.column, chunk=chunk
    )
    calls = -(-len(refs) // chunk)
    if not doc.via_orders:
        return lines, calls
    orders = sorted({o for values in lines.values() for o in values})
    goods = document_products(utp.odata, n.ORDER, orders, chunk=chunk)
    calls += -(-len(orders) // chunk) if orders else 0
    return {
        ref: list(dict.fromkeys(p for order in values for p in goods.get(order, [])))
        for ref, values in lines.items()
    }, calls


@dataclass
class WatchReport:
    polls: int = 0
    products_queued: int = 0
    changed_documents: int = 0
    utp_requests: int = 0
    rows_read: int = 0
    unpublished: list[str] = field(default_factory=list)
    stopped: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def add(self, result: PollResult) -> None:
        """Count one poll."""
        self.polls += 1
        self.utp_requests += result.requests
        self.rows_read += result.rows
        self.changed_documents += result.changed_documents
        self.unpublished = sorted(set(self.unpublished) | set(result.unpublished))


def watch(
    *,
    utp: UtpClient,
    queue: ProductQueue,
    store: StateBlob,
    settings: BridgeSettings,
    now: Callable[[], datetime],
    fresh_after: datetime | None = None,
    time_left: Callable[[], float] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> WatchReport:
    """One invocation: polls every ``catalog_watch_poll_seconds`` for ``catalog_watch_run_seconds`` (the
    first poll over the whole window, the others over the hot one), queues what changed, keeps the state.

    A UTP failure ends the invocation (the next minute's starts again from the saved state): what changed
    meanwhile is found then, since ``DataVersion`` only moves forward.
    """
    report = WatchReport()
    if not settings.catalog_watch:
        report.stopped = "catalog_watch is off"
        return report
    loaded = store.load()
    state = WatchState.decode(loaded)
    started = monotonic()
    fresh = _local(fresh_after, settings.timezone).isoformat() if fresh_after else None
    dirty = False
    try:
        while True:
            tick = monotonic()
            moment = now()
            try:
                result = _poll_at(utp, state, settings, moment, whole_window=report.polls == 0, fresh=fresh)
            except UtpError as exc:  # UTP down: the next minute's run goes on from the saved state
                report.stopped = f"UTP: {type(exc).__name__}"
                break
            report.add(result)
            dirty = dirty or bool(result.changed_documents or result.baseline or result.unpublished)
            if result.products:
                queue.send(result.products, requested_at=moment, source="catalog-watch")
                report.products_queued += len(result.products)
                store.save(state.encode())  # queued: never found again as a change
                dirty = False
            elapsed = monotonic() - started
            wait = settings.catalog_watch_poll_seconds - (monotonic() - tick)
            if elapsed + max(wait, 0) >= settings.catalog_watch_run_seconds:
                break
            if time_left is not None and time_left() - max(wait, 0) < 10:
                report.stopped = "time"
                break
            if wait > 0:
                sleep(wait)
    finally:
        if dirty or loaded is None:
            store.save(state.encode())
    return report


def _poll_at(
    utp: UtpClient,
    state: WatchState,
    settings: BridgeSettings,
    moment: datetime,
    *,
    whole_window: bool,
    fresh: str | None,
) -> PollResult:
    """One poll at ``moment``: over the whole window, or over the hot minutes."""
    local = _local(moment, settings.timezone)
    window = timedelta(hours=settings.catalog_watch_window_hours)
    span = window if whole_window else timedelta(minutes=settings.catalog_watch_hot_minutes)
    return poll(utp, state, since=local - span, now=moment, fresh_after=fresh, window_start=local - window)


def last_full_push(cursors_state: Mapping[str, Any] | None) -> datetime | None:
    """When the last complete full push ran (the catalog push's cursor), as an aware UTC time."""
    value = (cursors_state or {}).get("last_complete_at")
    if not value:
        return None
    at = datetime.fromisoformat(str(value))
    return at if at.tzinfo else at.replace(tzinfo=UTC)
