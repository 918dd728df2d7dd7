"""`meta.fields`: the account's dictionaries as option lists (whole in order lists, selected in webhooks)."""

from __future__ import annotations

from typing import Any

from .money import dec, num, stock_sum
from .state import Doc, State


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
        "restCount": num(stock_sum(product)),
        "stockBalance": {k: num(dec(v)) for k, v in by_stock.items()},
        "currencyId": product.get("currency") or "UAH",
        "isComplect": 1 if product.get("set") else 0,
    }


def meta_fields(state: State, orders: list[Doc], selected: Doc | None = None) -> Doc:
    """Full option dictionaries (list answers), or only the selected value(s) when `selected` is given
    (webhooks: integrators read `options[0].text` as the current status/method name)."""
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
        "products": _field("Товари", "products", "products", _product_options(state, orders)),
    }
    for cf in state.dicts["custom_fields"]:
        fields[cf["code"]] = _field(cf["label"], cf["code"], cf["type"], list(cf["options"]))
    if selected is None:
        return fields
    chosen = _selected_values(state, selected)
    for name, field in fields.items():
        value = chosen.get(name)
        values = value if isinstance(value, list) else [value]
        field["options"] = [o for o in field["options"] if o["value"] in values]
    return fields


def _product_options(state: State, orders: list[Doc]) -> list[Doc]:
    """Only the products on the orders given (a list page, or the webhook's order)."""
    products: dict[int, Doc] = {}
    by_pid = {p["productId"]: p for p in state.products.values()} if orders else {}
    for order in orders:
        for line in order.get("products") or []:
            if line.get("productId") in by_pid:
                products[line["productId"]] = product_option(by_pid[line["productId"]])
    return list(products.values())


def _selected_values(state: State, order: Doc) -> dict[str, Any]:
    chosen: dict[str, Any] = {
        "statusId": order.get("statusId"),
        "payment_method": order.get("payment_method"),
        "shipping_method": order.get("shipping_method"),
        "sajt": order.get("sajt"),
        "userId": order.get("userId"),
        "rejectionReason": order.get("rejectionReason"),
        "stockId": [ln.get("stockId") for ln in order.get("products") or []],
        "products": [ln.get("productId") for ln in order.get("products") or []],
    }
    for cf in state.dicts["custom_fields"]:
        chosen[cf["code"]] = (order.get("custom") or {}).get(cf["code"])
    return chosen
