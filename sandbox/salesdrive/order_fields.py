"""Order fields as callers send them, resolved to what an order stores: methods, sites, managers, custom
fields, line discounts and carrier blocks. Shared by `/handler/` (create) and `/api/order/update/`.

Accepted spellings (a name, a `parameter`, `id_N` or an id) as docs/salesdrive-api.md ("Orders") and the
seeded orders in seed.py use them.
"""

from __future__ import annotations

import re
from typing import Any

from .money import dec
from .state import Doc, State
from .wire import ApiError, int_or_none, option_id

CARRIERS = ("novaposhta", "ukrposhta", "meest", "rozetka_delivery", "justin")
UTM_FIELDS = ("utmSource", "utmMedium", "utmCampaign", "utmContent", "utmTerm", "utmPage", "utmSourceFull")


def resolve_method(state: State, dict_name: str, value: Any) -> int | None:
    """A payment or delivery method by id (`4`, `id_4`), then by name or `parameter`; unknown: None."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    methods = state.dicts[dict_name]
    wanted = option_id(text)
    for method in methods:
        if wanted is not None and method["id"] == wanted:
            return int(method["id"])
    for method in methods:
        if text.lower() in (str(method["name"]).lower(), str(method["parameter"]).lower()):
            return int(method["id"])
    return None


def resolve_site(state: State, value: Any, *, create: bool) -> int | None:
    """A `sajt` option by id, name or URL; with `create`, an unknown site becomes a new option."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    sites = state.dicts["sites"]
    wanted = option_id(text)
    for site in sites:
        if site["value"] == wanted or str(site["text"]).lower() == text.lower():
            return int(site["value"])
    host = re.sub(r"^https?://(www\.)?", "", text.lower()).split("/")[0]
    for site in sites:
        if str(site["text"]).lower() == host:
            return int(site["value"])
    if not create:
        return None
    # An unknown site becomes a new option of the `sajt` field (assumed; README "Unknowns").
    new = {"value": max((s["value"] for s in sites), default=0) + 1, "text": text}
    state.put_dict("sites", [*sites, new])
    return int(new["value"])


def user(state: State, value: Any) -> int | None:
    """A manager (`salesdrive_manager`) by id; unknown: None."""
    uid = int_or_none(value)
    return uid if uid in {u["value"] for u in state.dicts["users"]} else None


def custom_value(field: Doc, raw: Any) -> Any:
    """A custom field's value: text as is; select options by id, `id_N` or text (unknown: an error)."""
    if field["type"] == "text":
        return None if raw is None else str(raw)
    values = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
    resolved = []
    for value in values:
        text = str(value).strip()
        wanted = option_id(text)
        match = [o["value"] for o in field["options"] if o["value"] == wanted or o["text"] == text]
        if not match:
            raise ApiError(f"Unknown option {value!r} for field {field['code']}")
        resolved.append(int(match[0]))
    if field["type"] == "select":
        return resolved[0] if resolved else None
    return resolved


def custom_values(state: State, source: Doc) -> Doc:
    """The custom fields `source` names by code (they travel as top-level keys), resolved."""
    fields = {cf["code"]: cf for cf in state.dicts["custom_fields"]}
    return {code: custom_value(field, source[code]) for code, field in fields.items() if code in source}


def adjustment(raw: Any) -> tuple[str, int]:
    """Discount/commission: "10%" is a percent (flag 1), anything else an absolute value (flag 0)."""
    if raw in (None, ""):
        return "0", 0
    text = str(raw).strip()
    if text.endswith("%"):
        return str(dec(text[:-1])), 1
    return str(dec(text)), 0


def apply_carrier(state: State, order: Doc, body: Doc, *, create: bool) -> None:
    """A carrier block (`novaposhta: {...}`) fills `ord_delivery_data`; on update only its TTN counts.
    Without one, a created order's delivery method names the carrier when it is one."""
    for carrier in CARRIERS:
        block = body.get(carrier)
        if isinstance(block, dict):
            _apply_block(order, carrier, block, create=create)
            return
    if create and order.get("shipping_method"):
        methods = {m["id"]: m for m in state.dicts["delivery_methods"]}
        parameter = methods[order["shipping_method"]]["parameter"]
        if parameter in CARRIERS:
            order["ord_delivery"] = parameter


def _apply_block(order: Doc, carrier: str, block: Doc, *, create: bool) -> None:
    entries = [d for d in order["ord_delivery_data"] if d.get("provider") == carrier]
    entry = entries[0] if entries else {"senderId": 1, "provider": carrier, "trackingNumber": None}
    if not entries:
        order["ord_delivery_data"].append(entry)
    if create:
        entry.update(
            {
                "type": block.get("ServiceType"),
                "areaName": block.get("area"),
                "regionName": block.get("region"),
                "cityName": block.get("city"),
                "branchNumber": block.get("WarehouseNumber"),
                "streetName": block.get("Street"),
                "house": block.get("BuildingNumber"),
                "flat": block.get("Flat"),
                "payer": block.get("payer"),
            }
        )
    ttn = block.get("ttn") or None
    if ttn:
        entry["trackingNumber"] = str(ttn)
    order["ord_delivery"] = carrier
    if carrier == "novaposhta":
        np = dict(order.get("ord_novaposhta") or {})
        np.update(
            {
                "EN": entry.get("trackingNumber"),
                "cityName": entry.get("cityName"),
                "branchNumber": entry.get("branchNumber"),
            }
        )
        order["ord_novaposhta"] = np
