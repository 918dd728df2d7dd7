"""The lines of a SalesDrive order as UTP sales-order lines: products by SKU, discounts, warehouse.

Products resolve through the bridge's SKU map first, then one UTP lookup for the rest; an unknown SKU
raises ``UnknownSkus`` (the deal flow parks the order, never drops it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from bridge.salesdrive.models import Order
from bridge.settings import BridgeSettings
from bridge.store.deals import DealStore, ProductLink
from bridge.sync.deal_checks import line_sku
from bridge.sync.reference import UtpReference
from bridge.utp.client import UtpClient
from bridge.utp.models import OrderLineInput

CENT = Decimal("0.01")


class UnknownSkus(Exception):
    def __init__(self, skus: list[str]) -> None:
        super().__init__(f"unknown SKU in UTP: {', '.join(skus)}")
        self.skus = skus


def resolve_products(order: Order, *, utp: UtpClient, store: DealStore) -> dict[str, ProductLink]:
    """SKU → product link for every line: the bridge's map first, then one UTP lookup for the rest."""
    skus = [s for s in (line_sku(line) for line in order.products) if s]
    missing_sku_lines = [line for line in order.products if line_sku(line) is None]
    if missing_sku_lines:
        names = ", ".join(str(line.name or line.product_id) for line in missing_sku_lines)
        raise UnknownSkus([f"(line without SKU: {names})"])
    links: dict[str, ProductLink] = {}
    for sku in dict.fromkeys(skus):
        known = store.product_for(sku)
        if known is not None:
            links[sku] = known
    missing = [s for s in dict.fromkeys(skus) if s not in links]
    if missing:
        found = utp.products_by_sku(missing)
        for sku, product in found.items():
            # Goods need their unit; a service (delivery, installation) has none in many bases.
            if (product.unit_key is None and not product.is_service) or product.deletion_mark:
                continue
            link = ProductLink(product_ref=product.ref, unit_ref=product.unit_key, service=product.is_service)
            store.link_product(sku, link)
            links[sku] = link
    unknown = [s for s in dict.fromkeys(skus) if s not in links]
    if unknown:
        raise UnknownSkus(unknown)
    return links


def order_lines(
    order: Order, products: Mapping[str, ProductLink], settings: BridgeSettings
) -> list[OrderLineInput]:
    lines: list[OrderLineInput] = []
    for line in order.products:
        sku = line_sku(line)
        assert sku is not None  # resolve_products refused lines without SKU
        link = products[sku]
        quantity = line.amount or Decimal(0)
        price = line.price or Decimal(0)
        gross = price * quantity
        discount = line.discount or Decimal(0)
        if line.percent_discount:
            percent = discount
            amount = gross * (1 - percent / 100)
        else:
            absolute = discount * quantity if settings.absolute_discount_per_unit else discount
            amount = gross - absolute
            percent = (absolute / gross * 100) if gross else Decimal(0)
        lines.append(
            OrderLineInput(
                product_key=link.product_ref,
                unit_key=link.unit_ref or "",
                quantity=quantity,
                price=price,
                discount_percent=percent.quantize(CENT, ROUND_HALF_UP),
                amount=max(amount, Decimal(0)).quantize(CENT, ROUND_HALF_UP),
                vat_rate=settings.vat_rate,
                service=link.service,
                description=str(line.name or sku) if link.service else "",
            )
        )
    return lines


def warehouse_of(order: Order, reference: UtpReference) -> str:
    for line in order.products:
        if line.stock_id is not None and line.stock_id in reference.warehouse_keys:
            return reference.warehouse_keys[line.stock_id]
    return reference.default_warehouse_key


def fingerprint(lines: list[OrderLineInput], warehouse_key: str, counterparty_key: str) -> str:
    content = json.dumps(
        [warehouse_key, counterparty_key, [line.model_dump(mode="json") for line in lines]], sort_keys=True
    )
    return hashlib.sha256(content.encode()).hexdigest()
