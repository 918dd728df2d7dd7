"""Sales documents of an order in UTP: invoices, return notes, order closures and cash receipts; found by
their order, created from it (and posted) with what UTP's own fill-from-basis (``ОбработкаЗаполнения`` of
each document in the UTP 1.2 configuration) sets."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from bridge.utp.base import select_of
from bridge.utp.models import (
    CashReceipt,
    CashReceiptInput,
    CompositeRef,
    DocumentHeader,
    Invoice,
    InvoiceLine,
    OrderClosure,
    OrderDocuments,
    OrderLine,
    ReturnNote,
    SalesOrder,
    vat_amount,
)
from bridge.utp.names import CLOSURE, COUNTERPARTIES, INVOICE, ORDER, RECEIPT, RETURN, WAREHOUSES
from bridge.utp.odata_answers import JsonObject
from bridge.utp.odata_query import (
    EMPTY_REF,
    CastRef,
    Filter,
    Guid,
    any_,
    eq,
    format_datetime,
    or_,
    substringof,
)
from bridge.utp.sales_orders import SalesOrders


def not_before(date: datetime, basis_date: datetime | None) -> datetime:
    """A document dated before its order is refused (common module УправлениеЗаказами,
    ПроверитьРеквизитыЗаказов; ЗакрытиеЗаказовПокупателей, ПроверитьЗаполнениеТабличнойЧастиЗаказы)."""
    return max(date, basis_date) if basis_date is not None else date


def reflection(accounting: bool) -> dict[str, Any]:
    """The reflection flags. Management is always on (the register movements the bridge reads are
    written only then: ДвиженияПоРегистрамУпр); accounting as the setting says. UTP 1.2 has no tax flag
    on these documents any more (the attribute is `УдалитьОтражатьВНалоговомУчете`, a deprecated one),
    so none is written."""
    return {
        "ОтражатьВУправленческомУчете": True,
        "ОтражатьВБухгалтерскомУчете": accounting,
    }


def document_extra(
    responsible_key: str | None, *, accounting: bool | None = None, more: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Header attributes a rule adds to a document body: Ответственный and the reflection flags."""
    out: dict[str, Any] = {}
    if accounting is not None:
        out.update(reflection(accounting))
    if responsible_key:
        out["Ответственный_Key"] = responsible_key
    out.update(more or {})
    return out


_DOC_STANDARD = ["Ref_Key", "Number", "Date", "Posted", "DeletionMark", "DataVersion"]
_DOC_HEADER = [*_DOC_STANDARD, "СуммаДокумента"]


_Doc = TypeVar("_Doc", bound=DocumentHeader)


class SalesDocuments(SalesOrders):
    """The documents of an order: found, read, created and posted."""

    def _docs(self, entity: str, flt: Filter) -> list[DocumentHeader]:
        # A closure has no СуммаДокумента: asking for it is a 400 code 6.
        select = _DOC_STANDARD if entity == CLOSURE else _DOC_HEADER
        return self._list(entity, DocumentHeader, flt, select=select)

    def invoices_for_order(self, order_key: str) -> list[DocumentHeader]:
        """Sales invoices by header ``Сделка`` or by rows' ``ЗаказПокупателя_Key``. [1]"""
        flt = or_(
            eq("Сделка", CastRef(order_key, ORDER)),
            any_("Товары", "t", eq("t/ЗаказПокупателя_Key", Guid(order_key))),
        )
        return self._docs(INVOICE, flt)

    def returns_for_order(self, order_key: str, invoice_keys: Sequence[str] = ()) -> list[DocumentHeader]:
        """Return notes by ``Сделка`` (the order), rows' order, or rows' ``ДокументПартии``. [1]"""
        parts = [
            eq("Сделка", CastRef(order_key, ORDER)),
            any_("Товары", "t", eq("t/ЗаказПокупателя_Key", Guid(order_key))),
        ]
        for key in invoice_keys:
            parts.append(eq("Сделка", CastRef(key, INVOICE)))
            parts.append(any_("Товары", "t", eq("t/ДокументПартии", CastRef(key, INVOICE))))
        return self._docs(RETURN, or_(*parts))

    def closures_for_order(self, order_key: str) -> list[DocumentHeader]:
        """Order closures listing the order in ``Заказы``. [1]"""
        flt = any_("Заказы", "z", eq("z/ЗаказПокупателя", CastRef(order_key, ORDER)))
        return self._docs(CLOSURE, flt)

    def _receipt_select(self) -> list[str]:
        fields = select_of(CashReceipt)
        if self.receipt_marker_field not in fields:
            fields.append(self.receipt_marker_field)
        return fields

    def _receipt(self, row: JsonObject) -> CashReceipt:
        receipt = CashReceipt.model_validate(row)
        marker = row.get(self.receipt_marker_field)
        return receipt.model_copy(update={"marker": str(marker)}) if marker else receipt

    def cash_receipts_for_order(self, order_key: str) -> list[CashReceipt]:
        """Cash receipts whose ``РасшифровкаПлатежа`` rows have ``Сделка`` = the order. [1]"""
        flt = any_("РасшифровкаПлатежа", "r", eq("r/Сделка", CastRef(order_key, ORDER)))
        rows = self.odata.get_collection(RECEIPT, select=self._receipt_select(), filter=flt)
        return [self._receipt(r) for r in rows]

    def order_documents(self, order_key: str) -> OrderDocuments:
        """Invoices, returns (by order and by those invoices), closures, receipts. [4]"""
        invoices = self.invoices_for_order(order_key)
        return OrderDocuments(
            invoices=invoices,
            returns=self.returns_for_order(order_key, [i.ref for i in invoices]),
            closures=self.closures_for_order(order_key),
            receipts=self.cash_receipts_for_order(order_key),
        )

    def get_invoice(self, ref: str) -> Invoice:
        """A sales invoice with its goods lines. [1]"""
        select = [*select_of(Invoice, skip=("lines",)), "Товары"]
        return Invoice.model_validate(self.odata.get_entity(INVOICE, ref, select=select))

    def find_cash_receipt_by_marker(self, marker: str) -> CashReceipt | None:
        """The cash receipt carrying ``marker`` in the marker field (live ones first). [1]"""
        if self.receipt_marker_match == "eq":
            flt = eq(self.receipt_marker_field, marker)
        else:
            flt = substringof(marker, self.receipt_marker_field)
        rows = self.odata.get_collection(RECEIPT, select=self._receipt_select(), filter=flt)
        found = [self._receipt(r) for r in rows]
        if self.receipt_marker_match == "substring":
            # substringof also matches "pay-1" inside "pay-12": keep whole-token matches only.
            found = [r for r in found if marker in (r.marker or "").split()]
        if not found:
            return None
        return sorted(found, key=lambda r: (r.deletion_mark, not r.posted))[0]

    # -- create documents ---------------------------------------------------------------------------

    def create_invoice_from_order(
        self,
        order: SalesOrder | str,
        *,
        date: datetime,
        post: bool = True,
        warehouse_key: str | None = None,
        comment: str = "",
        extra: Mapping[str, Any] | None = None,
    ) -> Invoice:
        """Sales invoice copying the order's header and lines; ``Сделка`` = the order, each row with
        ``Склад_Key`` and ``ЗаказПокупателя_Key``. [2 with a SalesOrder with lines; 3 with a ref]"""
        if isinstance(order, str) or not (order.lines or order.services):
            order = self.get_sales_order(order if isinstance(order, str) else order.ref)
        date = not_before(date, order.date)
        header_wh = order.warehouse_key if order.warehouse and order.warehouse.entity == WAREHOUSES else None
        default_wh = warehouse_key or header_wh
        lines = _invoice_goods_rows(order, default_wh)
        services = _invoice_service_rows(order)
        body: dict[str, Any] = {
            "Date": format_datetime(date),
            "ВидОперации": self.invoice_operation,
            **_settlement_fields(order),
            "Склад_Key": default_wh or (lines[0]["Склад_Key"] if lines else EMPTY_REF),
            **order.as_ref().odata_fields("Сделка"),
            # UTP 1.2: РеализацияТоваровУслуг's object module, ПроверитьЗаполнениеШапки:
            # required, no default; the form's fill-from-order sets СоСклада (stock leaves at once).
            "ВидПередачи": "СоСклада",
            **reflection(False),
            "СуммаДокумента": sum((line.amount for line in order.lines), Decimal(0))
            + sum((line.amount for line in order.services), Decimal(0)),
            "Комментарий": comment,
            "Товары": lines,
            "Услуги": services,
            **(extra or {}),
        }
        return self._create_document(INVOICE, body, Invoice.model_validate, post=post)

    def create_return_from_invoice(
        self,
        invoice: Invoice | str,
        *,
        date: datetime,
        post: bool = True,
        comment: str = "",
        lines: Sequence[InvoiceLine] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> ReturnNote:
        """Return note of an invoice (all its lines unless ``lines``): ``Сделка`` = the invoice's deal
        (the order) or the invoice; rows with ``ДокументПартии`` = the invoice. [2 with an Invoice with
        lines; 3 with a ref]"""
        if isinstance(invoice, str) or not invoice.lines:
            invoice = self.get_invoice(invoice if isinstance(invoice, str) else invoice.ref)
        date = not_before(date, invoice.date)
        source = list(lines if lines is not None else invoice.lines)
        if not source:
            raise ValueError("nothing to return: the invoice has no lines")
        rows = _return_rows(invoice, source)
        deal = invoice.deal or invoice.as_ref()
        warehouse = invoice.warehouse_key or rows[0]["Склад_Key"]
        body: dict[str, Any] = {
            "Date": format_datetime(date),
            **_settlement_fields(invoice),
            **deal.odata_fields("Сделка"),
            **CompositeRef(key=warehouse, entity=WAREHOUSES).odata_fields("СкладОрдер"),
            "ВидПоступления": "НаСклад",
            **reflection(False),
            "СуммаДокумента": sum((line.amount for line in source), Decimal(0)),
            "Комментарий": comment,
            "Товары": rows,
            **(extra or {}),
        }
        return self._create_document(RETURN, body, ReturnNote.model_validate, post=post)

    def create_order_closure(
        self,
        order_key: str,
        reason_key: str | None,
        *,
        date: datetime,
        post: bool = True,
        comment: str = "",
        operation: str = "ЗакрытиеЗаказов",
        order_date: datetime | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> OrderClosure:
        """Sales order closure with one ``Заказы`` row (composite order + reason), dated no earlier
        than ``order_date``. [2]"""
        body = {
            "Date": format_datetime(not_before(date, order_date)),
            "ВидОперации": operation,
            "Комментарий": comment,
            "Заказы": [
                {
                    "LineNumber": "1",
                    **CompositeRef(key=order_key, entity=ORDER).odata_fields("ЗаказПокупателя"),
                    "ПричинаЗакрытияЗаказа_Key": reason_key or EMPTY_REF,
                }
            ],
            **(extra or {}),
        }
        return self._create_document(CLOSURE, body, OrderClosure.model_validate, post=post)

    def create_cash_receipt(self, receipt: CashReceiptInput, *, post: bool = True) -> CashReceipt:
        """Cash receipt (ОплатаПокупателя) for an order, with the marker in the marker field. [2]

        On ``UtpOutcomeUnknownError`` look it up with ``find_cash_receipt_by_marker``.
        """
        if not receipt.marker or any(ch.isspace() for ch in receipt.marker):
            raise ValueError("a receipt marker is one non-empty token")
        order = CompositeRef(key=receipt.order_key, entity=ORDER)
        amount = receipt.amount
        vat = vat_amount(amount, receipt.vat_rate, amount_includes_vat=True)
        row: dict[str, Any] = {
            "LineNumber": "1",
            "ДоговорКонтрагента_Key": receipt.contract_key,
            **order.odata_fields("Сделка"),
            "КурсВзаиморасчетов": 1,
            "КратностьВзаиморасчетов": "1",
            "СуммаПлатежа": amount,
            "СуммаВзаиморасчетов": amount,
            "СтавкаНДС": receipt.vat_rate,
            "СуммаНДС": vat,
        }
        if receipt.cash_flow_item_key:
            row["СтатьяДвиженияДенежныхСредств_Key"] = receipt.cash_flow_item_key
        body: dict[str, Any] = {
            "Date": format_datetime(receipt.date),
            "ВидОперации": "ОплатаПокупателя",
            "Организация_Key": receipt.organisation_key,
            "Касса_Key": receipt.cash_desk_key,
            **CompositeRef(key=receipt.counterparty_key, entity=COUNTERPARTIES).odata_fields("Контрагент"),
            "ДоговорКонтрагента_Key": receipt.contract_key,
            "ВалютаДокумента_Key": receipt.currency_key,
            "СуммаДокумента": amount,
            **order.odata_fields("ДокументОснование"),
            "ПринятоОт": receipt.received_from,
            "Основание": receipt.basis,
            # As UTP's fill-from-order leaves them (UTP 1.2: ПриходныйКассовыйОрдер's object module,
            # ОбработкаЗаполнения): paid, in management accounting. Reflection in the
            # books needs the accounts of the cash and of the settlements (docs/utp-cash-receipts.md).
            "Оплачено": True,
            "ОтражатьВУправленческомУчете": True,
            "ОтражатьВБухгалтерскомУчете": False,
            "РасшифровкаПлатежа": [row],
            **receipt.extra,
        }
        if receipt.cash_flow_item_key:
            body["СтатьяДвиженияДенежныхСредств_Key"] = receipt.cash_flow_item_key
        if receipt.responsible_key:
            body["Ответственный_Key"] = receipt.responsible_key
        existing = body.get(self.receipt_marker_field)
        body[self.receipt_marker_field] = f"{existing} {receipt.marker}" if existing else receipt.marker
        return self._create_document(RECEIPT, body, self._receipt, post=post)

    def _create_document(
        self, entity: str, body: dict[str, Any], parse: Callable[[JsonObject], _Doc], *, post: bool
    ) -> _Doc:
        """Create a document from ``body`` and, when ``post``, post it (regular mode). [1, +1 post]"""
        document = parse(self.odata.create(entity, body))
        if post:
            self.odata.post_document(entity, document.ref)
            document = document.model_copy(update={"posted": True})
        return document


def _goods_row(n: int, line: OrderLine) -> dict[str, Any]:
    """What every ``Товары`` row of an invoice or a return note starts with: the goods and their sum."""
    return {
        "LineNumber": str(n),
        "Номенклатура_Key": line.product_key,
        "ХарактеристикаНоменклатуры_Key": line.characteristic_key or EMPTY_REF,
        "ЕдиницаИзмерения_Key": line.unit_key,
        "Коэффициент": line.coefficient,
        "Количество": line.quantity,
        "Цена": line.price,
        "Сумма": line.amount,
    }


def _invoice_goods_rows(order: SalesOrder, default_wh: str | None) -> list[dict[str, Any]]:
    """``Товары`` of an invoice from the order's lines: each row with its warehouse and the order."""
    lines = []
    for n, line in enumerate(order.lines, start=1):
        placed = line.placement.key if line.placement and line.placement.entity == WAREHOUSES else None
        row_wh = placed or default_wh
        if not row_wh:
            raise ValueError("the order names no warehouse: pass warehouse_key")
        lines.append(
            {
                **_goods_row(n, line),
                "ПроцентСкидкиНаценки": line.discount_percent,
                "СтавкаНДС": line.vat_rate,
                "СуммаНДС": line.vat_amount,
                "Склад_Key": row_wh,
                "ЗаказПокупателя_Key": order.ref,
                # Reserved rows are shipped out of the reserve, others from free stock.
                "СпособСписанияОстаткаТоваров": "ИзРезерва" if placed else "СоСклада",
            }
        )
    return lines


def _invoice_service_rows(order: SalesOrder) -> list[dict[str, Any]]:
    """``Услуги`` of an invoice from the order's services."""
    return [
        {
            "LineNumber": str(n),
            "Номенклатура_Key": line.product_key,
            "Содержание": line.description,
            "Количество": line.quantity,
            "Цена": line.price,
            "Сумма": line.amount,
            "СтавкаНДС": line.vat_rate,
            "СуммаНДС": line.vat_amount,
            "ЗаказПокупателя_Key": order.ref,
        }
        for n, line in enumerate(order.services, start=1)
    ]


def _return_rows(invoice: Invoice, source: Sequence[InvoiceLine]) -> list[dict[str, Any]]:
    """``Товары`` of a return note: the invoice's lines, each with the invoice as ``ДокументПартии``."""
    rows = []
    for n, line in enumerate(source, start=1):
        wh = line.warehouse_key or invoice.warehouse_key
        rows.append(
            {
                **_goods_row(n, line),
                "СтавкаНДС": line.vat_rate,
                "СуммаНДС": line.vat_amount,
                "Склад_Key": wh or EMPTY_REF,
                "ЗаказПокупателя_Key": line.order_key or EMPTY_REF,
                # UTP 1.2: ВозвратТоваровОтПокупателя's object module,
                # ПроверитьЗаполнениеТабличнойЧастиТовары: required, nothing fills it on write.
                "Качество_Key": line.quality_key or EMPTY_REF,
                **invoice.as_ref().odata_fields("ДокументПартии"),
            }
        )
    return rows


def _settlement_fields(source: SalesOrder | Invoice) -> dict[str, Any]:
    """The header fields a document copies from the one it is based on: parties, contract, currency,
    rate, price type and the VAT flags."""
    return {
        "Организация_Key": source.organisation_key,
        "Контрагент_Key": source.counterparty_key,
        "ДоговорКонтрагента_Key": source.contract_key,
        "ВалютаДокумента_Key": source.currency_key,
        "КурсВзаиморасчетов": source.exchange_rate,
        "КратностьВзаиморасчетов": str(source.multiplicity),
        "ТипЦен_Key": source.price_type_key or EMPTY_REF,
        "УчитыватьНДС": source.account_vat,
        "СуммаВключаетНДС": source.prices_include_vat,
    }
