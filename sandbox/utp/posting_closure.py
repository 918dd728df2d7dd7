"""ЗакрытиеЗаказовПокупателей (order closure) posting as UTP 1.2 does it: ЗакрытиеЗаказов writes
off what is left to ship; both operations release the orders' reserves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .posting_sales import (
    ORDER,
    ORDER_T,
    ORDERS,
    RESERVES,
    empty,
)

if TYPE_CHECKING:
    from .engine import Engine


# ----- ЗакрытиеЗаказовПокупателей
def post_closure(
    eng: Engine,
    doc: dict[str, Any],
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
        if row.get("ЗаказПокупателя_Type") != ORDER_T or empty(row.get("ЗаказПокупателя")):
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
