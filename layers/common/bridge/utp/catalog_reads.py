"""Catalog reads of UTP beyond ``UtpClient``'s basics: price rows with their unit and currency, price
type settings, exchange rates and the balances of the registers of the web-shop free-stock formula.

No rules here (``bridge.sync.prices`` / ``bridge.sync.stock`` convert and combine). ``[n]`` = HTTP calls.

Facts (malakhovua/utp, UTP 1.2):
- ``InformationRegister_ЦеныНоменклатуры`` rows carry ``Валюта`` and ``ЕдиницаИзмерения`` of their own
  (InformationRegisters/ЦеныНоменклатуры.xml); a computed price type (``Рассчитывается``) has at most
  per-product markups there, its prices come from ``БазовыйТипЦен`` (CommonModules/Ценообразование,
  ПолучитьЦенуНоменклатуры).
- ``InformationRegister_КурсыВалют`` is independent and periodic by day: ``SliceLast`` is bound to the
  register's own set (InformationRegisters/КурсыВалют.xml).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bridge.utp.client import UtpClient, _chunks, _unique
from bridge.utp.errors import UtpNotFoundError
from bridge.utp.odata import EMPTY_REF, Guid, and_, eq, in_

PRICES = "InformationRegister_ЦеныНоменклатуры_RecordType"
RATES = "InformationRegister_КурсыВалют"
PRICE_TYPES = "Catalog_ТипыЦенНоменклатуры"

STOCK = "AccumulationRegister_ТоварыНаСкладах"
RETAIL = "AccumulationRegister_ТоварыВРознице"
NTT = "AccumulationRegister_ТоварыВНТТ"
RESERVES = "AccumulationRegister_ТоварыВРезервеНаСкладах"
TO_TRANSFER = "AccumulationRegister_ТоварыКПередачеСоСкладов"


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
        for row in utp.odata.virtual_table(PRICES, "SliceLast", condition=condition, select=select):
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
    rows = utp.odata.virtual_table(RATES, "SliceLast", select=["Валюта_Key", "Курс", "Кратность"])
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
