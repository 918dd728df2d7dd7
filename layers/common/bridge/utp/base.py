"""What every aggregate of ``UtpClient`` stands on: the OData transport, the settings, the per-client cache,
and small helpers of the reads."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, TypeVar

from bridge.utp.errors import UtpNotFoundError
from bridge.utp.models import CompositeRef, UtpModel
from bridge.utp.odata import ODataClient
from bridge.utp.odata_query import Filter

M = TypeVar("M", bound=UtpModel)


def select_of(model: type[UtpModel], *, skip: Iterable[str] = ()) -> list[str]:
    """The 1C fields a model reads (composites with their ``_Type``), for ``$select``."""
    skipped = set(skip)
    fields: list[str] = []
    for name, info in model.model_fields.items():
        if name in skipped or info.alias is None:
            continue
        fields.append(info.alias)
        if name in model._composites:
            fields.append(f"{info.alias}_Type")
    return fields


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def _not_found(what: str) -> UtpNotFoundError:
    return UtpNotFoundError(what, status=404)


class UtpBase:
    """The state ``UtpClient.__init__`` sets up, shared by the aggregates' mixins."""

    odata: ODataClient
    order_marker_field: str
    order_extra_fields: tuple[str, ...]
    order_marker_max_length: int
    receipt_marker_field: str
    receipt_marker_match: Literal["eq", "substring"]
    settlement_mode: str
    invoice_operation: str
    property_value_filter: Literal["cast", "plain"]
    create_missing_properties: bool
    property_purpose_key: str | None
    contact_kind_values: dict[str, CompositeRef | str]
    client_ref_keys: bool
    chunk_size: int
    _cache: dict[tuple[str, ...], Any]

    def _list(self, entity: str, model: type[M], filter_: Filter | None, **kw: Any) -> list[M]:
        select = kw.pop("select", None) or select_of(model)
        rows = self.odata.get_collection(entity, select=select, filter=filter_, **kw)
        return [model.model_validate(r) for r in rows]

    def _cached(self, key: tuple[str, ...], load: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]
