"""Two-way order statuses (mission item 2). SalesDrive → UTP: the status is written to the sales order.

UT 10.3 has no order-status field, so the status lives in an additional property of the order (or a
custom attribute the settings name). The text is the status name as SalesDrive shows it; the id
travels in brackets so that a later reverse mapping never depends on a renamed status.
"""

from __future__ import annotations

import re

from bridge.salesdrive.models import Order, OrderMeta

_ID_IN_TEXT = re.compile(r"\[(\d+)\]\s*$")


def status_text(order: Order, meta: OrderMeta, status_names: dict[int, str]) -> str | None:
    if order.status_id is None:
        return None
    name = meta.option_text("statusId", order.status_id) or status_names.get(order.status_id)
    if name is None:
        name = meta.selected_text("statusId")
    return f"{name} [{order.status_id}]" if name else f"[{order.status_id}]"


def status_id_of(text: str | None) -> int | None:
    """The SalesDrive status id written by ``status_text`` (None for text a person typed freely)."""
    if not text:
        return None
    found = _ID_IN_TEXT.search(text)
    return int(found.group(1)) if found else None
