"""Deals in real time, first hop (capability 1 in docs/mission.md): accept a SalesDrive webhook and
enqueue it.

SalesDrive signs nothing, so the webhook URL carries a secret token; it is compared in constant time
with every accepted token (the current one and, during a rotation, the previous one). Only enough of
the body is validated to know it is one order event of the expected account; the deal processor does
the full parse. Bad input is a 4xx with a reason and nothing is enqueued; an event type the bridge does
not handle is acknowledged (200) and ignored, so SalesDrive does not retry it forever.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bridge.salesdrive.envelope import peek_envelope
from bridge.salesdrive.errors import NotAnOrder

MAX_BODY_BYTES = 200 * 1024  # SQS takes 256 KiB per message; leave room for attributes


class DealEventQueue(Protocol):
    def send(self, *, order_id: int, deduplication_id: str, body: str, source: str) -> str: ...


@dataclass(frozen=True)
class IntakeAnswer:
    status_code: int
    body: dict[str, object]


def _reject(status_code: int, reason: str) -> IntakeAnswer:
    return IntakeAnswer(status_code, {"accepted": False, "reason": reason})


def token_is_valid(presented: str, accepted: Sequence[str]) -> bool:
    """Constant-time comparison against every accepted token (no early exit on the first match)."""
    presented_bytes = presented.encode()
    valid = False
    for token in accepted:
        if token:
            valid |= hmac.compare_digest(presented_bytes, token.encode())
    return valid


# Characters SQS refuses in a message body (lone surrogates, U+FFFE/U+FFFF); JSON can carry them escaped.
_NOT_FOR_SQS = re.compile("[\ud800-\udfff\ufffe\uffff]")


def queue_safe_json(payload: object) -> str:
    """Compact JSON that SQS accepts: non-ASCII text stays as is (small), except the few characters SQS
    refuses, which are written as ``\\uXXXX`` escapes (in JSON text they only occur inside strings)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return _NOT_FOR_SQS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def deduplication_id(order_id: int, version: int | None, event: str | None, status_id: int | None) -> str:
    """Same order, version, event and status = the same event, however often SalesDrive delivers it."""
    return hashlib.sha256(f"{order_id}:{version}:{event}:{status_id}".encode()).hexdigest()


def accept_webhook(
    *,
    token: str,
    body: bytes | str | None,
    accepted_tokens: Sequence[str],
    account: str,
    queue: DealEventQueue,
) -> IntakeAnswer:
    if not token_is_valid(token, accepted_tokens):
        return _reject(403, "unknown webhook token")
    raw = body.encode() if isinstance(body, str) else (body or b"")
    if not raw:
        return _reject(400, "empty body")
    if len(raw) > MAX_BODY_BYTES:
        return _reject(413, f"body of {len(raw)} bytes exceeds {MAX_BODY_BYTES}")
    try:
        peek = peek_envelope(raw)
    except NotAnOrder as exc:
        status = 400 if "JSON" in exc.reason else 422
        return _reject(status, exc.reason)
    if peek.account != account:
        return _reject(403, f"info.account {peek.account!r} is not this bridge's SalesDrive account")
    if not peek.is_known_event:
        return IntakeAnswer(
            200, {"accepted": False, "ignored": f"event {peek.webhook_event!r} is not handled"}
        )
    dedup = deduplication_id(peek.order_id, peek.version, peek.webhook_event, peek.status_id)
    message = queue_safe_json(peek.payload)
    if len(message.encode()) > MAX_BODY_BYTES:  # "1E5" re-serialised is "100000.0": bodies can grow
        return _reject(413, f"body exceeds {MAX_BODY_BYTES} bytes once normalised")
    queue.send(order_id=peek.order_id, deduplication_id=dedup, body=message, source="webhook")
    return IntakeAnswer(200, {"accepted": True, "orderId": peek.order_id})
