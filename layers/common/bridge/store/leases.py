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
from decimal import Decimal
from typing import Any

from bridge.store.table import PK, SK, BridgeTable


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
        self._table = BridgeTable(table_name, dynamodb=dynamodb)
        self._pk = f"lease#{name}"
        self._ttl_s = ttl_s
        self._clock = clock
        self._sleep = sleep
        self._owner = str(uuid.uuid4())

    def acquire(self, wait_s: float = 60.0, *, poll_s: float = 0.2) -> bool:
        """Take the lease, waiting up to ``wait_s`` for its holder; False if it never came free."""
        deadline = self._clock() + wait_s
        while True:
            if self._try_take(self._clock()):
                return True
            if self._clock() >= deadline:
                return False
            self._sleep(poll_s)

    def _try_take(self, now: float) -> bool:
        return self._table.put(
            {PK: self._pk, SK: "lease", "owner": self._owner, "expires": _seconds(now + self._ttl_s)},
            condition="attribute_not_exists(pk) OR expires < :now OR #o = :me",
            names={"#o": "owner"},
            values={":now": _seconds(now), ":me": self._owner},
        )

    def release(self) -> None:
        self._table.delete(
            self._pk,
            "lease",
            condition="#o = :me",
            names={"#o": "owner"},
            values={":me": self._owner},
        )


def _seconds(moment: float) -> Decimal:
    return Decimal(f"{moment:.3f}")  # epoch seconds to the millisecond, as stored
