"""How SalesDrive shapes an order: the list form (`/api/order/list/`) and the webhook form (`data`)."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from .config import SalesDriveEmulatorConfig
from .meta import meta_fields
from .money import dec, num, totals
from .odd_shapes import odd_webhook
from .order_fields import UTM_FIELDS
from .state import Doc, State


def render_contact(contact: Doc) -> Doc:
    out = {
        "id": contact["id"],
        "formId": contact.get("formId", 1),
        "version": contact.get("version", 1),
        "active": 1,
        "lName": contact.get("lName"),
        "fName": contact.get("fName"),
        "mName": contact.get("mName"),
        # Phones and e-mails as lists of strings (docs/salesdrive-api.md, "Webhooks"); one plain string
        # is the `phone_as_string` odd shape.
        "phone": list(contact.get("phone") or []),
        "email": list(contact.get("email") or []),
        "company": contact.get("company"),
        "counterpartyId": None,
        "comment": contact.get("comment"),
        "userId": contact.get("userId"),
        "telegram": contact.get("telegram"),
        "instagramNick": None,
        "dateOfBirth": contact.get("dateOfBirth"),
        "createTime": contact.get("createTime"),
        "leadsCount": contact.get("leadsCount", 0),
        "leadsSalesCount": contact.get("leadsSalesCount", 0),
        "leadsSalesAmount": contact.get("leadsSalesAmount", 0),
    }
    out.update(contact.get("custom") or {})
    return out


def _render_line(line: Doc, form: str, state: State, strings: bool) -> Doc:
    amount, price = dec(line["amount"]), dec(line["price"])
    out: Doc = {
        "formId": 1,
        "productId": line.get("productId"),
        "parameter": line.get("parameter"),
        "documentName": line.get("documentName") or line.get("name"),
        "sku": line.get("sku"),
        "barcode": line.get("barcode"),
        "manufacturer": line.get("manufacturer") or "",
        "description": line.get("description") or "",
        "amount": num(amount),
        "price": num(price),
        "discount": num(dec(line.get("discount"))),
        "percentDiscount": 1 if line.get("percentDiscount") else 0,
        "commission": num(dec(line.get("commission"))),
        "percentCommission": 1 if line.get("percentCommission") else 0,
        "costPrice": num(dec(line.get("costPrice"))),
        "stockId": line.get("stockId"),
        "uktzed": line.get("uktzed"),
    }
    if form == "list":
        out["text"] = line.get("name")  # the list form names the line `text`, not `name`
        out["preSale"] = 0
        if strings:
            out["amount"] = str(out["amount"])
    else:
        out["name"] = line.get("name")
        product = state.find_product(line.get("parameter"))
        stock = (product or {}).get("stockBalanceByStock") or {}
        out["restCount"] = num(dec(stock.get(str(line.get("stockId")), 0)))
        out["isComplect"] = 0
        out["categoryId"] = line.get("categoryId")
        out["categoryName"] = line.get("categoryName")
        if strings:
            out["amount"] = str(out["amount"])
            out["price"] = f"{price:.2f}"
    return out


def render_order(order: Doc, state: State, cfg: SalesDriveEmulatorConfig, form: str) -> Doc:
    """`form` is "list" (GET /api/order/list/) or "webhook" (`data` of a webhook body)."""
    t = totals(order)
    contacts = [
        render_contact(state.contacts[c]) for c in order.get("contactIds") or [] if c in state.contacts
    ]
    out = _common_fields(order, t)
    out["contacts"] = contacts
    out["products"] = [
        _render_line(ln, form, state, cfg.numbers_as_strings) for ln in order.get("products") or []
    ]
    for key in UTM_FIELDS:
        out[key] = order.get(key) or ""
    if order.get("ord_novaposhta"):
        out["ord_novaposhta"] = dict(order["ord_novaposhta"])
    if form == "list":
        _list_only(out, order, t, contacts, cfg.numbers_as_strings)
    else:
        _webhook_only(out, order, t, cfg.numbers_as_strings)
    # Custom ("individual") fields travel as extra top-level keys named by their code.
    for code, value in (order.get("custom") or {}).items():
        out[code] = value
    return out


def _common_fields(order: Doc, t: dict[str, Decimal]) -> Doc:
    return {
        "id": order["id"],
        "formId": order.get("formId", 1),
        "version": order["version"],
        "organizationId": order.get("organizationId", 1),
        "typeId": order.get("typeId", 1),
        "statusId": order["statusId"],
        "userId": order.get("userId"),
        "externalId": order.get("externalId"),
        "orderTime": order["orderTime"],
        "updateAt": order["updateAt"],
        "paymentDate": order.get("paymentDate"),
        "rejectionReason": order.get("rejectionReason"),
        "comment": order.get("comment"),
        "paymentAmount": num(t["paymentAmount"]),
        "payedAmount": num(t["payedAmount"]),
        "restPay": num(t["restPay"]),
        "discountAmount": num(t["discountAmount"]),
        "expensesAmount": num(t["expensesAmount"]),
        "profitAmount": num(t["profitAmount"]),
        "shipping_costs": num(t["shipping_costs"]),
        "payment_method": order.get("payment_method"),
        "shipping_method": order.get("shipping_method"),
        "shipping_address": order.get("shipping_address"),
        "ord_delivery": order.get("ord_delivery"),
        "ord_delivery_data": [dict(d) for d in order.get("ord_delivery_data") or []],
        "contacts": [],
        "products": [],
        "sajt": order.get("sajt"),
        "campaignId": order.get("campaignId"),
        "document_ord_check": 0,
        "call": None,
    }


def _list_only(out: Doc, order: Doc, t: dict[str, Decimal], contacts: list[Doc], strings: bool) -> None:
    """What only the list form carries (`tests/fixtures/salesdrive/order_list_swagger.json`)."""
    out["token"] = hashlib.md5(f"order-{order['id']}".encode(), usedforsecurity=False).hexdigest()
    out["costPriceAmount"] = num(t["costPriceAmount"])
    out["commissionAmount"] = num(t["commissionAmount"])
    out["primaryContact"] = contacts[0] if contacts else None
    if strings and out["payment_method"] is not None:
        out["payment_method"] = str(out["payment_method"])  # the list example has "payment_method": "6"


def _webhook_only(out: Doc, order: Doc, t: dict[str, Decimal], strings: bool) -> None:
    out["timeEntryOrder"] = order["orderTime"]
    out["holderTime"] = None
    if strings:
        out["shipping_costs"] = f"{t['shipping_costs']:.2f}"


def webhook_body(event: str, order: Doc, state: State, cfg: SalesDriveEmulatorConfig) -> Doc:
    body = {
        "info": {"webhookType": "order", "webhookEvent": event, "account": cfg.account},
        "data": render_order(order, state, cfg, "webhook"),
        "meta": {"fields": meta_fields(state, [order], selected=order), "contacts": {"fields": {}}},
    }
    return odd_webhook(body, list(cfg.odd_shapes))
