"""Bodies of the catalog documents as a real UTP 1.2 base posts them (for the demo, tests and benches),
and the parties' header every sales document shares.

A price row needs its currency and, for goods, its unit; a goods receipt needs the settlement rate,
the arrival kind, the header warehouse ``СкладОрдер``, management accounting switched on and each row's
``Коэффициент`` (sandbox/utp/posting_catalog.py cites the configuration for each).
"""

from __future__ import annotations

from typing import Any

from .model import NS


def price_row(
    seed: dict[str, Any],
    product_ref: str,
    unit_ref: str,
    price: float,
    *,
    line: int = 1,
    price_type: str | None = None,
    currency: str | None = None,
) -> dict[str, Any]:
    """One row of ``Document_УстановкаЦенНоменклатуры.Товары`` (UAH and the retail type by default)."""
    return {
        "LineNumber": str(line),
        "Номенклатура_Key": product_ref,
        "ТипЦен_Key": price_type or seed["price_type"],
        "Цена": float(price),
        "Валюта_Key": currency or seed["currency_uah"],
        "ЕдиницаИзмерения_Key": unit_ref,
    }


def receipt_body(
    seed: dict[str, Any], warehouse_ref: str, rows: list[tuple[str, str, float, float]]
) -> dict[str, Any]:
    """A goods receipt "to the warehouse" from the seeded supplier: rows (product, unit, quantity, sum)."""
    return {
        "Организация_Key": seed["organization"]["ref"],
        "Контрагент_Key": seed["supplier"]["ref"],
        "ДоговорКонтрагента_Key": seed["supplier"]["contract"],
        "ВалютаДокумента_Key": seed["currency_uah"],
        "КурсВзаиморасчетов": 1,
        "КратностьВзаиморасчетов": 1,
        "ВидОперации": "ПокупкаКомиссия",
        "ВидПоступления": "НаСклад",
        "ОтражатьВУправленческомУчете": True,
        "СкладОрдер": warehouse_ref,
        "СкладОрдер_Type": f"{NS}.Catalog_Склады",
        "Товары": [
            {
                "LineNumber": str(n),
                "Номенклатура_Key": product,
                "ЕдиницаИзмерения_Key": unit,
                "Коэффициент": 1,
                "Количество": quantity,
                "Сумма": amount,
            }
            for n, (product, unit, quantity, amount) in enumerate(rows, start=1)
        ],
    }


def sale_parties(seed: dict[str, Any], counterparty: dict[str, Any]) -> dict[str, Any]:
    """The header fields of a sales document naming the organization, ``counterparty`` (a seeded
    customer: ``ref`` and ``contract``) and the settlement in UAH at rate 1."""
    return {
        "Организация_Key": seed["organization"]["ref"],
        "Контрагент_Key": counterparty["ref"],
        "ДоговорКонтрагента_Key": counterparty["contract"],
        "ВалютаДокумента_Key": seed["currency_uah"],
        "КурсВзаиморасчетов": 1,
        "КратностьВзаиморасчетов": "1",
    }


def unit_body(
    seed: dict[str, Any], product_ref: str, *, name: str = "шт", coefficient: float = 1.0
) -> dict[str, Any]:
    """A unit owned by a product (``Catalog_ЕдиницыИзмерения``); a new product has none of its own."""
    return {
        "Description": name,
        "Owner": product_ref,
        "Owner_Type": f"{NS}.Catalog_Номенклатура",
        "ЕдиницаПоКлассификатору_Key": seed["unit_classifier_pcs"],
        "Коэффициент": coefficient,
    }
