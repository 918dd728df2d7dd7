"""What the four sales documents share (order, invoice, return, closure: posting_order.py,
posting_invoice.py, posting_return.py, posting_closure.py): base settings, names, the checks of
several documents, and ``before_write`` (``ПередЗаписью`` of the invoice and the return).

Every rule names the configuration's file and procedure (public dump malakhovua/utp). Only what a
document written through OData can hit is reproduced. Checks append 1C-style messages to ``msgs``;
posting adds movements to ``moves`` (register → rows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .model import EMPTY_DATE, EMPTY_REF, NS
from .values import new_ref

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


def empty(v: Any) -> bool:
    return v in (None, "", 0, 0.0, EMPTY_REF, EMPTY_DATE)


def num(v: Any) -> float:
    return float(v or 0)


def ensure_predefined(eng: Engine) -> None:
    """The predefined item Справочники.Качество.Новый exists in every base
    (Catalogs/Качество/Ext/Predefined.xml); created once, outside any write."""
    if eng.store.meta_get("quality_new"):
        return
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


def order_in_header(doc: dict[str, Any]) -> str:
    if doc.get("Сделка_Type") == ORDER_T and not empty(doc.get("Сделка")):
        return str(doc["Сделка"])
    return EMPTY_REF


def contract_of(eng: Engine, doc: dict[str, Any]) -> dict[str, Any] | None:
    ref = doc.get("ДоговорКонтрагента_Key", EMPTY_REF)
    return None if empty(ref) else eng.store.get("Catalog_ДоговорыКонтрагентов", ref)


def settlement_mode(contract: dict[str, Any] | None) -> str:
    return (contract or {}).get("ВедениеВзаиморасчетов", "")


def orders_required_in_rows(eng: Engine, contract: dict[str, Any] | None) -> bool:
    # UTP 1.2: CommonModules/УправлениеЗаказами, ИспользоватьЗаказВТабличнойЧасти /
    # ПроверятьЗаказВТабличнойЧасти: only with the constant on and a contract settled by orders.
    return eng.options.orders_in_rows and settlement_mode(contract) == "ПоЗаказам"


def kind_of_warehouse(eng: Engine, ref: str) -> str:
    wh = None if empty(ref) else eng.store.get("Catalog_Склады", ref)
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
        if not eng.options.warehouses_in_rows or empty(row.get("Склад_Key")):
            row["Склад_Key"] = header_wh
    # ПередЗаписью → УправлениеЗаказами.ЗаполнитьЗаказПокупателяВТЧ: without orders in rows, every
    # row's order is the header's Сделка (when it is a customer order), otherwise empty.
    contract = contract_of(eng, rec)
    if not (eng.options.orders_in_rows and settlement_mode(contract) != "ПоСчетам"):
        order = order_in_header(rec)
        for row in goods + rec.get("Услуги", []):
            row["ЗаказПокупателя_Key"] = order
    # ПередЗаписью: a row shipped "from the reserve" without an order is shipped from stock.
    for row in goods:
        if empty(row.get("ЗаказПокупателя_Key")) and row.get("СпособСписанияОстаткаТоваров") == "ИзРезерва":
            row["СпособСписанияОстаткаТоваров"] = "СоСклада"


def _before_write_return(eng: Engine, rec: dict[str, Any]) -> None:
    goods = rec.get("Товары", [])
    # UTP 1.2: Documents/ВозвратТоваровОтПокупателя/Ext/ObjectModule.bsl, ПередЗаписью →
    # ОбработкаТабличныхЧастей.ЗаполнитьСкладИОрдерВСтрокахТабЧасти: warehouse from СкладОрдер.
    header_wh = rec.get("СкладОрдер") if rec.get("СкладОрдер_Type") == WAREHOUSE_T else EMPTY_REF
    for row in goods:
        if not empty(header_wh) and (not eng.options.warehouses_in_rows or empty(row.get("Склад_Key"))):
            row["Склад_Key"] = header_wh
    # ПередЗаписью → УправлениеЗаказами.ЗаполнитьЗаказПокупателяВТЧ (ВозвратОтПокупателя).
    contract = contract_of(eng, rec)
    if not (eng.options.orders_in_rows and settlement_mode(contract) != "ПоСчетам"):
        order = order_in_header(rec)
        for row in goods:
            row["ЗаказПокупателя_Key"] = order
    # Качество is NOT filled here (unlike the invoice): the return's rows must carry it.


# ================================================================== shared checks
def row_prefix(table: str, row: dict[str, Any]) -> str:
    return f'В строке номер "{row["LineNumber"]}" табличной части "{table}": '


def check_reflection(doc: dict[str, Any], msgs: list[str]) -> None:
    # UTP 1.2: CommonModules/ОбщегоНазначения/Ext/Module.bsl, ПроверитьПринадлежностьКВидамУчета.
    if not doc.get("ОтражатьВУправленческомУчете") and not doc.get("ОтражатьВБухгалтерскомУчете"):
        msgs.append(
            'Документ должен принадлежать хотя бы одному из видов учета: "Управленческий" и (или) '
            '"Бухгалтерский".'
        )


def check_accounts_header(
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


def check_orders_of_rows(eng: Engine, doc: dict[str, Any], table: str, msgs: list[str]) -> None:
    # UTP 1.2: CommonModules/УправлениеЗаказами/Ext/Module.bsl, ПроверитьРеквизитыЗаказов: the rows'
    # orders must have the document's organisation, counterparty and contract, and not be dated later.
    for row in doc.get(table, []):
        ref = row.get("ЗаказПокупателя_Key", EMPTY_REF)
        if empty(ref):
            continue
        order = eng.store.get(ORDER, ref)
        if order is None:
            continue
        prefix = row_prefix(table, row)
        for field, label in (
            ("Организация_Key", "Организация"),
            ("Контрагент_Key", "Контрагент"),
            ("ДоговорКонтрагента_Key", "Договор контрагента"),
        ):
            if order.get(field) != doc.get(field):
                msgs.append(f'{prefix}выбран заказ с неверным реквизитом "{label}".')
        if order.get("Date", "") > doc.get("Date", ""):
            msgs.append(f"{prefix}дата и время Заказа больше даты и времени документа!")


def no_services_or_sets(eng: Engine, table: str, rows: list[dict[str, Any]], msgs: list[str]) -> None:
    # UTP 1.2: CommonModules/УправлениеЗапасами, ПроверитьЧтоНетУслуг / ПроверитьЧтоНетНаборов.
    for row in rows:
        prod = eng._product(row.get("Номенклатура_Key", EMPTY_REF))
        if prod.get("Услуга") or prod.get("Набор"):
            msgs.append(
                f'{row_prefix(table, row)}"{prod["Description"]}" — услуга или набор, '
                f'в табличной части "{table}" не допускается'
            )


def deal_required(eng: Engine, doc: dict[str, Any], contract: dict[str, Any] | None, msgs: list[str]) -> None:
    # UTP 1.2: ПроверитьЗаполнениеШапки of the invoice and of the return: Сделка for a contract settled
    # by orders (unless the orders are in the rows) and for one settled by invoices.
    mode = settlement_mode(contract)
    if not empty(doc.get("Сделка")):
        return
    if mode == "ПоЗаказам" and not orders_required_in_rows(eng, contract):
        msgs.append(
            'По выбранному договору установлен способ ведения взаиморасчетов "по заказам"! '
            'Заполните поле "Заказ покупателя"!'
        )
    elif mode == "ПоСчетам":
        msgs.append(
            'По выбранному договору установлен способ ведения взаиморасчетов "по счетам"! '
            'Заполните поле "Счет покупателю"!'
        )


def batch_status(order: dict[str, Any] | None) -> str:
    # UTP 1.2: Documents/ЗаказПокупателя/Ext/ObjectModule.bsl, ОпределитьСтатусПартии: an order
    # without ВидОперации records its lines with an EMPTY batch status.
    kind = (order or {}).get("ВидОперации", "")
    return {"ПродажаКомиссия": BOUGHT, "Переработка": "ВПереработку"}.get(kind, "")
