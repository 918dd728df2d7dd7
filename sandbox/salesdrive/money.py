"""Numbers as SalesDrive reads and computes them: lenient parsing, kopeck rounding, an order's totals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .state import Doc

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


def stock_sum(product: Doc) -> Decimal:
    """A product's stock over all warehouses (`stockBalanceByStock`)."""
    return sum((dec(v) for v in (product.get("stockBalanceByStock") or {}).values()), Decimal(0))
