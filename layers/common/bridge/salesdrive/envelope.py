"""The one decision on what is a SalesDrive order event: the receiver and the processor both apply it.

A body is an order event when it is a JSON object with ``info.webhookType == "order"`` and ``data`` is
one order object with a positive integer ``id``. Nothing else is refused: every other field is read
leniently (here and in ``bridge.salesdrive.models``), and what the deal rules need but cannot read parks
the order with the reason (``bridge.sync.deal_checks``). So whatever the receiver acknowledges, the deal
processor can apply or park, never refuse. No pydantic, no httpx, so the receiver cold-starts fast.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from bridge.salesdrive.coerce import to_datetime, to_int
from bridge.salesdrive.errors import NotAnOrder

ORDER_WEBHOOK_TYPE = "order"
# The only events SalesDrive documents; others are acknowledged and ignored by the receiver.
KNOWN_ORDER_EVENTS = frozenset({"new_order", "status_change"})
MAX_ORDER_ID = 2**63 - 1  # Int64, as SalesDrive and 1C store it


class EnvelopePeek(NamedTuple):  # not a dataclass: `dataclasses` pulls `inspect`, ~30 ms of cold start
    account: str | None
    webhook_type: str
    webhook_event: str | None
    order_id: int
    version: int | None
    status_id: int | None
    update_at: datetime | None
    form_id: int | None
    # The decoded body, so that nobody decodes it twice.
    payload: dict[str, Any]

    @property
    def is_known_event(self) -> bool:
        return self.webhook_event in KNOWN_ORDER_EVENTS


def decode_body(body: bytes | bytearray | str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(body, Mapping):
        return dict(body)
    try:
        decoded = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise NotAnOrder("body is not JSON") from None
    except RecursionError:  # "[[[[…" nested deeper than the parser goes: not an order either
        raise NotAnOrder("body is not JSON: nested too deeply") from None
    if not isinstance(decoded, dict):
        raise NotAnOrder("body is not a JSON object")
    return decoded


def check_info(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    info = payload.get("info")
    if not isinstance(info, Mapping):
        raise NotAnOrder("no 'info' object: not a SalesDrive webhook")
    webhook_type = info.get("webhookType")
    if webhook_type != ORDER_WEBHOOK_TYPE:
        raise NotAnOrder(f"info.webhookType is {webhook_type!r}, not {ORDER_WEBHOOK_TYPE!r}")
    return info


def single_order(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """``data`` as one order object; a one-element list is accepted (two integrators saw it)."""
    if "data" not in payload or payload["data"] is None:
        raise NotAnOrder("no 'data': the webhook carries no order")
    data = payload["data"]
    if isinstance(data, list):
        if len(data) != 1:
            raise NotAnOrder(f"'data' holds {len(data)} orders; exactly one expected")
        data = data[0]
    if not isinstance(data, Mapping):
        raise NotAnOrder("'data' is not an order object")
    return data


def _field(data: Mapping[str, Any], key: str, convert: Any) -> Any:
    try:
        return convert(data.get(key))
    except ValueError as exc:
        raise NotAnOrder(f"data.{key} is invalid: {exc}") from None


def _soft_field(data: Mapping[str, Any], key: str, convert: Any) -> Any:
    """A field the receiver only passes on (de-duplication, logs): unreadable means unknown here; the
    deal processor parks the order if a rule needs it."""
    try:
        return convert(data.get(key))
    except (ValueError, TypeError):
        return None


def order_id_of(data: Mapping[str, Any]) -> int:
    order_id = _field(data, "id", to_int)
    if order_id is None:
        raise NotAnOrder("data.id is missing: not an order")
    if order_id <= 0:
        raise NotAnOrder(f"data.id is {order_id}, not a positive order number")
    if order_id > MAX_ORDER_ID:  # also the SQS message group id, at most 128 characters
        raise NotAnOrder("data.id is too large for an order number")
    return int(order_id)


def peek_envelope(body: bytes | bytearray | str | Mapping[str, Any]) -> EnvelopePeek:
    """Validate just enough to know it is one order event; raise ``NotAnOrder`` with a reason otherwise."""
    payload = decode_body(body)
    info = check_info(payload)
    data = single_order(payload)
    account = info.get("account")
    event = info.get("webhookEvent")
    return EnvelopePeek(
        account=account if isinstance(account, str) else None,
        webhook_type=ORDER_WEBHOOK_TYPE,
        webhook_event=event if isinstance(event, str) else None,
        order_id=order_id_of(data),
        version=_soft_field(data, "version", to_int),
        status_id=_soft_field(data, "statusId", to_int),
        update_at=_soft_field(data, "updateAt", to_datetime),
        form_id=_soft_field(data, "formId", to_int),
        payload=payload,
    )
