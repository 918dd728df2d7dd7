"""The FIFO queue of deal events (SQS). One message group per SalesDrive order keeps its events in order."""

from __future__ import annotations

from typing import Any

from bridge.store.aws_clients import LazyClient


class DealQueue:
    def __init__(self, queue_url: str, *, sqs: Any | None = None) -> None:
        self._queue_url = queue_url
        self._sqs = LazyClient("sqs", sqs)

    def send(self, *, order_id: int, deduplication_id: str, body: str, source: str) -> str:
        """Enqueue one deal event; SQS drops a repeat of ``deduplication_id`` within five minutes."""
        answer = self._sqs.get().send_message(
            QueueUrl=self._queue_url,
            MessageBody=body,
            MessageGroupId=str(order_id),
            MessageDeduplicationId=deduplication_id,
            MessageAttributes={"source": {"DataType": "String", "StringValue": source}},
        )
        return str(answer["MessageId"])
