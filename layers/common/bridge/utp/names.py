"""What the bridge uses in UTP, in one place: 1C object names, fields with their OData types, enum values.

The ONE module naming 1C objects: client and rules take names from here and the doctor checks a base's
``$metadata`` against ``USED`` (the emulators in ``sandbox/`` keep their own, written independently).
``$metadata`` carries neither string lengths nor enumeration values, so ``Field.max_length`` and
``Field.values`` record the configuration's facts and the doctor lists them as not checkable
(type mapping: docs/utp-odata.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# -- entity sets ----------------------------------------------------------------------------------------

ORGANISATIONS = "Catalog_Организации"
CURRENCIES = "Catalog_Валюты"
WAREHOUSES = "Catalog_Склады"
PRICE_TYPES = "Catalog_ТипыЦенНоменклатуры"
CASH_DESKS = "Catalog_Кассы"
CLOSURE_REASONS = "Catalog_ПричиныЗакрытияЗаказов"
USERS = "Catalog_Пользователи"
PRODUCTS = "Catalog_Номенклатура"
UNITS = "Catalog_ЕдиницыИзмерения"
COUNTERPARTIES = "Catalog_Контрагенты"
CONTRACTS = "Catalog_ДоговорыКонтрагентов"
PROPERTIES = "ChartOfCharacteristicTypes_СвойстваОбъектов"
ORDER = "Document_ЗаказПокупателя"
INVOICE = "Document_РеализацияТоваровУслуг"
RETURN = "Document_ВозвратТоваровОтПокупателя"
CLOSURE = "Document_ЗакрытиеЗаказовПокупателей"
RECEIPT = "Document_ПриходныйКассовыйОрдер"
CONTACTS = "InformationRegister_КонтактнаяИнформация"
PROPERTY_VALUES = "InformationRegister_ЗначенияСвойствОбъектов"
PRICES = "InformationRegister_ЦеныНоменклатуры"  # recorder-subordinate: rows in PRICES + "_RecordType"
EXCHANGE_RATES = "InformationRegister_КурсыВалют"  # independent, periodic
STOCK = "AccumulationRegister_ТоварыНаСкладах"
RESERVES = "AccumulationRegister_ТоварыВРезервеНаСкладах"
RETAIL_STOCK = "AccumulationRegister_ТоварыВРознице"
NTT_STOCK = "AccumulationRegister_ТоварыВНТТ"
TO_TRANSFER = "AccumulationRegister_ТоварыКПередачеСоСкладов"
# Documents the catalog watcher only reads (``DataVersion`` and the products of their lines): not in ``USED``.
PRICE_SETTING = "Document_УстановкаЦенНоменклатуры"
GOODS_RECEIPT = "Document_ПоступлениеТоваровУслуг"
GOODS_TRANSFER = "Document_ПеремещениеТоваров"
GOODS_WRITE_OFF = "Document_СписаниеТоваров"
GOODS_SURPLUS = "Document_ОприходованиеТоваров"
SUPPLIER_RETURN = "Document_ВозвратТоваровПоставщику"

RECORD_TYPE = "_RecordType"

# -- OData types ----------------------------------------------------------------------------------------

GUID = "Edm.Guid"
STRING = "Edm.String"
BOOLEAN = "Edm.Boolean"
DATETIME = "Edm.DateTime"
NUMBER = "number"  # any numeric Edm type: 1C picks Double or Int* from the attribute's digits
COMPOSITE = "composite"  # <Имя> + <Имя>_Type, both Edm.String
NUMERIC_TYPES = frozenset(
    {"Edm.Double", "Edm.Decimal", "Edm.Single", "Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte"}
)

# Conditions under which an object or field is needed (``EntityUse.when`` / ``Field.when``); without one
# it is always needed. The doctor decides from the settings and the base's reference data.
WHEN_RESPONSIBLE_USER = "responsible_user"  # the setting responsible_user is set
WHEN_RETAIL_STOCK = "retail_stock"  # a warehouse of stock_ids is retail (Розничный)
WHEN_NTT_STOCK = "ntt_stock"  # a warehouse of stock_ids is a non-automated outlet (НТТ)
WHEN_FOREIGN_PRICES = "foreign_prices"  # price rows in another currency than the catalog's

CONDITIONS = {
    WHEN_RESPONSIBLE_USER: "when the setting responsible_user is set",
    WHEN_RETAIL_STOCK: "when a retail (Розничный) warehouse feeds a SalesDrive stock",
    WHEN_NTT_STOCK: "when a non-automated outlet (НТТ) feeds a SalesDrive stock",
    WHEN_FOREIGN_PRICES: "when price rows are in another currency than the pushed prices",
}


@dataclass(frozen=True)
class Field:
    """One property of an entity set (or of a tabular section's rows) the bridge reads or writes."""

    name: str  # as published: "Организация_Key", "Сделка" (composite), "ВидПередачи"
    type: str  # GUID, STRING, BOOLEAN, DATETIME, NUMBER, COMPOSITE
    writes: bool = False  # the bridge writes it (else it only reads or filters by it)
    values: tuple[str, ...] = ()  # enumeration values the bridge writes or compares with
    enum: str = ""  # the name of the configuration's enumeration
    max_length: int | None = None  # the configuration's string length (0 = unlimited); not in $metadata
    when: str | None = None


@dataclass(frozen=True)
class EntityUse:
    """An entity set the bridge uses, what for, and the fields (and tabular sections) it needs."""

    name: str
    purpose: str
    fields: tuple[Field, ...] = ()
    sections: dict[str, tuple[Field, ...]] = field(default_factory=dict)
    functions: tuple[str, ...] = ()  # virtual tables called on the set: "Balance", "SliceLast"
    when: str | None = None

    @property
    def kind(self) -> str:
        return self.name.split("_", 1)[0]


def _ref(name: str, *, writes: bool = False, when: str | None = None) -> Field:
    return Field(f"{name}_Key", GUID, writes=writes, when=when)


def _s(name: str, *, writes: bool = False, max_length: int | None = None) -> Field:
    return Field(name, STRING, writes=writes, max_length=max_length)


def _b(name: str, *, writes: bool = False) -> Field:
    return Field(name, BOOLEAN, writes=writes)


def _n(name: str, *, writes: bool = False) -> Field:
    return Field(name, NUMBER, writes=writes)


def _d(name: str, *, writes: bool = False) -> Field:
    return Field(name, DATETIME, writes=writes)


def _c(name: str, *, writes: bool = False) -> Field:
    return Field(name, COMPOSITE, writes=writes)


def _e(name: str, enum: str, *values: str, writes: bool = True) -> Field:
    return Field(name, STRING, writes=writes, values=values, enum=enum)


_CATALOG = (_ref("Ref"), _s("Description"), Field("DeletionMark", BOOLEAN))
_DOCUMENT = (
    _ref("Ref"),
    _s("Number"),
    _d("Date", writes=True),
    _b("Posted"),
    Field("DeletionMark", BOOLEAN, writes=True),
    _s("DataVersion"),
)
_VAT = ("БезНДС", "НДС0", "НДС7", "НДС20", "НеНДС")  # enumeration СтавкиНДС (the settings' vat_rate)
# ОтражатьВУправленческомУчете and ОтражатьВБухгалтерскомУчете are booleans of the sales documents and the
# cash receipt; UTP 1.2 has no ОтражатьВНалоговомУчете there (only the deprecated
# УдалитьОтражатьВНалоговомУчете), so the bridge must not rely on it.
_REFLECTION = (
    _b("ОтражатьВУправленческомУчете", writes=True),
    _b("ОтражатьВБухгалтерскомУчете", writes=True),
)
_RESPONSIBLE = Field("Ответственный_Key", GUID, writes=True, when=WHEN_RESPONSIBLE_USER)
_SALES_HEADER = (
    _ref("Организация", writes=True),
    _ref("Контрагент", writes=True),
    _ref("ДоговорКонтрагента", writes=True),
    _ref("ВалютаДокумента", writes=True),
    _n("КурсВзаиморасчетов", writes=True),
    _n("КратностьВзаиморасчетов", writes=True),
    _ref("ТипЦен", writes=True),
    _b("УчитыватьНДС", writes=True),
    _b("СуммаВключаетНДС", writes=True),
    _n("СуммаДокумента", writes=True),
    # document ЗаказПокупателя: Комментарий is an unlimited string.
    _s("Комментарий", writes=True, max_length=0),
)
_GOODS_ROW = (
    _ref("Номенклатура", writes=True),
    _ref("ХарактеристикаНоменклатуры", writes=True),
    _ref("ЕдиницаИзмерения", writes=True),
    _n("Коэффициент", writes=True),
    _n("Количество", writes=True),
    _n("Цена", writes=True),
    _n("Сумма", writes=True),
    _e("СтавкаНДС", "СтавкиНДС", *_VAT),
    _n("СуммаНДС", writes=True),
)
_SERVICE_ROW = (
    _ref("Номенклатура", writes=True),
    # document ЗаказПокупателя, section Услуги: Содержание is a string of 150 (the client cuts it).
    _s("Содержание", writes=True, max_length=150),
    _n("Количество", writes=True),
    _n("Цена", writes=True),
    _n("Сумма", writes=True),
    _e("СтавкаНДС", "СтавкиНДС", *_VAT),
    _n("СуммаНДС", writes=True),
)

USED: tuple[EntityUse, ...] = (
    # -- reference data (resolved from the settings at start-up) --
    EntityUse(ORGANISATIONS, "the settings' organisation", (*_CATALOG, _s("Code"))),
    EntityUse(CURRENCIES, "the settings' currency_code", (*_CATALOG, _s("Code"))),
    EntityUse(
        WAREHOUSES,
        "the settings' warehouses and their kinds",
        # catalog Склады: ВидСклада is enumeration ВидыСкладов (Оптовый, Розничный, НТТ): read, not written.
        (
            *_CATALOG,
            _b("IsFolder"),
            _e("ВидСклада", "ВидыСкладов", "Оптовый", "Розничный", "НТТ", writes=False),
        ),
    ),
    EntityUse(
        PRICE_TYPES,
        "the settings' price_type and how its prices are made",
        (
            *_CATALOG,
            _ref("ВалютаЦены"),
            _b("ЦенаВключаетНДС"),
            # catalog ТипыЦенНоменклатуры: a computed type (Рассчитывается) has a base type and markup.
            _b("Рассчитывается"),
            _ref("БазовыйТипЦен"),
            _n("ПроцентСкидкиНаценки"),
        ),
    ),
    EntityUse(
        CASH_DESKS,
        "the settings' cash_desk (subordinate to the organisation)",
        (*_CATALOG, _ref("Owner"), _ref("ВалютаДенежныхСредств")),
    ),
    EntityUse(CLOSURE_REASONS, "the settings' closure_reason", _CATALOG),
    EntityUse(USERS, "the settings' responsible_user", _CATALOG, when=WHEN_RESPONSIBLE_USER),
    # -- products, prices, stock --
    EntityUse(
        PRODUCTS,
        "products by SKU and the catalog push",
        (
            *_CATALOG,
            _s("Code"),
            # catalog Номенклатура: Артикул is a string of 35.
            Field("Артикул", STRING, max_length=35),
            _ref("ЕдиницаХраненияОстатков"),
            _ref("Parent"),
            _b("IsFolder"),
            _b("Услуга"),
            _e("СтавкаНДС", "СтавкиНДС", *_VAT, writes=False),
            _s("DataVersion"),
        ),
    ),
    EntityUse(UNITS, "units of measure and their coefficients", (*_CATALOG, _c("Owner"), _n("Коэффициент"))),
    EntityUse(
        PRICES + RECORD_TYPE,
        "current prices (SliceLast)",
        (
            _ref("ТипЦен"),
            _ref("Номенклатура"),
            _ref("ХарактеристикаНоменклатуры"),
            _n("Цена"),
            _ref("Валюта"),
            _ref("ЕдиницаИзмерения"),
        ),
        functions=("SliceLast",),
    ),
    EntityUse(
        EXCHANGE_RATES,
        "exchange rates of price rows in another currency (SliceLast)",
        (_ref("Валюта"), _n("Курс"), _n("Кратность")),
        functions=("SliceLast",),
        when=WHEN_FOREIGN_PRICES,
    ),
    *(
        EntityUse(
            register,
            purpose,
            (_ref("Склад"), _ref("Номенклатура"), _n("Количество")),
            functions=("Balance",),
            when=when,
        )
        for register, purpose, when in (
            (STOCK, "free stock: goods on wholesale warehouses", None),
            (RESERVES, "free stock: reserves", None),
            (TO_TRANSFER, "free stock: goods to hand over from warehouses", None),
            (RETAIL_STOCK, "free stock: goods in retail shops", WHEN_RETAIL_STOCK),
            (NTT_STOCK, "free stock: goods in non-automated outlets", WHEN_NTT_STOCK),
        )
    ),
    # -- counterparties --
    EntityUse(
        COUNTERPARTIES,
        "customers: found by contacts or marker, created",
        (
            *_CATALOG,
            _s("Code"),
            _s("НаименованиеПолное", writes=True),
            # enumeration ЮрФизЛицо.
            _e("ЮрФизЛицо", "ЮрФизЛицо", "ФизЛицо", "ЮрЛицо"),
            _b("Покупатель", writes=True),
            _ref("ОсновнойДоговорКонтрагента", writes=True),
            _b("IsFolder"),
            _s("Комментарий", writes=True, max_length=0),
        ),
    ),
    EntityUse(
        CONTRACTS,
        "customer contracts: found or created",
        (
            *_CATALOG,
            _s("Code"),
            _ref("Owner", writes=True),
            _ref("Организация", writes=True),
            # catalog ДоговорыКонтрагентов: ВидДоговора is enumeration ВидыДоговоровКонтрагентов,
            # ВедениеВзаиморасчетов enumeration ВедениеВзаиморасчетовПоДоговорам, ТипЦен composite.
            _e("ВидДоговора", "ВидыДоговоровКонтрагентов", "СПокупателем"),
            _ref("ВалютаВзаиморасчетов", writes=True),
            _e("ВедениеВзаиморасчетов", "ВедениеВзаиморасчетовПоДоговорам", "ПоДоговоруВЦелом", "ПоЗаказам"),
            _c("ТипЦен", writes=True),
        ),
    ),
    EntityUse(
        CONTACTS,
        "customers' phones and e-mails",
        (
            _c("Объект", writes=True),
            # register КонтактнаяИнформация: Тип is enumeration ТипыКонтактнойИнформации.
            _e("Тип", "ТипыКонтактнойИнформации", "Телефон", "АдресЭлектроннойПочты"),
            _c("Вид", writes=True),
            _s("Представление", writes=True),
            _s("Поле1", writes=True),
        ),
    ),
    # -- additional properties (no configuration change) --
    EntityUse(PROPERTIES, "additional properties by name", (*_CATALOG, Field("ValueType", "typedesc"))),
    EntityUse(
        PROPERTY_VALUES,
        "values of additional properties",
        (_c("Объект", writes=True), _ref("Свойство", writes=True), _c("Значение", writes=True)),
    ),
    # -- documents --
    EntityUse(
        ORDER,
        "sales orders",
        (
            *_DOCUMENT,
            *_SALES_HEADER,
            # document ЗаказПокупателя: ВидОперации is enumeration ВидыОперацийЗаказПокупателя.
            _e("ВидОперации", "ВидыОперацийЗаказПокупателя", "ПродажаКомиссия"),
            _b("АвторасчетНДС", writes=True),
            _c("СкладГруппа", writes=True),
            _d("ДатаОтгрузки", writes=True),
            _d("ДатаОплаты", writes=True),
            _RESPONSIBLE,
        ),
        sections={
            "Товары": (*_GOODS_ROW, _n("ПроцентСкидкиНаценки", writes=True), _c("Размещение", writes=True)),
            "Услуги": (*_SERVICE_ROW, _n("ПроцентСкидкиНаценки", writes=True)),
        },
    ),
    EntityUse(
        INVOICE,
        "sales invoices (shipment of an order)",
        (
            *_DOCUMENT,
            *_SALES_HEADER,
            # document РеализацияТоваровУслуг: ВидОперации enumeration ВидыОперацийРеализацияТоваров,
            # ВидПередачи enumeration ВидыПередачиТоваров, Сделка composite.
            _e("ВидОперации", "ВидыОперацийРеализацияТоваров", "ПродажаКомиссия"),
            _e("ВидПередачи", "ВидыПередачиТоваров", "СоСклада"),
            _ref("Склад", writes=True),
            _c("Сделка", writes=True),
            *_REFLECTION,
            _RESPONSIBLE,
        ),
        sections={
            "Товары": (
                *_GOODS_ROW,
                _n("ПроцентСкидкиНаценки", writes=True),
                _ref("Склад", writes=True),
                _ref("ЗаказПокупателя", writes=True),
                _e("СпособСписанияОстаткаТоваров", "СпособыСписанияОстаткаТоваров", "СоСклада", "ИзРезерва"),
            ),
            "Услуги": (*_SERVICE_ROW, _ref("ЗаказПокупателя", writes=True)),
        },
    ),
    EntityUse(
        RETURN,
        "return notes (a customer sends goods back)",
        (
            *_DOCUMENT,
            *_SALES_HEADER,
            _c("Сделка", writes=True),
            _c("СкладОрдер", writes=True),
            # document ВозвратТоваровОтПокупателя: ВидПоступления is enumeration ВидыПоступленияТоваров.
            _e("ВидПоступления", "ВидыПоступленияТоваров", "НаСклад"),
            *_REFLECTION,
            _RESPONSIBLE,
        ),
        sections={
            "Товары": (
                *_GOODS_ROW,
                _ref("Склад", writes=True),
                _ref("ЗаказПокупателя", writes=True),
                _c("ДокументПартии", writes=True),
                # ПроверитьЗаполнениеТабличнойЧастиТовары requires Качество (catalog Качество).
                _ref("Качество", writes=True),
            ),
        },
    ),
    EntityUse(
        CLOSURE,
        "order closures (a cancelled order)",
        (
            *_DOCUMENT,
            _e("ВидОперации", "ВидыОперацийЗакрытиеЗаказовПокупателей", "ЗакрытиеЗаказов"),
            _s("Комментарий", writes=True, max_length=0),
            _RESPONSIBLE,
        ),
        sections={"Заказы": (_c("ЗаказПокупателя", writes=True), _ref("ПричинаЗакрытияЗаказа", writes=True))},
    ),
    EntityUse(
        RECEIPT,
        "cash receipts (a customer's payment)",
        (
            *_DOCUMENT,
            # document ПриходныйКассовыйОрдер: ВидОперации is enumeration ВидыОперацийПКО.
            _e("ВидОперации", "ВидыОперацийПКО", "ОплатаПокупателя"),
            _ref("Организация", writes=True),
            _ref("Касса", writes=True),
            _c("Контрагент", writes=True),
            _ref("ДоговорКонтрагента", writes=True),
            _ref("ВалютаДокумента", writes=True),
            _n("СуммаДокумента", writes=True),
            _c("ДокументОснование", writes=True),
            _s("ПринятоОт", writes=True, max_length=0),
            _s("Основание", writes=True, max_length=0),
            # The receipt's marker lives in Комментарий (unlimited string).
            _s("Комментарий", writes=True, max_length=0),
            *_REFLECTION,
            _RESPONSIBLE,
        ),
        sections={
            "РасшифровкаПлатежа": (
                _ref("ДоговорКонтрагента", writes=True),
                _c("Сделка", writes=True),
                _n("КурсВзаиморасчетов", writes=True),
                _n("КратностьВзаиморасчетов", writes=True),
                _n("СуммаПлатежа", writes=True),
                _n("СуммаВзаиморасчетов", writes=True),
                _e("СтавкаНДС", "СтавкиНДС", *_VAT),
                _n("СуммаНДС", writes=True),
            ),
        },
    ),
)

# document ЗаказПокупателя: НомерВходящегоДокументаЭлектронногоОбмена, the default order marker, is a
# string of 20 (the client refuses longer markers rather than let 1C cut them).
ORDER_MARKER_LENGTH = 20
# chart СвойстваОбъектов: a property's value may be at most a string of 50;
# a property whose own value type is shorter cuts what the bridge writes (status "[id] name", source).
PROPERTY_STRING_LENGTH = 50


def used(name: str) -> EntityUse:
    """The declaration of one entity set (KeyError if the bridge does not use it)."""
    return next(u for u in USED if u.name == name)
