"""The own-writes ledger of order statuses (echo suppression, mission item 2).

One item per SalesDrive order in the bridge's table: ``pk="order#<sd id>"``, ``sk="status-writes"``:

- ``utp_text``: the status text a person set in UTP that the reconciler has already handled (pushed to
  SalesDrive, or found equal to SalesDrive's status), so it is not pushed again;
- ``pushed_status_id``: the status the bridge pushed to SalesDrive and whose ``status_change`` webhook
  (the echo) has not come back yet; the deal flow ignores that echo instead of writing it into UTP.

What the bridge wrote into UTP from SalesDrive is already recorded in ``OrderState.characteristics``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel


class StatusWrites(BaseModel):
    order_id: int
    utp_text: str | None = None
    pushed_status_id: int | None = None
    pushed_at: str | None = None


class StatusWritesStore:
    def __init__(self, table_name: str, *, dynamodb: Any | None = None) -> None:
        self._table_name = table_name
        self._dynamodb = dynamodb

    @property
    def _db(self) -> Any:
        if self._dynamodb is None:  # lazily, so tests and moto can swap it
            import boto3

            self._dynamodb = boto3.client("dynamodb")
        return self._dynamodb

    def _key(self, order_id: int) -> dict[str, Any]:
        return {"pk": {"S": f"order#{order_id}"}, "sk": {"S": "status-writes"}}

    def get(self, order_id: int) -> StatusWrites | None:
        item = self._db.get_item(
            TableName=self._table_name, Key=self._key(order_id), ConsistentRead=True
        ).get("Item")
        return StatusWrites.model_validate(json.loads(item["data"]["S"])) if item else None

    def put(self, writes: StatusWrites) -> None:
        self._db.put_item(
            TableName=self._table_name,
            Item={
                **self._key(writes.order_id),
                "data": {"S": json.dumps(writes.model_dump(), ensure_ascii=False)},
            },
        )

    def record_push(self, order_id: int, *, utp_text: str, status_id: int | None) -> None:
        """A person's UTP status handled; ``status_id`` pushed to SalesDrive (None: nothing pushed)."""
        at = datetime.now(UTC).isoformat(timespec="seconds") if status_id is not None else None
        self.put(StatusWrites(order_id=order_id, utp_text=utp_text, pushed_status_id=status_id, pushed_at=at))

    def clear_push(self, order_id: int) -> None:
        current = self.get(order_id)
        if current is not None and current.pushed_status_id is not None:
            self.put(current.model_copy(update={"pushed_status_id": None, "pushed_at": None}))
