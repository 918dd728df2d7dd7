"""Object model of the emulated UTP base (UT 10.3 names, reference §2).

Only what the reference lists is modelled; every name is the metadata object's Name as published by
1C's standard OData interface (§1.2). Kinds of fields and how they appear in JSON (§1.4):

- ``str`` Edm.String (``length`` > 0 = truncate on write, as 1C silently does, §1.7)
- ``bool`` Edm.Boolean, ``num`` Edm.Double (JSON number), ``int`` Edm.Int64 (JSON *string*)
- ``date`` Edm.DateTime naive, empty = ``0001-01-01T00:00:00``
- ``ref`` Edm.Guid in ``<Имя>_Key`` (name stored with the suffix), empty = zero GUID
- ``enum`` Edm.String with the value name, empty = ``""``
- ``comp`` composite: ``<Имя>`` (value) + ``<Имя>_Type``
- ``typedesc`` a TypeDescription complex value (ValueType of characteristic types)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EMPTY_REF = "00000000-0000-0000-0000-000000000000"
EMPTY_DATE = "0001-01-01T00:00:00"
UNDEFINED = "StandardODATA.Undefined"
NS = "StandardODATA"


@dataclass(frozen=True)
class F:
    name: str
    kind: str
    length: int = 0
    target: str = ""  # ref: target entity set; comp: type of the empty value ("" = Undefined)
    values: tuple[str, ...] = ()  # enum values (validated on write)

    @property
    def nav(self) -> str:
        return self.name[:-4] if self.kind == "ref" and self.name.endswith("_Key") else ""


def s(name: str, length: int = 0) -> F:
    return F(name, "str", length)


def b(name: str) -> F:
    return F(name, "bool")


def n(name: str) -> F:
    return F(name, "num")


def i(name: str) -> F:
    return F(name, "int")


def d(name: str) -> F:
    return F(name, "date")


def r(name: str, target: str = "") -> F:
    return F(name + "_Key", "ref", target=target)


def e(name: str, *values: str) -> F:
    return F(name, "enum", values=values)


def c(name: str, empty_type: str = "") -> F:
    return F(name, "comp", target=empty_type)


VAT = ("БезНДС", "НДС0", "НДС20", "НДС7", "НеНДС", "НДС14")
WAREHOUSE_KINDS = ("Оптовый", "Розничный", "НТТ")
CONTRACT_KINDS = ("СПокупателем", "СПоставщиком", "СКомиссионером", "СКомитентом", "Прочее", "Бартерный")
SETTLEMENT = ("ПоДоговоруВЦелом", "ПоЗаказам", "ПоСчетам")


def default_of(f: F) -> Any:
    return {
        "str": "",
        "bool": False,
        "num": 0.0,
        "int": 0,
        "date": EMPTY_DATE,
        "ref": EMPTY_REF,
        "enum": "",
        "comp": EMPTY_REF if f.target else "",
        "typedesc": None,
    }[f.kind]


def empty_type(f: F) -> str:
    return f"{NS}.{f.target}" if f.target else UNDEFINED


@dataclass
class Entity:
    name: str  # entity set name, e.g. Catalog_Номенклатура
    kind: str  # catalog | document | chart | ireg | ireg_rec | areg
    attrs: list[F] = field(default_factory=list)
    tables: dict[str, list[F]] = field(default_factory=dict)
    code_len: int = 0
    desc_len: int = 100
    hierarchical: bool = False
    owner: str = ""  # subordinate catalog: owner set ("" = none); "comp" = composite Owner
    indexed: tuple[str, ...] = ()  # JSON paths with SQLite expression indexes (always stored)
    dims: list[F] = field(default_factory=list)  # registers
    resources: list[F] = field(default_factory=list)
    turnover: bool = False  # accumulation register of the turnover kind
    title: str = ""  # presentation of a document type ("Заказ покупателя")

    # ----- derived -----
    @property
    def is_object(self) -> bool:
        return self.kind in ("catalog", "document", "chart")

    def std_fields(self) -> list[F]:
        if self.kind == "document":
            return [
                F("Ref_Key", "ref"),
                F("DataVersion", "str"),
                b("DeletionMark"),
                s("Number"),
                d("Date"),
                b("Posted"),
            ]
        if self.kind in ("catalog", "chart"):
            out = [F("Ref_Key", "ref"), F("DataVersion", "str"), b("DeletionMark")]
            if self.owner == "comp":
                out.append(c("Owner"))
            elif self.owner:
                out.append(r("Owner", self.owner))
            if self.hierarchical:
                out += [r("Parent", self.name), b("IsFolder")]
            if self.code_len:
                out.append(s("Code", self.code_len))
            out.append(s("Description", self.desc_len))
            if self.kind == "chart":
                out.append(F("ValueType", "typedesc"))
            return out
        return []

    def tail_fields(self) -> list[F]:
        if self.kind in ("catalog", "chart"):
            return [b("Predefined"), s("PredefinedDataName")]
        return []

    def fields(self) -> list[F]:
        if self.is_object:
            return self.std_fields() + self.attrs + self.tail_fields()
        return self.dims + self.resources + self.attrs

    def field_map(self) -> dict[str, F]:
        return {f.name: f for f in self.fields()}


def row_fields(cols: list[F]) -> list[F]:
    return [F("Ref_Key", "ref"), i("LineNumber"), *cols]


# ---------------------------------------------------------------------------------------------------
# Catalogs (§2.1)

_GOODS_ROW = [
    r("Номенклатура", "Catalog_Номенклатура"),
    r("ХарактеристикаНоменклатуры"),
    r("СерияНоменклатуры"),
    r("ЕдиницаИзмерения", "Catalog_ЕдиницыИзмерения"),
    n("Коэффициент"),
    n("Количество"),
    i("КоличествоМест"),
    r("ЕдиницаИзмеренияМест", "Catalog_ЕдиницыИзмерения"),
    n("Цена"),
    n("Сумма"),
    e("СтавкаНДС", *VAT),
    n("СуммаНДС"),
    n("ПроцентСкидкиНаценки"),
    n("ПроцентАвтоматическихСкидок"),
    e("УсловиеАвтоматическойСкидки"),
    c("ЗначениеУсловияАвтоматическойСкидки"),
]

_COMMON_SALES = [
    r("Организация", "Catalog_Организации"),
    r("Контрагент", "Catalog_Контрагенты"),
    r("ДоговорКонтрагента", "Catalog_ДоговорыКонтрагентов"),
    r("ВалютаДокумента", "Catalog_Валюты"),
    n("КурсВзаиморасчетов"),
    i("КратностьВзаиморасчетов"),
    r("ТипЦен", "Catalog_ТипыЦенНоменклатуры"),
    b("УчитыватьНДС"),
    b("СуммаВключаетНДС"),
    b("АвторасчетНДС"),
    n("СуммаДокумента"),
    r("Ответственный"),
    r("Подразделение"),
    s("Комментарий"),
    r("УсловиеПродаж"),
    r("ДисконтнаяКарта"),
]

_REFLECT = [b("ОтражатьВУправленческомУчете"), b("ОтражатьВБухгалтерскомУчете"), b("ОтражатьВНалоговомУчете")]


def _entities() -> list[Entity]:
    cat = "catalog"
    doc = "document"
    return [
        Entity(
            "Catalog_Номенклатура",
            cat,
            code_len=11,
            hierarchical=True,
            indexed=("Code", "Артикул", "Parent_Key", "Description"),
            attrs=[
                s("Артикул", 25),
                s("НаименованиеПолное"),
                r("ЕдиницаХраненияОстатков", "Catalog_ЕдиницыИзмерения"),
                r("БазоваяЕдиницаИзмерения", "Catalog_КлассификаторЕдиницИзмерения"),
                r("ЕдиницаДляОтчетов", "Catalog_ЕдиницыИзмерения"),
                r("ЕдиницаИзмеренияМест", "Catalog_ЕдиницыИзмерения"),
                r("ВидНоменклатуры"),
                r("НоменклатурнаяГруппа"),
                r("НоменклатурнаяГруппаЗатрат"),
                b("Услуга"),
                b("Набор"),
                b("Комплект"),
                b("Весовой"),
                b("ВестиУчетПоХарактеристикам"),
                b("ВестиУчетПоСериям"),
                b("ВестиПартионныйУчетПоСериям"),
                b("ВестиСерийныеНомера"),
                e("СтавкаНДС", *VAT),
                e("ЛьготаНДС"),
                r("ОсновнойПоставщик", "Catalog_Контрагенты"),
                r("ОсновноеИзображение"),
                r("ЦеноваяГруппа"),
                r("СтранаПроисхождения"),
                s("Комментарий"),
                s("ДополнительноеОписаниеНоменклатуры"),
                c("НоменклатураГТД"),
                b("ПодакцизныйТовар"),
            ],
        ),
        Entity(
            "Catalog_ЕдиницыИзмерения",
            cat,
            code_len=0,
            desc_len=25,
            owner="comp",
            indexed=("Owner",),
            attrs=[
                r("ЕдиницаПоКлассификатору", "Catalog_КлассификаторЕдиницИзмерения"),
                n("Коэффициент"),
                n("Вес"),
                n("Объем"),
            ],
        ),
        Entity(
            "Catalog_КлассификаторЕдиницИзмерения",
            cat,
            code_len=3,
            desc_len=10,
            attrs=[s("НаименованиеПолное"), s("МеждународноеСокращение", 3)],
        ),
        Entity(
            "Catalog_Контрагенты",
            cat,
            code_len=9,
            hierarchical=True,
            indexed=("Code", "КодПоЕДРПОУ", "ИНН"),
            attrs=[
                s("НаименованиеПолное"),
                s("ИНН", 12),
                s("КодПоЕДРПОУ", 10),
                s("НомерСвидетельства", 20),
                e("ЮрФизЛицо", "ЮрЛицо", "ФизЛицо"),
                b("Покупатель"),
                b("Поставщик"),
                r("ОсновнойДоговорКонтрагента", "Catalog_ДоговорыКонтрагентов"),
                r("ГоловнойКонтрагент", "Catalog_Контрагенты"),
                r("ОсновнойБанковскийСчет"),
                r("ОсновноеКонтактноеЛицо"),
                r("ОсновнойМенеджерПокупателя"),
                r("ОсновнойВидДеятельности"),
                r("ИсточникИнформацииПриОбращении"),
                b("НеЯвляетсяРезидентом"),
                s("ДокументУдостоверяющийЛичность"),
                s("Комментарий"),
                s("ДополнительноеОписание"),
            ],
            tables={
                "ВидыДеятельности": [r("ВидДеятельности"), r("Ответственный")],
                "МенеджерыПокупателя": [r("МенеджерПокупателя")],
            },
        ),
        Entity(
            "Catalog_ДоговорыКонтрагентов",
            cat,
            code_len=9,
            hierarchical=True,
            owner="Catalog_Контрагенты",
            indexed=("Owner_Key",),
            attrs=[
                r("Организация", "Catalog_Организации"),
                e("ВидДоговора", *CONTRACT_KINDS),
                r("ВалютаВзаиморасчетов", "Catalog_Валюты"),
                e("ВедениеВзаиморасчетов", *SETTLEMENT),
                c("ТипЦен"),
                n("ДопустимаяСуммаЗадолженности"),
                b("КонтролироватьСуммуЗадолженности"),
                n("ДопустимоеЧислоДнейЗадолженности"),
                n("ПроцентПредоплаты"),
                n("ЧислоДнейРезерваБезОплаты"),
                b("ДержатьРезервБезОплатыОграниченноеВремя"),
                b("ОбособленныйУчетТоваровПоЗаказамПокупателей"),
                s("Номер", 25),
                d("Дата"),
                d("СрокДействия"),
                r("СхемаНалоговогоУчета"),
                r("ВидВзаиморасчетов"),
                r("ОсновнаяСтатьяДвиженияДенежныхСредств"),
            ],
        ),
        Entity(
            "Catalog_Организации",
            cat,
            code_len=9,
            attrs=[
                s("НаименованиеПолное"),
                s("ИНН", 12),
                s("КодПоЕДРПОУ", 10),
                s("НомерСвидетельства", 20),
                s("Префикс", 3),
                e("ЮрФизЛицо", "ЮрЛицо", "ФизЛицо"),
                r("ОсновнойБанковскийСчет"),
            ],
        ),
        Entity(
            "Catalog_Склады",
            cat,
            code_len=9,
            desc_len=50,
            hierarchical=True,
            attrs=[
                e("ВидСклада", *WAREHOUSE_KINDS),
                r("ТипЦенРозничнойТорговли", "Catalog_ТипыЦенНоменклатуры"),
                r("Подразделение"),
                b("РасчетРозничныхЦенПоТорговойНаценке"),
                i("НомерСекции"),
                s("Комментарий"),
                s("Местонахождение"),
                r("ТерриторияПоКОАТУУ"),
            ],
        ),
        Entity(
            "Catalog_ТипыЦенНоменклатуры",
            cat,
            code_len=9,
            desc_len=25,
            attrs=[
                r("ВалютаЦены", "Catalog_Валюты"),
                b("ЦенаВключаетНДС"),
                r("БазовыйТипЦен", "Catalog_ТипыЦенНоменклатуры"),
                b("Рассчитывается"),
                n("ПроцентСкидкиНаценки"),
                e("СпособРасчетаЦены"),
                n("ПорядокОкругления"),
                b("ОкруглятьВБольшуюСторону"),
                s("Комментарий"),
            ],
        ),
        Entity(
            "Catalog_Валюты",
            cat,
            code_len=3,
            desc_len=10,
            attrs=[
                s("НаименованиеПолное"),
                s("ПараметрыПрописиНаРусском"),
                s("ПараметрыПрописиНаУкраинском"),
            ],
        ),
        Entity(
            "Catalog_Кассы",
            cat,
            code_len=9,
            owner="Catalog_Организации",
            attrs=[r("ВалютаДенежныхСредств", "Catalog_Валюты")],
        ),
        Entity("Catalog_ПричиныЗакрытияЗаказов", cat, code_len=9, desc_len=50),
        Entity(
            "ChartOfCharacteristicTypes_НазначенияСвойствКатегорийОбъектов",
            "chart",
            code_len=9,
            desc_len=100,
        ),
        Entity(
            "ChartOfCharacteristicTypes_СвойстваОбъектов",
            "chart",
            code_len=9,
            desc_len=100,
            hierarchical=True,
            indexed=("Description",),
            attrs=[
                r("НазначениеСвойства", "ChartOfCharacteristicTypes_НазначенияСвойствКатегорийОбъектов"),
                s("Комментарий"),
            ],
        ),
        # ----- documents (§2.2) -----
        Entity(
            "Document_ЗаказПокупателя",
            doc,
            title="Заказ покупателя",
            indexed=("Date", "Number"),
            attrs=[
                *_COMMON_SALES,
                d("ДатаОплаты"),
                d("ДатаОтгрузки"),
                c("СкладГруппа", "Catalog_Склады"),
                c("СтруктурнаяЕдиница", "Catalog_БанковскиеСчета"),
                s("АдресДоставки"),
                s("ДополнениеКАдресуДоставки"),
                r("Грузополучатель", "Catalog_Контрагенты"),
                r("Грузоотправитель", "Catalog_Контрагенты"),
                r("КонтактноеЛицоКонтрагента"),
                c("ДокументОснование"),
                b("ИспользоватьПлановуюСебестоимость"),
                n("ИтогПлановаяСебестоимость"),
                s("НомерВходящегоДокументаЭлектронногоОбмена", 20),
                d("ДатаВходящегоДокументаЭлектронногоОбмена"),
                # Customisations of this demo base, as real UTP bases carry their own (reference §2.2:
                # LTEX's СтатусЗамовлення, MOBI's СтатусОпрацюванняВмс): two free-text attributes.
                s("СтатусЗамовленняCRM", 50),
                s("ДжерелоЗамовлення", 100),
            ],
            tables={
                "Товары": [*_GOODS_ROW, c("Размещение"), n("ПлановаяСебестоимость"), i("КлючСтроки")],
                "Услуги": [
                    r("Номенклатура", "Catalog_Номенклатура"),
                    s("Содержание"),
                    n("Количество"),
                    n("Цена"),
                    n("Сумма"),
                    e("СтавкаНДС", *VAT),
                    n("СуммаНДС"),
                    n("ПроцентСкидкиНаценки"),
                ],
                "ВозвратнаяТара": [
                    r("Номенклатура", "Catalog_Номенклатура"),
                    n("Количество"),
                    n("Цена"),
                    n("Сумма"),
                ],
                "СоставНабора": [
                    r("Номенклатура", "Catalog_Номенклатура"),
                    r("ХарактеристикаНоменклатуры"),
                    n("Количество"),
                    i("КлючСтроки"),
                ],
            },
        ),
        Entity(
            "Document_РеализацияТоваровУслуг",
            doc,
            title="Реализация товаров и услуг",
            indexed=("Date", "Number"),
            attrs=[
                *_COMMON_SALES,
                e("ВидОперации", "ПродажаКомиссия", "Брак", "ПередачаНаКомиссию"),
                r("Склад", "Catalog_Склады"),
                c("Сделка"),
                r("БанковскийСчетОрганизации"),
                *_REFLECT,
                e("ВидПередачи", "СоСклада", "ИзРезерва", "ПоОрдеру"),
                r("Грузополучатель", "Catalog_Контрагенты"),
                r("Грузоотправитель", "Catalog_Контрагенты"),
                s("АдресДоставки"),
                b("ОтключитьКонтрольВзаиморасчетов"),
            ],
            tables={
                "Товары": [
                    *_GOODS_ROW,
                    r("Склад", "Catalog_Склады"),
                    r("ЗаказПокупателя", "Document_ЗаказПокупателя"),
                    r("Качество"),
                    e("СпособСписанияОстаткаТоваров", "СоСклада", "ИзРезерва"),
                    i("КлючСвязи"),
                ],
                "Услуги": [
                    r("Номенклатура", "Catalog_Номенклатура"),
                    s("Содержание"),
                    n("Количество"),
                    n("Цена"),
                    n("Сумма"),
                    e("СтавкаНДС", *VAT),
                    n("СуммаНДС"),
                    r("ЗаказПокупателя", "Document_ЗаказПокупателя"),
                ],
            },
        ),
        Entity(
            "Document_ВозвратТоваровОтПокупателя",
            doc,
            title="Возврат товаров от покупателя",
            indexed=("Date", "Number"),
            attrs=[
                *_COMMON_SALES,
                c("Сделка"),
                c("СкладОрдер", "Catalog_Склады"),
                e("ВидПоступления", "НаСклад", "ПоОрдеру"),
                *_REFLECT,
            ],
            tables={
                "Товары": [
                    *_GOODS_ROW,
                    r("ЗаказПокупателя", "Document_ЗаказПокупателя"),
                    c("ДокументПартии"),
                    n("Себестоимость"),
                    r("Склад", "Catalog_Склады"),
                    r("Качество"),
                    r("ПриходныйОрдер"),
                ]
            },
        ),
        Entity(
            "Document_ЗакрытиеЗаказовПокупателей",
            doc,
            title="Закрытие заказов покупателей",
            indexed=("Date", "Number"),
            attrs=[
                e("ВидОперации", "ЗакрытиеЗаказов", "СнятиеРезервов"),
                s("Комментарий"),
                r("Ответственный"),
                r("Подразделение"),
            ],
            tables={
                "Заказы": [
                    c("ЗаказПокупателя", "Document_ЗаказПокупателя"),
                    r("ПричинаЗакрытияЗаказа", "Catalog_ПричиныЗакрытияЗаказов"),
                ]
            },
        ),
        Entity(
            "Document_ПриходныйКассовыйОрдер",
            doc,
            title="Приходный кассовый ордер",
            indexed=("Date", "Number"),
            attrs=[
                e(
                    "ВидОперации",
                    "ОплатаПокупателя",
                    "ВозвратДенежныхСредствПоставщиком",
                    "ПриходДенежныхСредствПрочее",
                    "ПолучениеНаличныхДенежныхСредствВБанке",
                    "ПриходДенежныхСредствРозничнаяВыручка",
                    "ВозвратДенежныхСредствПодотчетником",
                    "ПрочиеРасчетыСКонтрагентами",
                    "РасчетыПоКредитамИЗаймамСКонтрагентами",
                ),
                r("Организация", "Catalog_Организации"),
                r("Касса", "Catalog_Кассы"),
                c("Контрагент"),
                r("ДоговорКонтрагента", "Catalog_ДоговорыКонтрагентов"),
                r("ВалютаДокумента", "Catalog_Валюты"),
                n("СуммаДокумента"),
                c("ДокументОснование"),
                s("ПринятоОт"),
                s("Основание"),
                s("Приложение"),
                r("СтатьяДвиженияДенежныхСредств"),
                b("Оплачено"),
                b("ОтраженоВОперУчете"),
                *_REFLECT,
                e("СтавкаНДС", *VAT),
                s("НомерОрдера"),
                c("РасчетныйДокумент"),
                s("Комментарий"),
                r("Ответственный"),
            ],
            tables={
                "РасшифровкаПлатежа": [
                    r("ДоговорКонтрагента", "Catalog_ДоговорыКонтрагентов"),
                    c("Сделка"),
                    n("КурсВзаиморасчетов"),
                    i("КратностьВзаиморасчетов"),
                    n("СуммаПлатежа"),
                    n("СуммаВзаиморасчетов"),
                    e("СтавкаНДС", *VAT),
                    n("СуммаНДС"),
                    r("СтатьяДвиженияДенежныхСредств"),
                    c("ДокументРасчетовСКонтрагентом"),
                    b("ЗаТару"),
                    c("Проект"),
                    r("ДокументПланированияПлатежа"),
                ]
            },
        ),
        Entity(
            "Document_УстановкаЦенНоменклатуры",
            doc,
            title="Установка цен номенклатуры",
            indexed=("Date", "Number"),
            attrs=[s("Комментарий"), r("Ответственный"), b("НеПроводитьНулевыеЗначения")],
            tables={
                "Товары": [
                    r("Номенклатура", "Catalog_Номенклатура"),
                    r("ХарактеристикаНоменклатуры"),
                    r("ТипЦен", "Catalog_ТипыЦенНоменклатуры"),
                    n("Цена"),
                    r("Валюта", "Catalog_Валюты"),
                    r("ЕдиницаИзмерения", "Catalog_ЕдиницыИзмерения"),
                    n("ПроцентСкидкиНаценки"),
                    e("СпособРасчетаЦены"),
                ],
                "ТипыЦен": [r("ТипЦен", "Catalog_ТипыЦенНоменклатуры")],
            },
        ),
        Entity(
            "Document_ПоступлениеТоваровУслуг",
            doc,
            title="Поступление товаров и услуг",
            indexed=("Date", "Number"),
            attrs=[
                *_COMMON_SALES,
                e("ВидОперации", "ПокупкаКомиссия", "ВПереработку", "ОбъектыСтроительства"),
                r("Склад", "Catalog_Склады"),
                c("Сделка"),
                *_REFLECT,
            ],
            tables={
                "Товары": [
                    r("Номенклатура", "Catalog_Номенклатура"),
                    r("ХарактеристикаНоменклатуры"),
                    r("СерияНоменклатуры"),
                    r("ЕдиницаИзмерения", "Catalog_ЕдиницыИзмерения"),
                    n("Коэффициент"),
                    n("Количество"),
                    n("Цена"),
                    n("Сумма"),
                    e("СтавкаНДС", *VAT),
                    n("СуммаНДС"),
                    r("Склад", "Catalog_Склады"),
                    r("Качество"),
                ]
            },
        ),
        # ----- information registers (§2.3, §2.6) -----
        Entity(
            "InformationRegister_ЦеныНоменклатуры",
            "ireg_rec",
            dims=[
                r("ТипЦен", "Catalog_ТипыЦенНоменклатуры"),
                r("Номенклатура", "Catalog_Номенклатура"),
                r("ХарактеристикаНоменклатуры"),
            ],
            resources=[
                n("Цена"),
                r("Валюта", "Catalog_Валюты"),
                r("ЕдиницаИзмерения", "Catalog_ЕдиницыИзмерения"),
                n("ПроцентСкидкиНаценки"),
                e("СпособРасчетаЦены"),
            ],
        ),
        Entity(
            "InformationRegister_ЗначенияСвойствОбъектов",
            "ireg",
            dims=[c("Объект"), r("Свойство", "ChartOfCharacteristicTypes_СвойстваОбъектов")],
            resources=[c("Значение")],
        ),
        Entity(
            "InformationRegister_КонтактнаяИнформация",
            "ireg",
            dims=[
                c("Объект"),
                e("Тип", "Телефон", "Адрес", "АдресЭлектроннойПочты", "ВебСтраница", "Другое"),
                c("Вид"),
            ],
            resources=[
                s("Представление"),
                *[s(f"Поле{k}") for k in range(1, 11)],
                s("Комментарий"),
                b("ЗначениеПоУмолчанию"),
            ],
        ),
        # ----- accumulation registers (§2.3) -----
        Entity(
            "AccumulationRegister_ТоварыНаСкладах",
            "areg",
            dims=[
                r("Склад", "Catalog_Склады"),
                r("Номенклатура", "Catalog_Номенклатура"),
                r("ХарактеристикаНоменклатуры"),
                r("СерияНоменклатуры"),
                r("Качество"),
            ],
            resources=[n("Количество")],
        ),
        Entity(
            "AccumulationRegister_ТоварыВРезервеНаСкладах",
            "areg",
            dims=[
                r("Склад", "Catalog_Склады"),
                r("Номенклатура", "Catalog_Номенклатура"),
                r("ХарактеристикаНоменклатуры"),
                c("ДокументРезерва"),
                r("СерияНоменклатуры"),
            ],
            resources=[n("Количество")],
        ),
        Entity(
            "AccumulationRegister_ЗаказыПокупателей",
            "areg",
            dims=[
                r("ДоговорКонтрагента", "Catalog_ДоговорыКонтрагентов"),
                r("ЗаказПокупателя", "Document_ЗаказПокупателя"),
                r("Номенклатура", "Catalog_Номенклатура"),
                r("ХарактеристикаНоменклатуры"),
                r("ЕдиницаИзмерения", "Catalog_ЕдиницыИзмерения"),
                n("Цена"),
                n("ПроцентСкидкиНаценки"),
                n("ПроцентАвтоматическихСкидок"),
                e("УсловиеАвтоматическойСкидки"),
                c("ЗначениеУсловияАвтоматическойСкидки"),
                e("СтавкаНДС", *VAT),
                e("СтатусПартии"),
            ],
            resources=[n("Количество"), n("СуммаВзаиморасчетов"), n("СуммаУпр")],
        ),
        Entity(
            "AccumulationRegister_ВзаиморасчетыСКонтрагентами",
            "areg",
            dims=[
                r("Организация", "Catalog_Организации"),
                r("Контрагент", "Catalog_Контрагенты"),
                r("ДоговорКонтрагента", "Catalog_ДоговорыКонтрагентов"),
                c("Сделка"),
            ],
            resources=[n("СуммаВзаиморасчетов"), n("СуммаУпр")],
        ),
        Entity(
            "AccumulationRegister_Продажи",
            "areg",
            turnover=True,
            dims=[
                r("Номенклатура", "Catalog_Номенклатура"),
                r("ХарактеристикаНоменклатуры"),
                c("ЗаказПокупателя"),
                r("Контрагент", "Catalog_Контрагенты"),
                r("ДоговорКонтрагента", "Catalog_ДоговорыКонтрагентов"),
                c("ДокументПродажи"),
                r("Подразделение"),
            ],
            resources=[n("Количество"), n("Стоимость"), n("НДС")],
        ),
    ]


ENTITIES: dict[str, Entity] = {ent.name: ent for ent in _entities()}


# ===================================================================================================
# BEGIN sales-documents block: what posting of the four sales documents needs (types from the
# configuration's metadata, malakhovua/utp Documents/*.xml, AccumulationRegisters/*.xml,
# Catalogs/*.xml). Kept in one block so a generated schema can absorb it.
_ACCOUNT = "ChartOfAccounts_Хозрасчетный"  # not modelled as a set: references only
_SALES_ACCOUNTS = [
    r("СчетУчетаРасчетовСКонтрагентом", _ACCOUNT),
    r("СчетУчетаРасчетовПоАвансам", _ACCOUNT),
    r("СчетУчетаНДС", _ACCOUNT),
    r("СчетУчетаНДСПодтвержденный", _ACCOUNT),
]
_ROW_ACCOUNTS = [r("СчетУчетаБУ", _ACCOUNT), r("СхемаРеализации"), r("НалоговоеНазначение")]


def _replace(fields: list[F], new: F) -> None:
    for k, old_field in enumerate(fields):
        if old_field.name == new.name:
            fields[k] = new
            return
    fields.append(new)


def _add_sales_fields(ents: dict[str, Entity]) -> None:
    order = ents["Document_ЗаказПокупателя"]
    _replace(order.attrs, e("ВидОперации", "ПродажаКомиссия", "Переработка"))  # ВидыОперацийЗаказПокупателя
    _replace(order.attrs, r("Ответственный", "Catalog_Пользователи"))
    invoice = ents["Document_РеализацияТоваровУслуг"]
    _replace(invoice.attrs, e("ВидОперации", "ПродажаКомиссия", "Брак", "Оборудование"))
    _replace(invoice.attrs, e("ВидПередачи", "СоСклада", "ПоОрдеру"))  # Enums/ВидыПередачиТоваров
    _replace(invoice.attrs, r("Ответственный", "Catalog_Пользователи"))
    for f in _SALES_ACCOUNTS:
        _replace(invoice.attrs, f)
    for f in [*_ROW_ACCOUNTS, r("Качество", "Catalog_Качество")]:
        _replace(invoice.tables["Товары"], f)
    for f in _ROW_ACCOUNTS:
        _replace(invoice.tables["Услуги"], f)
    ret = ents["Document_ВозвратТоваровОтПокупателя"]
    _replace(ret.attrs, e("ВидОперации", "ПродажаКомиссия", "Оборудование"))
    _replace(ret.attrs, r("Ответственный", "Catalog_Пользователи"))
    for f in _SALES_ACCOUNTS:
        _replace(ret.attrs, f)
    for f in [*_ROW_ACCOUNTS, r("Качество", "Catalog_Качество")]:
        _replace(ret.tables["Товары"], f)
    _replace(ents["Document_ЗакрытиеЗаказовПокупателей"].attrs, r("Ответственный", "Catalog_Пользователи"))
    stock_dims = [
        r("Склад", "Catalog_Склады"),
        r("Номенклатура", "Catalog_Номенклатура"),
        r("ХарактеристикаНоменклатуры"),
        r("СерияНоменклатуры"),
        r("Качество", "Catalog_Качество"),
    ]
    for ent in (
        Entity("Catalog_Качество", "catalog", code_len=9, desc_len=40),
        Entity("Catalog_Пользователи", "catalog", code_len=50, desc_len=100),
        Entity(
            "AccumulationRegister_ТоварыВРознице",
            "areg",
            dims=list(stock_dims),
            resources=[n("Количество"), n("СуммаПродажная")],
        ),
        Entity(
            "AccumulationRegister_ТоварыКПередачеСоСкладов",
            "areg",
            dims=[
                r("Склад", "Catalog_Склады"),
                c("ДокументПередачи"),
                r("Номенклатура", "Catalog_Номенклатура"),
                r("ХарактеристикаНоменклатуры"),
                r("СерияНоменклатуры"),
                r("Качество", "Catalog_Качество"),
                c("ДокументРезерва"),
                e("СтатусПартии"),
            ],
            resources=[n("Количество")],
        ),
    ):
        ents.setdefault(ent.name, ent)


_add_sales_fields(ENTITIES)
# END sales-documents block
# ===================================================================================================


# ---- BEGIN utp-parties block: fields of counterparties, contracts, cash receipts and contacts ----
# UTP 1.2 (malakhovua/utp): Catalogs/ДоговорыКонтрагентов.xml,
# Documents/ПриходныйКассовыйОрдер.xml, InformationRegisters/КонтактнаяИнформация.xml (Поле1…Поле10 are
# strings of 100, Представление and Комментарий unlimited). Accounts (ChartOfAccountsRef.Хозрасчетный)
# are untyped references here: the emulator checks only that they are filled.
def _parties_block() -> None:
    ENTITIES["Catalog_ДоговорыКонтрагентов"].attrs += [
        b("КонтролироватьЧислоДнейЗадолженности"),
        b("ВестиПоДокументамРасчетовСКонтрагентом"),
        b("СложныйНалоговыйУчет"),
        b("Внешнеэкономический"),
    ]
    receipt = ENTITIES["Document_ПриходныйКассовыйОрдер"]
    receipt.attrs += [r("СчетКасса"), r("СчетУчетаРасчетовСКонтрагентом")]
    receipt.tables["РасшифровкаПлатежа"] += [
        r("СчетУчетаРасчетовСКонтрагентом"),
        r("СчетУчетаРасчетовПоАвансам"),
        r("СчетУчетаНДС"),
        r("СчетУчетаНДСПодтвержденный"),
    ]
    contacts = ENTITIES["InformationRegister_КонтактнаяИнформация"]
    contacts.resources = [s(f.name, 100) if f.name.startswith("Поле") else f for f in contacts.resources]


_parties_block()
# ---- END utp-parties block ----
DOC_TYPES = tuple(name for name, ent in ENTITIES.items() if ent.kind == "document")


def table_sets() -> dict[str, tuple[Entity, str]]:
    """Tabular sections exposed as their own read-only sets: ``Document_X_Товары`` (§1.2)."""
    return {f"{ent.name}_{t}": (ent, t) for ent in ENTITIES.values() for t in ent.tables}
