"""A named lease in the bridge's table: one holder at a time, taken over once it expires.

The targeted catalog push takes one around each batch, so two batches naming the same product (the on-save
subscription and the watcher both saw a save, and SQS handed the two messages to two pollers) run one after
the other: the second reads UTP and the fingerprints after the first saved them, finds nothing changed and
sends nothing. The expiry frees a lease whose holder died.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any


class Lease:
    def __init__(
        self,
        table_name: str,
        name: str,
        *,
        ttl_s: float = 180.0,
        dynamodb: Any | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._table_name = table_name
        self._name = name
        self._ttl_s = ttl_s
        self._dynamodb = dynamodb
        self._clock = clock
        self._sleep = sleep
        self._owner = str(uuid.uuid4())

    @property
    def _db(self) -> Any:
        if self._dynamodb is None:
            import boto3

            self._dynamodb = boto3.client("dynamodb")
        return self._dynamodb

    def _key(self) -> dict[str, Any]:
        return {"pk": {"S": f"lease#{self._name}"}, "sk": {"S": "lease"}}

    def acquire(self, wait_s: float = 60.0, *, poll_s: float = 0.2) -> bool:
        """Take the lease, waiting up to ``wait_s`` for its holder; False if it never came free."""
        deadline = self._clock() + wait_s
        while True:
            now = self._clock()
            try:
                self._db.put_item(
                    TableName=self._table_name,
                    Item={
                        **self._key(),
                        "owner": {"S": self._owner},
                        "expires": {"N": f"{now + self._ttl_s:.3f}"},
                    },
                    ConditionExpression="attribute_not_exists(pk) OR expires < :now OR #o = :me",
                    ExpressionAttributeNames={"#o": "owner"},
                    ExpressionAttributeValues={":now": {"N": f"{now:.3f}"}, ":me": {"S": self._owner}},
                )
                return True
            except Exception as exc:
                if (
                    getattr(exc, "response", {}).get("Error", {}).get("Code")
                    != "ConditionalCheckFailedException"
                ):
                    raise
            if self._clock() >= deadline:
                return False
            self._sleep(poll_s)

    def release(self) -> None:
        try:
            self._db.delete_item(
                TableName=self._table_name,
                Key=self._key(),
                ConditionExpression="#o = :me",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":me": {"S": self._owner}},
            )
        except Exception as exc:
            if getattr(exc, "response", {}).get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
