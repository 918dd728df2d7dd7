"""Sales orders in UTP (``Document_ЗаказПокупателя``): found by marker, read, written, posted; and the
generic document operations (post, unpost, mark deleted, patch header fields).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from bridge.utp.base import UtpBase, select_of
from bridge.utp.models import CompositeRef, SalesOrder, SalesOrderInput, composite_fields, vat_amount
from bridge.utp.names import ORDER, WAREHOUSES
from bridge.utp.odata_answers import JsonObject
from bridge.utp.odata_query import EMPTY_REF, and_, eq, format_datetime, ge


class SalesOrders(UtpBase):
    """Sales orders and generic document operations."""

    def _order_select(self, with_lines: bool) -> list[str]:
        fields = select_of(SalesOrder, skip=("lines",))
        if self.order_marker_field not in fields:
            fields.append(self.order_marker_field)
        fields += [f for f in self.order_extra_fields if f not in fields]
        if with_lines:
            fields += ["Товары", "Услуги"]
        return fields

    def _order(self, row: JsonObject) -> SalesOrder:
        order = SalesOrder.model_validate(row)
        marker = row.get(self.order_marker_field)
        update: dict[str, Any] = {"attributes": {f: row[f] for f in self.order_extra_fields if f in row}}
        if marker:
            update["marker"] = str(marker)
        return order.model_copy(update=update)

    def set_document_fields(self, entity: str, ref: str, values: Mapping[str, Any]) -> None:
        """PATCH header attributes of a document or catalog item (tabular sections untouched). [1]"""
        if values:
            self.odata.update(entity, ref, dict(values))

    def _check_marker(self, marker: str) -> str:
        if not marker or len(marker) > self.order_marker_max_length:
            # 1C silently truncates long strings: a truncated marker would never be found again.
            raise ValueError(f"order marker must be 1..{self.order_marker_max_length} characters")
        return marker

    def find_sales_order_by_marker(self, marker: str) -> SalesOrder | None:
        """The order carrying ``marker`` (live ones before deleted ones), header only. [1]"""
        flt = eq(self.order_marker_field, self._check_marker(marker))
        rows = self.odata.get_collection(ORDER, select=self._order_select(False), filter=flt)
        orders = [self._order(r) for r in rows]
        if not orders:
            return None
        return sorted(orders, key=lambda o: (o.deletion_mark, not o.posted, o.date or datetime.min))[0]

    def sales_orders_since(self, since: datetime, *, page_size: int = 1000) -> list[SalesOrder]:
        """Live sales orders dated from ``since`` (header and marker only; status polling). [⌈N/page⌉]"""
        flt = and_(ge("Date", since), eq("DeletionMark", False))
        rows = self.odata.iter_collection(
            ORDER, select=self._order_select(False), filter=flt, page_size=page_size
        )
        return [self._order(r) for r in rows]

    def get_sales_order(self, ref: str) -> SalesOrder:
        """The order with its goods lines. [1]"""
        return self._order(self.odata.get_entity(ORDER, ref, select=self._order_select(True)))

    def _order_body(self, order: SalesOrderInput) -> dict[str, Any]:
        warehouse = CompositeRef(key=order.warehouse_key, entity=WAREHOUSES)
        lines, services, total = _order_rows(order, warehouse)
        body: dict[str, Any] = {
            "Date": format_datetime(order.date),
            # UTP 1.2: ЗаказПокупателя's object module, ОпределитьСтатусПартии: without
            # ВидОперации the order's lines carry an empty batch status that invoices never close.
            "ВидОперации": "ПродажаКомиссия",
            "Организация_Key": order.organisation_key,
            "Контрагент_Key": order.counterparty_key,
            "ДоговорКонтрагента_Key": order.contract_key,
            "ВалютаДокумента_Key": order.currency_key,
            "КурсВзаиморасчетов": order.exchange_rate,
            "КратностьВзаиморасчетов": str(order.multiplicity),
            "УчитыватьНДС": order.account_vat,
            "СуммаВключаетНДС": order.prices_include_vat,
            "АвторасчетНДС": True,
            **warehouse.odata_fields("СкладГруппа"),
            "СуммаДокумента": total,
            "Комментарий": order.comment,
            "Товары": lines,
            "Услуги": services,  # always sent: a rewrite replaces both sections whole
        }
        if order.price_type_key:
            body["ТипЦен_Key"] = order.price_type_key
        if order.shipment_date:
            body["ДатаОтгрузки"] = format_datetime(order.shipment_date)
        if order.payment_date:
            body["ДатаОплаты"] = format_datetime(order.payment_date)
        if order.marker is not None:
            body[self.order_marker_field] = self._check_marker(order.marker)
        body.update(order.extra)
        return body

    def create_sales_order(self, order: SalesOrderInput, *, post: bool = True) -> SalesOrder:
        """Create (and by default post) a sales order. Never send ``Posted`` in a body. [1, +1 post]

        On ``UtpOutcomeUnknownError`` look the order up with ``find_sales_order_by_marker``.
        """
        created = self._order(self.odata.create(ORDER, self._order_body(order)))
        if post:
            self.post_sales_order(created.ref)
            created = created.model_copy(update={"posted": True})
        return created

    def update_sales_order(self, ref: str, order: SalesOrderInput, *, repost: bool = True) -> SalesOrder:
        """PATCH the header and replace the whole ``Товары`` section; repost. [1, +1 repost]

        The answer of the PATCH is the whole object; if a platform answers 204, the order is read
        back instead (+1).
        """
        patched = self.odata.update(ORDER, ref, self._order_body(order))
        updated = self._order(patched) if patched else self.get_sales_order(ref)
        if repost:
            self.post_sales_order(ref)
            updated = updated.model_copy(update={"posted": True})
        return updated

    def post_sales_order(self, ref: str) -> None:
        """Post in the regular mode (``PostingModeOperational=false``), as every bridge posting. [1]"""
        self.odata.post_document(ORDER, ref, operational=False)

    def unpost_sales_order(self, ref: str) -> None:
        """[1]"""
        self.odata.unpost_document(ORDER, ref)

    def post_document(self, entity: str, ref: str, *, operational: bool = False) -> None:
        """Post any document. [1]"""
        self.odata.post_document(entity, ref, operational=operational)

    def unpost_document(self, entity: str, ref: str) -> None:
        """[1]"""
        self.odata.unpost_document(entity, ref)

    def mark_deleted(self, entity: str, ref: str, mark: bool = True) -> None:
        """Set/clear ``DeletionMark`` (unpost a posted document first). [1]"""
        self.odata.update(entity, ref, {"DeletionMark": mark})


def _order_rows(
    order: SalesOrderInput, warehouse: CompositeRef
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Decimal]:
    """The ``Товары`` and ``Услуги`` rows of an order body and the document total."""
    lines: list[dict[str, Any]] = []
    services: list[dict[str, Any]] = []
    total = Decimal(0)
    for line in order.lines:
        amount = line.line_amount()
        total += amount
        vat = vat_amount(amount, line.vat_rate, amount_includes_vat=order.prices_include_vat)
        sums = {
            "Количество": line.quantity,
            "Цена": line.price,
            "Сумма": amount,
            "ПроцентСкидкиНаценки": line.discount_percent,
            "СтавкаНДС": line.vat_rate,
            "СуммаНДС": vat,
        }
        if line.service:
            services.append(
                {
                    "LineNumber": str(len(services) + 1),
                    "Номенклатура_Key": line.product_key,
                    "Содержание": line.description[:150],
                    **sums,
                }
            )
            continue
        lines.append(
            {
                "LineNumber": str(len(lines) + 1),  # Int64 as 1C writes it; 1..n, consecutive
                "Номенклатура_Key": line.product_key,
                "ХарактеристикаНоменклатуры_Key": line.characteristic_key or EMPTY_REF,
                "ЕдиницаИзмерения_Key": line.unit_key,
                "Коэффициент": line.coefficient,
                **sums,
                **composite_fields("Размещение", warehouse if order.reserve else None),
            }
        )
    return lines, services, total
