"""РеализацияТоваровУслуг (sales invoice) posting as UTP 1.2 does it: checks, sales, stock or
goods-to-ship movements, reserves released by "from reserve" rows, the orders' balance, the debt."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from .model import EMPTY_REF, NS, SETTLEMENT_HEADER, UNDEFINED
from .posting_sales import (
    BOUGHT,
    INVOICE_T,
    ORDER_T,
    ORDERS,
    RESERVES,
    RETAIL,
    SALES,
    STOCK,
    TO_SHIP,
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


# ----- РеализацияТоваровУслуг
def _check_invoice(
    eng: Engine, doc: dict[str, Any], contract: dict[str, Any] | None, msgs: list[str]
) -> None:
    goods = doc.get("Товары", [])
    # UTP 1.2: Documents/РеализацияТоваровУслуг/Ext/ObjectModule.bsl, ПроверитьЗаполнениеШапки:
    # ВидПередачи is always required (no default outside the form's fill-from-order).
    header = [*SETTLEMENT_HEADER, "ВидПередачи"]
    if not eng.options.warehouses_in_rows and goods:
        header.append("Склад_Key")
    eng._required(doc, header, msgs)
    deal_required(eng, doc, contract, msgs)
    deal_type = doc.get("Сделка_Type")
    if settlement_mode(contract) == "ПоСчетам" and not empty(doc.get("Сделка")):  # noqa: SIM102
        if deal_type != f"{NS}.Document_СчетНаОплатуПокупателю":
            msgs.append('В реквизите "Сделка" должен быть указан счет на оплату покупателю')
    check_accounts_header(eng, doc, contract, True, msgs)
    check_reflection(doc, msgs)
    # ПроверитьЗаполнениеШапкиУпр: no sale from a non-automated outlet.
    if kind_of_warehouse(eng, doc.get("Склад_Key", EMPTY_REF)) == "НТТ":
        msgs.append("Документ не может осуществлять реализацию с неавтоматизированной торговой точки!")
    # ПроверитьЗаполнениеТабличнойЧастиТовары.
    need = ["Номенклатура_Key", "Количество", "Сумма", "ЕдиницаИзмерения_Key", "Склад_Key"]
    if orders_required_in_rows(eng, contract):
        need.append("ЗаказПокупателя_Key")
    if doc.get("УчитыватьНДС"):
        need.append("СтавкаНДС")
    if doc.get("ВидОперации") in ("Брак", "Оборудование"):
        need.append("Качество_Key")
    if settlement_mode(contract) == "ПоЗаказам" and not empty(doc.get("Сделка")):
        need.append("СпособСписанияОстаткаТоваров")
    if doc.get("ОтражатьВБухгалтерскомУчете"):
        need += ["СчетУчетаБУ_Key", "СхемаРеализации_Key"]
        if eng.options.vat_payer:  # ПроверитьТабЧатьТоварыПоСтрочно
            need.append("НалоговоеНазначение_Key")
    eng._row_required("Товары", goods, need, msgs)
    no_services_or_sets(eng, "Товары", goods, msgs)
    for row in goods:  # УправлениеЗапасами.ПроверитьЧтоСкладНеНТТ
        eng._warehouse_ok(row.get("Склад_Key", ""), msgs)
    check_orders_of_rows(eng, doc, "Товары", msgs)
    # ПроверитьЗаполнениеТабличнойЧастиУслуги.
    svc_need = ["Номенклатура_Key", "Количество", "Сумма"] + (
        ["СтавкаНДС"] if doc.get("УчитыватьНДС") else []
    )
    if doc.get("ОтражатьВБухгалтерскомУчете"):
        svc_need.append("СхемаРеализации_Key")
    eng._row_required("Услуги", doc.get("Услуги", []), svc_need, msgs)
    check_orders_of_rows(eng, doc, "Услуги", msgs)


def post_invoice(
    eng: Engine,
    doc: dict[str, Any],
    msgs: list[str],
    moves: dict[str, list[dict[str, Any]]],
) -> None:
    contract = eng._contract(doc, msgs)
    _check_invoice(eng, doc, contract, msgs)
    if msgs:
        return
    goods = doc.get("Товары", [])
    by_order = settlement_mode(contract) == "ПоЗаказам"
    # UTP 1.2: ДвиженияПоРегистрамУпр runs only with ОтражатьВУправленческомУчете.
    if not doc.get("ОтражатьВУправленческомУчете"):
        return
    vat_on_top = doc.get("УчитыватьНДС") and not doc.get("СуммаВключаетНДС")
    debt: dict[str, float] = defaultdict(float)
    services = [{**r, "ЕдиницаИзмерения_Key": EMPTY_REF} for r in doc.get("Услуги", [])]
    for row in goods + services:
        is_goods = "Склад_Key" in row
        qty = num(row.get("Количество")) * (num(row.get("Коэффициент")) or 1)
        amount = num(row.get("Сумма")) + (num(row.get("СуммаНДС")) if vat_on_top else 0)
        order = row.get("ЗаказПокупателя_Key", EMPTY_REF)
        order = "" if empty(order) else str(order)
        moves[SALES].append(_sale(doc, row, order, qty, amount))
        debt[order if by_order else ""] += amount
        if is_goods:
            _stock_movement(eng, doc, row, qty, moves)
            if order and row.get("СпособСписанияОстаткаТоваров") == "ИзРезерва":
                # Only rows shipped "from the reserve" release it (ДвиженияПоРегистрамУпр).
                moves[RESERVES].append(_reserve_release(row, order, qty))
        if order:
            order_expense(eng, doc, row, order, qty, amount, moves, sign=1)
    for order, amount in debt.items():
        moves["AccumulationRegister_ВзаиморасчетыСКонтрагентами"].append(
            eng._settlement(doc, order, ORDER_T if order else UNDEFINED, amount, "Receipt")
        )


def _sale(doc: dict[str, Any], row: dict[str, Any], order: str, qty: float, amount: float) -> dict[str, Any]:
    return {
        "Номенклатура_Key": row["Номенклатура_Key"],
        "ХарактеристикаНоменклатуры_Key": row.get("ХарактеристикаНоменклатуры_Key", EMPTY_REF),
        "ЗаказПокупателя": order,
        "ЗаказПокупателя_Type": ORDER_T if order else UNDEFINED,
        "Контрагент_Key": doc["Контрагент_Key"],
        "ДоговорКонтрагента_Key": doc["ДоговорКонтрагента_Key"],
        "ДокументПродажи": doc["Ref_Key"],
        "ДокументПродажи_Type": INVOICE_T,
        "Количество": qty,
        "Стоимость": amount,
        "НДС": num(row.get("СуммаНДС")),
    }


def _reserve_release(row: dict[str, Any], order: str, qty: float) -> dict[str, Any]:
    return {
        "Склад_Key": row["Склад_Key"],
        "Номенклатура_Key": row["Номенклатура_Key"],
        "ХарактеристикаНоменклатуры_Key": row.get("ХарактеристикаНоменклатуры_Key", EMPTY_REF),
        "СерияНоменклатуры_Key": row.get("СерияНоменклатуры_Key", EMPTY_REF),
        "ДокументРезерва": order,
        "ДокументРезерва_Type": ORDER_T,
        "RecordType": "Expense",
        "Количество": qty,
    }


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
    elif kind_of_warehouse(eng, row["Склад_Key"]) == "Розничный":
        moves[RETAIL].append({**key, "RecordType": "Expense", "Количество": qty})
    else:
        moves[STOCK].append({**key, "RecordType": "Expense", "Количество": qty})


def order_expense(
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
    left = _expense_from_balances(eng, row, order, qty, moves) if sign > 0 else qty
    if left <= 1e-9:
        return
    share = left / qty if qty else 0
    moves[ORDERS].append(
        {
            "ДоговорКонтрагента_Key": doc["ДоговорКонтрагента_Key"],
            "ЗаказПокупателя_Key": order,
            "Номенклатура_Key": row["Номенклатура_Key"],
            "ХарактеристикаНоменклатуры_Key": row.get("ХарактеристикаНоменклатуры_Key", EMPTY_REF),
            "ЕдиницаИзмерения_Key": row.get("ЕдиницаИзмерения_Key", EMPTY_REF),
            "Цена": num(row.get("Цена")),
            "ПроцентСкидкиНаценки": num(row.get("ПроцентСкидкиНаценки")),
            "СтавкаНДС": row.get("СтавкаНДС", ""),
            "СтатусПартии": BOUGHT,
            "RecordType": "Expense",
            "Количество": sign * left,
            "СуммаВзаиморасчетов": sign * round(amount * share, 2),
            "СуммаУпр": sign * round(amount * share, 2),
        }
    )


def _expense_from_balances(
    eng: Engine, row: dict[str, Any], order: str, qty: float, moves: dict[str, list[dict[str, Any]]]
) -> float:
    """Expenses against the order's recorded lines (status Купленный) not yet met by this document;
    returns the quantity left over."""
    left = qty
    for bal in eng._balance_rows(
        ORDERS,
        {
            "ЗаказПокупателя_Key": order,
            "Номенклатура_Key": row["Номенклатура_Key"],
            "ХарактеристикаНоменклатуры_Key": row.get("ХарактеристикаНоменклатуры_Key", EMPTY_REF),
            "СтатусПартии": BOUGHT,
        },
    ):
        if left <= 1e-9 or bal["Количество"] <= 1e-9:
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
    return left
