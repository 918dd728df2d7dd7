"""Payload shapes real SalesDrive accounts send besides the emulator's usual one (config ``odd_shapes``).

Each shape (empty ``meta``, ``{id, name}`` options, objects instead of lists, phones as one string,
numbers as text, junk ``meta`` entries) is taken from public material on SalesDrive, so the bridge's
parser is tested against what accounts really send; shapes and sources: docs/salesdrive-payloads.md.
Each is applied to a copy of what the emulator renders; the order itself does not change.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

OddShape = Literal[
    "empty_meta",
    "id_name_options",
    "delivery_as_object",
    "contact_as_object",
    "phone_as_string",
    "select_as_object",
    "numbers_as_text",
    "meta_junk",
]
ALL_SHAPES: tuple[str, ...] = OddShape.__args__  # type: ignore[attr-defined]

Doc = dict[str, Any]


def _option_names(meta: Doc, field: str) -> dict[str, str]:
    options = ((meta.get("fields") or {}).get(field) or {}).get("options") or []
    return {str(o.get("value")): str(o.get("text")) for o in options if isinstance(o, dict)}


def _order(order: Doc, meta: Doc, shapes: frozenset[str], webhook: bool) -> Doc:
    out = copy.deepcopy(order)
    if "delivery_as_object" in shapes and isinstance(out.get("ord_delivery_data"), list):
        out["ord_delivery_data"] = out["ord_delivery_data"][0] if out["ord_delivery_data"] else None
    if "phone_as_string" in shapes:
        for contact in [*(out.get("contacts") or []), out.get("primaryContact") or {}]:
            for key in ("phone", "email"):
                if isinstance(contact.get(key), list):
                    contact[key] = ", ".join(str(v) for v in contact[key])
    if "contact_as_object" in shapes and webhook and len(out.get("contacts") or []) == 1:
        out["contacts"] = out["contacts"][0]
    if "select_as_object" in shapes:
        for field in ("payment_method", "shipping_method"):
            if out.get(field) not in (None, ""):
                name = _option_names(meta, field).get(str(out[field]))
                out[field] = {"id": out[field], **({"name": name} if name else {})}
    if "numbers_as_text" in shapes:
        if out.get("sajt") not in (None, ""):
            out["sajt"] = f"id_{out['sajt']}"
        for field in ("campaignId", "rejectionReason"):
            if out.get(field) is not None:
                out[field] = str(out[field])
    return out


def _meta(meta: Doc, shapes: frozenset[str], webhook: bool) -> Doc:
    if "empty_meta" in shapes and webhook:
        return {"fields": {}, "contacts": {"fields": {}}}
    out = copy.deepcopy(meta)
    if "id_name_options" in shapes:
        for descriptor in (out.get("fields") or {}).values():
            if isinstance(descriptor, dict) and isinstance(descriptor.get("options"), list):
                descriptor["options"] = [
                    {"id": o.get("value"), "name": o.get("text")}
                    for o in descriptor["options"]
                    if isinstance(o, dict)
                ]
    if "meta_junk" in shapes:
        out.setdefault("fields", {})["..."] = None
    return out


def odd_webhook(body: Doc, shapes: list[str]) -> Doc:
    """A webhook body in the configured odd shapes (the original when none)."""
    chosen = frozenset(shapes)
    if not chosen:
        return body
    meta = body.get("meta") or {}
    return {**body, "data": _order(body["data"], meta, chosen, True), "meta": _meta(meta, chosen, True)}


def odd_list_answer(answer: Doc, shapes: list[str]) -> Doc:
    """An order-list answer in the configured odd shapes (the original when none)."""
    chosen = frozenset(shapes)
    if not chosen:
        return answer
    meta = answer.get("meta") or {}
    orders = [_order(o, meta, chosen, False) for o in answer.get("data") or []]
    return {**answer, "data": orders, "meta": _meta(meta, chosen, False)}
