"""ЗаказПокупателя (customer order) posting as UTP 1.2 does it: header and row checks, the order's
lines in ЗаказыПокупателей with the batch status of its operation, reserves by Размещение."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import EMPTY_REF, UNDEFINED
from .posting_sales import (
    ORDER_T,
    ORDERS,
    RESERVES,
    WAREHOUSE_T,
    batch_status,
    empty,
    no_services_or_sets,
    num,
    row_prefix,
    settlement_mode,
)

if TYPE_CHECKING:
    from .engine import Engine


Moves = dict[str, list[dict[str, Any]]]


def post_order(eng: Engine, doc: dict[str, Any], msgs: list[str], moves: Moves) -> None:
    _check_order(eng, doc, msgs)
    if msgs:
        return
    status = batch_status(doc)
    vat_on_top = doc.get("УчитыватьНДС") and not doc.get("СуммаВключаетНДС")
    services = [{**r, "ЕдиницаИзмерения_Key": EMPTY_REF} for r in doc.get("Услуги", [])]
    for row in doc.get("Товары", []) + services:
        qty = num(row.get("Количество")) * (num(row.get("Коэффициент")) or 1)
        amount = num(row.get("Сумма")) + (num(row.get("СуммаНДС")) if vat_on_top else 0)
        # ДвиженияПоРегистрамУпр: the order's lines with the batch status of its operation.
        moves[ORDERS].append(_order_line(doc, row, status, qty, amount))
        if row.get("Размещение_Type") == WAREHOUSE_T and not empty(row.get("Размещение")):
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


def _check_order(eng: Engine, doc: dict[str, Any], msgs: list[str]) -> None:
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
    if settlement_mode(contract) == "ПоСчетам":
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
    no_services_or_sets(eng, "Товары", goods, msgs)
    for row in services:  # ПроверитьЧтоНетТоваров
        prod = eng._product(row.get("Номенклатура_Key", EMPTY_REF))
        if not prod.get("Услуга"):
            msgs.append(f'{row_prefix("Услуги", row)}"{prod["Description"]}" — не услуга')
    for row in goods:  # ПроверитьЧтоСкладНеНТТ
        if row.get("Размещение_Type") == WAREHOUSE_T:
            eng._warehouse_ok(row.get("Размещение", ""), msgs)


def _order_line(
    doc: dict[str, Any], row: dict[str, Any], status: str, qty: float, amount: float
) -> dict[str, Any]:
    return {
        "ДоговорКонтрагента_Key": doc["ДоговорКонтрагента_Key"],
        "ЗаказПокупателя_Key": doc["Ref_Key"],
        "Номенклатура_Key": row["Номенклатура_Key"],
        "ХарактеристикаНоменклатуры_Key": row.get("ХарактеристикаНоменклатуры_Key", EMPTY_REF),
        "ЕдиницаИзмерения_Key": row.get("ЕдиницаИзмерения_Key", EMPTY_REF),
        "Цена": num(row.get("Цена")),
        "ПроцентСкидкиНаценки": num(row.get("ПроцентСкидкиНаценки")),
        "ПроцентАвтоматическихСкидок": num(row.get("ПроцентАвтоматическихСкидок")),
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
