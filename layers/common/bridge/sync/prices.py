"""Prices → SalesDrive for the settings' price type, as UTP itself computes them (docs/mission.md).

SalesDrive sells the storage unit in the national currency, while a ``ЦеныНоменклатуры`` row has its own
unit and currency; so the price is recomputed the way ``Ценообразование.ПолучитьЦенуНоменклатуры`` does
(computed type, unit coefficient, rounding, currency rate) — the steps are in docs/utp-catalog.md. Reads
are one ``SliceLast`` plus units/rates only when needed; changes go out as ``PRICE_ONLY`` pushes.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from bridge.salesdrive.products import ProductUpdate
from bridge.settings import SettingsError
from bridge.sync.catalog_diff import CatalogSnapshot, ProductData
from bridge.utp import catalog as utp_catalog
from bridge.utp.catalog import PriceRow, PriceTypeSettings
from bridge.utp.client import UtpClient

BY_MARKUP = "ПоПроцентнойНаценкеНаБазовыйТип"
BY_RANGES = "ПоВхождениюБазовойЦеныВДиапазон"
CENT = Decimal("0.01")


def check_price_type(settings: PriceTypeSettings, base: PriceTypeSettings | None) -> None:
    """Start-up check of the ``price_type`` setting: a computed type the bridge computes as UTP does,
    except by price ranges (``ЦеновыеДиапазоны``, not read by the bridge) — refused with the reason."""
    if not settings.computed:
        return
    if settings.method == BY_RANGES:
        raise SettingsError(
            f"price_type: {settings.name!r} is computed by price ranges (СпособРасчетаЦены = {BY_RANGES}), "
            "which the bridge does not compute; choose a stored price type or one computed by markup"
        )
    if base is None or not settings.base_key:
        raise SettingsError(f"price_type: {settings.name!r} is computed but names no base price type")
    if base.computed:
        raise SettingsError(
            f"price_type: {settings.name!r} is computed from {base.name!r}, itself computed: UTP holds "
            "no prices of that base type (Ценообразование reads the base type's register rows)"
        )


def round_price(value: Decimal, order: str, up: bool) -> Decimal:
    """``Ценообразование.ОкруглитьЦену``: to a multiple of the order (``Окр0_05`` → 0.05, empty → 0.01);
    up to the next multiple when ``up``, else to the nearest, halves away from zero."""
    step = Decimal(order[3:].replace("_", ".")) if order.startswith("Окр") else CENT
    intervals = value / step
    if intervals == intervals.to_integral_value(ROUND_FLOOR):
        return value
    if up:
        return step * (intervals.to_integral_value(ROUND_FLOOR) + 1)
    return step * intervals.to_integral_value(ROUND_HALF_UP)


def convert_currency(
    value: Decimal, source: str, target: str, rates: dict[str, tuple[Decimal, Decimal]]
) -> Decimal | None:
    """``МодульВалютногоУчета.ПересчитатьИзВалютыВВалюту`` with rates from ``КурсыВалют``; None when a
    rate is missing or zero (UTP reports "нулевой курс" and gives 0)."""
    if source == target:
        return value
    (rate_from, mult_from), (rate_to, mult_to) = rates.get(source, (0, 0)), rates.get(target, (1, 1))
    if not (rate_from and mult_from and rate_to and mult_to):
        return None
    if (rate_from, mult_from) == (rate_to, mult_to):
        return value
    return (value * rate_from * mult_to / (rate_to * mult_from)).quantize(CENT, ROUND_HALF_UP)


class PriceReader:
    """Reads the rows a price type needs and turns them into a price per product."""

    def __init__(self, utp: UtpClient, price_type_key: str, currency_key: str) -> None:
        self.utp = utp
        self.kind = utp_catalog.price_type_settings(utp, price_type_key)
        self.base = utp_catalog.price_type_settings(utp, self.kind.base_key) if self.kind.computed else None
        check_price_type(self.kind, self.base)
        self.target = currency_key.lower()
        self.calls = 0

    def read(self, products: Sequence[ProductData], product_keys: list[str] | None) -> array[float]:
        """Price per product of ``products`` (NaN = none); ``product_keys`` None = every product (one
        ``SliceLast`` of the whole type), else the rows of those products only."""
        kind, base = self.kind, self.base
        types = [kind.ref] if base is None else [base.ref, kind.ref]
        rows = utp_catalog.price_rows(self.utp, types, product_keys)
        self.calls += 1 if product_keys is None else -(-len(product_keys) // self.utp.chunk_size)
        source_type = kind.ref if base is None else base.ref
        found = [(i, p, rows.get((source_type, p.ref))) for i, p in enumerate(products)]
        odd_units = {
            key
            for _, p, row in found
            if row is not None and row.unit_key and row.unit_key != (p.unit_ref or "").lower()
            for key in (row.unit_key, (p.unit_ref or "").lower())
            if key
        }
        coefficients = utp_catalog.unit_coefficients(self.utp, odd_units)
        self.calls += -(-len(odd_units) // self.utp.chunk_size)
        currencies = {row.currency_key for _, _, row in found if row is not None}
        rates: dict[str, tuple[Decimal, Decimal]] = {}
        if currencies - {self.target} or (base is not None and kind.currency_key != base.currency_key):
            rates = utp_catalog.exchange_rates(self.utp)
            self.calls += 1
        out = CatalogSnapshot.empty_prices(len(products))
        for i, product, row in found:
            if row is None:
                continue
            own = rows.get((kind.ref, product.ref)) if base is not None else None
            price = self._price(product, row, own, coefficients, rates)
            if price is not None:
                out[i] = float(price)
        return out

    def _price(
        self,
        product: ProductData,
        row: PriceRow,
        own: PriceRow | None,
        coefficients: dict[str, Decimal],
        rates: dict[str, tuple[Decimal, Decimal]],
    ) -> Decimal | None:
        kind = self.kind
        price = row.price
        currency = row.currency_key
        if self.base is not None:  # computed: the base type's price, in this type's currency, marked up
            converted = convert_currency(row.price, currency, kind.currency_key, rates)
            currency = kind.currency_key
            method = own.method if own is not None else kind.method
            markup = own.markup if own is not None else kind.markup
            if converted is None or method == BY_RANGES:
                return None
            price = converted * (1 + markup / 100) if method == BY_MARKUP else converted
        storage = (product.unit_ref or "").lower()
        if row.unit_key != storage:
            if not row.unit_key:
                if not product.service:  # a goods price without a unit counts as zero in UTP
                    return None
            else:
                numerator, denominator = coefficients.get(storage), coefficients.get(row.unit_key)
                if not numerator or not denominator:
                    return None
                price = price * numerator / denominator
        price = round_price(price, kind.rounding, kind.round_up)
        return convert_currency(price, currency, self.target, rates)


def read_prices(
    utp: UtpClient, price_type_key: str, products: Sequence[ProductData], currency_key: str
) -> tuple[array[float], int]:
    """Price per product index (NaN = no price of that type) and the UTP calls it took."""
    reader = PriceReader(utp, price_type_key, currency_key)
    return reader.read(products, None), reader.calls


def read_prices_of(
    utp: UtpClient, price_type_key: str, products: Sequence[ProductData], currency_key: str
) -> tuple[array[float], int]:
    """``read_prices`` for the products of a targeted push. [⌈n/chunk⌉ + units/rates when needed]"""
    reader = PriceReader(utp, price_type_key, currency_key)
    return reader.read(products, [p.ref for p in products]), reader.calls


def price_of(snapshot: CatalogSnapshot, i: int) -> Decimal | None:
    value = snapshot.prices[i]
    return None if math.isnan(value) else Decimal(repr(value))


def price_update(snapshot: CatalogSnapshot, i: int, sd_id: str, *, currency: str) -> ProductUpdate:
    return ProductUpdate(id=sd_id, price=price_of(snapshot, i), currency=currency)
