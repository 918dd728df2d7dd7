"""The order's "accounting state" field: a custom text field an account's administrator adds so that
managers see, in SalesDrive, what the accounting system made of each order.

SalesDrive lets an account define custom ("individual") order fields; a text field takes any string in
``/api/order/update/`` (``data.<code>``) and travels, like every custom field, as an extra top-level
key of the order in webhooks and in the order list (docs/salesdrive-api.md, "Webhooks": custom fields
by code). The seeded account has one, with the code below; ``define_text_field`` adds another (an account
whose administrator chose another code).

Whether an edit other than a status change fires a ``status_change`` webhook is not documented
(docs/salesdrive-api.md, "Webhooks"); the option ``update_webhook`` ("status" | "any") plays both, and
``fires_webhook`` is the rule.
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
