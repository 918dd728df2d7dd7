"""How SalesDrive shapes what it sends: the list form, the webhook form, `meta` descriptors, the YML feed."""

from __future__ import annotations

import hashlib
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from .config import SalesDriveEmulatorConfig
from .odd_shapes import odd_webhook
from .state import Doc, State

CENT = Decimal("0.01")


def dec(value: Any) -> Decimal:
    """Lenient number parsing: SalesDrive clients send numbers, numeric strings and comma decimals."""
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool):
        return Decimal(int(value))
    try:
        return Decimal(str(value).strip().replace(",", ".").replace(" ", ""))
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc


def num(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_adjustment(line: Doc, kind: str) -> Decimal:
    """Discount or commission of one line: a percent of price·amount, or an absolute value per line/unit."""
    value = dec(line.get(kind))
    gross = dec(line["price"]) * dec(line["amount"])
    if line.get("percentDiscount" if kind == "discount" else "percentCommission"):
        return money(gross * value / 100)
    if line.get("absoluteMode") == "unit":
        return money(value * dec(line["amount"]))
    return money(value)


def totals(order: Doc) -> dict[str, Decimal]:
    lines = order.get("products") or []
    gross = sum((dec(ln["price"]) * dec(ln["amount"]) for ln in lines), Decimal(0))
    discount = sum((line_adjustment(ln, "discount") for ln in lines), Decimal(0))
    commission = sum((line_adjustment(ln, "commission") for ln in lines), Decimal(0))
    cost = sum((dec(ln.get("costPrice")) * dec(ln["amount"]) for ln in lines), Decimal(0))
    shipping = dec(order.get("shipping_costs"))
    payment = money(gross - discount)
    expenses = money(cost + commission + shipping)
    payed = money(dec(order.get("payedAmount")))
    return {
        "paymentAmount": payment,
        "discountAmount": money(discount),
        "commissionAmount": money(commission),
        "costPriceAmount": money(cost),
        "shipping_costs": money(shipping),
        "expensesAmount": expenses,
        "profitAmount": money(payment - expenses),
        "payedAmount": payed,
        "restPay": money(payment - payed),
    }


# dictionaries as meta options -------------------------------------------------------------------------
def _field(label: str, name: str, type_: str, options: list[Doc]) -> Doc:
    return {
        "label": label,
        "name": name,
        "type": type_,
        "editable": True,
        "sortable": True,
        "system": not name.startswith(("id_", "custom")),
        "forAdminOnly": False,
        "groupName": "order",
        "options": options,
    }


def status_options(state: State) -> list[Doc]:
    return [{"value": s["id"], "text": s["name"], "type": s["type"]} for s in state.dicts["statuses"]]


def method_options(state: State, name: str) -> list[Doc]:
    return [{"value": m["id"], "text": m["name"], "parameter": m["parameter"]} for m in state.dicts[name]]


def product_option(product: Doc) -> Doc:
    by_stock = product.get("stockBalanceByStock") or {}
    return {
        "value": product["productId"],
        "parameter": product["id"],
        "text": product.get("name"),
        "sku": product.get("sku"),
        "barcode": product.get("barcode"),
        "defaultPrice": num(dec(product.get("costPerItem"))),
        "costPrice": num(dec(product.get("expenses"))),
        "restCount": num(sum((dec(v) for v in by_stock.values()), Decimal(0))),
        "stockBalance": {k: num(dec(v)) for k, v in by_stock.items()},
        "currencyId": product.get("currency") or "UAH",
        "isComplect": 1 if product.get("set") else 0,
    }


def meta_fields(state: State, orders: list[Doc], selected: Doc | None = None) -> Doc:
    """Full option dictionaries (list answers), or only the selected value(s) when `selected` is given
    (webhooks: integrators read `options[0].text` as the current status/method name)."""
    products: dict[int, Doc] = {}
    by_pid = {p["productId"]: p for p in state.products.values()} if orders else {}
    for order in orders:
        for line in order.get("products") or []:
            if line.get("productId") in by_pid:
                products[line["productId"]] = product_option(by_pid[line["productId"]])
    stocks = [
        {"value": s["value"], "text": s["text"], "default": s["default"]} for s in state.dicts["stocks"]
    ]
    fields: Doc = {
        "statusId": _field("Статус", "statusId", "select", status_options(state)),
        "payment_method": _field(
            "Спосіб оплати", "payment_method", "select", method_options(state, "payment_methods")
        ),
        "shipping_method": _field(
            "Спосіб доставки", "shipping_method", "select", method_options(state, "delivery_methods")
        ),
        "sajt": _field("Сайт", "sajt", "select", list(state.dicts["sites"])),
        "userId": _field("Менеджер", "userId", "select", list(state.dicts["users"])),
        "rejectionReason": _field(
            "Причина відмови", "rejectionReason", "select", list(state.dicts["rejection_reasons"])
        ),
        "stockId": _field("Склад", "stockId", "stocks", stocks),
        "products": _field("Товари", "products", "products", list(products.values())),
    }
    for cf in state.dicts["custom_fields"]:
        fields[cf["code"]] = _field(cf["label"], cf["code"], cf["type"], list(cf["options"]))
    if selected is None:
        return fields
    chosen: dict[str, Any] = {
        "statusId": selected.get("statusId"),
        "payment_method": selected.get("payment_method"),
        "shipping_method": selected.get("shipping_method"),
        "sajt": selected.get("sajt"),
        "userId": selected.get("userId"),
        "rejectionReason": selected.get("rejectionReason"),
        "stockId": [ln.get("stockId") for ln in selected.get("products") or []],
        "products": [ln.get("productId") for ln in selected.get("products") or []],
    }
    for cf in state.dicts["custom_fields"]:
        chosen[cf["code"]] = (selected.get("custom") or {}).get(cf["code"])
    for name, field in fields.items():
        value = chosen.get(name)
        values = value if isinstance(value, list) else [value]
        field["options"] = [o for o in field["options"] if o["value"] in values]
    return fields


# orders -------------------------------------------------------------------------------------------
def render_contact(contact: Doc) -> Doc:
    out = {
        "id": contact["id"],
        "formId": contact.get("formId", 1),
        "version": contact.get("version", 1),
        "active": 1,
        "lName": contact.get("lName"),
        "fName": contact.get("fName"),
        "mName": contact.get("mName"),
        # Real payloads carry phones and e-mails as arrays of strings (reference §2, Customer).
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
    strings = cfg.numbers_as_strings
    contacts = [
        render_contact(state.contacts[c]) for c in order.get("contactIds") or [] if c in state.contacts
    ]
    out: Doc = {
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
        "contacts": contacts,
        "products": [_render_line(ln, form, state, strings) for ln in order.get("products") or []],
        "sajt": order.get("sajt"),
        "campaignId": order.get("campaignId"),
        "document_ord_check": 0,
        "call": None,
    }
    for key in ("utmSource", "utmMedium", "utmCampaign", "utmContent", "utmTerm", "utmPage", "utmSourceFull"):
        out[key] = order.get(key) or ""
    if order.get("ord_novaposhta"):
        out["ord_novaposhta"] = dict(order["ord_novaposhta"])
    if form == "list":
        out["token"] = hashlib.md5(f"order-{order['id']}".encode(), usedforsecurity=False).hexdigest()
        out["costPriceAmount"] = num(t["costPriceAmount"])
        out["commissionAmount"] = num(t["commissionAmount"])
        out["primaryContact"] = contacts[0] if contacts else None
        if strings and out["payment_method"] is not None:
            out["payment_method"] = str(out["payment_method"])  # the list example has "payment_method": "6"
    else:
        out["timeEntryOrder"] = order["orderTime"]
        out["holderTime"] = None
        if strings:
            out["shipping_costs"] = f"{t['shipping_costs']:.2f}"
    # Custom ("individual") fields travel as extra top-level keys named by their code.
    for code, value in (order.get("custom") or {}).items():
        out[code] = value
    return out


def webhook_body(event: str, order: Doc, state: State, cfg: SalesDriveEmulatorConfig) -> Doc:
    body = {
        "info": {"webhookType": "order", "webhookEvent": event, "account": cfg.account},
        "data": render_order(order, state, cfg, "webhook"),
        "meta": {"fields": meta_fields(state, [order], selected=order), "contacts": {"fields": {}}},
    }
    return odd_webhook(body, list(cfg.odd_shapes))


# YML ----------------------------------------------------------------------------------------------
def yml_feed(state: State, cfg: SalesDriveEmulatorConfig, generated: str) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<yml_catalog date={quoteattr(generated[:16])}>",
        "<shop>",
    ]
    out.append(f"<name>{escape(cfg.account)}</name><company>{escape(cfg.account)}</company>")
    out.append(f"<url>https://{escape(cfg.account)}.salesdrive.me</url>")
    currencies = sorted({p.get("currency") or "UAH" for p in state.products.values()} | {"UAH"})
    out.append("<currencies>")
    out.extend(f'<currency id="{escape(c)}" rate="{1 if c == "UAH" else "CB"}"/>' for c in currencies)
    out.append("</currencies><categories>")
    for cat in state.categories.values():
        parent = (
            f" parentId={quoteattr(str(cat['parentId']))}" if cat.get("parentId") not in (None, "") else ""
        )
        out.append(
            f"<category id={quoteattr(str(cat['id']))}{parent}>{escape(str(cat.get('name') or ''))}"
            "</category>"
        )
    out.append("</categories><offers>")
    for p in state.products.values():
        qty = sum((dec(v) for v in (p.get("stockBalanceByStock") or {}).values()), Decimal(0))
        group = f" group_id={quoteattr(str(p['parentProductId']))}" if p.get("parentProductId") else ""
        out.append(
            f'<offer id={quoteattr(str(p["id"]))}{group} available="{"true" if qty > 0 else "false"}">'
        )
        children = [
            ("name", p.get("name")),
            ("name_ua", p.get("nameTranslate") or p.get("name")),
            (
                "categoryId",
                (p.get("category") or {}).get("id")
                if isinstance(p.get("category"), dict)
                else p.get("category"),
            ),
            ("price", num(dec(p.get("costPerItem")))),
            ("currencyId", p.get("currency") or "UAH"),
            ("quantity_in_stock", num(qty)),
            ("vendor", p.get("manufacturer")),
            ("vendorCode", p.get("sku")),
            ("article", p.get("sku")),
            ("barcode", p.get("barcode")),
            ("uktzed", p.get("uktzed")),
            ("vendorprice", num(dec(p.get("expenses"))) if p.get("expenses") not in (None, "") else None),
            ("description", p.get("description")),
            ("url", p.get("url")),
            ("keywords", p.get("keywords")),
            ("note", p.get("note")),
        ]
        for tag, value in children:
            if value not in (None, ""):
                out.append(f"<{tag}>{escape(str(value))}</{tag}>")
        for image in p.get("images") or []:
            if isinstance(image, dict) and image.get("fullsize"):
                out.append(f"<picture>{escape(str(image['fullsize']))}</picture>")
        for param in p.get("params") or []:
            if isinstance(param, dict) and param.get("name"):
                out.append(
                    f"<param name={quoteattr(str(param['name']))}>{escape(str(param.get('value', '')))}"
                    "</param>"
                )
        out.append("</offer>")
    out.append("</offers></shop></yml_catalog>")
    return "\n".join(out)
