"""The order's "accounting state" field: a custom text field an administrator adds so managers see, in
SalesDrive, what the accounting system made of each order.

Like every custom field it is set by ``/api/order/update/`` (``data.<code>``) and travels as a top-level
key of the order (docs/salesdrive-api.md). The seeded account has one; ``define_text_field`` adds another.
Whether a non-status edit fires ``status_change`` is undocumented, so ``update_webhook`` ("status" | "any")
plays both and ``fires_webhook`` is the rule.
"""

from __future__ import annotations

from typing import Any, Literal

from .state import State

ACCOUNTING_STATE_CODE = "stanVObliku"
ACCOUNTING_STATE_FIELD: dict[str, Any] = {
    "code": ACCOUNTING_STATE_CODE,
    "label": "Стан в обліку",
    "type": "text",
    "options": [],
}


def define_text_field(state: State, code: str, label: str) -> None:
    """Add a custom text field of orders to the account (nothing if the code exists)."""
    fields = list(state.dicts.get("custom_fields") or [])
    if any(f["code"] == code for f in fields):
        return
    state.put_dict("custom_fields", [*fields, {"code": code, "label": label, "type": "text", "options": []}])


def fires_webhook(update_webhook: Literal["status", "any"], *, status_changed: bool) -> bool:
    """Does an effective order update send ``status_change``? A status change always does (documented);
    any other effective edit only when the account's SalesDrive behaves so (``update_webhook="any"``)."""
    return status_changed or update_webhook == "any"
