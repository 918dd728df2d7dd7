"""The catalog in UTP: products, units, prices (with price-type settings and exchange rates) and the
balances of the stock registers. No rules here (``bridge.sync.prices`` / ``bridge.sync.stock`` combine).

Facts of the UTP 1.2 configuration (its metadata objects named in brackets):
- ``InformationRegister_ЦеныНоменклатуры`` rows carry ``Валюта`` and ``ЕдиницаИзмерения`` of their own
  (register ЦеныНоменклатуры); a computed price type (``Рассчитывается``) has at most
  per-product markups there, its prices come from ``БазовыйТипЦен`` (common module Ценообразование,
  ПолучитьЦенуНоменклатуры).
- ``InformationRegister_КурсыВалют`` is independent and periodic by day: ``SliceLast`` is bound to the
  register's own set (register КурсыВалют).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bridge.utp.base import UtpBase, _chunks, _unique, select_of
from bridge.utp.errors import UtpNotFoundError
from bridge.utp.models import Product, Unit
from bridge.utp.names import (
    EXCHANGE_RATES,
    PRICE_TYPES,
    PRICES,
    PRODUCTS,
    RECORD_TYPE,
    RESERVES,
    STOCK,
    UNITS,
)
from bridge.utp.odata_query import EMPTY_REF, CastRef, Guid, and_, eq, in_

if TYPE_CHECKING:
    from bridge.utp.client import UtpClient


PRICE_ROWS = PRICES + RECORD_TYPE  # recorder-subordinate register: its rows


class Catalog(UtpBase):
    """Reads of products, units, prices and balances."""

    def products_by_sku_all(self, skus: Iterable[str]) -> dict[str, list[Product]]:
        """Every non-folder product per SKU (exact ``Артикул``), duplicates kept. [⌈n/chunk⌉]"""
        wanted = _unique(skus)
        found: dict[str, list[Product]] = {}
        for chunk in _chunks(wanted, self.chunk_size):
            flt = and_(eq("IsFolder", False), in_("Артикул", chunk))
            for product in self._list(PRODUCTS, Product, flt):
                found.setdefault(product.sku, []).append(product)
        return found

    def products_by_sku(self, skus: Iterable[str]) -> dict[str, Product]:
        """One product per SKU: not marked for deletion first, then the lowest code. [⌈n/chunk⌉]

        SKUs with several live products are still answered (the first); callers that must not guess
        use ``products_by_sku_all``.
        """
        return {
            sku: sorted(items, key=lambda p: (p.deletion_mark, p.code, p.ref))[0]
            for sku, items in self.products_by_sku_all(skus).items()
        }

    def products_by_key(self, product_keys: Iterable[str]) -> dict[str, Product]:
        """Products by ``Ref_Key``. [⌈n/chunk⌉]"""
        out: dict[str, Product] = {}
        for chunk in _chunks(_unique(product_keys), self.chunk_size):
            for product in self._list(PRODUCTS, Product, in_("Ref_Key", [Guid(k) for k in chunk])):
                out[product.ref] = product
        return out

    def iter_products(self, page_size: int = 500, *, include_folders: bool = False) -> Iterator[Product]:
        """Every product, paged by ``Ref_Key``. [⌈N/page⌉, +1 when N is a multiple of page]"""
        flt = None if include_folders else eq("IsFolder", False)
        for row in self.odata.iter_collection(
            PRODUCTS, select=select_of(Product), filter=flt, orderby="Ref_Key", page_size=page_size
        ):
            yield Product.model_validate(row)

    def units(self, unit_keys: Iterable[str]) -> dict[str, Unit]:
        """Units (with ``Коэффициент``) by key. [⌈n/chunk⌉]"""
        keys = _unique(unit_keys)
        out: dict[str, Unit] = {}
        for chunk in _chunks(keys, self.chunk_size):
            for unit in self._list(UNITS, Unit, in_("Ref_Key", [Guid(k) for k in chunk])):
                out[unit.ref] = unit
        return out

    def product_units(self, product_key: str) -> list[Unit]:
        """All units owned by a product. [1]"""
        return self._list(UNITS, Unit, eq("Owner", CastRef(product_key, PRODUCTS)))

    def prices(self, price_type_key: str, product_keys: Iterable[str] | None = None) -> dict[str, Decimal]:
        """Current prices of one price type: ``ЦеныНоменклатуры`` ``SliceLast`` with a Condition.

        Rows without a characteristic win over characteristic-specific ones. [1; with
        ``product_keys``, ⌈n/chunk⌉]
        """
        select = ["Номенклатура_Key", "ХарактеристикаНоменклатуры_Key", "Цена"]
        base = eq("ТипЦен_Key", Guid(price_type_key))
        conditions = (
            [base]
            if product_keys is None
            else [
                and_(base, in_("Номенклатура_Key", [Guid(k) for k in chunk]))
                for chunk in _chunks(_unique(product_keys), self.chunk_size)
            ]
        )
        out: dict[str, Decimal] = {}
        plain: set[str] = set()
        for condition in conditions:
            for row in self.odata.virtual_table(PRICE_ROWS, "SliceLast", condition=condition, select=select):
                product = str(row.get("Номенклатура_Key") or "").lower()
                if not product or product == EMPTY_REF:
                    continue
                characteristic = row.get("ХарактеристикаНоменклатуры_Key") in (None, "", EMPTY_REF)
                if characteristic or (product not in plain and product not in out):
                    out[product] = Decimal(str(row.get("Цена") or 0))
                    if characteristic:
                        plain.add(product)
        return out

    def _balance(self, entity: str, warehouse_key: str) -> dict[str, Decimal]:
        rows = self.odata.virtual_table(
            entity,
            "Balance",
            condition=eq("Склад_Key", Guid(warehouse_key)),
            select=["Номенклатура_Key", "КоличествоBalance"],
        )
        out: dict[str, Decimal] = {}
        for row in rows:
            product = str(row.get("Номенклатура_Key") or "").lower()
            if product and product != EMPTY_REF:
                # Summed over characteristics/series/quality: SalesDrive knows products only.
                out[product] = out.get(product, Decimal(0)) + Decimal(str(row.get("КоличествоBalance") or 0))
        return out

    def _balances_of(
        self, entity: str, product_keys: Iterable[str], warehouse_keys: Iterable[str]
    ) -> dict[tuple[str, str], Decimal]:
        """(warehouse key, product key) → balance of a few products on the given warehouses, for a
        targeted catalog push: one ``Balance`` per chunk, conditioned on both dimensions so a real base
        reads only those rows. [⌈n/chunk⌉; none for no keys]"""
        products = [Guid(k) for k in _unique(k.lower() for k in product_keys)]
        warehouses = [Guid(k) for k in _unique(k.lower() for k in warehouse_keys)]
        out: dict[tuple[str, str], Decimal] = {}
        if not products or not warehouses:
            return out
        for chunk in _chunks(products, self.chunk_size):
            rows = self.odata.virtual_table(
                entity,
                "Balance",
                condition=and_(in_("Склад_Key", warehouses), in_("Номенклатура_Key", chunk)),
                select=["Склад_Key", "Номенклатура_Key", "КоличествоBalance"],
            )
            for row in rows:
                product = str(row.get("Номенклатура_Key") or "").lower()
                warehouse = str(row.get("Склад_Key") or "").lower()
                if product and product != EMPTY_REF and warehouse:
                    key = (warehouse, product)
                    out[key] = out.get(key, Decimal(0)) + Decimal(str(row.get("КоличествоBalance") or 0))
        return out

    def stock_balance(self, warehouse_key: str) -> dict[str, Decimal]:
        """Physical stock per product on one warehouse (``ТоварыНаСкладах`` ``Balance``). [1]"""
        return self._balance(STOCK, warehouse_key)

    def reserves_balance(self, warehouse_key: str) -> dict[str, Decimal]:
        """Reserved quantity per product on one warehouse (``ТоварыВРезервеНаСкладах``). [1]"""
        return self._balance(RESERVES, warehouse_key)


@dataclass(frozen=True)
class PriceRow:
    price: Decimal
    currency_key: str
    unit_key: str
    markup: Decimal
    method: str


@dataclass(frozen=True)
class PriceTypeSettings:
    ref: str
    name: str
    currency_key: str
    computed: bool
    base_key: str
    markup: Decimal
    method: str
    rounding: str  # ПорядкиОкругления value, e.g. "Окр0_01" ("" = 0.01)
    round_up: bool


def _key(value: Any) -> str:
    text = str(value or "").lower()
    return "" if text == EMPTY_REF else text


def price_type_settings(utp: UtpClient, key: str) -> PriceTypeSettings:
    """A price type's computation settings. [1, cached per client]"""

    def load() -> PriceTypeSettings:
        rows = utp.odata.get_collection(
            PRICE_TYPES,
            select=[
                "Ref_Key",
                "Description",
                "ВалютаЦены_Key",
                "Рассчитывается",
                "БазовыйТипЦен_Key",
                "ПроцентСкидкиНаценки",
                "СпособРасчетаЦены",
                "ПорядокОкругления",
                "ОкруглятьВБольшуюСторону",
            ],
            filter=eq("Ref_Key", Guid(key)),
        )
        if not rows:
            raise UtpNotFoundError(f"price type {key} not found", status=404)
        row = rows[0]
        return PriceTypeSettings(
            ref=_key(row.get("Ref_Key")),
            name=str(row.get("Description") or ""),
            currency_key=_key(row.get("ВалютаЦены_Key")),
            computed=bool(row.get("Рассчитывается")),
            base_key=_key(row.get("БазовыйТипЦен_Key")),
            markup=Decimal(str(row.get("ПроцентСкидкиНаценки") or 0)),
            method=str(row.get("СпособРасчетаЦены") or ""),
            rounding=str(row.get("ПорядокОкругления") or ""),
            round_up=bool(row.get("ОкруглятьВБольшуюСторону")),
        )

    result: PriceTypeSettings = utp._cached(("price_type_settings", key.lower()), load)
    return result


def price_rows(
    utp: UtpClient, price_type_keys: Sequence[str], product_keys: Iterable[str] | None = None
) -> dict[tuple[str, str], PriceRow]:
    """(price type key, product key) → the current row (``SliceLast``), the row without a
    characteristic winning over characteristic-specific ones. [1; with ``product_keys`` ⌈n/chunk⌉]"""
    select = [
        "ТипЦен_Key",
        "Номенклатура_Key",
        "ХарактеристикаНоменклатуры_Key",
        "Цена",
        "Валюта_Key",
        "ЕдиницаИзмерения_Key",
        "ПроцентСкидкиНаценки",
        "СпособРасчетаЦены",
    ]
    types = in_("ТипЦен_Key", [Guid(k) for k in _unique(price_type_keys)])
    conditions = (
        [types]
        if product_keys is None
        else [
            and_(types, in_("Номенклатура_Key", [Guid(k) for k in chunk]))
            for chunk in _chunks(_unique(product_keys), utp.chunk_size)
        ]
    )
    out: dict[tuple[str, str], PriceRow] = {}
    plain: set[tuple[str, str]] = set()
    for condition in conditions:
        for row in utp.odata.virtual_table(PRICE_ROWS, "SliceLast", condition=condition, select=select):
            product = _key(row.get("Номенклатура_Key"))
            if not product:
                continue
            key = (_key(row.get("ТипЦен_Key")), product)
            without_characteristic = not _key(row.get("ХарактеристикаНоменклатуры_Key"))
            if without_characteristic or (key not in plain and key not in out):
                out[key] = PriceRow(
                    price=Decimal(str(row.get("Цена") or 0)),
                    currency_key=_key(row.get("Валюта_Key")),
                    unit_key=_key(row.get("ЕдиницаИзмерения_Key")),
                    markup=Decimal(str(row.get("ПроцентСкидкиНаценки") or 0)),
                    method=str(row.get("СпособРасчетаЦены") or ""),
                )
                if without_characteristic:
                    plain.add(key)
    return out


def exchange_rates(utp: UtpClient) -> dict[str, tuple[Decimal, Decimal]]:
    """Currency key → (``Курс``, ``Кратность``) of the latest rate. [1]"""
    rows = utp.odata.virtual_table(EXCHANGE_RATES, "SliceLast", select=["Валюта_Key", "Курс", "Кратность"])
    return {
        _key(row.get("Валюта_Key")): (
            Decimal(str(row.get("Курс") or 0)),
            Decimal(str(row.get("Кратность") or 0)),
        )
        for row in rows
    }


def unit_coefficients(utp: UtpClient, unit_keys: Iterable[str]) -> dict[str, Decimal]:
    """Unit key → ``Коэффициент``. [⌈n/chunk⌉; none for no keys]"""
    keys = [k for k in _unique(unit_keys) if k]
    return {ref.lower(): unit.coefficient for ref, unit in utp.units(keys).items()} if keys else {}


def warehouse_kinds(utp: UtpClient) -> dict[str, str]:
    """Warehouse key → ``ВидСклада`` (Оптовый / Розничный / НТТ). [1, cached: ``UtpClient.warehouses``]"""
    return {w.ref.lower(): w.kind for w in utp.warehouses()}


def balance(utp: UtpClient, register: str, warehouse_key: str) -> dict[str, Decimal]:
    """Product → ``Количество`` balance of one register on one warehouse. [1]"""
    return utp._balance(register, warehouse_key)


def balances_of(
    utp: UtpClient, register: str, product_keys: Iterable[str], warehouse_keys: Iterable[str]
) -> dict[tuple[str, str], Decimal]:
    """(warehouse, product) → balance of a few products, conditioned on both. [⌈n/chunk⌉]"""
    return utp._balances_of(register, product_keys, warehouse_keys)
