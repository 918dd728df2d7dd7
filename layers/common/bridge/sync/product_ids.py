"""The "SalesDrive ID" on every UTP product card (additional property ``product_id_property``).

Whatever its value — a SalesDrive id that differs from the SKU, or the SKU itself — every product the SKU
matching links or matches, and every product the bridge exports, gets the property, so a person in UTP
sees which SalesDrive product a card is. Each is one single write in 1C (``InformationRegister_
ЗначенияСвойствОбъектов``: POST, or PATCH when the record exists; see ``UtpClient.set_property``), so a first
run at 200,000 products is paced (``product_id_writes_per_minute``) and resumable: products are written in
``Ref_Key`` order, the cursor remembers the last one and the counts, and a run stopped by time goes on from
there next time (what was written has its property and is no longer pending anyway). While a run has been
stopped by time, the matcher's resume schedule runs it again (``writes_pending``); otherwise that schedule
costs one DynamoDB read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bridge.settings import BridgeSettings
from bridge.store.cursors import CursorStore
from bridge.utp.client import UtpClient
from bridge.utp.names import PRODUCTS as PRODUCT_ENTITY

CURSOR = "product-ids"
STOP_MARGIN_S = 30.0


@dataclass
class IdWrites:
    pending: int = 0
    written: int = 0
    failed: int = 0
    left: int = 0
    stopped: str | None = None
    errors: list[str] = field(default_factory=list)


def write_product_ids(
    wanted: Mapping[str, str],
    *,
    utp: UtpClient,
    settings: BridgeSettings,
    cursors: CursorStore | None = None,
    time_left: Callable[[], float] | None = None,
    progress: Callable[[int, int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> IdWrites:
    """Write ``ref → SalesDrive id`` for each of ``wanted`` (already filtered to the missing or different
    ones), at most ``product_id_writes_per_minute``, resuming after the cursor's last ref."""
    report = IdWrites(pending=len(wanted))
    state: dict[str, Any] = (cursors.get(CURSOR) if cursors is not None else None) or {}
    after = str(state.get("after") or "")
    refs = sorted(wanted)
    if after and any(ref > after for ref in refs):
        refs = [r for r in refs if r > after] + [r for r in refs if r <= after]  # resume, then wrap
    interval = 60.0 / settings.product_id_writes_per_minute
    next_at = monotonic()
    last = after
    for n, ref in enumerate(refs):
        if time_left is not None and time_left() < STOP_MARGIN_S:
            report.stopped = "time"
            break
        wait = next_at - monotonic()
        if wait > 0:
            sleep(wait)
        next_at = max(next_at, monotonic()) + interval
        try:
            utp.set_property(ref, PRODUCT_ENTITY, settings.product_id_property, wanted[ref])
            report.written += 1
        except Exception as exc:  # one refused product must not stop the run: it stays pending
            report.failed += 1
            report.errors.append(f"{ref}: {type(exc).__name__}: {exc}"[:300])
        last = ref
        if progress is not None:
            progress(n + 1, len(refs))
    report.left = report.pending - report.written
    if cursors is not None:  # also when nothing was wanted: a finished run must not look pending
        cursors.put(
            CURSOR,
            {
                "after": "" if report.stopped is None else last,
                "written": report.written,
                "failed": report.failed,
                "left": report.left,
                "at": datetime.now(UTC).isoformat(),
            },
        )
    return report


def writes_pending(cursors: CursorStore) -> bool:
    """True while the last run stopped by time with products still to write: the resume schedule goes on.
    Products that failed are not pending here: the nightly run retries them."""
    state = cursors.get(CURSOR) or {}
    return bool(state.get("after"))


def first_run_minutes(products: int, settings: BridgeSettings) -> float:
    """How long the first run takes at the configured pace (every product needs its property)."""
    return products / settings.product_id_writes_per_minute
