"""The queue of products UTP said it saved (SQS standard): the catalog trigger sends, the targeted catalog
push receives. Order does not matter (each push reads UTP's current state) and a repeat costs one diff."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bridge.store.aws_clients import LazyClient

MESSAGE_PRODUCTS = 500  # ≈ 20 KB of keys per message, far below SQS's 256 KB


class CatalogChangeQueue:
    def __init__(self, queue_url: str, *, sqs: Any | None = None) -> None:
        self._queue_url = queue_url
        self._sqs = LazyClient("sqs", sqs)

    def send(self, product_keys: Sequence[str], *, requested_at: datetime, source: str) -> int:
        """Enqueue the keys (in messages of ≤ 500); the number of messages sent."""
        sent = 0
        for start in range(0, len(product_keys), MESSAGE_PRODUCTS):
            body = {
                "products": list(product_keys[start : start + MESSAGE_PRODUCTS]),
                "requested_at": requested_at.isoformat(),
                "source": source[:100],
            }
            self._sqs.get().send_message(
                QueueUrl=self._queue_url, MessageBody=json.dumps(body, ensure_ascii=False)
            )
            sent += 1
        return sent
