"""Seeded demo base: a household-appliance spare-parts shop (deterministic for a given seed).

The steps run in a fixed order (every draw of the one random generator in the same place):
reference catalogs here, counterparties in seed_parties.py, goods, prices and stock in seed_goods.py."""

from __future__ import annotations

from typing import Any

from .seed_common import SEED_DATE, USD_RATE, SeedContext
from .seed_goods import FOLDERS, Goods, seed_prices, seed_products, seed_stock
from .seed_parties import (
    CUSTOMERS,
    SUPPLIER_EMAILS,
    SUPPLIER_PHONES,
    ContactRow,
    seed_contacts,
    seed_customers,
    seed_supplier,
)
from .store import Store, string_type_description

PRICE_TYPES = "Catalog_ТипыЦенНоменклатуры"
PURPOSES = "ChartOfCharacteristicTypes_НазначенияСвойствКатегорийОбъектов"
PROPERTIES = "ChartOfCharacteristicTypes_СвойстваОбъектов"
Base = dict[str, dict[str, Any]]


def seed_base(
    store: Store, products: int = 2000, warehouses: int = 3, random_seed: int = 42
) -> dict[str, Any]:
    """Seed `store`; returns (and keeps in the store's meta as ``seed``) the summary tests read."""
    ctx = SeedContext(store, random_seed)
    base = _money_and_organisation(ctx)
    base.update(_price_types(ctx, base["uah"]))
    _exchange_rates(ctx, base)
    whs = _warehouses(ctx, warehouses)
    places = _cash_desk_reasons_users(ctx, base)
    purposes, props = _properties(ctx)
    contacts: list[ContactRow] = []
    customers = seed_customers(ctx, base["org"], base["uah"], base["retail"], contacts)
    base["supplier"], base["supplier_contract"] = seed_supplier(ctx, base["org"], base["uah"], contacts)
    seed_contacts(ctx, contacts)
    goods = seed_products(ctx, products, base["pcs"])
    retail_price = seed_prices(ctx, goods, base)
    seed_stock(ctx, goods, base, whs, retail_price)
    info = _summary(store, base, whs, places, (purposes, props), customers, goods, products)
    store.meta_set("seed", info)
    _continue_sequences(store, products, len(whs), len(props), len(places["reasons"]))
    return info


def _money_and_organisation(ctx: SeedContext) -> Base:
    uah = ctx.new("Catalog_Валюты", Code="980", Description="грн", НаименованиеПолное="Українська гривня")
    usd = ctx.new("Catalog_Валюты", Code="840", Description="USD", НаименованиеПолное="Долар США")
    org = ctx.new(
        "Catalog_Организации",
        Code="000000001",
        Description='ТОВ "Запчастини Плюс"',
        НаименованиеПолное='Товариство з обмеженою відповідальністю "Запчастини Плюс"',
        КодПоЕДРПОУ="38123456",
        ИНН="381234526591",
        Префикс="ЗП",
        ЮрФизЛицо="ЮрЛицо",
    )
    pcs = ctx.new(
        "Catalog_КлассификаторЕдиницИзмерения", Code="796", Description="шт", НаименованиеПолное="Штука"
    )
    return {"uah": uah, "usd": usd, "org": org, "pcs": pcs}


def _price_types(ctx: SeedContext, uah: dict[str, Any]) -> Base:
    currency = {"ВалютаЦены_Key": uah["Ref_Key"], "ЦенаВключаетНДС": True}
    retail = ctx.new(PRICE_TYPES, Code="000000001", Description="Роздрібна", **currency)
    wholesale = ctx.new(PRICE_TYPES, Code="000000002", Description="Оптова", **currency)
    # A computed price type (no register rows of its own): the retail price plus 10 %, rounded up to a
    # whole hryvnia (UTP 1.2: Catalog_ТипыЦенНоменклатуры; CommonModules/Ценообразование,
    # ПолучитьЦенуНоменклатуры computes it from the base type).
    online = ctx.new(
        PRICE_TYPES,
        Code="000000003",
        Description="Інтернет",
        **currency,
        Рассчитывается=True,
        БазовыйТипЦен_Key=retail["Ref_Key"],
        ПроцентСкидкиНаценки=10.0,
        СпособРасчетаЦены="ПоПроцентнойНаценкеНаБазовыйТип",
        ПорядокОкругления="Окр1",
        ОкруглятьВБольшуюСторону=True,
    )
    return {"retail": retail, "wholesale": wholesale, "online": online}


def _exchange_rates(ctx: SeedContext, base: Base) -> None:
    """Periodic by day: the national currency 1/1 since 1980 as the configuration sets it
    (CommonModules/МодульВалютногоУчета, ПроверитьКорректностьКурсаНа01_01_1980), USD twice so a
    slice has something to choose."""
    uah, usd = base["uah"]["Ref_Key"], base["usd"]["Ref_Key"]
    ctx.store.reg_insert(
        "InformationRegister_КурсыВалют",
        [
            {"Period": "1980-01-01T00:00:00", "Валюта_Key": uah, "Курс": 1.0, "Кратность": 1.0},
            {"Period": "2023-12-01T00:00:00", "Валюта_Key": usd, "Курс": 37.0, "Кратность": 1.0},
            {"Period": SEED_DATE, "Валюта_Key": usd, "Курс": USD_RATE, "Кратность": 1.0},
        ],
    )


def _warehouses(ctx: SeedContext, count: int) -> list[dict[str, Any]]:
    names = [("Основний склад", "Оптовый"), ("Магазин на Подолі", "Розничный"), ("Склад Львів", "Оптовый")]
    whs = []
    for k in range(count):
        name, kind = names[k] if k < len(names) else (f"Склад №{k + 1}", "Оптовый")
        whs.append(ctx.new("Catalog_Склады", Code=str(k + 1).zfill(9), Description=name, ВидСклада=kind))
    return whs


def _cash_desk_reasons_users(ctx: SeedContext, base: Base) -> dict[str, Any]:
    cash = ctx.new(
        "Catalog_Кассы",
        Code="000000001",
        Description="Основна каса",
        Owner_Key=base["org"]["Ref_Key"],
        ВалютаДенежныхСредств_Key=base["uah"]["Ref_Key"],
    )
    reasons = [
        ctx.new("Catalog_ПричиныЗакрытияЗаказов", Code=str(k + 1).zfill(9), Description=d)
        for k, d in enumerate(["Відмова покупця", "Немає в наявності"])
    ]
    # Users (Catalog_Пользователи): documents name the one responsible; the bridge acts for its own.
    users = [
        ctx.new("Catalog_Пользователи", Code=code, Description=name)
        for code, name in (("Адміністратор", "Адміністратор"), ("Інтеграція", "Інтеграція SalesDrive"))
    ]
    return {"cash": cash, "reasons": reasons, "users": users}


def _properties(ctx: SeedContext) -> tuple[Base, Base]:
    """Property purposes (predefined) and the SalesDrive properties of products and orders."""
    purposes = {}
    for k, (pname, title) in enumerate(
        [
            ("Справочник_Номенклатура", 'Довідник "Номенклатура"'),
            ("Справочник_Контрагенты", 'Довідник "Контрагенти"'),
            ("Документы", "Документи"),
            ("Документ_ЗаказПокупателя", 'Документ "Замовлення покупця"'),
        ]
    ):
        purposes[pname] = ctx.new(
            PURPOSES, Code=str(k + 1).zfill(9), Description=title, Predefined=True, PredefinedDataName=pname
        )
    props = {}
    for k, (pname, purpose) in enumerate(
        [
            ("SalesDrive ID", "Справочник_Номенклатура"),
            ("SalesDrive: номер заявки", "Документ_ЗаказПокупателя"),
            ("SalesDrive: статус", "Документ_ЗаказПокупателя"),
            ("SalesDrive: источник", "Документ_ЗаказПокупателя"),
        ]
    ):
        props[pname] = ctx.new(
            PROPERTIES,
            Code=str(k + 1).zfill(9),
            Description=pname,
            ValueType=string_type_description(),
            НазначениеСвойства_Key=purposes[purpose]["Ref_Key"],
        )
    return purposes, props


def _summary(
    store: Store,
    base: Base,
    whs: list[dict[str, Any]],
    places: dict[str, Any],
    properties: tuple[Base, Base],
    customers: list[dict[str, Any]],
    goods: Goods,
    products: int,
) -> dict[str, Any]:
    """The seed summary (``seed_info``): the references tests and the runner build documents with."""
    purposes, props = properties
    reasons, supplier = places["reasons"], base["supplier"]
    return {
        "organization": {
            "ref": base["org"]["Ref_Key"],
            "description": base["org"]["Description"],
            "prefix": "ЗП",
        },
        "currency_uah": base["uah"]["Ref_Key"],
        "warehouses": [
            {"ref": w["Ref_Key"], "description": w["Description"], "kind": w["ВидСклада"]} for w in whs
        ],
        "price_type": base["retail"]["Ref_Key"],
        "price_types": {
            "Роздрібна": base["retail"]["Ref_Key"],
            "Оптова": base["wholesale"]["Ref_Key"],
            "Інтернет": base["online"]["Ref_Key"],
        },
        "currency_usd": base["usd"]["Ref_Key"],
        "usd_rate": USD_RATE,
        "pack_priced": dict(goods.pack_units),
        "usd_priced": sorted(goods.usd_priced),
        "cash_desk": places["cash"]["Ref_Key"],
        "closure_reasons": {r["Description"]: r["Ref_Key"] for r in reasons},
        "closure_reason": reasons[0]["Ref_Key"],
        "users": {u["Description"]: u["Ref_Key"] for u in places["users"]},
        "quality_new": store.meta_get("quality_new"),  # Справочники.Качество.Новый (the engine creates it)
        "properties": {name: p["Ref_Key"] for name, p in props.items()},
        "property_purposes": {name: p["Ref_Key"] for name, p in purposes.items()},
        "unit_classifier_pcs": base["pcs"]["Ref_Key"],
        "counterparties": customers,
        "supplier": {
            "ref": supplier["Ref_Key"],
            "contract": base["supplier_contract"]["Ref_Key"],
            "description": supplier["Description"],
            "phones": list(SUPPLIER_PHONES),
            "emails": list(SUPPLIER_EMAILS),
        },
        "product_folders": [f["Ref_Key"] for f in goods.folders],
        "sample_products": goods.samples,
        "products": products,
        "credentials_hint": "see UtpEmulatorConfig.user/password",
    }


def _continue_sequences(store: Store, products: int, warehouses: int, props: int, reasons: int) -> None:
    """Number and code sequences continue after the seeded objects."""
    store.next_seq("number:Document_УстановкаЦенНоменклатуры", 1)
    store.next_seq("number:Document_ПоступлениеТоваровУслуг", warehouses)
    store.next_seq("code:Catalog_Номенклатура", len(FOLDERS) + products)
    store.next_seq("code:Catalog_Контрагенты", len(CUSTOMERS) + 1)
    store.next_seq("code:Catalog_ДоговорыКонтрагентов", len(CUSTOMERS) + 1)
    store.next_seq("code:Catalog_Склады", warehouses)
    store.next_seq("code:ChartOfCharacteristicTypes_СвойстваОбъектов", props)
    store.next_seq("code:Catalog_ПричиныЗакрытияЗаказов", reasons)
