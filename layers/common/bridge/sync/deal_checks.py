"""What an order must hold to become a UTP sales order, checked before anything is written to UTP.

The parser (``bridge.salesdrive.models``) refuses nothing but a missing order id; this module decides
what the deal rules cannot do without. An order that fails a check is parked with every reason an
operator can read and act on (in SalesDrive: add a line, set a quantity, fill the SKU), and is applied
as soon as SalesDrive sends a newer version of it (webhook or catch-up sweep) or an operator replays it.
Nothing here is a reason for the dead-letter queue.
"""

from __future__ import annotations

from bridge.salesdrive.models import Order, OrderLine

# Order fields whose unreadable value makes the stale guard blind: park before comparing versions.
VERSION_FIELDS = ("version", "updateAt")


def line_sku(line: OrderLine) -> str | None:
    return (line.sku or line.parameter or "").strip() or None


def _label(number: int, line: OrderLine) -> str:
    name = (
        line.name or line.sku or line.parameter or (f"product {line.product_id}" if line.product_id else "")
    )
    return f"line {number}" + (f" ({name})" if name else "")


def unreadable_version(order: Order) -> str | None:
    """The reason the order's version cannot be judged, or None."""
    bad = [
        f"{key} cannot be read ({order.unreadable[key]})" for key in VERSION_FIELDS if key in order.unreadable
    ]
    return "; ".join(bad) or None


def order_problems(order: Order) -> list[str]:
    """Every reason this order cannot become a UTP sales order as it stands; empty when it can."""
    problems = [f"{key} cannot be read ({reason})" for key, reason in order.unreadable.items()]
    if not order.products:
        problems.append("the order has no product lines")
    for number, line in enumerate(order.products, 1):
        label = _label(number, line)
        problems += [f"{label}: {key} cannot be read ({reason})" for key, reason in line.unreadable.items()]
        if "line" in line.unreadable:
            continue
        if "amount" not in line.unreadable:
            if line.amount is None:
                problems.append(f"{label}: no quantity")
            elif line.amount <= 0:
                problems.append(f"{label}: quantity {line.amount} (must be more than 0)")
        if "price" not in line.unreadable and line.price is not None and line.price < 0:
            problems.append(f"{label}: negative price {line.price}")
        if line_sku(line) is None and not ({"sku", "parameter"} & set(line.unreadable)):
            problems.append(f"{label}: no SKU")
    return problems
