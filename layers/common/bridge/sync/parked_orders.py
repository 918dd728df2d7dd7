"""Parked orders are replayed automatically once their cause is gone (beyond the capabilities).

An order parked for an unknown SKU goes back to the deal queue as soon as UTP knows every SKU it waits
for (one UTP lookup per 40 SKUs for all parked orders together). An order parked because UTP refused it
or was unavailable is retried with a growing pause (5 min, 10, 20 … at most 6 h): the accountant may
have fixed the cause in 1C, and the parked list shows the reason meanwhile. An order parked for its own
data (no lines, a zero quantity, a line without SKU, a field that cannot be read) waits for SalesDrive:
the next version of the order (webhook or catch-up sweep) is applied as soon as it arrives, and an
operator's replay (``python -m bridge_ops replay``) retries the stored event at once; replaying the same
unchanged event on a timer could only park it again. Nothing is ever dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bridge.settings import BridgeSettings
from bridge.store.deals import DealStore, ParkedOrder
from bridge.sync.webhook_intake import DealEventQueue
from bridge.utp.client import UtpClient

FIRST_PAUSE = timedelta(minutes=5)
LONGEST_PAUSE = timedelta(hours=6)


@dataclass
class ReplayReport:
    replayed: list[int] = field(default_factory=list)
    waiting_for_sku: list[int] = field(default_factory=list)
    backing_off: list[int] = field(default_factory=list)
    waiting_for_change: list[int] = field(default_factory=list)  # parked for the order's own data

    @property
    def parked_count(self) -> int:
        """The ParkedOrders metric: replayed, waiting for a SKU or backing off (not waiting for a change)."""
        return len(self.replayed) + len(self.waiting_for_sku) + len(self.backing_off)

    def as_dict(self) -> dict[str, Any]:
        """What the replayer's Lambda returns."""
        return {
            "replayed": self.replayed,
            "waiting_for_sku": self.waiting_for_sku,
            "backing_off": self.backing_off,
        }


def next_attempt_at(parked: ParkedOrder, first_pause: timedelta = FIRST_PAUSE) -> datetime:
    pause = min(first_pause * 2 ** max(parked.attempts - 1, 0), LONGEST_PAUSE)
    return datetime.fromisoformat(parked.last_parked_at or parked.parked_at) + pause


def replay_parked_orders(
    *,
    store: DealStore,
    utp: UtpClient,
    queue: DealEventQueue,
    now: datetime,
    settings: BridgeSettings | None = None,
) -> ReplayReport:
    """After a refusal or an outage the first retry waits ``settings.parked_retry_minutes`` (5 without
    settings), then twice as long each time."""
    first_pause = timedelta(minutes=settings.parked_retry_minutes) if settings is not None else FIRST_PAUSE
    report = ReplayReport()
    parked = [p for p in store.parked_orders() if p.payload]
    wanted_skus = sorted({sku for p in parked for sku in p.skus})
    # The ID map first (SKU matching links SalesDrive spellings that differ from UTP's), then UTP.
    known = {sku for sku in wanted_skus if store.product_for(sku) is not None}
    unlinked = [sku for sku in wanted_skus if sku not in known]
    known |= set(utp.products_by_sku(unlinked)) if unlinked else set()
    for order in parked:
        if order.cause == "order_data":
            report.waiting_for_change.append(order.order_id)
            continue
        if order.skus:
            due = all(sku in known for sku in order.skus)
            (report.replayed if due else report.waiting_for_sku).append(order.order_id)
        else:
            due = now >= next_attempt_at(order, first_pause)
            (report.replayed if due else report.backing_off).append(order.order_id)
        if due:
            queue.send(
                order_id=order.order_id,
                deduplication_id=f"replay-{order.order_id}-{order.attempts}",
                body=order.payload or "",
                source="replay",
            )
            store.audit(order.order_id, "replayed", reason=order.reason, attempt=order.attempts)
    return report
