"""SalesDrive dictionaries (statuses, payment and delivery methods) and the order fields' descriptors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from bridge.read_budget import ReadConsumer
from bridge.salesdrive.answers import readable
from bridge.salesdrive.errors import SalesDriveProtocolError
from bridge.salesdrive.meta import NamedRef, OrderMeta, Status, parse_meta
from bridge.salesdrive.orders_api import ALL_STATUSES
from bridge.salesdrive.transport import (
    DELIVERY_METHODS,
    ORDER_LIST,
    PAYMENT_METHODS,
    STATUSES,
    Call,
    SalesDriveTransport,
)

M = TypeVar("M", bound=BaseModel)


class MetaCalls(SalesDriveTransport):
    """Dictionaries are cached for the client's lifetime. An entry a dictionary cannot read (no id, an
    id that is not a number) is left out: one odd entry never hides the others."""

    def statuses(self, *, refresh: bool = False) -> list[Status]:
        return self._cached(STATUSES, Status, refresh)

    def payment_methods(self, *, refresh: bool = False) -> list[NamedRef]:
        return self._cached(PAYMENT_METHODS, NamedRef, refresh)

    def delivery_methods(self, *, refresh: bool = False) -> list[NamedRef]:
        return self._cached(DELIVERY_METHODS, NamedRef, refresh)

    def order_fields(self, *, consumer: ReadConsumer = ReadConsumer.OPERATOR) -> OrderMeta:
        """The order fields' descriptors with their option dictionaries (``meta`` of the order list):
        the only source of the site, rejection-reason, manager and custom-select names. One list call."""
        params = [("page", "1"), ("limit", "1"), ("filter[statusId]", ALL_STATUSES)]
        body = self._list_page(ORDER_LIST, params, consumer)
        return parse_meta(body.get("meta"))

    def _cached(self, path: str, model: type[M], refresh: bool) -> list[M]:
        if refresh or path not in self._dictionaries:
            self._dictionaries[path] = readable(model, self._dictionary(path))
        return list(self._dictionaries[path])

    def _dictionary(self, path: str) -> list[Any]:
        body = self._call(Call("GET", path))
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, list):
            raise SalesDriveProtocolError("a dictionary answered without a data list", endpoint=path)
        return data
