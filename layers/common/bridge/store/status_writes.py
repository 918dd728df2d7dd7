"""The own-writes ledger of order statuses (echo suppression of the two-way statuses).

One item per SalesDrive order in the bridge's table: ``pk="order#<sd id>"``, ``sk="status-writes"``:

- ``utp_text``: the status text a person set in UTP that the reconciler has already handled (pushed to
  SalesDrive, or found equal to SalesDrive's status), so it is not pushed again;
- ``pushed_status_id``: the status the bridge pushed to SalesDrive and whose ``status_change`` webhook
  (the echo) has not come back yet; the deal flow ignores that echo instead of writing it into UTP.

What the bridge wrote into UTP from SalesDrive is already recorded in ``OrderState.characteristics``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from bridge.store.order_items import OrderItemStore


class StatusWrites(BaseModel):
    order_id: int
    utp_text: str | None = None
    pushed_status_id: int | None = None
    pushed_at: str | None = None


class StatusWritesStore(OrderItemStore[StatusWrites]):
    sort_key = "status-writes"
    model = StatusWrites

    def put(self, writes: StatusWrites) -> None:
        self._put(writes.order_id, writes)

    def record_push(self, order_id: int, *, utp_text: str, status_id: int | None) -> None:
        """A person's UTP status handled; ``status_id`` pushed to SalesDrive (None: nothing pushed)."""
        at = datetime.now(UTC).isoformat(timespec="seconds") if status_id is not None else None
        self.put(StatusWrites(order_id=order_id, utp_text=utp_text, pushed_status_id=status_id, pushed_at=at))

    def clear_push(self, order_id: int) -> None:
        current = self.get(order_id)
        if current is not None and current.pushed_status_id is not None:
            self.put(current.model_copy(update={"pushed_status_id": None, "pushed_at": None}))
