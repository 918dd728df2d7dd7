"""Seeded demo base: a household-appliance spare-parts shop (deterministic for a given seed).

Prices and stock are written in bulk straight into the registers and attributed to posted seed
documents whose tabular sections are left empty (re-posting such a document would remove them)."""

from __future__ import annotations

import random
import uuid
from typing import Any

from .model import EMPTY_REF, ENTITIES, NS
from .store import Store, string_type_description

SEED_DATE = "2024-01-01T00:00:00"
USD_RATE = 41.25  # UAH per 1 USD on SEED_DATE
PACK = 10.0  # the "pack" unit some price rows are set in (10 pieces)
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


class _Refs:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def __call__(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=1))


def seed_base(
    store: Store, products: int = 2000, warehouses: int = 3, random_seed: int = 42
) -> dict[str, Any]:
    rng = random.Random(random_seed)
    ref = _Refs(rng)
    dv = [0]

    def version() -> str:
        dv[0] += 1
        import base64

        return base64.b64encode((0x23000000 + dv[0]).to_bytes(8, "big")).decode()

    def obj(set_name: str, **fields: Any) -> dict[str, Any]:
        ent = ENTITIES[set_name]
        rec = {
            **store.defaults[set_name],
            **{t: [] for t in ent.tables},
            "Ref_Key": ref(),
            "DataVersion": version(),
        }
        rec.update(fields)
        return rec

    def put(set_name: str, rec: dict[str, Any]) -> dict[str, Any]:
        store.put(set_name, rec)
        return rec

    uah = put(
        "Catalog_Валюты",
        obj("Catalog_Валюты", Code="980", Description="грн", НаименованиеПолное="Українська гривня"),
    )
    usd = put(
        "Catalog_Валюты", obj("Catalog_Валюты", Code="840", Description="USD", НаименованиеПолное="Долар США")
    )
    org = put(
        "Catalog_Организации",
        obj(
            "Catalog_Организации",
            Code="000000001",
            Description='ТОВ "Запчастини Плюс"',
            НаименованиеПолное='Товариство з обмеженою відповідальністю "Запчастини Плюс"',
            КодПоЕДРПОУ="38123456",
            ИНН="381234526591",
            Префикс="ЗП",
            ЮрФизЛицо="ЮрЛицо",
        ),
    )
    pcs = put(
        "Catalog_КлассификаторЕдиницИзмерения",
        obj("Catalog_КлассификаторЕдиницИзмерения", Code="796", Description="шт", НаименованиеПолное="Штука"),
    )
    retail = put(
        "Catalog_ТипыЦенНоменклатуры",
        obj(
            "Catalog_ТипыЦенНоменклатуры",
            Code="000000001",
            Description="Роздрібна",
            ВалютаЦены_Key=uah["Ref_Key"],
            ЦенаВключаетНДС=True,
        ),
    )
    wholesale = put(
        "Catalog_ТипыЦенНоменклатуры",
        obj(
            "Catalog_ТипыЦенНоменклатуры",
            Code="000000002",
            Description="Оптова",
            ВалютаЦены_Key=uah["Ref_Key"],
            ЦенаВключаетНДС=True,
        ),
    )
    # A computed price type (no register rows of its own): the retail price plus 10 %, rounded up to a
    # whole hryvnia (UTP 1.2: Catalog_ТипыЦенНоменклатуры; CommonModules/Ценообразование,
    # ПолучитьЦенуНоменклатуры computes it from the base type).
    online = put(
        "Catalog_ТипыЦенНоменклатуры",
        obj(
            "Catalog_ТипыЦенНоменклатуры",
            Code="000000003",
            Description="Інтернет",
            ВалютаЦены_Key=uah["Ref_Key"],
            ЦенаВключаетНДС=True,
            Рассчитывается=True,
            БазовыйТипЦен_Key=retail["Ref_Key"],
            ПроцентСкидкиНаценки=10.0,
            СпособРасчетаЦены="ПоПроцентнойНаценкеНаБазовыйТип",
            ПорядокОкругления="Окр1",
            ОкруглятьВБольшуюСторону=True,
        ),
    )
    # Exchange rates (periodic by day): the national currency 1/1 since 1980 as the configuration sets
    # it (CommonModules/МодульВалютногоУчета, ПроверитьКорректностьКурсаНа01_01_1980), USD twice so a
    # slice has something to choose.
    store.reg_insert(
        "InformationRegister_КурсыВалют",
        [
            {"Period": "1980-01-01T00:00:00", "Валюта_Key": uah["Ref_Key"], "Курс": 1.0, "Кратность": 1.0},
            {"Period": "2023-12-01T00:00:00", "Валюта_Key": usd["Ref_Key"], "Курс": 37.0, "Кратность": 1.0},
            {"Period": SEED_DATE, "Валюта_Key": usd["Ref_Key"], "Курс": USD_RATE, "Кратность": 1.0},
        ],
    )
    wh_names = [("Основний склад", "Оптовый"), ("Магазин на Подолі", "Розничный"), ("Склад Львів", "Оптовый")]
    whs = []
    for k in range(warehouses):
        name, kind = wh_names[k] if k < len(wh_names) else (f"Склад №{k + 1}", "Оптовый")
        whs.append(
            put(
                "Catalog_Склады",
                obj("Catalog_Склады", Code=str(k + 1).zfill(9), Description=name, ВидСклада=kind),
            )
        )
    cash = put(
        "Catalog_Кассы",
        obj(
            "Catalog_Кассы",
            Code="000000001",
            Description="Основна каса",
            Owner_Key=org["Ref_Key"],
            ВалютаДенежныхСредств_Key=uah["Ref_Key"],
        ),
    )
    reasons = [
        put(
            "Catalog_ПричиныЗакрытияЗаказов",
            obj("Catalog_ПричиныЗакрытияЗаказов", Code=str(k + 1).zfill(9), Description=d),
        )
        for k, d in enumerate(["Відмова покупця", "Немає в наявності"])
    ]
    # Users (Catalog_Пользователи): documents name the one responsible; the bridge acts for its own.
    users = [
        put("Catalog_Пользователи", obj("Catalog_Пользователи", Code=code, Description=name))
        for code, name in (("Адміністратор", "Адміністратор"), ("Інтеграція", "Інтеграція SalesDrive"))
    ]
    purposes = {}
    for k, (pname, title) in enumerate(
        [
            ("Справочник_Номенклатура", 'Довідник "Номенклатура"'),
            ("Справочник_Контрагенты", 'Довідник "Контрагенти"'),
            ("Документы", "Документи"),
            ("Документ_ЗаказПокупателя", 'Документ "Замовлення покупця"'),
        ]
    ):
        purposes[pname] = put(
            "ChartOfCharacteristicTypes_НазначенияСвойствКатегорийОбъектов",
            obj(
                "ChartOfCharacteristicTypes_НазначенияСвойствКатегорийОбъектов",
                Code=str(k + 1).zfill(9),
                Description=title,
                Predefined=True,
                PredefinedDataName=pname,
            ),
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
        props[pname] = put(
            "ChartOfCharacteristicTypes_СвойстваОбъектов",
            obj(
                "ChartOfCharacteristicTypes_СвойстваОбъектов",
                Code=str(k + 1).zfill(9),
                Description=pname,
                ValueType=string_type_description(),
                НазначениеСвойства_Key=purposes[purpose]["Ref_Key"],
            ),
        )

    # ----- counterparties, contracts, contact information -----
    cps_out = []
    cp_specs = [
        (
            "ТОВ Сервіс-Центр Гарант",
            "ЮрЛицо",
            "41234567",
            "ПоДоговоруВЦелом",
            ["067 111-22-33"],
            ["service@garant.ua"],
        ),
        (
            "Іваненко Петро Миколайович",
            "ФизЛицо",
            "",
            "ПоДоговоруВЦелом",
            ["+380501234567"],
            ["ivanenko.p@gmail.com"],
        ),
        ("ФОП Коваль Олена", "ФизЛицо", "3012345678", "ПоЗаказам", ["(044) 123-45-67", "0931112233"], []),
    ]
    ci_rows = []
    for k, (name, kind, edrpou, settlement, phones, emails) in enumerate(cp_specs):
        cp = obj(
            "Catalog_Контрагенты",
            Code=str(k + 1).zfill(9),
            Description=name,
            НаименованиеПолное=name,
            ЮрФизЛицо=kind,
            КодПоЕДРПОУ=edrpou if kind == "ЮрЛицо" else "",
            ИНН=edrpou if kind == "ФизЛицо" else "",
            Покупатель=True,
        )
        contract = obj(
            "Catalog_ДоговорыКонтрагентов",
            Code=str(k + 1).zfill(9),
            Description="Основний договір" if settlement == "ПоДоговоруВЦелом" else "Договір по замовленнях",
            Owner_Key=cp["Ref_Key"],
            Организация_Key=org["Ref_Key"],
            ВидДоговора="СПокупателем",
            ВалютаВзаиморасчетов_Key=uah["Ref_Key"],
            ВедениеВзаиморасчетов=settlement,
            ТипЦен=retail["Ref_Key"],
            ТипЦен_Type=f"{NS}.Catalog_ТипыЦенНоменклатуры",
        )
        cp["ОсновнойДоговорКонтрагента_Key"] = contract["Ref_Key"]
        put("Catalog_Контрагенты", cp)
        put("Catalog_ДоговорыКонтрагентов", contract)
        for n_ph, ph in enumerate(phones):
            # the key is (Объект, Тип, Вид): a second phone needs another kind
            ci_rows.append(
                (cp["Ref_Key"], "Телефон", "Телефон контрагента" if n_ph == 0 else "Мобільний телефон", ph)
            )
        for em in emails:
            ci_rows.append((cp["Ref_Key"], "АдресЭлектроннойПочты", "Адрес електронної пошти", em))
        cps_out.append(
            {
                "ref": cp["Ref_Key"],
                "description": name,
                "contract": contract["Ref_Key"],
                "settlement": settlement,
                "phones": phones,
                "emails": emails,
            }
        )
    supplier = obj(
        "Catalog_Контрагенты",
        Code="000000004",
        Description="ТОВ Укрпостач Запчастини",
        ЮрФизЛицо="ЮрЛицо",
        КодПоЕДРПОУ="40999888",
        Поставщик=True,
    )
    sup_contract = obj(
        "Catalog_ДоговорыКонтрагентов",
        Code="000000004",
        Description="Договір поставки",
        Owner_Key=supplier["Ref_Key"],
        Организация_Key=org["Ref_Key"],
        ВидДоговора="СПоставщиком",
        ВалютаВзаиморасчетов_Key=uah["Ref_Key"],
        ВедениеВзаиморасчетов="ПоДоговоруВЦелом",
    )
    supplier["ОсновнойДоговорКонтрагента_Key"] = sup_contract["Ref_Key"]
    put("Catalog_Контрагенты", supplier)
    put("Catalog_ДоговорыКонтрагентов", sup_contract)
    store.reg_insert(
        "InformationRegister_КонтактнаяИнформация",
        [
            {
                "Объект": cp,
                "Объект_Type": f"{NS}.Catalog_Контрагенты",
                "Тип": typ,
                "Вид": vid,
                "Вид_Type": "Edm.String",
                "Представление": value,
                "Поле1": value,
                **{f"Поле{k}": "" for k in range(2, 11)},
                "Комментарий": "",
                "ЗначениеПоУмолчанию": True,
            }
            for cp, typ, vid, value in ci_rows
        ],
    )

    # ----- products (bulk) -----
    folders = [
        obj("Catalog_Номенклатура", Code=str(k + 1).zfill(9), Description=name, IsFolder=True, Артикул="")
        for k, name in enumerate(FOLDERS)
    ]
    store.put_many("Catalog_Номенклатура", folders)
    used: set[str] = set()
    prod_rows: list[dict[str, Any]] = []
    unit_rows: list[dict[str, Any]] = []
    samples = []
    services = {0: "Доставка по Україні", 1: "Встановлення побутової техніки"}
    for k in range(products):
        is_service = k in services and products > 10
        brand = BRANDS[k % len(BRANDS)]
        if is_service:
            sku, desc = f"SRV-{k + 1:03d}", services[k]
        else:
            sku = ODD_SKUS[k - 2] if 2 <= k < 2 + len(ODD_SKUS) else _sku(rng, brand)
            while sku in used:
                sku = _sku(rng, brand) + rng.choice("ABCDEFGH")
            desc = f"{rng.choice(PARTS)} {brand} {sku}"
        used.add(sku)
        pref, uref = ref(), ref()
        folder = folders[k % len(folders)]["Ref_Key"]
        prod_rows.append(
            {
                **store.defaults["Catalog_Номенклатура"],
                "Ref_Key": pref,
                "DataVersion": version(),
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
        unit_rows.append(
            {
                **store.defaults["Catalog_ЕдиницыИзмерения"],
                "Ref_Key": uref,
                "DataVersion": version(),
                "Description": "шт",
                "Owner": pref,
                "Owner_Type": f"{NS}.Catalog_Номенклатура",
                "ЕдиницаПоКлассификатору_Key": pcs["Ref_Key"],
                "Коэффициент": 1.0,
            }
        )
        if k < 12:
            samples.append(
                {
                    "ref": pref,
                    "sku": sku,
                    "code": prod_rows[-1]["Code"],
                    "unit": uref,
                    "description": desc,
                    "service": is_service,
                }
            )
    # Two goods are priced per pack of 10 and two in USD (a price row carries its own unit and
    # currency: InformationRegisters/ЦеныНоменклатуры.xml, resources ЕдиницаИзмерения and Валюта).
    goods_k = [k for k, p in enumerate(prod_rows) if not p["Услуга"]]
    pack_units: dict[str, str] = {}
    for k in goods_k[6:8]:
        uref = ref()
        pack_units[prod_rows[k]["Ref_Key"]] = uref
        unit_rows.append(
            {
                **store.defaults["Catalog_ЕдиницыИзмерения"],
                "Ref_Key": uref,
                "DataVersion": version(),
                "Description": "уп",
                "Owner": prod_rows[k]["Ref_Key"],
                "Owner_Type": f"{NS}.Catalog_Номенклатура",
                "ЕдиницаПоКлассификатору_Key": pcs["Ref_Key"],
                "Коэффициент": PACK,
            }
        )
    usd_priced = {prod_rows[k]["Ref_Key"] for k in goods_k[8:10]}
    store.put_many("Catalog_Номенклатура", prod_rows)
    store.put_many("Catalog_ЕдиницыИзмерения", unit_rows)

    # ----- seed documents that "recorded" the bulk prices and stock -----
    price_doc = obj(
        "Document_УстановкаЦенНоменклатуры",
        Number="ЗП000000001",
        Date=SEED_DATE,
        Posted=True,
        Комментарий="Початкове заповнення цін (емулятор)",
    )
    put("Document_УстановкаЦенНоменклатуры", price_doc)
    goods = [p for p in prod_rows if not p["Услуга"]]
    price_cols = [
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
    prices: list[tuple[Any, ...]] = []
    retail_price: dict[str, float] = {}  # per piece, UAH
    rec_t = f"{NS}.Document_УстановкаЦенНоменклатуры"
    for k, p in enumerate(goods):
        price = round(rng.uniform(40, 4500), 0)
        retail_price[p["Ref_Key"]] = price
        row_price, row_currency, row_unit = price, uah["Ref_Key"], p["ЕдиницаХраненияОстатков_Key"]
        if p["Ref_Key"] in pack_units:
            row_price, row_unit = price * PACK, pack_units[p["Ref_Key"]]
        elif p["Ref_Key"] in usd_priced:
            row_price, row_currency = round(price / USD_RATE, 2), usd["Ref_Key"]
        prices.append(
            (
                price_doc["Ref_Key"],
                rec_t,
                k + 1,
                SEED_DATE,
                1,
                retail["Ref_Key"],
                p["Ref_Key"],
                EMPTY_REF,
                row_price,
                row_currency,
                row_unit,
                0.0,
                "",
            )
        )
        if k % 10 == 0:
            prices.append(
                (
                    price_doc["Ref_Key"],
                    rec_t,
                    len(goods) + k + 1,
                    SEED_DATE,
                    1,
                    wholesale["Ref_Key"],
                    p["Ref_Key"],
                    EMPTY_REF,
                    round(price * 0.85, 2),
                    uah["Ref_Key"],
                    p["ЕдиницаХраненияОстатков_Key"],
                    0.0,
                    "",
                )
            )
    store.reg_insert_tuples("InformationRegister_ЦеныНоменклатуры", price_cols, prices)

    stock_cols = [
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
    receipt_t = f"{NS}.Document_ПоступлениеТоваровУслуг"
    for k, wh in enumerate(whs):
        doc = obj(
            "Document_ПоступлениеТоваровУслуг",
            Number=f"ЗП{k + 1:09d}",
            Date=SEED_DATE,
            Posted=True,
            Организация_Key=org["Ref_Key"],
            Контрагент_Key=supplier["Ref_Key"],
            ДоговорКонтрагента_Key=sup_contract["Ref_Key"],
            ВалютаДокумента_Key=uah["Ref_Key"],
            Склад_Key=wh["Ref_Key"],
            КурсВзаиморасчетов=1.0,
            КратностьВзаиморасчетов=1,
            Комментарий="Початкові залишки (емулятор)",
        )
        put("Document_ПоступлениеТоваровУслуг", doc)
        whref, docref = wh["Ref_Key"], doc["Ref_Key"]
        rnd = rng.random
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
            for n, (p, qty) in enumerate((p, int(rnd() * 30)) for p in goods)
            if qty > 0 and rnd() > 0.15
        )
        if wh["ВидСклада"] != "Розничный":
            store.reg_insert_tuples("AccumulationRegister_ТоварыНаСкладах", stock_cols, rows)
            continue
        # A retail warehouse's goods live in ТоварыВРознице at their retail price, and its receipts
        # need a retail (АТТ) price per product (Documents/ПоступлениеТоваровУслуг/Ext/ObjectModule.bsl,
        # ТоварыИТараПоРегистрамОстатковИПартийУпр; CommonModules/УправлениеРозничнойТорговлей,
        # ЗаполнитьКолонкуСуммаПродажная).
        new = str(store.meta_get("quality_new") or EMPTY_REF)  # quality Новый, as a receipt posts it
        store.reg_insert_tuples(
            "AccumulationRegister_ТоварыВРознице",
            [*stock_cols, "СуммаПродажная"],
            ((*row[:10], new, row[-1], row[-1] * retail_price[row[7]]) for row in rows),
        )
        store.reg_insert_tuples(
            "InformationRegister_ЦеныАТТ",
            [
                "Recorder",
                "Recorder_Type",
                "LineNumber",
                "Period",
                "Active",
                "Склад_Key",
                "Номенклатура_Key",
                "ХарактеристикаНоменклатуры_Key",
                "Цена",
            ],
            (
                (docref, receipt_t, n + 1, SEED_DATE, 1, whref, p, EMPTY_REF, price)
                for n, (p, price) in enumerate(retail_price.items())
            ),
        )

    info = {
        "organization": {"ref": org["Ref_Key"], "description": org["Description"], "prefix": "ЗП"},
        "currency_uah": uah["Ref_Key"],
        "warehouses": [
            {"ref": w["Ref_Key"], "description": w["Description"], "kind": w["ВидСклада"]} for w in whs
        ],
        "price_type": retail["Ref_Key"],
        "price_types": {
            "Роздрібна": retail["Ref_Key"],
            "Оптова": wholesale["Ref_Key"],
            "Інтернет": online["Ref_Key"],
        },
        "currency_usd": usd["Ref_Key"],
        "usd_rate": USD_RATE,
        "pack_priced": {p: u for p, u in pack_units.items()},
        "usd_priced": sorted(usd_priced),
        "cash_desk": cash["Ref_Key"],
        "closure_reasons": {r["Description"]: r["Ref_Key"] for r in reasons},
        "closure_reason": reasons[0]["Ref_Key"],
        "users": {u["Description"]: u["Ref_Key"] for u in users},
        "quality_new": store.meta_get("quality_new"),  # Справочники.Качество.Новый (the engine creates it)
        "properties": {name: p["Ref_Key"] for name, p in props.items()},
        "property_purposes": {name: p["Ref_Key"] for name, p in purposes.items()},
        "unit_classifier_pcs": pcs["Ref_Key"],
        "counterparties": cps_out,
        "supplier": {"ref": supplier["Ref_Key"], "contract": sup_contract["Ref_Key"]},
        "product_folders": [f["Ref_Key"] for f in folders],
        "sample_products": samples,
        "products": products,
        "credentials_hint": "see UtpEmulatorConfig.user/password",
    }
    store.meta_set("seed", info)
    # number/code sequences continue after the seeded objects
    store.next_seq("number:Document_УстановкаЦенНоменклатуры", 1)
    store.next_seq("number:Document_ПоступлениеТоваровУслуг", len(whs))
    store.next_seq("code:Catalog_Номенклатура", len(FOLDERS) + products)
    store.next_seq("code:Catalog_Контрагенты", 4)
    store.next_seq("code:Catalog_ДоговорыКонтрагентов", 4)
    store.next_seq("code:Catalog_Склады", len(whs))
    store.next_seq("code:ChartOfCharacteristicTypes_СвойстваОбъектов", len(props))
    store.next_seq("code:Catalog_ПричиныЗакрытияЗаказов", len(reasons))
    return info
