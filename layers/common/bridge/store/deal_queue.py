"""The FIFO queue of deal events (SQS). One message group per SalesDrive order keeps its events in order."""

from __future__ import annotations

from typing import Any


class DealQueue:
    def __init__(self, queue_url: str, *, sqs: Any | None = None) -> None:
        self._queue_url = queue_url
        self._sqs = sqs

    @property
    def _client(self) -> Any:
        if self._sqs is None:  # lazily: the receiver's cold start must not pay for boto3 before it needs it
            import boto3

            self._sqs = boto3.client("sqs")
        return self._sqs

    def send(self, *, order_id: int, deduplication_id: str, body: str, source: str) -> str:
        """Enqueue one deal event; SQS drops a repeat of ``deduplication_id`` within five minutes."""
        answer = self._client.send_message(
            QueueUrl=self._queue_url,
            MessageBody=body,
            MessageGroupId=str(order_id),
            MessageDeduplicationId=deduplication_id,
            MessageAttributes={"source": {"DataType": "String", "StringValue": source}},
        )
        return str(answer["MessageId"])
