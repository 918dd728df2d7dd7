"""Posting of the two catalog documents as UTP 1.2 does it: price setting (``УстановкаЦенНоменклатуры``)
and goods receipt (``ПоступлениеТоваровУслуг``). Each rule cites the configuration's source
(malakhovua/utp); only what a document written through OData can reach is modelled.

Called from ``Engine.post`` through its ``POSTING`` table; checks append messages to ``msgs``
(any message refuses the posting), movements go to ``moves`` keyed by register.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .model import EMPTY_REF, NS, SETTLEMENT_HEADER

if TYPE_CHECKING:
    from .engine import Engine

PRICES = "InformationRegister_ЦеныНоменклатуры"
STOCK = "AccumulationRegister_ТоварыНаСкладах"
RETAIL = "AccumulationRegister_ТоварыВРознице"
RETAIL_PRICES = "InformationRegister_ЦеныАТТ"
PRICE_TYPES = "Catalog_ТипыЦенНоменклатуры"
WAREHOUSES = "Catalog_Склады"
WAREHOUSE_T = f"{NS}.{WAREHOUSES}"

Moves = dict[str, list[dict[str, Any]]]


@dataclass
class CatalogPostingOptions:
    """Settings of the base that change what posting checks (configurable per emulator instance).

    ``warehouses_in_rows``: the user setting ``УказаниеСкладов`` =
    ``ДляДокументовПоступленияРеализации`` (Documents/ПоступлениеТоваровУслуг/Ext/ObjectModule.bsl, module
    body: ``мУказаниеСкладовВТЧ``): each goods row names its own warehouse and the header's
    ``СкладОрдер`` is neither required nor copied into the rows.
    """

    warehouses_in_rows: bool = False


def _filled(value: Any) -> bool:
    return value not in (None, "", 0, 0.0, EMPTY_REF)


def _row_msg(row: dict[str, Any], text: str) -> str:
    return f'Строка номер "{row["LineNumber"]}" табличной части "Товары": {text}'


# ================================================================== УстановкаЦенНоменклатуры
def post_price_setting(engine: Engine, doc: dict[str, Any], msgs: list[str], moves: Moves) -> None:
    types: dict[str, dict[str, Any]] = {}

    def price_type(row: dict[str, Any]) -> dict[str, Any]:
        key = row.get("ТипЦен_Key", EMPTY_REF)
        if key not in types:
            types[key] = engine.store.get(PRICE_TYPES, key) or {}
        return types[key]

    rows = list(doc.get("Товары", []))
    # UTP 1.2: Documents/УстановкаЦенНоменклатуры/Ext/ObjectModule.bsl, ОбработкаПроведения: with
    # НеПроводитьНулевыеЗначения, rows with a zero price are dropped unless their price type is computed.
    if doc.get("НеПроводитьНулевыеЗначения"):
        rows = [row for row in rows if price_type(row).get("Рассчитывается") or _filled(row.get("Цена"))]
    # ПроверитьЗаполнениеШапки asks for no header field (an empty structure of required fields).
    for row in rows:
        _check_price_row(engine, row, price_type(row), msgs)
    _check_unique_price_keys(rows, msgs)
    if msgs:
        return
    # ДвиженияПоРегистрам: every remaining row, as written, into ЦеныНоменклатуры at the document's date.
    for row in rows:
        moves[PRICES].append(
            {
                "ТипЦен_Key": row.get("ТипЦен_Key", EMPTY_REF),
                "Номенклатура_Key": row.get("Номенклатура_Key", EMPTY_REF),
                "ХарактеристикаНоменклатуры_Key": row.get("ХарактеристикаНоменклатуры_Key", EMPTY_REF),
                "Цена": float(row.get("Цена") or 0),
                "Валюта_Key": row.get("Валюта_Key", EMPTY_REF),
                "ЕдиницаИзмерения_Key": row.get("ЕдиницаИзмерения_Key", EMPTY_REF),
                "ПроцентСкидкиНаценки": float(row.get("ПроцентСкидкиНаценки") or 0),
                "СпособРасчетаЦены": row.get("СпособРасчетаЦены", ""),
            }
        )


def _check_price_row(engine: Engine, row: dict[str, Any], kind: dict[str, Any], msgs: list[str]) -> None:
    """ПроверитьЗаполнениеТабличнойЧастиТовары: product, currency (no default from the price type),
    unit for goods, no sets, a calculation method for computed or based price types."""
    # The message numbers rows by ИндексСтрокиТаблицыЦен + 1, as the source does.
    head = (
        f'В строке номер "{int(float(row.get("ИндексСтрокиТаблицыЦен") or 0)) + 1}" табличной части '
        f'для типа цен "{kind.get("Description", "")}" '
    )
    product_key = row.get("Номенклатура_Key", EMPTY_REF)
    product = engine.store.get("Catalog_Номенклатура", product_key) if _filled(product_key) else None
    if not _filled(product_key):
        msgs.append(head + "не заполнена Номенклатура.")
    if not _filled(row.get("Валюта_Key")):
        msgs.append(head + "не заполнена Валюта.")
    if (
        _filled(product_key)
        and not (product or {}).get("Услуга")
        and not _filled(row.get("ЕдиницаИзмерения_Key"))
    ):
        msgs.append(head + "не заполнена единица измерения.")
    if product is not None and product.get("Набор"):
        msgs.append(head + "содержится набор-пакет. Наборов-пакетов здесь быть не должно!")
    if not row.get("СпособРасчетаЦены") and (
        kind.get("Рассчитывается") or _filled(kind.get("БазовыйТипЦен_Key"))
    ):
        msgs.append(head + "не заполнен способ расчета цены.")


def _check_unique_price_keys(rows: list[dict[str, Any]], msgs: list[str]) -> None:
    """The platform refuses a record set holding two records with the same key (period + dimensions)."""
    seen: set[tuple[str, str, str]] = set()
    for row in rows:
        key = (
            row.get("ТипЦен_Key", ""),
            row.get("Номенклатура_Key", ""),
            row.get("ХарактеристикаНоменклатуры_Key", ""),
        )
        if key in seen:
            msgs.append(_row_msg(row, "Запись с такими ключевыми полями уже существует"))
        seen.add(key)


# ================================================================== ПоступлениеТоваровУслуг
def _warehouse(engine: Engine, key: Any) -> dict[str, Any]:
    return (engine.store.get(WAREHOUSES, key) if _filled(key) else None) or {}


def fill_rows_before_write(engine: Engine, doc: dict[str, Any]) -> None:
    """ПередЗаписью → ОбработкаТабличныхЧастей.ЗаполнитьСкладИОрдерВСтрокахТабЧасти: unless the base
    names warehouses per row (or the goods come by a receipt order), each row gets the header's
    ``СкладОрдер`` as its ``Склад``."""
    options: CatalogPostingOptions = engine.catalog_options
    if options.warehouses_in_rows or doc.get("ВидПоступления") == "ПоОрдеру":
        return
    if doc.get("СкладОрдер_Type") == WAREHOUSE_T and _filled(doc.get("СкладОрдер")):
        for row in doc.get("Товары", []):
            row["Склад_Key"] = doc["СкладОрдер"]


def post_goods_receipt(engine: Engine, doc: dict[str, Any], msgs: list[str], moves: Moves) -> None:
    fill_rows_before_write(engine, doc)
    # UTP 1.2: Documents/ПоступлениеТоваровУслуг/Ext/ObjectModule.bsl (src below), ОбработкаПроведения.
    contract = (
        engine.store.get("Catalog_ДоговорыКонтрагентов", doc.get("ДоговорКонтрагента_Key", EMPTY_REF)) or {}
    )
    _check_receipt_header(engine, doc, contract, msgs)
    retail_price = _check_receipt_rows(engine, doc, contract, msgs)
    if msgs:
        return
    # ---- ТоварыИТараПоРегистрамОстатковИПартийУпр (src): management accounting only; a receipt
    # "to the warehouse" moves ТоварыНаСкладах for wholesale rows and ТоварыВРознице (with the sum at
    # retail prices) for retail rows; a receipt "by order" moves ТоварыКПолучениюНаСклады (not modelled).
    if not doc.get("ОтражатьВУправленческомУчете") or (doc.get("ВидПоступления") or "") != "НаСклад":
        return
    for row in doc.get("Товары", []):
        quantity = _storage_quantity(engine, row)
        base = {
            "Склад_Key": row["Склад_Key"],
            "Номенклатура_Key": row["Номенклатура_Key"],
            "ХарактеристикаНоменклатуры_Key": row.get("ХарактеристикаНоменклатуры_Key", EMPTY_REF),
            "СерияНоменклатуры_Key": row.get("СерияНоменклатуры_Key", EMPTY_REF),
            # Quality "Новый" (the predefined item, Справочники.Качество.Новый).
            "Качество_Key": str(engine.store.meta_get("quality_new") or EMPTY_REF),
            "Количество": quantity,
        }
        if _warehouse(engine, row["Склад_Key"]).get("ВидСклада") == "Розничный":
            moves[RETAIL].append(
                {**base, "СуммаПродажная": round(retail_price.get(row["LineNumber"], 0.0) * quantity, 2)}
            )
        else:
            moves[STOCK].append(base)


def _check_receipt_header(
    engine: Engine, doc: dict[str, Any], contract: dict[str, Any], msgs: list[str]
) -> None:
    """ПроверитьЗаполнениеШапки (src) with its management and accounting additions."""
    options: CatalogPostingOptions = engine.catalog_options
    operation, arrival = doc.get("ВидОперации") or "", doc.get("ВидПоступления") or ""
    manag, books = bool(doc.get("ОтражатьВУправленческомУчете")), bool(doc.get("ОтражатьВБухгалтерскомУчете"))
    required = list(SETTLEMENT_HEADER)
    if operation != "ОбъектыСтроительства":
        required.append("ВидПоступления")
    engine._required(doc, required, msgs)
    header_store = doc.get("СкладОрдер_Type") == WAREHOUSE_T and _filled(doc.get("СкладОрдер"))
    if arrival == "НаСклад" and not options.warehouses_in_rows and doc.get("Товары", []) and not header_store:
        msgs.append('Не заполнено значение реквизита "СкладОрдер"')
    settlement = contract.get("ВедениеВзаиморасчетов")
    if not _filled(doc.get("Сделка")) and (
        operation == "ВПереработку" or settlement in ("ПоЗаказам", "ПоСчетам")
    ):
        msgs.append('Не заполнено значение реквизита "Сделка"')
    # ДополнитьСтруктуруОбязательныхПолейШапкиУпр: supplier prices are registered by price type.
    if doc.get("РегистрироватьЦеныПоставщика") and manag and not _filled(doc.get("ТипЦен_Key")):
        msgs.append("Для обновления цен поставщиков необходимо указывать тип цен!")
    # ДополнитьСтруктуруОбязательныхПолейШапкиРегл: accounting needs the settlement account.
    consignor = contract.get("ВидДоговора") == "СКомитентом"
    if books and not (operation == "ПокупкаКомиссия" and consignor) and operation != "ВПереработку":
        engine._required(doc, ["СчетУчетаРасчетовСКонтрагентом_Key"], msgs)
    # CommonModules/ОбщегоНазначения, ПроверитьПринадлежностьКВидамУчета.
    if not manag and not books:
        msgs.append(
            'Документ должен принадлежать хотя бы одному из видов учета: "Управленческий" и (или) '
            '"Бухгалтерский".'
        )
    # ПроверитьСоответствиеОрганизацииДоговоруВзаиморасчетов (and the contract's owner and kind).
    engine._contract(doc, msgs, kind="СПоставщиком")
    # ПроверитьЗаполнениеШапкиУпр: no receipt into a non-automated point from the header.
    if (
        arrival == "НаСклад"
        and not options.warehouses_in_rows
        and header_store
        and _warehouse(engine, doc["СкладОрдер"]).get("ВидСклада") == "НТТ"
    ):
        msgs.append("Документ не может осуществлять поступление на неавтоматизированную торговую точку!")


def _check_receipt_rows(
    engine: Engine, doc: dict[str, Any], contract: dict[str, Any], msgs: list[str]
) -> dict[int, float]:
    """ПроверитьЗаполнениеТабличнойЧастиТовары (src); returns the АТТ price of each retail row."""
    operation, arrival = doc.get("ВидОперации") or "", doc.get("ВидПоступления") or ""
    manag, books = bool(doc.get("ОтражатьВУправленческомУчете")), bool(doc.get("ОтражатьВБухгалтерскомУчете"))
    goods = doc.get("Товары", [])
    row_required = ["Номенклатура_Key", "Количество", "ЕдиницаИзмерения_Key"]
    if operation != "ВПереработку":
        row_required.append("Сумма")
    if doc.get("УчитыватьНДС"):
        row_required.append("СтавкаНДС")
    row_required.append("Склад_Key")
    if arrival == "ПоОрдеру":
        row_required.append("ПриходныйОрдер_Key")
    if books:
        row_required.append("СчетУчетаБУ_Key")
    engine._row_required("Товары", goods, row_required, msgs)
    consignor = contract.get("ВидДоговора") == "СКомитентом"
    retail_checked = operation != "ВПереработку" and (not consignor or manag)
    retail_price: dict[int, float] = {}
    for row in goods:
        product = engine.store.get("Catalog_Номенклатура", row.get("Номенклатура_Key", EMPTY_REF)) or {}
        name = product.get("Description", "")
        # CommonModules/УправлениеЗапасами: ПроверитьЧтоНетУслуг, ПроверитьЧтоНетНаборов, …Комплектов.
        for flag, what in (("Услуга", "услуга"), ("Набор", "набор"), ("Комплект", "комплект")):
            if product.get(flag):
                plural = {"Услуга": "Услуг", "Набор": "Наборов", "Комплект": "Комплектов"}[flag]
                msgs.append(_row_msg(row, f'содержится {what} "{name}". {plural} здесь быть не должно!'))
        kind = _warehouse(engine, row.get("Склад_Key")).get("ВидСклада")
        # УправлениеЗапасами.ПроверитьЧтоСкладНеНТТ, unless the goods come by a receipt order.
        if kind == "НТТ" and (arrival != "ПоОрдеру" or books):
            msgs.append(_row_msg(row, "склад не может быть неавтоматизированной торговой точкой!"))
        # CommonModules/УправлениеРозничнойТорговлей, ЗаполнитьКолонкуСуммаПродажная and
        # ПроверитьЧтоДляРозничныхСкладовЗаполненаСуммаПродажная: a retail row needs its АТТ price.
        if kind == "Розничный":
            price = _retail_price(engine, row, doc.get("Date", ""))
            if price:
                retail_price[row["LineNumber"]] = price
            elif retail_checked:
                msgs.append(
                    f'В строке номер "{row["LineNumber"]}" табличной части "Товары" '
                    f'для номенклатуры "{name}": Не задана цена АТТ. Необходимо выполнить переоценку!'
                )
    return retail_price


def _storage_quantity(engine: Engine, row: dict[str, Any]) -> float:
    """CommonModules/УправлениеЗапасами, СформироватьСтруктуруПолейТовары: the quantity moved is
    Количество × Коэффициент / the coefficient of the product's storage unit (a row written without
    its Коэффициент moves nothing)."""
    product = engine.store.get("Catalog_Номенклатура", row["Номенклатура_Key"]) or {}
    unit = (
        engine.store.get("Catalog_ЕдиницыИзмерения", product.get("ЕдиницаХраненияОстатков_Key", EMPTY_REF))
        or {}
    )
    storage = float(unit.get("Коэффициент") or 0) or 1.0
    return round(float(row.get("Количество") or 0) * float(row.get("Коэффициент") or 0) / storage, 3)


def _retail_price(engine: Engine, row: dict[str, Any], date: str) -> float:
    """The last ``ЦеныАТТ`` price of the row's warehouse and product on the document's date, the
    characteristic's own first, then the one without (``ЗаполнитьКолонкуСуммаПродажная``)."""
    product = row.get("Номенклатура_Key", EMPTY_REF)
    characteristic = row.get("ХарактеристикаНоменклатуры_Key", EMPTY_REF)
    with engine.store.lock:
        found = engine.store.conn.execute(
            f'SELECT "ХарактеристикаНоменклатуры_Key", "Цена" FROM "{RETAIL_PRICES}" '
            'WHERE Active = 1 AND "Склад_Key" = ? AND "Номенклатура_Key" = ? AND Period <= ? '
            'AND "ХарактеристикаНоменклатуры_Key" IN (?, ?) ORDER BY Period',
            (row.get("Склад_Key"), product, date, characteristic, EMPTY_REF),
        ).fetchall()
    last = {char: price for char, price in found}
    return float(last.get(characteristic) or last.get(EMPTY_REF) or 0.0)
