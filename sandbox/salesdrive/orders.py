"""Orders: create (`POST /handler/`), update (`POST /api/order/update/`), look-up, and the webhooks they fire.

As docs/salesdrive-api.md ("Orders", "Webhooks") states: no dedup by `externalId`; an update cannot change
product lines or the contact; each effective change bumps `version` and `updateAt`.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .access import order_base_body
from .accounting_field import fires_webhook
from .clock import fmt
from .config import SalesDriveEmulatorConfig
from .dictionaries import statuses
from .money import dec
from .order_fields import (
    UTM_FIELDS,
    adjustment,
    apply_carrier,
    custom_values,
    resolve_method,
    resolve_site,
    user,
)
from .render import webhook_body
from .state import Doc, State, normalize_phone
from .wire import ApiError, as_list, int_or_none, json_response, parse_day

if TYPE_CHECKING:
    from .app import SalesDriveEmulator

# The update fields that name a dictionary entry: field → dictionary.
METHOD_FIELDS = (("payment_method", "payment_methods"), ("shipping_method", "delivery_methods"))


def find_order(state: State, order_id: Any = None, external_id: Any = None) -> Doc | None:
    oid = int_or_none(order_id)
    if oid is not None:
        return state.orders.get(oid)
    if external_id not in (None, ""):
        # No dedup by externalId exists, so several orders may share it: the newest wins.
        matches = [o for o in state.orders.values() if o.get("externalId") == str(external_id)]
        return max(matches, key=lambda o: o["id"]) if matches else None
    return None


def notify(emu: SalesDriveEmulator, event: str, order: Doc) -> None:
    """Queue `event` for every subscription whose event, status and site conditions the order meets."""
    subs = [
        s
        for s in emu.state.subscriptions.values()
        if event in s["events"]
        and (s.get("statuses") is None or order["statusId"] in s["statuses"])
        and (s.get("sites") is None or order.get("sajt") in s["sites"])
    ]
    if not subs:
        return
    body = webhook_body(event, order, emu.state, emu.config)
    for sub in subs:
        emu.webhooks.enqueue(sub, event, order, body)


# create ------------------------------------------------------------------------------------------------
def create_order(emu: SalesDriveEmulator, body: Doc, *, now: datetime, fire: bool = True) -> Doc:
    """The order `/handler/` makes of `body` (stored, and announced as `new_order` when `fire`)."""
    st = emu.state
    stamp = fmt(now)
    default_stock = int_or_none(body.get("stockId")) or 1
    lines = order_lines(st, emu.config, body, default_stock)
    contact_ids = order_contact(st, body, stamp)
    customs = custom_values(st, body)
    first_status = min(s["id"] for s in statuses(st, 1).values() if s["type"] == 1)
    order: Doc = {
        "id": st.next_id("order", start=10001),
        "formId": 1,
        "version": 1,
        "typeId": 1,
        "organizationId": int_or_none(body.get("organizationId")) or 1,
        "externalId": str(body["externalId"]) if body.get("externalId") not in (None, "") else None,
        "orderTime": stamp,
        "updateAt": stamp,
        "statusId": first_status,
        "paymentDate": None,
        "rejectionReason": None,
        "userId": user(st, body.get("salesdrive_manager")) or 1,
        "contactIds": contact_ids,
        "products": lines,
        "payment_method": resolve_method(st, "payment_methods", body.get("payment_method")),
        "shipping_method": resolve_method(st, "delivery_methods", body.get("shipping_method")),
        "shipping_address": body.get("shipping_address"),
        "comment": body.get("comment"),
        "sajt": resolve_site(st, body.get("sajt"), create=True),
        "campaignId": int_or_none(body.get("campaignId")),
        "custom": customs,
        "payedAmount": "0",
        "shipping_costs": str(dec(body.get("shipping_costs"))),
        "stockId": default_stock,
        "ord_delivery": None,
        "ord_delivery_data": [],
        "statusHistory": [[first_status, stamp]],
    }
    for key in UTM_FIELDS:
        order[key] = body.get(key)
    apply_carrier(st, order, body, create=True)
    st.put_order(order)
    if fire:
        notify(emu, "new_order", order)
    return order


def order_lines(state: State, cfg: SalesDriveEmulatorConfig, body: Doc, default_stock: int) -> list[Doc]:
    raw_lines = body.get("products") or []
    if not isinstance(raw_lines, list):
        raise ApiError("products must be a list")
    lines = []
    for item in raw_lines:
        if not isinstance(item, dict):
            raise ApiError("each product must be an object")
        lines.append(_order_line(state, cfg, item, default_stock))
    return lines


def _order_line(state: State, cfg: SalesDriveEmulatorConfig, item: Doc, default_stock: int) -> Doc:
    """One line: the catalogue product matched by `id` (our id, `parameter`) or `sku` fills the gaps."""
    product = state.find_product(item.get("id"), item.get("sku")) or {}
    price = item.get("costPerItem")
    discount, pct = adjustment(item.get("discount"))
    commission, pctc = adjustment(item.get("commission"))
    category = product.get("category")
    return {
        "productId": product.get("productId"),
        "parameter": str(item["id"]) if item.get("id") not in (None, "") else product.get("id"),
        "name": item.get("name") or product.get("name"),
        "documentName": product.get("nameForDocuments") or item.get("name") or product.get("name"),
        "sku": item.get("sku") or product.get("sku"),
        "barcode": product.get("barcode"),
        "manufacturer": product.get("manufacturer"),
        "uktzed": product.get("uktzed"),
        "description": item.get("description") or "",
        "amount": str(dec(item.get("amount", 1))),
        "price": str(dec(price if price not in (None, "") else product.get("costPerItem"))),
        "costPrice": str(dec(item.get("costPrice", product.get("expenses")))),
        "discount": discount,
        "percentDiscount": pct,
        "commission": commission,
        "percentCommission": pctc,
        "absoluteMode": cfg.absolute_discount,
        "stockId": int_or_none(item.get("stockId")) or default_stock,
        "categoryId": int_or_none(category),
        "categoryName": (state.categories.get(str(category)) or {}).get("name"),
    }


def order_contact(state: State, body: Doc, stamp: str | None) -> list[int]:
    """The order's contact: a returning phone (in any spelling) or e-mail reuses the existing one."""
    phones = [normalize_phone(p) for p in as_list(body.get("phone")) if normalize_phone(p)]
    emails = [e.strip().lower() for e in as_list(body.get("email"))]
    has_data = phones or emails or any(body.get(k) for k in ("fName", "lName", "mName", "company"))
    if not has_data:
        return []
    contact = state.find_contact(phones, emails)
    if contact is None:
        contact = _new_contact(state, body, phones, emails, stamp)
    else:
        # A returning customer: the same contact, with any new phone/e-mail added to it.
        contact = copy.deepcopy(contact)
        contact["phone"] += [p for p in phones if p not in contact["phone"]]
        contact["email"] += [e for e in emails if e not in contact["email"]]
        contact["leadsCount"] = contact.get("leadsCount", 0) + 1
        contact["version"] = contact.get("version", 1) + 1
    state.put_contact(contact)
    return [contact["id"]]


def _new_contact(state: State, body: Doc, phones: list[str], emails: list[str], stamp: str | None) -> Doc:
    con_custom = {
        k: v for k, v in body.items() if k.startswith("con_") and k not in ("con_comment", "con_telegram")
    }
    return {
        "id": state.next_id("contact", start=7001),
        "formId": 1,
        "version": 1,
        "lName": body.get("lName"),
        "fName": body.get("fName"),
        "mName": body.get("mName"),
        "phone": phones,
        "email": emails,
        "company": body.get("company"),
        "comment": body.get("con_comment"),
        "telegram": body.get("con_telegram"),
        "dateOfBirth": body.get("dateOfBirth"),
        "userId": 1,
        "createTime": stamp,
        "leadsCount": 1,
        "leadsSalesCount": 0,
        "leadsSalesAmount": 0,
        "custom": con_custom,
    }


# update ------------------------------------------------------------------------------------------------
def update_order(emu: SalesDriveEmulator, body: Doc) -> None:
    """`{id | externalId, data: {...}}`; an update that changes nothing bumps nothing and fires nothing."""
    st = emu.state
    order = find_order(
        st, body.get("id"), None if body.get("id") not in (None, "") else body.get("externalId")
    )
    if order is None:
        raise ApiError("Order not found")
    data = body.get("data")
    if not isinstance(data, dict):
        raise ApiError("data is required")
    now = emu.clock.now()
    new = copy.deepcopy(order)
    _change_status(st, order, new, data, now)
    _change_references(st, new, data)
    _change_plain_fields(st, new, data)
    # Product lines and the contact cannot be changed through this API (docs/salesdrive-api.md): ignored.
    if new == order:
        return
    new["version"] = order["version"] + 1
    new["updateAt"] = fmt(now)
    status_changed = new["statusId"] != order["statusId"]
    if status_changed:
        new["statusHistory"].append([new["statusId"], fmt(now)])
    st.put_order(new)
    if fires_webhook(emu.config.update_webhook, status_changed=status_changed):
        notify(emu, "status_change", new)


def _change_status(state: State, order: Doc, new: Doc, data: Doc, now: datetime) -> None:
    if "statusId" in data:
        status = int_or_none(data["statusId"])
        known = statuses(state, order.get("formId", 1))
        if status not in known:
            raise ApiError(f"Unknown statusId {data['statusId']!r}")
        new["statusId"] = status
        # Moving into a sale status stamps the sale date unless one is given (assumed; README "Unknowns").
        if status != order["statusId"] and known[status]["type"] == 2 and not new.get("paymentDate"):
            new["paymentDate"] = now.strftime("%Y-%m-%d")
    if "paymentDate" in data:
        new["paymentDate"] = parse_day(data["paymentDate"])


def _change_references(state: State, new: Doc, data: Doc) -> None:
    """Fields naming a dictionary entry: an unknown entry is an error (an empty value clears methods)."""
    if "rejectionReasonId" in data:
        reason = int_or_none(data["rejectionReasonId"])
        if data["rejectionReasonId"] not in (None, "") and reason not in {
            r["value"] for r in state.dicts["rejection_reasons"]
        }:
            raise ApiError(f"Unknown rejectionReasonId {data['rejectionReasonId']!r}")
        new["rejectionReason"] = reason
    if "salesdrive_manager" in data:
        manager = user(state, data["salesdrive_manager"])
        if manager is None:
            raise ApiError(f"Unknown manager {data['salesdrive_manager']!r}")
        new["userId"] = manager
    for key, dict_name in METHOD_FIELDS:
        if key in data:
            method = resolve_method(state, dict_name, data[key])
            if method is None and data[key] not in (None, ""):
                raise ApiError(f"Unknown {key} {data[key]!r}")
            new[key] = method


def _change_plain_fields(state: State, new: Doc, data: Doc) -> None:
    for key in ("comment", "shipping_address"):
        if key in data:
            new[key] = None if data[key] is None else str(data[key])
    if "shipping_costs" in data:
        new["shipping_costs"] = str(dec(data["shipping_costs"]))
    if "sajt" in data:
        new["sajt"] = resolve_site(state, data["sajt"], create=False)
    apply_carrier(state, new, data, create=False)
    customs = custom_values(state, data)
    if customs:
        new.setdefault("custom", {}).update(customs)


# handlers ----------------------------------------------------------------------------------------------
def handle_create(emu: SalesDriveEmulator, request: Request) -> Response:
    """Errors as `{"error": ...}`; the answer is an empty body unless `getResultData` asks for the ids."""

    def error(message: str) -> Response:
        return json_response({"error": message}, status=emu.config.error_status)

    body = order_base_body(emu.config, request, error)
    if isinstance(body, Response):
        return body
    try:
        order = create_order(emu, body, now=emu.clock.now())
    except (ApiError, ValueError) as exc:
        return error(getattr(exc, "message", str(exc)))
    if str(body.get("getResultData", "")).lower() in ("1", "true"):
        return json_response({"success": True, "data": {"orderId": order["id"], "userId": order["userId"]}})
    return Response(b"", status=200, mimetype="text/html")


def handle_update(emu: SalesDriveEmulator, request: Request) -> Response:
    """Errors as `{"success": false, "message": ...}`."""

    def error(message: str) -> Response:
        return json_response({"success": False, "message": message}, status=emu.config.error_status)

    body = order_base_body(emu.config, request, error)
    if isinstance(body, Response):
        return body
    try:
        update_order(emu, body)
    except (ApiError, ValueError) as exc:
        return error(getattr(exc, "message", str(exc)))
    return json_response({"success": True})
