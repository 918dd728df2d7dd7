"""What the client sends to ``/product-handler/`` and ``/category-handler/``, per push mode.

SalesDrive has no "update stock" or "update price" action: everything goes through ``action:"update"``
and ``dontUpdateFields`` protects what must not change. A mode therefore decides two things: which keys
a product carries, and which fields are protected. A stock push never carries a name or a price, and
protects them anyway, in case SalesDrive treats a missing key as "empty".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, TypeVar

from bridge.salesdrive.errors import SalesDriveError

MAX_BATCH = 100  # SalesDrive's documented cap per /product-handler/ call


class PushMode(StrEnum):
    FULL = "full"
    PRICE_ONLY = "price_only"
    STOCK_ONLY = "stock_only"


# The production stock-only list: everything but stock is protected.
STOCK_ONLY_PROTECTED: tuple[str, ...] = (
    "price",
    "discount",
    "name",
    "description",
    "images",
    "nameForDocuments",
    "nameTranslate",
    "descriptionTranslate",
    "expenses",
    "sku",
    "manufacturer",
    "weight",
    "volume",
    "length",
    "width",
    "height",
    "barcode",
    "uktzed",
    "exciseCode",
    "url",
    "note",
    "supplier",
    "keywords",
    "params",
    "country",
    "set",
)
# Price-only: the same list without "price", plus the stock keys (their names as input fields; that
# SalesDrive honours them in dontUpdateFields is unconfirmed, and harmless if ignored).
PRICE_ONLY_PROTECTED: tuple[str, ...] = (
    *(name for name in STOCK_ONLY_PROTECTED if name != "price"),
    "stockBalance",
    "stockBalanceByStock",
)


def json_number(value: Decimal | int | float) -> int | float:
    """JSON has no decimals: integral quantities as ints, the rest as the nearest float."""
    if isinstance(value, int):
        return int(value)
    number = Decimal(repr(value)) if isinstance(value, float) else value
    if number == number.to_integral_value():
        return int(number)
    return float(number)


@dataclass(frozen=True, slots=True)
class ProductUpdate:
    """One product as the bridge wants it in SalesDrive; ``id`` is your id (``parameter`` on lines)."""

    id: str
    name: str | None = None
    sku: str | None = None
    barcode: str | None = None
    description: str | None = None
    manufacturer: str | None = None
    price: Decimal | None = None  # sent as costPerItem
    currency: str | None = None  # ISO code, e.g. "UAH"
    stock_by_warehouse: Mapping[str, Decimal | int] | None = None  # SalesDrive stockId → free quantity
    stock_total: Decimal | int | None = None  # stockBalance
    category_id: str | int | None = None
    category_name: str | None = None
    additional_prices: Sequence[Mapping[str, Any]] | None = None
    # Any other /product-handler/ field (weight, images, params…), sent in full mode only.
    extra: Mapping[str, Any] = field(default_factory=dict)

    def payload(self, mode: PushMode) -> dict[str, Any]:
        if not self.id:
            raise ValueError("a product needs its id")
        body: dict[str, Any] = {"id": str(self.id)}
        if mode is PushMode.STOCK_ONLY:
            self._add_stock(body)
            if len(body) == 1:
                raise ValueError(f"product {self.id}: a stock-only push needs stock")
            return body
        if mode is PushMode.PRICE_ONLY:
            self._add_price(body)
            if len(body) == 1:
                raise ValueError(f"product {self.id}: a price-only push needs a price")
            return body
        for key, value in (
            ("name", self.name),
            ("sku", self.sku),
            ("barcode", self.barcode),
            ("description", self.description),
            ("manufacturer", self.manufacturer),
        ):
            if value is not None:
                body[key] = value
        if self.category_id is not None:
            body["category"] = {"id": self.category_id, "name": self.category_name}
        self._add_price(body)
        self._add_stock(body)
        for key, value in self.extra.items():
            body.setdefault(key, value)
        return body

    def _add_price(self, body: dict[str, Any]) -> None:
        if self.price is not None:
            body["costPerItem"] = json_number(self.price)
            if self.currency:
                body["currency"] = self.currency
        if self.additional_prices is not None:
            body["additionalPrices"] = [dict(item) for item in self.additional_prices]

    def _add_stock(self, body: dict[str, Any]) -> None:
        if self.stock_by_warehouse is not None:
            body["stockBalanceByStock"] = {
                str(stock_id): json_number(quantity) for stock_id, quantity in self.stock_by_warehouse.items()
            }
        if self.stock_total is not None:
            body["stockBalance"] = json_number(self.stock_total)


def dont_update_fields(mode: PushMode) -> list[str]:
    if mode is PushMode.STOCK_ONLY:
        return list(STOCK_ONLY_PROTECTED)
    if mode is PushMode.PRICE_ONLY:
        return list(PRICE_ONLY_PROTECTED)
    return []


def product_handler_body(products: Sequence[ProductUpdate], mode: PushMode) -> dict[str, Any]:
    body: dict[str, Any] = {"action": "update", "product": [p.payload(mode) for p in products]}
    protected = dont_update_fields(mode)
    if protected:
        body["dontUpdateFields"] = protected
    return body


@dataclass(frozen=True, slots=True)
class Category:
    id: str | int
    name: str
    parent_id: str | int | None = None

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.parent_id is not None:
            body["parentId"] = self.parent_id
        return body


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BatchResult(Generic[T]):
    """The outcome of one call; a failed or skipped batch can be sent again alone with ``items``."""

    index: int
    items: tuple[T, ...]
    ok: bool
    attempted: bool = True
    message: str | None = None
    error: SalesDriveError | None = None

    @property
    def size(self) -> int:
        return len(self.items)
