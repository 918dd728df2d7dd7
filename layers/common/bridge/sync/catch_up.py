"""Catch-up sweep: a SalesDrive webhook lost on the way never means an order missing from the books.

On a schedule, reads SalesDrive's order list by ``updateAt`` since a watermark (minus an overlap, read
budget consumer ``CATCH_UP``) and queues every order version the bridge has not applied into the same
FIFO deal flow; stale or duplicate versions are ignored there, so overlap with webhooks is harmless. No
order stops a page (unreadable items are reported). The watermark moves only after the whole window;
an exhausted budget keeps it. Orders parked at the same version are left to the parked-order replayer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bridge.read_budget import ReadBudgetExhausted, ReadConsumer
from bridge.salesdrive.client import SalesDriveClient
from bridge.salesdrive.coerce import as_list, choice_id
from bridge.salesdrive.errors import NotAnOrder, SalesDriveThrottled
from bridge.salesdrive.meta import OrderMeta
from bridge.salesdrive.models import Order
from bridge.store.cursors import CursorStore
from bridge.store.deals import DealStore, is_newer
from bridge.sync.watermarks import format_watermark, next_watermark, parse_watermark, window_for
from bridge.sync.webhook_intake import DealEventQueue

JOB = "catch_up"


@dataclass
class SweepReport:
    orders_read: int = 0
    sent: list[int] = field(default_factory=list)
    up_to_date: int = 0
    left_parked: list[int] = field(default_factory=list)
    watermark: str | None = None
    budget_exhausted_until: datetime | None = None
    # Items of a page that are not an order at all (no readable id), with the reason: reported, skipped.
    unreadable: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """What the sweep's Lambda returns."""
        return {
            "sent": self.sent,
            "orders_read": self.orders_read,
            "watermark": self.watermark,
            "unreadable": self.unreadable,
            "budget_exhausted": self.budget_exhausted_until is not None,
        }


def _update_at(order: Order) -> str:
    return order.update_at.strftime("%Y-%m-%d %H:%M:%S") if order.update_at else ""


def sweep_deduplication_id(order: Order) -> str:
    return hashlib.sha256(f"sweep:{order.id}:{order.version}:{_update_at(order)}".encode()).hexdigest()


def list_order_event(order: Order, meta: OrderMeta) -> str:
    """The order as the deal processor reads a bare list-form order: ``{"data": …, "meta": …}``.

    A list's ``meta`` is a dictionary of every option; like a webhook, keep only the options this order
    selected (the status and site names the deal flow writes into UTP), so the message stays small.
    """
    data = order.as_sent()
    fields: dict[str, Any] = {}
    for name, descriptor in meta.fields.items():
        values = {choice_id(v) for v in as_list(data.get(name))} - {None}
        chosen = [
            {"value": option.value, "text": option.text}
            for option in descriptor.options
            if option.value is not None and choice_id(option.value) in values
        ]
        if chosen:
            fields[name] = {"options": chosen}
    return json.dumps({"data": data, "meta": {"fields": fields}}, ensure_ascii=False)


def _parked_version(store: DealStore, order_id: int) -> tuple[int, str] | None:
    parked = store.parked_order(order_id)
    if parked is None or not parked.payload:
        return None
    try:
        decoded: Mapping[str, Any] = json.loads(parked.payload)
        data = decoded.get("data", decoded)
        return int(data.get("version") or 0), str(data.get("updateAt") or "")
    except (ValueError, TypeError, AttributeError):
        return None


def _send_if_newer(
    order: Order, meta: OrderMeta, *, store: DealStore, queue: DealEventQueue, report: SweepReport
) -> None:
    """Enqueue the order unless the bridge applied this version already or holds it parked."""
    version, update_at = order.version or 0, _update_at(order)
    state = store.order_state(order.id)
    if state is not None and not is_newer(version, update_at, state):
        report.up_to_date += 1
        return
    parked = _parked_version(store, order.id)
    if parked is not None and parked >= (version, update_at):
        report.left_parked.append(order.id)
        return
    queue.send(
        order_id=order.id,
        deduplication_id=sweep_deduplication_id(order),
        body=list_order_event(order, meta),
        source="catch_up",
    )
    store.audit(order.id, "sent_by_catch_up", version=version, update_at=update_at)
    report.sent.append(order.id)


def sweep_orders(
    *,
    salesdrive: SalesDriveClient,
    store: DealStore,
    queue: DealEventQueue,
    cursors: CursorStore,
    now: datetime,
    overlap_minutes: int,
) -> SweepReport:
    """One sweep. ``now`` is SalesDrive's account-local wall-clock time."""
    report = SweepReport()
    cursor = cursors.get(JOB) or {}
    watermark = parse_watermark(cursor.get("updated_at"))
    window = window_for(watermark, now)
    latest: datetime | None = None

    def skip(item: Mapping[str, Any], exc: NotAnOrder) -> None:
        # Not an order (no id): nothing can be parked under it. The rest of the page goes on, and so
        # does the watermark; the reason is in the run's report and log.
        shown = item.get("id") if isinstance(item, Mapping) else None
        report.unreadable.append(f"item with id {shown!r}: {exc.reason}")

    try:
        for page in salesdrive.iter_order_pages(
            window.start,
            window.end,
            consumer=ReadConsumer.CATCH_UP,
            overlap=timedelta(minutes=overlap_minutes),
            on_invalid=skip,
        ):
            for order in page.orders:
                report.orders_read += 1
                if order.update_at is not None and (latest is None or order.update_at > latest):
                    latest = order.update_at
                _send_if_newer(order, page.meta, store=store, queue=queue, report=report)
    except (ReadBudgetExhausted, SalesDriveThrottled) as exc:
        # SalesDrive throttled us anyway (someone else spends the account's quota too): stop like an
        # exhausted budget, keep the watermark, come back next run.
        report.budget_exhausted_until = (
            exc.retry_at
            if isinstance(exc, ReadBudgetExhausted)
            else now + timedelta(seconds=exc.retry_after or 60)
        )
        report.watermark = format_watermark(watermark) if watermark else None
        return report  # the window is incomplete: the watermark stays
    new_watermark = next_watermark(window, latest, now)
    cursors.put(JOB, {"updated_at": format_watermark(new_watermark)})
    report.watermark = format_watermark(new_watermark)
    return report
