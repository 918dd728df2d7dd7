"""One JSON item per SalesDrive order and purpose in the bridge's table.

Key: ``pk="order#<id>"``, ``sk=<purpose>``.

The own-writes records (statuses pushed, accounting state written) share this shape; each store names its
sort key and its pydantic model.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


class OrderItemStore(Generic[M]):
    sort_key: ClassVar[str]
    model: type[M]

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
        return {"pk": {"S": f"order#{order_id}"}, "sk": {"S": self.sort_key}}

    def get(self, order_id: int) -> M | None:
        item = self._db.get_item(
            TableName=self._table_name, Key=self._key(order_id), ConsistentRead=True
        ).get("Item")
        return self.model.model_validate(json.loads(item["data"]["S"])) if item else None

    def _put(self, order_id: int, value: M) -> None:
        data = json.dumps(value.model_dump(), ensure_ascii=False)
        self._db.put_item(TableName=self._table_name, Item={**self._key(order_id), "data": {"S": data}})
