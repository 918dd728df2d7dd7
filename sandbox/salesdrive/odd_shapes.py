"""Payload shapes real SalesDrive accounts send besides the emulator's usual one (config ``odd_shapes``).

Each shape is documented in public material about SalesDrive (sources: docs/salesdrive-payloads.md,
"Public sources of the shapes"; the Swagger examples are in tests/fixtures/salesdrive/):
- ``empty_meta``: the webhook's ``meta`` is ``{"fields": {}, "contacts": {"fields": {}}}`` (SalesDrive's
  own Swagger webhook example), so option names are not in the body;
- ``id_name_options``: ``meta`` options as ``{"id", "name"}`` instead of ``{"value", "text"}`` (seen in
  a public integration's regression fixture);
- ``delivery_as_object``: ``ord_delivery_data`` as one object instead of a list (same fixture);
- ``contact_as_object``: ``contacts`` as one object (integrators accept both; PHP's single element);
- ``phone_as_string``: phones and e-mails as one string (Swagger's webhook example), several phones
  joined by ", " in one string (as typed by hand in the CRM);
- ``select_as_object``: ``payment_method`` / ``shipping_method`` as ``{"id", "name"}``;
- ``numbers_as_text``: ``sajt``, ``campaignId``, ``rejectionReason`` as strings (``"id_3"`` style for a
  select, as SalesDrive's update API writes them);
- ``meta_junk``: a ``meta.fields`` entry that is not a descriptor (``"...": null``, Swagger's list
  example).
The shapes are applied to a copy of what the emulator renders; the order itself does not change.
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
