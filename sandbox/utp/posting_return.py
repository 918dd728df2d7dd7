"""ВозвратТоваровОтПокупателя (customer return) posting as UTP 1.2 does it: checks (Качество
required), the order gets its quantity back, stock comes back, negative sales, the debt reduced."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import EMPTY_REF, UNDEFINED
from .posting_invoice import order_expense
from .posting_sales import (
    INVOICE_T,
    ORDER_T,
    RETAIL,
    SALES,
    STOCK,
    WAREHOUSE_T,
    check_accounts_header,
    check_orders_of_rows,
    check_reflection,
    deal_required,
    empty,
    kind_of_warehouse,
    no_services_or_sets,
    num,
    orders_required_in_rows,
    settlement_mode,
)

if TYPE_CHECKING:
    from .engine import Engine


Moves = dict[str, list[dict[str, Any]]]


def post_return(eng: Engine, doc: dict[str, Any], msgs: list[str], moves: Moves) -> None:
    contract = eng._contract(doc, msgs)
    _check_return(eng, doc, contract, msgs)
    if msgs:
        return
    if not doc.get("ОтражатьВУправленческомУчете"):  # ДвиженияПоРегистрамУпр
        return
    total = _return_rows(eng, doc, moves)
    by_order = settlement_mode(contract) == "ПоЗаказам"
    moves["AccumulationRegister_ВзаиморасчетыСКонтрагентами"].append(
        eng._settlement(
            doc,
            doc.get("Сделка", "") if by_order else "",
            doc.get("Сделка_Type", UNDEFINED) if by_order else UNDEFINED,
            total,
            "Expense",
        )
    )


def _check_return(eng: Engine, doc: dict[str, Any], contract: dict[str, Any] | None, msgs: list[str]) -> None:
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
    if not eng.options.warehouses_in_rows and empty(doc.get("СкладОрдер")):
        msgs.append('Не заполнено значение реквизита "СкладОрдер"')
    deal_required(eng, doc, contract, msgs)
    check_accounts_header(eng, doc, contract, False, msgs)
    check_reflection(doc, msgs)
    if (
        doc.get("СкладОрдер_Type") == WAREHOUSE_T
        and kind_of_warehouse(eng, doc.get("СкладОрдер", "")) == "НТТ"
    ):
        msgs.append("Документ не может осуществлять возврат на неавтоматизированную торговую точку!")
    # ПроверитьЗаполнениеТабличнойЧастиТовары: Качество is required and nothing fills it on write.
    need = ["Номенклатура_Key", "Качество_Key", "Количество", "Сумма", "Склад_Key"]
    if doc.get("УчитыватьНДС"):
        need.append("СтавкаНДС")
    if doc.get("ВидПоступления") == "ПоОрдеру":
        need.append("ПриходныйОрдер_Key")
    if orders_required_in_rows(eng, contract):
        need.append("ЗаказПокупателя_Key")
    if doc.get("ОтражатьВБухгалтерскомУчете"):
        need += ["СчетУчетаБУ_Key", "СхемаРеализации_Key"]
    eng._row_required("Товары", goods, need, msgs)
    no_services_or_sets(eng, "Товары", goods, msgs)
    check_orders_of_rows(eng, doc, "Товары", msgs)


def _return_rows(eng: Engine, doc: dict[str, Any], moves: Moves) -> float:
    """Each row's movements; returns the amount the customer's debt goes down by."""
    vat_on_top = doc.get("УчитыватьНДС") and not doc.get("СуммаВключаетНДС")
    total = 0.0
    for row in doc.get("Товары", []):
        qty = num(row["Количество"]) * (num(row.get("Коэффициент")) or 1)
        amount = num(row["Сумма"]) + (num(row.get("СуммаНДС")) if vat_on_top else 0)
        total += amount
        order = row.get("ЗаказПокупателя_Key", EMPTY_REF)
        # ДвиженияПоРегистрамУпр: rows with an order give the order its quantity back (expense < 0).
        if not empty(order):
            order_expense(eng, doc, row, str(order), qty, amount, moves, sign=-1)
        # НаСклад: the goods come back to the warehouse's register; ПоОрдеру goes to
        # ТоварыКПолучениюНаСклады (not modelled: no stock moves until the receipt order).
        if doc.get("ВидПоступления", "НаСклад") != "ПоОрдеру":
            reg = RETAIL if kind_of_warehouse(eng, row["Склад_Key"]) == "Розничный" else STOCK
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
                "ЗаказПокупателя": "" if empty(order) else order,
                "ЗаказПокупателя_Type": UNDEFINED if empty(order) else ORDER_T,
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
                "НДС": -num(row.get("СуммаНДС")),
            }
        )
    return total
