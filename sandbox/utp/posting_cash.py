"""The cash receipt (``Document_ПриходныйКассовыйОрдер``) as UTP 1.2 writes and posts it: ``ПередЗаписью``,
the checks of ``ОбработкаПроведения`` and the settlement movements the bridge reads. Each rule with its
configuration file and procedure: the "Parties" table of sandbox/utp/README.md."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from .model import EMPTY_DATE, EMPTY_REF, UNDEFINED

RECEIPT = "Document_ПриходныйКассовыйОрдер"
CONTRACT = "Catalog_ДоговорыКонтрагентов"
TABLE = "РасшифровкаПлатежа"
TABLE_TITLE = "Расшифровка платежа"

# UTP 1.2: CommonModules/УправлениеДенежнымиСредствами, ЕстьРасчетыСКонтрагентами / ЕстьРасчетыПоКредитам
WITH_COUNTERPARTY = {"ОплатаПокупателя", "ВозвратДенежныхСредствПоставщиком", "ПрочиеРасчетыСКонтрагентами"}
WITH_LOANS = {"РасчетыПоКредитамИЗаймамСКонтрагентами"}
# Attribute presentations used by 1C's standard "Не заполнено значение реквизита" message.
LABELS = {
    "Организация_Key": "Организация",
    "Касса_Key": "Касса",
    "Контрагент": "Контрагент",
    "Ответственный_Key": "Ответственный",
    "ДоговорКонтрагента_Key": "Договор контрагента",
    "СуммаВзаиморасчетов": "Сумма взаиморасчетов",
    "СчетУчетаРасчетовСКонтрагентом": "Счет расчетов",
    "СчетУчетаРасчетовСКонтрагентом_Key": "Счет расчетов",
    "СуммаДокумента": "Сумма документа",
}


def _empty(value: Any) -> bool:
    return value in (None, "", 0, 0.0, EMPTY_REF, EMPTY_DATE)


def _num(value: Any) -> float:
    return float(value or 0)


def receipt_before_write(rec: dict[str, Any]) -> None:
    """``ПередЗаписью`` (not in data-load mode): one row at least, the header contract from the rows."""
    rows = rec.setdefault(TABLE, [])
    if not rows:
        rows.append({"LineNumber": 1})
    if rec.get("ВидОперации") != "ПриходДенежныхСредствРозничнаяВыручка":
        # UTP 1.2: CommonModules/УправлениеДенежнымиСредствами,
        # ВыполнитьДействияПередЗаписьюПлатежногоДокумента
        contracts = list(dict.fromkeys(r.get("ДоговорКонтрагента_Key", EMPTY_REF) for r in rows))
        rec["ДоговорКонтрагента_Key"] = contracts[0] if len(contracts) == 1 else EMPTY_REF


@dataclass
class _Receipt:
    """The receipt being posted and what its checks keep asking about it."""

    doc: dict[str, Any]
    rows: list[dict[str, Any]]
    contracts: dict[Any, dict[str, Any] | None]
    vat_payer: bool

    @property
    def kind(self) -> str:
        return str(self.doc.get("ВидОперации") or "")

    @property
    def manage(self) -> bool:
        return bool(self.doc.get("ОтражатьВУправленческомУчете"))

    @property
    def books(self) -> bool:
        return bool(self.doc.get("ОтражатьВБухгалтерскомУчете"))

    @property
    def settles(self) -> bool:
        return self.kind in WITH_COUNTERPARTY or self.kind in WITH_LOANS

    def header(self, msgs: list[str], name: str, message: str | None = None) -> None:
        if _empty(self.doc.get(name)):
            msgs.append(message or f'Не заполнено значение реквизита "{LABELS.get(name, name)}"!')

    def row_required(self, msgs: list[str], name: str) -> None:
        for row in self.rows:
            if _empty(row.get(name)):
                prefix = (
                    f'В строке номер "{row.get("LineNumber")}" табличной части "{TABLE_TITLE}": '
                    if len(self.rows) > 1
                    else ""
                )
                msgs.append(f'{prefix}Не заполнено значение реквизита "{LABELS.get(name, name)}"!')


def post_cash_receipt(
    engine: Any,
    doc: dict[str, Any],
    msgs: list[str],
    moves: dict[str, list[dict[str, Any]]],
) -> None:
    rows = doc.get(TABLE) or []
    if not rows:  # only a receipt written in data-load mode has none
        rows = [{"LineNumber": 1}]
    receipt = _Receipt(doc, rows, {}, engine.options.vat_payer)
    _check_document(receipt, msgs)
    receipt.contracts = {
        r.get("ДоговорКонтрагента_Key"): engine.store.get(
            CONTRACT, r.get("ДоговорКонтрагента_Key") or EMPTY_REF
        )
        for r in rows
        if not _empty(r.get("ДоговорКонтрагента_Key"))
    }
    if receipt.manage:
        _check_management(receipt, msgs)
    if receipt.books and receipt.settles:
        _check_accounting(receipt, msgs)
    if msgs:
        return
    if receipt.manage and bool(doc.get("Оплачено")) and receipt.kind in WITH_COUNTERPARTY:
        _settlements(receipt, moves)


def _check_document(receipt: _Receipt, msgs: list[str]) -> None:
    doc, kind, books = receipt.doc, receipt.kind, receipt.books
    # UTP 1.2: CommonModules/ОбщегоНазначения, ПроверитьПринадлежностьКВидамУчета
    if not receipt.manage and not books:
        msgs.append(
            'Документ должен принадлежать хотя бы одному из видов учета: "Управленческий" и (или) '
            '"Бухгалтерский".'
        )
    # UTP 1.2: Documents/ПриходныйКассовыйОрдер/Ext/ObjectModule.bsl, ПроверитьЗаполнениеДокумента
    receipt.header(msgs, "Организация_Key")
    receipt.header(msgs, "Касса_Key")
    if kind != "ПриходДенежныхСредствРозничнаяВыручка":
        receipt.header(msgs, "СуммаДокумента", "Не указана сумма по документу.")
    if kind == "ПолучениеНаличныхДенежныхСредствВБанке":
        receipt.header(msgs, "СчетОрганизации_Key", "Не указан банковский счет организации")
    if kind not in ("ПолучениеНаличныхДенежныхСредствВБанке", "ПриходДенежныхСредствПрочее"):
        receipt.header(msgs, "Контрагент")
    if books:
        receipt.header(msgs, "СчетКасса_Key", "Не указан счет учета денежных средств.")
        if kind in ("ПриходДенежныхСредствПрочее", "ПолучениеНаличныхДенежныхСредствВБанке"):
            receipt.header(msgs, "СчетУчетаРасчетовСКонтрагентом_Key", "Не указан счет учета.")
    if kind in (
        "ОплатаПокупателя",
        "ВозвратДенежныхСредствПоставщиком",
        "ВозвратДенежныхСредствПодотчетником",
    ):
        receipt.header(msgs, "Ответственный_Key")
    if receipt.settles:
        receipt.row_required(msgs, "СуммаВзаиморасчетов")
        receipt.row_required(msgs, "ДоговорКонтрагента_Key")
        if books:
            receipt.row_required(msgs, "СчетУчетаРасчетовСКонтрагентом_Key")
    total = round(sum(_num(r.get("СуммаПлатежа")) for r in receipt.rows), 2)
    if abs(total - round(_num(doc.get("СуммаДокумента")), 2)) > 0.005:
        msgs.append("Не совпадают сумма документа и ее расшифровка.")


def _check_management(receipt: _Receipt, msgs: list[str]) -> None:
    # UTP 1.2: same module, ПроверитьЗаполнениеДокументаУпр
    if not receipt.doc.get("Оплачено") and receipt.kind in (
        "ОплатаПокупателя",
        "ВозвратДенежныхСредствПоставщиком",
    ):
        for name in ("Организация_Key", "Касса_Key", "Контрагент", "СуммаДокумента"):
            receipt.header(msgs, name)
    if receipt.settles:
        _check_rows(receipt, msgs)


def _check_rows(receipt: _Receipt, msgs: list[str]) -> None:
    # UTP 1.2: same module, ПроверитьЗаполнениеТЧ
    doc = receipt.doc
    refused = False
    for row in receipt.rows:
        for name in ("ДоговорКонтрагента_Key", "СуммаВзаиморасчетов"):
            if _empty(row.get(name)):
                refused = True
        if refused:
            continue
        contract = receipt.contracts.get(row["ДоговорКонтрагента_Key"]) or {}
        mode = contract.get("ВедениеВзаиморасчетов")
        if mode in ("ПоЗаказам", "ПоСчетам") and _empty(row.get("Сделка")):
            what = "Заказ покупателя" if mode == "ПоЗаказам" else "Счет покупателя"
            how = "по заказам" if mode == "ПоЗаказам" else "по счетам"
            msgs.append(
                f'Не заполнено значение реквизита "{what}"\n'
                f"По договору {contract.get('Description', '')} установлен способ ведения "
                f'взаиморасчетов "{how}"! Заполните поле "{what}"!'
            )
            refused = True
            continue
        if not _empty(doc.get("Организация_Key")) and doc.get("Организация_Key") != contract.get(
            "Организация_Key"
        ):
            msgs.append("Выбран договор контрагента, не соответствующий организации, указанной в документе!")
            refused = True


def _check_accounting(receipt: _Receipt, msgs: list[str]) -> None:
    # UTP 1.2: same module, ПроверитьЗаполнениеДокументаРегл
    doc = receipt.doc
    for row in receipt.rows:
        contract = receipt.contracts.get(row.get("ДоговорКонтрагента_Key")) or {}
        if contract and contract.get("Организация_Key") != doc.get("Организация_Key"):
            msgs.append(
                f'Организация в договоре "{contract.get("Description", "")}" не соответствует '
                "организации в документе!"
            )
        if (
            receipt.vat_payer
            and receipt.kind != "ПрочиеРасчетыСКонтрагентами"
            and not contract.get("СложныйНалоговыйУчет")
        ):
            name = contract.get("Description", "")
            if _empty(row.get("СчетУчетаНДС_Key")):
                msgs.append(f"По договору {name} не указан Счет учета НДС (неподтвержденный)!")
            if _empty(row.get("СчетУчетаНДСПодтвержденный_Key")):
                msgs.append(f"По договору {name} не указан Счет учета НДС н/о (н/к)!")
            if _empty(row.get("СтатьяДвиженияДенежныхСредств_Key")):
                msgs.append(f"По договору {name} не указана Статья движения денежных средств!")


def _settlements(receipt: _Receipt, moves: dict[str, list[dict[str, Any]]]) -> None:
    """UTP 1.2: CommonModules/УправлениеДенежнымиСредствами, ПровестиПоступлениеДенежныхСредствУпр —
    rows collapsed by (contract, order), an expense of the counterparty's debt."""
    doc = receipt.doc
    counterparty = (
        doc.get("Контрагент") if str(doc.get("Контрагент_Type", "")).endswith("Контрагенты") else ""
    )
    totals: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in receipt.rows:
        contract = receipt.contracts.get(row["ДоговорКонтрагента_Key"]) or {}
        by_deal = contract.get("ВедениеВзаиморасчетов") in ("ПоЗаказам", "ПоСчетам")
        deal_type = row.get("Сделка_Type", UNDEFINED) if by_deal else UNDEFINED
        deal = row.get("Сделка", "") if by_deal and deal_type != UNDEFINED else ""
        acc = totals[(row["ДоговорКонтрагента_Key"], deal, deal_type)]
        acc[0] += _num(row.get("СуммаВзаиморасчетов"))
        acc[1] += _num(row.get("СуммаПлатежа")) or _num(row.get("СуммаВзаиморасчетов"))
    for (contract_key, deal, deal_type), (amount, managerial) in totals.items():
        moves["AccumulationRegister_ВзаиморасчетыСКонтрагентами"].append(
            {
                "Организация_Key": doc["Организация_Key"],
                "Контрагент_Key": counterparty or EMPTY_REF,
                "ДоговорКонтрагента_Key": contract_key,
                "Сделка": deal,
                "Сделка_Type": deal_type,
                "RecordType": "Expense",
                "СуммаВзаиморасчетов": round(amount, 2),
                "СуммаУпр": round(managerial, 2),
            }
        )


__all__ = ["RECEIPT", "post_cash_receipt", "receipt_before_write"]
