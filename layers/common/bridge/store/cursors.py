"""Durable watermarks of the periodic jobs (catch-up sweep, payment import, status reconciler, catalog).

One item per job: ``pk="cursor#<job>"``, ``sk="cursor"``. A job reads its watermark, works, and
advances it only after the work it covers is done, so a crash means re-reading an overlap, never a gap.
"""

from __future__ import annotations

import json
from typing import Any


class CursorStore:
    def __init__(self, table_name: str, *, dynamodb: Any | None = None) -> None:
        self._table_name = table_name
        self._dynamodb = dynamodb

    @property
    def _db(self) -> Any:
        if self._dynamodb is None:  # lazily, so tests and moto can swap it
            import boto3

            self._dynamodb = boto3.client("dynamodb")
        return self._dynamodb

    def get(self, job: str) -> dict[str, Any] | None:
        item = self._db.get_item(
            TableName=self._table_name,
            Key={"pk": {"S": f"cursor#{job}"}, "sk": {"S": "cursor"}},
            ConsistentRead=True,
        ).get("Item")
        return json.loads(item["data"]["S"]) if item else None

    def put(self, job: str, value: dict[str, Any]) -> None:
        self._db.put_item(
            TableName=self._table_name,
            Item={
                "pk": {"S": f"cursor#{job}"},
                "sk": {"S": "cursor"},
                "data": {"S": json.dumps(value, ensure_ascii=False, default=str)},
            },
        )
