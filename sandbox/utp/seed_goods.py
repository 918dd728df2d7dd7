"""Seeded goods: product folders, products (with SKU oddities real catalogs have) and their units,
prices and stock written in bulk to the registers and attributed to posted seed documents whose
tabular sections are left empty (re-posting such a document would remove them)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .model import EMPTY_REF, NS
from .seed_common import PACK, SEED_DATE, USD_RATE, SeedContext

FOLDERS = [
    "Пральні машини",
    "Холодильники",
    "Посудомийні машини",
    "Плити та духовки",
    "Мікрохвильові печі",
    "Пилососи",
    "Бойлери",
    "Кондиціонери",
]
PARTS = [
    "Ремінь приводу",
    "ТЕН",
    "Насос зливу",
    "Підшипник",
    "Сальник",
    "Ущільнювач дверцят",
    "Термостат",
    "Щітки двигуна",
    "Модуль керування",
    "Ручка дверцят",
    "Фільтр",
    "Клапан подачі води",
    "Амортизатор",
    "Хрестовина барабана",
    "Датчик температури",
    "Вентилятор",
    "Магнетрон",
    "Конфорка",
]
BRANDS = [
    "Samsung",
    "Whirlpool",
    "Bosch",
    "Indesit",
    "LG",
    "Electrolux",
    "Ariston",
    "Beko",
    "Zanussi",
    "Gorenje",
]
# Oddities real catalogs have: an apostrophe, Cyrillic, lower case, a space, a slash.
ODD_SKUS = ["WPRO-AB'12", "ТЕН-1800Вт", "dc97-16350c-lower", "481 010 365 035", "C00/119033"]


def _sku(rng: random.Random, brand: str) -> str:
    d = rng.randint
    if brand == "Samsung":
        return f"DC{d(60, 99)}-{d(10000, 99999)}{rng.choice('ABCDE')}"
    if brand == "Whirlpool":
        return f"4810{d(10000000, 99999999)}"
    if brand == "Bosch":
        return f"00{d(100000, 999999)}"
    if brand in ("Indesit", "Ariston"):
        return f"C00{d(100000, 999999)}"
    if brand == "LG":
        return f"{rng.choice(['AGM', 'EBR', 'ADP', 'MDS'])}{d(10000000, 99999999)}"
    if brand == "Electrolux" or brand == "Zanussi":
        return f"{d(1000000000, 9999999999)}"
    return f"{brand[:2].upper()}{d(100000, 999999)}"


SERVICES = {0: "Доставка по Україні", 1: "Встановлення побутової техніки"}
PRODUCTS = "Catalog_Номенклатура"
UNITS = "Catalog_ЕдиницыИзмерения"


@dataclass
class Goods:
    """What the seeded catalog holds, for the price and stock steps and for the seed summary."""

    folders: list[dict[str, Any]] = field(default_factory=list)
    products: list[dict[str, Any]] = field(default_factory=list)
    units: list[dict[str, Any]] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)
    pack_units: dict[str, str] = field(default_factory=dict)  # product → its "pack" unit
    usd_priced: set[str] = field(default_factory=set)


def seed_products(ctx: SeedContext, products: int, pcs: dict[str, Any]) -> Goods:
    goods = Goods()
    goods.folders = [
        ctx.obj(PRODUCTS, Code=str(k + 1).zfill(9), Description=name, IsFolder=True, Артикул="")
        for k, name in enumerate(FOLDERS)
    ]
    ctx.store.put_many(PRODUCTS, goods.folders)
    used: set[str] = set()
    for k in range(products):
        is_service = k in SERVICES and products > 10
        sku, desc = _sku_and_description(ctx.rng, k, is_service, used)
        used.add(sku)
        pref, uref = ctx.ref(), ctx.ref()
        folder = goods.folders[k % len(goods.folders)]["Ref_Key"]
        goods.products.append(
            {
                **ctx.store.defaults[PRODUCTS],
                "Ref_Key": pref,
                "DataVersion": ctx.version(),
                "Code": str(len(FOLDERS) + k + 1).zfill(9),
                "Description": desc[:100],
                "НаименованиеПолное": desc,
                "Артикул": sku[:25],
                "Parent_Key": folder,
                "IsFolder": False,
                "ЕдиницаХраненияОстатков_Key": uref,
                "БазоваяЕдиницаИзмерения_Key": pcs["Ref_Key"],
                "СтавкаНДС": "НДС20",
                "Услуга": is_service,
            }
        )
        goods.units.append(_unit(ctx, uref, pref, pcs, "шт", 1.0))
        if k < 12:
            goods.samples.append(
                {
                    "ref": pref,
                    "sku": sku,
                    "code": goods.products[-1]["Code"],
                    "unit": uref,
                    "description": desc,
                    "service": is_service,
                }
            )
    _odd_pricing(ctx, goods, pcs)
    ctx.store.put_many(PRODUCTS, goods.products)
    ctx.store.put_many(UNITS, goods.units)
    return goods


def _sku_and_description(rng: random.Random, k: int, is_service: bool, used: set[str]) -> tuple[str, str]:
    brand = BRANDS[k % len(BRANDS)]
    if is_service:
        return f"SRV-{k + 1:03d}", SERVICES[k]
    sku = ODD_SKUS[k - 2] if 2 <= k < 2 + len(ODD_SKUS) else _sku(rng, brand)
    while sku in used:
        sku = _sku(rng, brand) + rng.choice("ABCDEFGH")
    return sku, f"{rng.choice(PARTS)} {brand} {sku}"


def _unit(
    ctx: SeedContext, ref: str, product: str, pcs: dict[str, Any], name: str, ratio: float
) -> dict[str, Any]:
    return {
        **ctx.store.defaults[UNITS],
        "Ref_Key": ref,
        "DataVersion": ctx.version(),
        "Description": name,
        "Owner": product,
        "Owner_Type": f"{NS}.{PRODUCTS}",
        "ЕдиницаПоКлассификатору_Key": pcs["Ref_Key"],
        "Коэффициент": ratio,
    }


def _odd_pricing(ctx: SeedContext, goods: Goods, pcs: dict[str, Any]) -> None:
    """Two goods are priced per pack of 10 and two in USD (a price row carries its own unit and
    currency: InformationRegisters/ЦеныНоменклатуры.xml, resources ЕдиницаИзмерения and Валюта)."""
    goods_k = [k for k, p in enumerate(goods.products) if not p["Услуга"]]
    for k in goods_k[6:8]:
        uref = ctx.ref()
        product = goods.products[k]["Ref_Key"]
        goods.pack_units[product] = uref
        goods.units.append(_unit(ctx, uref, product, pcs, "уп", PACK))
    goods.usd_priced = {goods.products[k]["Ref_Key"] for k in goods_k[8:10]}


PRICE_COLUMNS = [
    "Recorder",
    "Recorder_Type",
    "LineNumber",
    "Period",
    "Active",
    "ТипЦен_Key",
    "Номенклатура_Key",
    "ХарактеристикаНоменклатуры_Key",
    "Цена",
    "Валюта_Key",
    "ЕдиницаИзмерения_Key",
    "ПроцентСкидкиНаценки",
    "СпособРасчетаЦены",
]


def seed_prices(ctx: SeedContext, goods: Goods, base: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Retail prices of every good (wholesale of every tenth), recorded by one price-setting
    document; returns the retail price per piece in UAH."""
    uah, usd, retail, wholesale = base["uah"], base["usd"], base["retail"], base["wholesale"]
    price_doc = ctx.new(
        "Document_УстановкаЦенНоменклатуры",
        Number="ЗП000000001",
        Date=SEED_DATE,
        Posted=True,
        Комментарий="Початкове заповнення цін (емулятор)",
    )
    items = [p for p in goods.products if not p["Услуга"]]
    head = (price_doc["Ref_Key"], f"{NS}.Document_УстановкаЦенНоменклатуры")
    prices: list[tuple[Any, ...]] = []
    retail_price: dict[str, float] = {}
    for k, p in enumerate(items):
        price = round(ctx.rng.uniform(40, 4500), 0)
        retail_price[p["Ref_Key"]] = price
        row_price, row_currency, row_unit = price, uah["Ref_Key"], p["ЕдиницаХраненияОстатков_Key"]
        if p["Ref_Key"] in goods.pack_units:
            row_price, row_unit = price * PACK, goods.pack_units[p["Ref_Key"]]
        elif p["Ref_Key"] in goods.usd_priced:
            row_price, row_currency = round(price / USD_RATE, 2), usd["Ref_Key"]
        row = (retail["Ref_Key"], p["Ref_Key"], EMPTY_REF, row_price, row_currency, row_unit, 0.0, "")
        prices.append((*head, k + 1, SEED_DATE, 1, *row))
        if k % 10 == 0:
            unit = p["ЕдиницаХраненияОстатков_Key"]
            row = (
                wholesale["Ref_Key"],
                p["Ref_Key"],
                EMPTY_REF,
                round(price * 0.85, 2),
                uah["Ref_Key"],
                unit,
                0.0,
                "",
            )
            prices.append((*head, len(items) + k + 1, SEED_DATE, 1, *row))
    ctx.store.reg_insert_tuples("InformationRegister_ЦеныНоменклатуры", PRICE_COLUMNS, prices)
    return retail_price


STOCK_COLUMNS = [
    "Recorder",
    "Recorder_Type",
    "LineNumber",
    "Period",
    "Active",
    "RecordType",
    "Склад_Key",
    "Номенклатура_Key",
    "ХарактеристикаНоменклатуры_Key",
    "СерияНоменклатуры_Key",
    "Качество_Key",
    "Количество",
]
RETAIL_PRICE_COLUMNS = [
    "Recorder",
    "Recorder_Type",
    "LineNumber",
    "Period",
    "Active",
    "Склад_Key",
    "Номенклатура_Key",
    "ХарактеристикаНоменклатуры_Key",
    "Цена",
]
RECEIPT = "Document_ПоступлениеТоваровУслуг"


def seed_stock(
    ctx: SeedContext,
    goods: Goods,
    base: dict[str, dict[str, Any]],
    whs: list[dict[str, Any]],
    retail_price: dict[str, float],
) -> None:
    """Random stock per warehouse, recorded by one goods receipt from the supplier per warehouse."""
    items = [p for p in goods.products if not p["Услуга"]]
    receipt_t = f"{NS}.{RECEIPT}"
    for k, wh in enumerate(whs):
        doc = ctx.new(
            RECEIPT,
            Number=f"ЗП{k + 1:09d}",
            Date=SEED_DATE,
            Posted=True,
            Организация_Key=base["org"]["Ref_Key"],
            Контрагент_Key=base["supplier"]["Ref_Key"],
            ДоговорКонтрагента_Key=base["supplier_contract"]["Ref_Key"],
            ВалютаДокумента_Key=base["uah"]["Ref_Key"],
            Склад_Key=wh["Ref_Key"],
            КурсВзаиморасчетов=1.0,
            КратностьВзаиморасчетов=1,
            Комментарий="Початкові залишки (емулятор)",
        )
        whref, docref = wh["Ref_Key"], doc["Ref_Key"]
        rnd = ctx.rng.random
        rows = (
            (
                docref,
                receipt_t,
                n + 1,
                SEED_DATE,
                1,
                "Receipt",
                whref,
                p["Ref_Key"],
                EMPTY_REF,
                EMPTY_REF,
                EMPTY_REF,
                qty,
            )
            for n, (p, qty) in enumerate((p, int(rnd() * 30)) for p in items)
            if qty > 0 and rnd() > 0.15
        )
        if wh["ВидСклада"] != "Розничный":
            ctx.store.reg_insert_tuples("AccumulationRegister_ТоварыНаСкладах", STOCK_COLUMNS, rows)
            continue
        _retail_stock(ctx, rows, (docref, whref), retail_price)


def _retail_stock(
    ctx: SeedContext,
    rows: Iterator[tuple[Any, ...]],
    recorder: tuple[str, str],
    retail_price: dict[str, float],
) -> None:
    """A retail warehouse's goods live in ТоварыВРознице at their retail price, and its receipts
    need a retail (АТТ) price per product (Documents/ПоступлениеТоваровУслуг/Ext/ObjectModule.bsl,
    ТоварыИТараПоРегистрамОстатковИПартийУпр; CommonModules/УправлениеРозничнойТорговлей,
    ЗаполнитьКолонкуСуммаПродажная)."""
    docref, whref = recorder
    receipt_t = f"{NS}.{RECEIPT}"
    new = str(ctx.store.meta_get("quality_new") or EMPTY_REF)  # quality Новый, as a receipt posts it
    ctx.store.reg_insert_tuples(
        "AccumulationRegister_ТоварыВРознице",
        [*STOCK_COLUMNS, "СуммаПродажная"],
        ((*row[:10], new, row[-1], row[-1] * retail_price[row[7]]) for row in rows),
    )
    ctx.store.reg_insert_tuples(
        "InformationRegister_ЦеныАТТ",
        RETAIL_PRICE_COLUMNS,
        (
            (docref, receipt_t, n + 1, SEED_DATE, 1, whref, p, EMPTY_REF, price)
            for n, (p, price) in enumerate(retail_price.items())
        ),
    )
