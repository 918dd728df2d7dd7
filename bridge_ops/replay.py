"""Replay of SalesDrive orders: dry run through the deal rules, or the real path through the deal queue.

The order is re-read from SalesDrive's order list (consumer ``OPERATOR`` of the shared read budget) with
the list's ``meta``, and turned into the same message the catch-up sweep sends
(``bridge.sync.catch_up.list_order_event``), so a replay is applied exactly like a recovered webhook.

* dry run: ``apply_deal_event`` with a planning UTP client and a copy-on-write table (``bridge_ops.dryrun``):
  the real rules decide, nothing is written anywhere, the planned UTP writes are returned;
* apply: the message goes to the FIFO deal queue (group = order id) with a de-duplication id derived from
  (order id, version, ``updateAt``), so replaying twice sends it once, and the deal processor's stale guard
  makes any later repeat harmless. Nothing is applied in the tool itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bridge import runtime
from bridge.read_budget import ReadConsumer
from bridge.salesdrive.meta import OrderMeta
from bridge.salesdrive.models import Order
from bridge.salesdrive.orders_api import ALL_STATUSES, NOT_DELETED
from bridge.store.accounting_state import WrittenStateStore
from bridge.store.deals import DealStore, is_newer
from bridge.store.status_writes import StatusWritesStore
from bridge.sync.accounting_state import AccountingStateWriter
from bridge.sync.catch_up import list_order_event
from bridge.sync.deals import DealCollaborators, apply_deal_event
from bridge_ops.dryrun import OverlayDynamoDB, UtpPlan, planning_utp

EPOCH = datetime(2000, 1, 1)


def _update_at(order: Order) -> str:
    return order.update_at.strftime("%Y-%m-%d %H:%M:%S") if order.update_at else ""


def fetch_order(order_id: int) -> tuple[Order, OrderMeta] | None:
    """One order (deleted ones included) with its list ``meta``: one list call, OPERATOR budget."""
    pages = runtime.salesdrive_client().iter_order_pages(
        EPOCH,
        None,
        statuses=ALL_STATUSES,
        consumer=ReadConsumer.OPERATOR,
        overlap=timedelta(0),
        filters={"filter[id]": str(order_id)},
    )
    for page in pages:
        found = next((o for o in page.orders if o.id == order_id), None)
        return (found, page.meta) if found is not None else None
    return None


def iter_window(
    start: datetime, end: datetime, on_page: Callable[[int, int | None], None] | None = None
) -> Iterator[tuple[Order, OrderMeta]]:
    """Orders updated in [start, end] (SalesDrive local time), page by page, OPERATOR budget.

    ``ReadBudgetExhausted`` propagates after the orders of the pages already read were yielded.
    """
    seen: set[int] = set()
    pages = runtime.salesdrive_client().iter_order_pages(
        start, end, statuses=NOT_DELETED, consumer=ReadConsumer.OPERATOR, overlap=timedelta(0)
    )
    for page in pages:
        if on_page is not None:
            on_page(page.page, page.page_count)
        for order in page.orders:
            if order.id not in seen:
                seen.add(order.id)
                yield order, page.meta


@dataclass
class DryRunResult:
    order_id: int
    action: str  # applied | stale | parked (what the rules would do)
    reason: str | None
    version: int
    plan: UtpPlan
    decisions: list[dict[str, Any]] = field(default_factory=list)  # audit entries the rules would add
    documents: list[str] = field(default_factory=list)


class _DryAccountingState(AccountingStateWriter):
    def _send(self, order: Order, text: str) -> None:  # a dry run writes nothing to SalesDrive
        return None


class DryRunner:
    """Runs orders through the deal rules with nothing written; shared across the orders of a window, so
    a second order of a new customer sees the counterparty the first one would create."""

    def __init__(self) -> None:
        import boto3

        table = runtime.deployment().table_name
        self.overlay = OverlayDynamoDB(boto3.client("dynamodb"))
        self.plan = UtpPlan()
        real = runtime.deal_collaborators()
        self.ctx = DealCollaborators(
            utp=planning_utp(real.utp, self.plan),
            store=DealStore(table, dynamodb=self.overlay),
            settings=real.settings,
            reference=real.reference,
            statuses=real.statuses,
            status_writes=StatusWritesStore(table, dynamodb=self.overlay),
            # Recognises the echo of the bridge's own accounting-state write (a stale event), and writes
            # nothing to SalesDrive.
            accounting_state=(
                _DryAccountingState(
                    real.accounting_state.salesdrive,
                    WrittenStateStore(table, dynamodb=self.overlay),
                    real.settings,
                )
                if real.accounting_state is not None
                else None
            ),
        )

    def run(self, order: Order, meta: OrderMeta) -> DryRunResult:
        first_write = len(self.plan.writes)
        before = {(pk, sk) for pk, sk, _ in self.overlay.added_items(f"order#{order.id}", "audit#")}
        outcome = apply_deal_event(list_order_event(order, meta), self.ctx)
        decisions = [
            {"event": item_data(item).get("event"), "detail": item_data(item).get("detail")}
            for pk, sk, item in self.overlay.added_items(f"order#{order.id}", "audit#")
            if (pk, sk) not in before
        ]
        return DryRunResult(
            order_id=order.id,
            action=outcome.action,
            reason=outcome.reason,
            version=order.version or 0,
            plan=UtpPlan(writes=self.plan.writes[first_write:]),
            decisions=decisions,
            documents=outcome.documents,
        )


def item_data(item: dict[str, Any]) -> dict[str, Any]:
    import json

    data: dict[str, Any] = json.loads(item["data"]["S"])
    return data


@dataclass
class Enqueued:
    order_id: int
    version: int
    sent: bool
    note: str
    message_id: str | None = None


def operator_deduplication_id(order: Order) -> str:
    return hashlib.sha256(f"operator:{order.id}:{order.version}:{_update_at(order)}".encode()).hexdigest()


def enqueue(order: Order, meta: OrderMeta) -> Enqueued:
    """Send the order to the deal queue unless the bridge already applied this version."""
    store = runtime.deal_store()
    version = order.version or 0
    state = store.order_state(order.id)
    if state is not None and not is_newer(version, _update_at(order), state):
        return Enqueued(order.id, version, False, f"already applied (version {state.version}): nothing to do")
    message_id = runtime.deal_queue().send(
        order_id=order.id,
        deduplication_id=operator_deduplication_id(order),
        body=list_order_event(order, meta),
        source="operator",
    )
    store.audit(order.id, "replayed_by_operator", version=version, update_at=_update_at(order))
    return Enqueued(order.id, version, True, "sent to the deal queue", message_id)
