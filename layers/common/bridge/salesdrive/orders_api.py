"""SalesDrive order calls: list pages changed in a window, one order, update, create."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bridge.read_budget import ReadConsumer
from bridge.salesdrive.answers import PAGE_SIZE, orders_of
from bridge.salesdrive.coerce import to_int
from bridge.salesdrive.errors import NotAnOrder, SalesDriveProtocolError
from bridge.salesdrive.meta import OrderMeta, parse_meta
from bridge.salesdrive.models import CreatedOrder, Order
from bridge.salesdrive.transport import ORDER_CREATE, ORDER_LIST, ORDER_UPDATE, Call, SalesDriveTransport

NOT_DELETED = "__NOTDELETED__"
ALL_STATUSES = "__ALL__"


@dataclass(frozen=True, slots=True)
class OrderPage:
    page: int
    page_count: int | None
    orders: list[Order]
    meta: OrderMeta
    totals: dict[str, Any] = field(default_factory=dict)


def status_params(statuses: str | Sequence[int]) -> list[tuple[str, str]]:
    """``filter[statusId]`` for a keyword (``__NOTDELETED__``, ``__ALL__``) or a list of status ids."""
    if isinstance(statuses, str):
        return [("filter[statusId]", statuses)]
    return [("filter[statusId][]", str(status)) for status in statuses]


class OrderCalls(SalesDriveTransport):
    def iter_order_pages(
        self,
        updated_from: datetime,
        updated_to: datetime | None = None,
        *,
        statuses: str | Sequence[int] = NOT_DELETED,
        consumer: ReadConsumer = ReadConsumer.CATCH_UP,
        overlap: timedelta = timedelta(minutes=5),
        filters: Mapping[str, str] | None = None,
        on_invalid: Callable[[Mapping[str, Any], NotAnOrder], None] | None = None,
    ) -> Iterator[OrderPage]:
        """Pages of orders changed since ``updated_from - overlap``, ``limit=100``, until ``pageCount``."""
        params = [
            ("limit", str(PAGE_SIZE)),
            ("filter[updateAt][from]", self._filter_time(updated_from - overlap)),
        ]
        if updated_to is not None:
            params.append(("filter[updateAt][to]", self._filter_time(updated_to)))
        params.extend(status_params(statuses))
        params.extend((key, value) for key, value in (filters or {}).items())
        for page_number, body, page_count in self._pages(ORDER_LIST, params, consumer):
            yield OrderPage(
                page=page_number,
                page_count=page_count,
                orders=orders_of(body, on_invalid),
                meta=parse_meta(body.get("meta")),  # a shape nobody foresaw never stops a page
                totals=dict(body.get("totals") or {}),
            )

    def iter_orders(
        self,
        updated_from: datetime,
        updated_to: datetime | None = None,
        *,
        statuses: str | Sequence[int] = NOT_DELETED,
        consumer: ReadConsumer = ReadConsumer.CATCH_UP,
        overlap: timedelta = timedelta(minutes=5),
        filters: Mapping[str, str] | None = None,
        on_invalid: Callable[[Mapping[str, Any], NotAnOrder], None] | None = None,
    ) -> Iterator[Order]:
        """Orders changed in the window, each (id, version) once per run even if it moves between pages."""
        seen: set[tuple[int, object]] = set()
        for page in self.iter_order_pages(
            updated_from,
            updated_to,
            statuses=statuses,
            consumer=consumer,
            overlap=overlap,
            filters=filters,
            on_invalid=on_invalid,
        ):
            for order in page.orders:
                key = (order.id, order.version if order.version is not None else order.update_at)
                if key in seen:
                    continue
                seen.add(key)
                yield order

    def get_order(self, order_id: int, *, consumer: ReadConsumer = ReadConsumer.OPERATOR) -> Order | None:
        """One order by its SalesDrive id (deleted ones included), or None. Costs one list call."""
        params = [
            ("page", "1"),
            ("limit", str(PAGE_SIZE)),
            ("filter[id]", str(order_id)),
            ("filter[statusId]", ALL_STATUSES),
        ]
        body = self._list_page(ORDER_LIST, params, consumer)
        # Exact match only: should the filter ever be ignored, another order must not stand in for it.
        return next((order for order in orders_of(body, None) if order.id == order_id), None)

    def update_order(
        self,
        order_id: int,
        *,
        status_id: int | None = None,
        comment: str | None = None,
        custom_fields: Mapping[str, Any] | None = None,
    ) -> None:
        """``POST /api/order/update/`` with only the fields given. Select options are ``"id_<n>"``."""
        data: dict[str, Any] = dict(custom_fields or {})
        if status_id is not None:
            data["statusId"] = status_id
        if comment is not None:
            data["comment"] = comment
        if not data:
            raise ValueError("update_order needs at least one field to change")
        body = self._call(Call("POST", ORDER_UPDATE, body={"id": order_id, "data": data}))
        if not isinstance(body, Mapping):
            raise SalesDriveProtocolError("update answered without a JSON body", endpoint=ORDER_UPDATE)

    def create_order(self, order: Mapping[str, Any]) -> CreatedOrder:
        """``POST /handler/`` (for tests and tools). Not retried once sent: a lost answer raises
        ``SalesDriveOutcomeUnknown``; reconcile by ``externalId`` before creating again."""
        body = self._call(Call("POST", ORDER_CREATE, body={**order, "getResultData": 1}, idempotent=False))
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, Mapping) or to_int(data.get("orderId")) is None:
            raise SalesDriveProtocolError(
                "create answered without data.orderId", endpoint=ORDER_CREATE, body=str(body)
            )
        return CreatedOrder.model_validate(data)
