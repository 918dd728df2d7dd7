"""Sales order, sales invoice, customer return and order closure as UTP 1.2 writes and posts them.

Every rule names the configuration's file and procedure (public dump malakhovua/utp). Only what a
document written through OData can hit is reproduced: UI-only code (forms, dialogs) is not.
``Engine`` calls ``before_write`` on every non-DataLoadMode write (``ПередЗаписью``) and the ``post_*``
functions from its posting handlers; checks append 1C-style messages to ``msgs`` and movements to
``moves`` (register → rows), exactly like the other handlers in engine.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .model import EMPTY_DATE, EMPTY_REF, NS, UNDEFINED

if TYPE_CHECKING:
    from .engine import Engine

ORDER = "Document_ЗаказПокупателя"
ORDER_T = f"{NS}.{ORDER}"
INVOICE = "Document_РеализацияТоваровУслуг"
INVOICE_T = f"{NS}.{INVOICE}"
WAREHOUSE_T = f"{NS}.Catalog_Склады"
STOCK = "AccumulationRegister_ТоварыНаСкладах"
RETAIL = "AccumulationRegister_ТоварыВРознице"
TO_SHIP = "AccumulationRegister_ТоварыКПередачеСоСкладов"
RESERVES = "AccumulationRegister_ТоварыВРезервеНаСкладах"
ORDERS = "AccumulationRegister_ЗаказыПокупателей"
SALES = "AccumulationRegister_Продажи"
BOUGHT = "Купленный"  # Enums/СтатусыПартийТоваров


@dataclass
class SalesOptions:
    """Settings of the emulated base that change what these documents need (tested both ways)."""

    # Constant УказаниеЗаказовВТабличнойЧастиДокументов (ДляДокументовРеализации…): orders in rows.
    orders_in_rows: bool = True
    # Constant УказаниеСкладовВТабличнойЧастиДокументов (ДляДокументовРеализации…): warehouses in rows.
    warehouses_in_rows: bool = True
    # The organisation's tax accounting policy (УчетнаяПолитикаНалоговыйУчет.ЕстьНДС).
    vat_payer: bool = True


def _empty(v: Any) -> bool:
    return v in (None, "", 0, 0.0, EMPTY_REF, EMPTY_DATE)


def _num(v: Any) -> float:
    return float(v or 0)


def ensure_predefined(eng: Engine) -> None:
    """The predefined item Справочники.Качество.Новый exists in every base
    (Catalogs/Качество/Ext/Predefined.xml); created once, outside any write."""
    if eng.store.meta_get("quality_new"):
        return
    from .engine import new_ref  # local: engine imports this module

    rec = {
        **eng.store.defaults["Catalog_Качество"],
        "Ref_Key": new_ref(),
        "DataVersion": eng.store.new_data_version(),
        "Code": "000000001",
        "Description": "Новый",
        "Predefined": True,
        "PredefinedDataName": "Новый",
    }
    eng.store.put("Catalog_Качество", rec)
    eng.store.next_seq("code:Catalog_Качество", 1)
    eng.store.meta_set("quality_new", rec["Ref_Key"])


def quality_new(eng: Engine) -> str:
    return str(eng.store.meta_get("quality_new") or EMPTY_REF)


def _order_in_header(doc: dict[str, Any]) -> str:
    if doc.get("Сделка_Type") == ORDER_T and not _empty(doc.get("Сделка")):
        return str(doc["Сделка"])
    return EMPTY_REF


def _contract_of(eng: Engine, doc: dict[str, Any]) -> dict[str, Any] | None:
    ref = doc.get("ДоговорКонтрагента_Key", EMPTY_REF)
    return None if _empty(ref) else eng.store.get("Catalog_ДоговорыКонтрагентов", ref)


def _settlement_mode(contract: dict[str, Any] | None) -> str:
    return (contract or {}).get("ВедениеВзаиморасчетов", "")


def _orders_required_in_rows(eng: Engine, contract: dict[str, Any] | None) -> bool:
    # UTP 1.2: CommonModules/УправлениеЗаказами, ИспользоватьЗаказВТабличнойЧасти /
    # ПроверятьЗаказВТабличнойЧасти: only with the constant on and a contract settled by orders.
    return eng.options.orders_in_rows and _settlement_mode(contract) == "ПоЗаказам"


def _kind_of_warehouse(eng: Engine, ref: str) -> str:
    wh = None if _empty(ref) else eng.store.get("Catalog_Склады", ref)
    return (wh or {}).get("ВидСклада", "")


# ================================================================== ПередЗаписью (on write)
def before_write(eng: Engine, set_name: str, rec: dict[str, Any]) -> None:
    if set_name == INVOICE:
        _before_write_invoice(eng, rec)
    elif set_name == "Document_ВозвратТоваровОтПокупателя":
        _before_write_return(eng, rec)


def _before_write_invoice(eng: Engine, rec: dict[str, Any]) -> None:
    goods = rec.get("Товары", [])
    # UTP 1.2: Documents/РеализацияТоваровУслуг/Ext/ObjectModule.bsl, ПередЗаписью: every row of an
    # operation other than Брак gets the quality Новый.
    if rec.get("ВидОперации") != "Брак" and goods:
        new = quality_new(eng)
        for row in goods:
            row["Качество_Key"] = new
    # ПередЗаписью → ЗаполнитьСкладыВТЧ: header warehouse into the rows (all of them when the
    # constant keeps warehouses in the header, the empty ones otherwise).
    header_wh = rec.get("Склад_Key", EMPTY_REF)
    for row in goods:
        if not eng.options.warehouses_in_rows or _empty(row.get("Склад_Key")):
            row["Склад_Key"] = header_wh
    # ПередЗаписью → УправлениеЗаказами.ЗаполнитьЗаказПокупателяВТЧ: without orders in rows, every
    # row's order is the header's Сделка (when it is a customer order), otherwise empty.
    contract = _contract_of(eng, rec)
    if not (eng.options.orders_in_rows and _settlement_mode(contract) != "ПоСчетам"):
        order = _order_in_header(rec)
        for row in goods + rec.get("Услуги", []):
            row["ЗаказПокупателя_Key"] = order
    # ПередЗаписью: a row shipped "from the reserve" without an order is shipped from stock.
    for row in goods:
        if _empty(row.get("ЗаказПокупателя_Key")) and row.get("СпособСписанияОстаткаТоваров") == "ИзРезерва":
            row["СпособСписанияОстаткаТоваров"] = "СоСклада"


def _before_write_return(eng: Engine, rec: dict[str, Any]) -> None:
    goods = rec.get("Товары", [])
    # UTP 1.2: Documents/ВозвратТоваровОтПокупателя/Ext/ObjectModule.bsl, ПередЗаписью →
    # ОбработкаТабличныхЧастей.ЗаполнитьСкладИОрдерВСтрокахТабЧасти: warehouse from СкладОрдер.
    header_wh = rec.get("СкладОрдер") if rec.get("СкладОрдер_Type") == WAREHOUSE_T else EMPTY_REF
    for row in goods:
        if not _empty(header_wh) and (not eng.options.warehouses_in_rows or _empty(row.get("Склад_Key"))):
            row["Склад_Key"] = header_wh
    # ПередЗаписью → УправлениеЗаказами.ЗаполнитьЗаказПокупателяВТЧ (ВозвратОтПокупателя).
    contract = _contract_of(eng, rec)
    if not (eng.options.orders_in_rows and _settlement_mode(contract) != "ПоСчетам"):
        order = _order_in_header(rec)
        for row in goods:
            row["ЗаказПокупателя_Key"] = order
    # Качество is NOT filled here (unlike the invoice): the return's rows must carry it.


# ================================================================== shared checks
def _row_prefix(table: str, row: dict[str, Any]) -> str:
    return f'В строке номер "{row["LineNumber"]}" табличной части "{table}": '


def _check_reflection(doc: dict[str, Any], msgs: list[str]) -> None:
    # UTP 1.2: CommonModules/ОбщегоНазначения/Ext/Module.bsl, ПроверитьПринадлежностьКВидамУчета.
    if not doc.get("ОтражатьВУправленческомУчете") and not doc.get("ОтражатьВБухгалтерскомУчете"):
        msgs.append(
            'Документ должен принадлежать хотя бы одному из видов учета: "Управленческий" и (или) '
            '"Бухгалтерский".'
        )


def _check_accounts_header(
    eng: Engine, doc: dict[str, Any], contract: dict[str, Any] | None, vat_needs_sale: bool, msgs: list[str]
) -> None:
    """With ОтражатьВБухгалтерскомУчете the settlement and VAT accounts are required (ПроверитьЗаполнениеШапки
    of the invoice and of the return)."""
    if not doc.get("ОтражатьВБухгалтерскомУчете"):
        return
    need = []
    if (contract or {}).get("ВидДоговора") != "СКомиссионером":
        need.append("СчетУчетаРасчетовСКонтрагентом_Key")
    sale = doc.get("ВидОперации", "") == "ПродажаКомиссия" or not vat_needs_sale
    if doc.get("УчитыватьНДС") and eng.options.vat_payer and sale:
        # СложныйНалоговыйУчет of the contract is not modelled (false): the confirmed VAT account too.
        need += ["СчетУчетаНДС_Key", "СчетУчетаНДСПодтвержденный_Key"]
    eng._required(doc, need, msgs)


def _check_orders_of_rows(eng: Engine, doc: dict[str, Any], table: str, msgs: list[str]) -> None:
    # UTP 1.2: CommonModules/УправлениеЗаказами/Ext/Module.bsl, ПроверитьРеквизитыЗаказов: the rows'
    # orders must have the document's organisation, counterparty and contract, and not be dated later.
    for row in doc.get(table, []):
        ref = row.get("ЗаказПокупателя_Key", EMPTY_REF)
        if _empty(ref):
            continue
        order = eng.store.get(ORDER, ref)
        if order is None:
            continue
        prefix = _row_prefix(table, row)
        for field, label in (
            ("Организация_Key", "Организация"),
            ("Контрагент_Key", "Контрагент"),
            ("ДоговорКонтрагента_Key", "Договор контрагента"),
        ):
            if order.get(field) != doc.get(field):
                msgs.append(f'{prefix}выбран заказ с неверным реквизитом "{label}".')
        if order.get("Date", "") > doc.get("Date", ""):
            msgs.append(f"{prefix}дата и время Заказа больше даты и времени документа!")


def _no_services_or_sets(eng: Engine, table: str, rows: list[dict[str, Any]], msgs: list[str]) -> None:
    # UTP 1.2: CommonModules/УправлениеЗапасами, ПроверитьЧтоНетУслуг / ПроверитьЧтоНетНаборов.
    for row in rows:
        prod = eng._product(row.get("Номенклатура_Key", EMPTY_REF))
        if prod.get("Услуга") or prod.get("Набор"):
            msgs.append(
                f'{_row_prefix(table, row)}"{prod["Description"]}" — услуга или набор, '
                f'в табличной части "{table}" не допускается'
            )


def _deal_required(
    eng: Engine, doc: dict[str, Any], contract: dict[str, Any] | None, msgs: list[str]
) -> None:
    # UTP 1.2: ПроверитьЗаполнениеШапки of the invoice and of the return: Сделка for a contract settled
    # by orders (unless the orders are in the rows) and for one settled by invoices.
    mode = _settlement_mode(contract)
    if not _empty(doc.get("Сделка")):
        return
    if mode == "ПоЗаказам" and not _orders_required_in_rows(eng, contract):
        msgs.append(
            'По выбранному договору установлен способ ведения взаиморасчетов "по заказам"! '
            'Заполните поле "Заказ покупателя"!'
        )
    elif mode == "ПоСчетам":
        msgs.append(
            'По выбранному договору установлен способ ведения взаиморасчетов "по счетам"! '
            'Заполните поле "Счет покупателю"!'
        )


def _batch_status(order: dict[str, Any] | None) -> str:
    # UTP 1.2: Documents/ЗаказПокупателя/Ext/ObjectModule.bsl, ОпределитьСтатусПартии: an order
    # without ВидОперации records its lines with an EMPTY batch status.
    kind = (order or {}).get("ВидОперации", "")
    return {"ПродажаКомиссия": BOUGHT, "Переработка": "ВПереработку"}.get(kind, "")


# ================================================================== ЗаказПокупателя
def post_order(
    eng: Engine,
    doc: dict[str, Any],
    operational: bool,
    msgs: list[str],
    moves: dict[str, list[dict[str, Any]]],
) -> None:
    # UTP 1.2: Documents/ЗаказПокупателя/Ext/ObjectModule.bsl, ПроверитьЗаполнениеШапки.
    eng._required(
        doc,
        [
            "Организация_Key",
            "ВалютаДокумента_Key",
            "Контрагент_Key",
            "ДоговорКонтрагента_Key",
            "КратностьВзаиморасчетов",
        ],
        msgs,
    )
    contract = eng._contract(doc, msgs)
    if _settlement_mode(contract) == "ПоСчетам":
        msgs.append(
            "Документ можно выписывать только по договору, взаиморасчеты по которому ведутся  по заказам "
            "или по договору в целом!"
        )
    # ПроверитьЗаполнениеШапкиУпр: not from a non-automated outlet.
    if doc.get("СкладГруппа_Type") == WAREHOUSE_T:
        eng._warehouse_ok(doc.get("СкладГруппа", ""), msgs)
    goods = doc.get("Товары", [])
    services = doc.get("Услуги", [])
    vat = ["СтавкаНДС"] if doc.get("УчитыватьНДС") else []
    # ПроверитьЗаполнениеТабличнойЧастиТовары / …Услуги (Содержание is required for services).
    eng._row_required("Товары", goods, ["Номенклатура_Key", "Количество", "Сумма", *vat], msgs)
    eng._row_required(
        "Услуги", services, ["Номенклатура_Key", "Количество", "Сумма", "Содержание", *vat], msgs
    )
    _no_services_or_sets(eng, "Товары", goods, msgs)
    for row in services:  # ПроверитьЧтоНетТоваров
        prod = eng._product(row.get("Номенклатура_Key", EMPTY_REF))
        if not prod.get("Услуга"):
            msgs.append(f'{_row_prefix("Услуги", row)}"{prod["Description"]}" — не услуга')
    for row in goods:  # ПроверитьЧтоСкладНеНТТ
        if row.get("Размещение_Type") == WAREHOUSE_T:
            eng._warehouse_ok(row.get("Размещение", ""), msgs)
    if msgs:
        return
    status = _batch_status(doc)
    vat_on_top = doc.get("УчитыватьНДС") and not doc.get("СуммаВключаетНДС")
    for row in goods + [{**r, "ЕдиницаИзмерения_Key": EMPTY_REF} for r in services]:
        qty = _num(row.get("Количество")) * (_num(row.get("Коэффициент")) or 1)
        amount = _num(row.get("Сумма")) + (_num(row.get("СуммаНДС")) if vat_on_top else 0)
        # ДвиженияПоРегистрамУпр: the order's lines with the batch status of its operation.
        moves[ORDERS].append(
            {
                "ДоговорКонтрагента_Key": doc["ДоговорКонтрагента_Key"],
                "ЗаказПокупателя_Key": doc["Ref_Key"],
                "Номенклатура_Key": row["Номенклатура_Key"],
                "ХарактеристикаНоменклатуры_Key": row.get("ХарактеристикаНоменклатуры_Key", EMPTY_REF),
                "ЕдиницаИзмерения_Key": row.get("ЕдиницаИзмерения_Key", EMPTY_REF),
                "Цена": _num(row.get("Цена")),
                "ПроцентСкидкиНаценки": _num(row.get("ПроцентСкидкиНаценки")),
                "ПроцентАвтоматическихСкидок": _num(row.get("ПроцентАвтоматическихСкидок")),
                "УсловиеАвтоматическойСкидки": row.get("УсловиеАвтоматическойСкидки", ""),
                "ЗначениеУсловияАвтоматическойСкидки": row.get("ЗначениеУсловияАвтоматическойСкидки", ""),
                "ЗначениеУсловияАвтоматическойСкидки_Type": row.get(
                    "ЗначениеУсловияАвтоматическойСкидки_Type", UNDEFINED
                ),
                "СтавкаНДС": row.get("СтавкаНДС", ""),
                "СтатусПартии": status,
                "Количество": qty,
                "СуммаВзаиморасчетов": amount,
                "СуммаУпр": amount,
            }
        )
        if row.get("Размещение_Type") == WAREHOUSE_T and not _empty(row.get("Размещение")):
            moves[RESERVES].append(
                {
                    "Склад_Key": row["Размещение"],
                    "Номенклатура_Key": row["Номенклатура_Key"],
                    "ХарактеристикаНоменклатуры_Key": row.get("ХарактеристикаНоменклатуры_Key", EMPTY_REF),
                    "ДокументРезерва": doc["Ref_Key"],
                    "ДокументРезерва_Type": ORDER_T,
                    "СерияНоменклатуры_Key": row.get("СерияНоменклатуры_Key", EMPTY_REF),
                    "Количество": qty,
                }
            )


# ================================================================== РеализацияТоваровУслуг
def _check_invoice(
    eng: Engine, doc: dict[str, Any], contract: dict[str, Any] | None, msgs: list[str]
) -> None:
    goods = doc.get("Товары", [])
    # UTP 1.2: Documents/РеализацияТоваровУслуг/Ext/ObjectModule.bsl, ПроверитьЗаполнениеШапки:
    # ВидПередачи is always required (no default outside the form's fill-from-order).
    header = [
        "Организация_Key",
        "ВалютаДокумента_Key",
        "Контрагент_Key",
        "ДоговорКонтрагента_Key",
        "КурсВзаиморасчетов",
        "КратностьВзаиморасчетов",
        "ВидПередачи",
    ]
    if not eng.options.warehouses_in_rows and goods:
        header.append("Склад_Key")
    eng._required(doc, header, msgs)
    _deal_required(eng, doc, contract, msgs)
    deal_type = doc.get("Сделка_Type")
    if _settlement_mode(contract) == "ПоСчетам" and not _empty(doc.get("Сделка")):  # noqa: SIM102
        if deal_type != f"{NS}.Document_СчетНаОплатуПокупателю":
            msgs.append('В реквизите "Сделка" должен быть указан счет на оплату покупателю')
    _check_accounts_header(eng, doc, contract, True, msgs)
    _check_reflection(doc, msgs)
    # ПроверитьЗаполнениеШапкиУпр: no sale from a non-automated outlet.
    if _kind_of_warehouse(eng, doc.get("Склад_Key", EMPTY_REF)) == "НТТ":
        msgs.append("Документ не может осуществлять реализацию с неавтоматизированной торговой точки!")
    # ПроверитьЗаполнениеТабличнойЧастиТовары.
    need = ["Номенклатура_Key", "Количество", "Сумма", "ЕдиницаИзмерения_Key", "Склад_Key"]
    if _orders_required_in_rows(eng, contract):
        need.append("ЗаказПокупателя_Key")
    if doc.get("УчитыватьНДС"):
        need.append("СтавкаНДС")
    if doc.get("ВидОперации") in ("Брак", "Оборудование"):
        need.append("Качество_Key")
    if _settlement_mode(contract) == "ПоЗаказам" and not _empty(doc.get("Сделка")):
        need.append("СпособСписанияОстаткаТоваров")
    if doc.get("ОтражатьВБухгалтерскомУчете"):
        need += ["СчетУчетаБУ_Key", "СхемаРеализации_Key"]
        if eng.options.vat_payer:  # ПроверитьТабЧатьТоварыПоСтрочно
            need.append("НалоговоеНазначение_Key")
    eng._row_required("Товары", goods, need, msgs)
    _no_services_or_sets(eng, "Товары", goods, msgs)
    for row in goods:  # УправлениеЗапасами.ПроверитьЧтоСкладНеНТТ
        eng._warehouse_ok(row.get("Склад_Key", ""), msgs)
    _check_orders_of_rows(eng, doc, "Товары", msgs)
    # ПроверитьЗаполнениеТабличнойЧастиУслуги.
    svc_need = ["Номенклатура_Key", "Количество", "Сумма"] + (
        ["СтавкаНДС"] if doc.get("УчитыватьНДС") else []
    )
    if doc.get("ОтражатьВБухгалтерскомУчете"):
        svc_need.append("СхемаРеализации_Key")
    eng._row_required("Услуги", doc.get("Услуги", []), svc_need, msgs)
    _check_orders_of_rows(eng, doc, "Услуги", msgs)


def post_invoice(
    eng: Engine,
    doc: dict[str, Any],
    operational: bool,
    msgs: list[str],
    moves: dict[str, list[dict[str, Any]]],
) -> None:
    contract = eng._contract(doc, msgs)
    _check_invoice(eng, doc, contract, msgs)
    if msgs:
        return
    goods = doc.get("Товары", [])
    by_order = _settlement_mode(contract) == "ПоЗаказам"
    # UTP 1.2: ДвиженияПоРегистрамУпр runs only with ОтражатьВУправленческомУчете.
    if not doc.get("ОтражатьВУправленческомУчете"):
        return
    vat_on_top = doc.get("УчитыватьНДС") and not doc.get("СуммаВключаетНДС")
    debt: dict[str, float] = defaultdict(float)
    services = [{**r, "ЕдиницаИзмерения_Key": EMPTY_REF} for r in doc.get("Услуги", [])]
    for row in goods + services:
        is_goods = "Склад_Key" in row
        qty = _num(row.get("Количество")) * (_num(row.get("Коэффициент")) or 1)
        amount = _num(row.get("Сумма")) + (_num(row.get("СуммаНДС")) if vat_on_top else 0)
        order = row.get("ЗаказПокупателя_Key", EMPTY_REF)
        order = "" if _empty(order) else str(order)
        char = row.get("ХарактеристикаНоменклатуры_Key", EMPTY_REF)
        moves[SALES].append(
            {
                "Номенклатура_Key": row["Номенклатура_Key"],
                "ХарактеристикаНоменклатуры_Key": char,
                "ЗаказПокупателя": order,
                "ЗаказПокупателя_Type": ORDER_T if order else UNDEFINED,
                "Контрагент_Key": doc["Контрагент_Key"],
                "ДоговорКонтрагента_Key": doc["ДоговорКонтрагента_Key"],
                "ДокументПродажи": doc["Ref_Key"],
                "ДокументПродажи_Type": INVOICE_T,
                "Количество": qty,
                "Стоимость": amount,
                "НДС": _num(row.get("СуммаНДС")),
            }
        )
        debt[order if by_order else ""] += amount
        if is_goods:
            _stock_movement(eng, doc, row, qty, moves)
            if order and row.get("СпособСписанияОстаткаТоваров") == "ИзРезерва":
                # Only rows shipped "from the reserve" release it (ДвиженияПоРегистрамУпр).
                moves[RESERVES].append(
                    {
                        "Склад_Key": row["Склад_Key"],
                        "Номенклатура_Key": row["Номенклатура_Key"],
                        "ХарактеристикаНоменклатуры_Key": char,
                        "СерияНоменклатуры_Key": row.get("СерияНоменклатуры_Key", EMPTY_REF),
                        "ДокументРезерва": order,
                        "ДокументРезерва_Type": ORDER_T,
                        "RecordType": "Expense",
                        "Количество": qty,
                    }
                )
        if order:
            _order_expense(eng, doc, row, order, qty, amount, moves, sign=1)
    for order, amount in debt.items():
        moves["AccumulationRegister_ВзаиморасчетыСКонтрагентами"].append(
            eng._settlement(doc, order, ORDER_T if order else UNDEFINED, amount, "Receipt")
        )


def _stock_movement(
    eng: Engine, doc: dict[str, Any], row: dict[str, Any], qty: float, moves: dict[str, list[dict[str, Any]]]
) -> None:
    # UTP 1.2: Documents/РеализацияТоваровУслуг/Ext/ObjectModule.bsl, ДвиженияПоРегистрамУпр: СоСклада →
    # ТоварыНаСкладах (Оптовый) or ТоварыВРознице (Розничный) expense; ПоОрдеру → ТоварыКПередачеСоСкладов
    # receipt (the warehouse ships later against an expense order).
    key = {
        "Склад_Key": row["Склад_Key"],
        "Номенклатура_Key": row["Номенклатура_Key"],
        "ХарактеристикаНоменклатуры_Key": row.get("ХарактеристикаНоменклатуры_Key", EMPTY_REF),
        "СерияНоменклатуры_Key": row.get("СерияНоменклатуры_Key", EMPTY_REF),
        "Качество_Key": row.get("Качество_Key", EMPTY_REF),
    }
    if doc.get("ВидПередачи") == "ПоОрдеру":
        moves[TO_SHIP].append(
            {
                **key,
                "ДокументПередачи": doc["Ref_Key"],
                "ДокументПередачи_Type": INVOICE_T,
                "СтатусПартии": BOUGHT,
                "Количество": qty,
            }
        )
    elif _kind_of_warehouse(eng, row["Склад_Key"]) == "Розничный":
        moves[RETAIL].append({**key, "RecordType": "Expense", "Количество": qty})
    else:
        moves[STOCK].append({**key, "RecordType": "Expense", "Количество": qty})


def _order_expense(
    eng: Engine,
    doc: dict[str, Any],
    row: dict[str, Any],
    order: str,
    qty: float,
    amount: float,
    moves: dict[str, list[dict[str, Any]]],
    sign: int,
) -> None:
    """ЗаказыПокупателей expense with the status Купленный (ДвиженияПоРегистрамУпр of the invoice; the
    return writes the same with the opposite sign). It only meets an order's balance that was recorded
    with the same status: an order without ВидОперации stays open."""
    char = row.get("ХарактеристикаНоменклатуры_Key", EMPTY_REF)
    left = qty
    for bal in eng._balance_rows(
        ORDERS,
        {
            "ЗаказПокупателя_Key": order,
            "Номенклатура_Key": row["Номенклатура_Key"],
            "ХарактеристикаНоменклатуры_Key": char,
            "СтатусПартии": BOUGHT,
        },
    ):
        if sign < 0 or left <= 1e-9 or bal["Количество"] <= 1e-9:
            break
        already = sum(
            m["Количество"]
            for m in moves[ORDERS]
            if all(
                m.get(k) == bal[k] for k in bal if k not in ("Количество", "СуммаВзаиморасчетов", "СуммаУпр")
            )
        )
        avail = bal["Количество"] - already
        if avail <= 1e-9:
            continue
        part = min(left, avail)
        share = part / bal["Количество"]
        moves[ORDERS].append(
            {
                **bal,
                "RecordType": "Expense",
                "Количество": part,
                "СуммаВзаиморасчетов": round(bal["СуммаВзаиморасчетов"] * share, 2),
                "СуммаУпр": round(bal["СуммаУпр"] * share, 2),
            }
        )
        left -= part
    if left > 1e-9:
        share = left / qty if qty else 0
        moves[ORDERS].append(
            {
                "ДоговорКонтрагента_Key": doc["ДоговорКонтрагента_Key"],
                "ЗаказПокупателя_Key": order,
                "Номенклатура_Key": row["Номенклатура_Key"],
                "ХарактеристикаНоменклатуры_Key": char,
                "ЕдиницаИзмерения_Key": row.get("ЕдиницаИзмерения_Key", EMPTY_REF),
                "Цена": _num(row.get("Цена")),
                "ПроцентСкидкиНаценки": _num(row.get("ПроцентСкидкиНаценки")),
                "СтавкаНДС": row.get("СтавкаНДС", ""),
                "СтатусПартии": BOUGHT,
                "RecordType": "Expense",
                "Количество": sign * left,
                "СуммаВзаиморасчетов": sign * round(amount * share, 2),
                "СуммаУпр": sign * round(amount * share, 2),
            }
        )


# ================================================================== ВозвратТоваровОтПокупателя
def post_return(
    eng: Engine,
    doc: dict[str, Any],
    operational: bool,
    msgs: list[str],
    moves: dict[str, list[dict[str, Any]]],
) -> None:
    contract = eng._contract(doc, msgs)
    goods = doc.get("Товары", [])
    # UTP 1.2: Documents/ВозвратТоваровОтПокупателя/Ext/ObjectModule.bsl, ПроверитьЗаполнениеШапки
    # (КурсВзаиморасчетов is not in the list; СкладОрдер only when warehouses are in the header).
    header = [
        "Организация_Key",
        "ВалютаДокумента_Key",
        "Контрагент_Key",
        "ДоговорКонтрагента_Key",
        "КратностьВзаиморасчетов",
    ]
    eng._required(doc, header, msgs)
    if not eng.options.warehouses_in_rows and _empty(doc.get("СкладОрдер")):
        msgs.append('Не заполнено значение реквизита "СкладОрдер"')
    _deal_required(eng, doc, contract, msgs)
    _check_accounts_header(eng, doc, contract, False, msgs)
    _check_reflection(doc, msgs)
    if (
        doc.get("СкладОрдер_Type") == WAREHOUSE_T
        and _kind_of_warehouse(eng, doc.get("СкладОрдер", "")) == "НТТ"
    ):
        msgs.append("Документ не может осуществлять возврат на неавтоматизированную торговую точку!")
    # ПроверитьЗаполнениеТабличнойЧастиТовары: Качество is required and nothing fills it on write.
    need = ["Номенклатура_Key", "Качество_Key", "Количество", "Сумма", "Склад_Key"]
    if doc.get("УчитыватьНДС"):
        need.append("СтавкаНДС")
    if doc.get("ВидПоступления") == "ПоОрдеру":
        need.append("ПриходныйОрдер_Key")
    if _orders_required_in_rows(eng, contract):
        need.append("ЗаказПокупателя_Key")
    if doc.get("ОтражатьВБухгалтерскомУчете"):
        need += ["СчетУчетаБУ_Key", "СхемаРеализации_Key"]
    eng._row_required("Товары", goods, need, msgs)
    _no_services_or_sets(eng, "Товары", goods, msgs)
    _check_orders_of_rows(eng, doc, "Товары", msgs)
    if msgs:
        return
    if not doc.get("ОтражатьВУправленческомУчете"):  # ДвиженияПоРегистрамУпр
        return
    vat_on_top = doc.get("УчитыватьНДС") and not doc.get("СуммаВключаетНДС")
    total = 0.0
    for row in goods:
        qty = _num(row["Количество"]) * (_num(row.get("Коэффициент")) or 1)
        amount = _num(row["Сумма"]) + (_num(row.get("СуммаНДС")) if vat_on_top else 0)
        total += amount
        order = row.get("ЗаказПокупателя_Key", EMPTY_REF)
        # ДвиженияПоРегистрамУпр: rows with an order give the order its quantity back (expense < 0).
        if not _empty(order):
            _order_expense(eng, doc, row, str(order), qty, amount, moves, sign=-1)
        # НаСклад: the goods come back to the warehouse's register; ПоОрдеру goes to
        # ТоварыКПолучениюНаСклады (not modelled: no stock moves until the receipt order).
        if doc.get("ВидПоступления", "НаСклад") != "ПоОрдеру":
            reg = RETAIL if _kind_of_warehouse(eng, row["Склад_Key"]) == "Розничный" else STOCK
            moves[reg].append(
                {
                    "Склад_Key": row["Склад_Key"],
                    "Номенклатура_Key": row["Номенклатура_Key"],
                    "ХарактеристикаНоменклатуры_Key": row.get("ХарактеристикаНоменклатуры_Key", EMPTY_REF),
                    "СерияНоменклатуры_Key": row.get("СерияНоменклатуры_Key", EMPTY_REF),
                    "Качество_Key": row.get("Качество_Key", EMPTY_REF),
                    "Количество": qty,
                }
            )
        moves[SALES].append(
            {
                "Номенклатура_Key": row["Номенклатура_Key"],
                "ХарактеристикаНоменклатуры_Key": row.get("ХарактеристикаНоменклатуры_Key", EMPTY_REF),
                "ЗаказПокупателя": "" if _empty(order) else order,
                "ЗаказПокупателя_Type": UNDEFINED if _empty(order) else ORDER_T,
                "Контрагент_Key": doc["Контрагент_Key"],
                "ДоговорКонтрагента_Key": doc["ДоговорКонтрагента_Key"],
                "ДокументПродажи": row.get("ДокументПартии", "")
                if row.get("ДокументПартии_Type") == INVOICE_T
                else "",
                "ДокументПродажи_Type": INVOICE_T
                if row.get("ДокументПартии_Type") == INVOICE_T
                else UNDEFINED,
                "Количество": -qty,
                "Стоимость": -amount,
                "НДС": -_num(row.get("СуммаНДС")),
            }
        )
    by_order = _settlement_mode(contract) == "ПоЗаказам"
    moves["AccumulationRegister_ВзаиморасчетыСКонтрагентами"].append(
        eng._settlement(
            doc,
            doc.get("Сделка", "") if by_order else "",
            doc.get("Сделка_Type", UNDEFINED) if by_order else UNDEFINED,
            total,
            "Expense",
        )
    )


# ================================================================== ЗакрытиеЗаказовПокупателей
def post_closure(
    eng: Engine,
    doc: dict[str, Any],
    operational: bool,
    msgs: list[str],
    moves: dict[str, list[dict[str, Any]]],
) -> None:
    # UTP 1.2: Documents/ЗакрытиеЗаказовПокупателей/Ext/ObjectModule.bsl, ПроверитьЗаполнениеШапки
    # (ВидОперации) and ПроверитьЗаполнениеТабличнойЧастиЗаказы (order filled, not dated later).
    eng._required(doc, ["ВидОперации"], msgs)
    rows = doc.get("Заказы", [])
    if not rows:
        msgs.append('Не заполнена табличная часть "Заказы"')
    eng._row_required("Заказы", rows, ["ЗаказПокупателя"], msgs)
    for row in rows:
        if row.get("ЗаказПокупателя_Type") != ORDER_T or _empty(row.get("ЗаказПокупателя")):
            continue
        order = eng.store.get(ORDER, row["ЗаказПокупателя"])
        if order is not None and order.get("Date", "") > doc.get("Date", ""):
            msgs.append(f"Дата и время Заказа в строке {row['LineNumber']} больше даты и времени документа!")
    if msgs:
        return
    close_orders = doc.get("ВидОперации") == "ЗакрытиеЗаказов"
    for row in rows:
        if row.get("ЗаказПокупателя_Type") != ORDER_T:
            continue
        order = row["ЗаказПокупателя"]
        # ДвиженияПоРегистрамУпр: ЗакрытиеЗаказов writes off what is left to ship; both operations
        # release the reserves (УправлениеЗаказами.ПодготовитьТаблицуДляЗакрытияРезервов).
        if close_orders:
            for bal in eng._balance_rows(ORDERS, {"ЗаказПокупателя_Key": order}):
                moves[ORDERS].append({**bal, "RecordType": "Expense"})
        for bal in eng._balance_rows(RESERVES, {"ДокументРезерва": order, "ДокументРезерва_Type": ORDER_T}):
            moves[RESERVES].append({**bal, "RecordType": "Expense"})
