"""The deal dead-letter queue: list its messages (order id, receive count, the reason the bridge knows)
and move them back to the FIFO deal queue (same message group, a new de-duplication id)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bridge.store.deals import DealStore

RECEIVE_VISIBILITY_S = 60  # long enough to list or move a batch; listed messages are released at once


@dataclass
class DeadLetter:
    message_id: str
    receipt_handle: str
    body: str
    group_id: str | None
    order_id: int | None
    receive_count: int
    sent_at: str | None
    source: str | None
    reason: str | None = None


def _order_id(group_id: str | None, body: str) -> int | None:
    if group_id and group_id.isdigit():
        return int(group_id)
    try:
        decoded = json.loads(body)
        data = decoded.get("data", decoded)
        return int(data["id"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def reason_for(store: DealStore | None, order_id: int | None) -> str | None:
    """What the bridge recorded about the order: its parked reason, else its last audit event."""
    if store is None or order_id is None:
        return None
    parked = store.parked_order(order_id)
    if parked is not None:
        return f"parked: {parked.reason}"
    trail = store.audit_trail(order_id)
    if trail:
        last = trail[-1]
        return f"last audit event: {last.get('event')} at {last.get('at')}"
    return None


def receive_all(sqs: Any, queue_url: str, *, limit: int = 1000) -> list[DeadLetter]:
    """Every visible message, each once, now in flight for ``RECEIVE_VISIBILITY_S`` (release or delete)."""
    seen: dict[str, DeadLetter] = {}
    while len(seen) < limit:
        answer = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=RECEIVE_VISIBILITY_S,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = answer.get("Messages", [])
        if not messages:
            break
        for message in messages:
            attributes = message.get("Attributes", {})
            group = attributes.get("MessageGroupId")
            sent = attributes.get("SentTimestamp")
            source = message.get("MessageAttributes", {}).get("source", {}).get("StringValue")
            seen[message["MessageId"]] = DeadLetter(
                message_id=message["MessageId"],
                receipt_handle=message["ReceiptHandle"],
                body=message.get("Body", ""),
                group_id=group,
                order_id=_order_id(group, message.get("Body", "")),
                receive_count=int(attributes.get("ApproximateReceiveCount", "0")),
                sent_at=datetime.fromtimestamp(int(sent) / 1000, UTC).isoformat(timespec="seconds")
                if sent
                else None,
                source=source,
            )
    return list(seen.values())


def release(sqs: Any, queue_url: str, letters: list[DeadLetter]) -> None:
    """Make listed messages visible again at once (listing changes nothing)."""
    for letter in letters:
        sqs.change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=letter.receipt_handle, VisibilityTimeout=0
        )


def redrive_deduplication_id(letter: DeadLetter) -> str:
    return hashlib.sha256(f"redrive:{letter.message_id}".encode()).hexdigest()


def redrive(sqs: Any, dlq_url: str, queue_url: str, letter: DeadLetter) -> str:
    """Send one message back to the deal queue (same group, new de-duplication id), then delete it."""
    group = letter.group_id or (str(letter.order_id) if letter.order_id is not None else "redrive")
    answer = sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=letter.body,
        MessageGroupId=group,
        MessageDeduplicationId=redrive_deduplication_id(letter),
        MessageAttributes={"source": {"DataType": "String", "StringValue": "redrive"}},
    )
    sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=letter.receipt_handle)
    return str(answer["MessageId"])
