"""One JSON item per SalesDrive order and purpose in the bridge's table.

Key: ``pk="order#<id>"``, ``sk=<purpose>``.

The own-writes records (statuses pushed, accounting state written) share this shape; each store names its
sort key and its pydantic model.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from bridge.store.table import BridgeTable

M = TypeVar("M", bound=BaseModel)


class OrderItemStore(Generic[M]):
    sort_key: ClassVar[str]
    model: type[M]

    def __init__(self, table_name: str, *, dynamodb: Any | None = None) -> None:
        self._table = BridgeTable(table_name, dynamodb=dynamodb)

    def get(self, order_id: int) -> M | None:
        data = self._table.get_document(f"order#{order_id}", self.sort_key)
        return self.model.model_validate(data) if data is not None else None

    def _put(self, order_id: int, value: M) -> None:
        self._table.put_document(f"order#{order_id}", self.sort_key, value.model_dump())
