"""Names of SalesDrive options (site, payment and delivery method, status, custom selects), not ids.

A webhook's ``meta`` may be empty or shaped otherwise, so names missing there come from SalesDrive's
dictionary endpoints or, for selects without one, from the ``meta`` of one ``/api/order/list/`` call
(read budget consumer OPERATOR). Results are cached in DynamoDB for ``DICTIONARY_TTL``: at most one list
call per TTL. With no name found nothing is written (never a bare id); the audit trail says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bridge.read_budget import ReadBudgetExhausted, ReadConsumer
from bridge.salesdrive.coerce import choice_id
from bridge.salesdrive.errors import SalesDriveError
from bridge.salesdrive.meta import NamedRef, OrderMeta, Status

DICTIONARY_TTL = timedelta(hours=6)
RETRY_AFTER_FAILURE = timedelta(minutes=15)
CACHE_JOB = "salesdrive_dictionaries"  # the cursor item that holds the cached dictionaries
# List ``meta`` carries the product catalog as options too: not a dictionary of names to keep.
_NOT_DICTIONARIES = frozenset({"products", "contacts"})
MAX_OPTIONS = 2000  # per field: a select with more options is a catalog, not a dictionary
_FORMAT = "%Y-%m-%d %H:%M:%S"


class DictionarySource(Protocol):
    """What the SalesDrive client offers (``bridge.salesdrive.client.SalesDriveClient``)."""

    def statuses(self, *, refresh: bool = False) -> list[Status]: ...

    def payment_methods(self, *, refresh: bool = False) -> list[NamedRef]: ...

    def delivery_methods(self, *, refresh: bool = False) -> list[NamedRef]: ...

    def order_fields(self, *, consumer: ReadConsumer = ReadConsumer.OPERATOR) -> OrderMeta: ...


class DictionaryCache(Protocol):
    """``bridge.store.cursors.CursorStore``: one JSON document by name."""

    def get(self, job: str) -> dict[str, Any] | None: ...

    def put(self, job: str, value: dict[str, Any]) -> None: ...


def _named(refs: list[Any]) -> dict[str, str]:
    return {str(r.id): r.name for r in refs if r.name}


def dictionaries_from_meta(meta: OrderMeta) -> dict[str, dict[str, str]]:
    """Every select field of a list ``meta`` as option id → name."""
    found: dict[str, dict[str, str]] = {}
    for name, descriptor in meta.fields.items():
        if name in _NOT_DICTIONARIES or len(descriptor.options) > MAX_OPTIONS:
            continue
        options = {
            key: option.text
            for option in descriptor.options
            if option.text and (key := choice_id(option.value)) is not None
        }
        if options:
            found[name] = options
    return found


@dataclass
class OptionNames:
    """Option id → name per field, from SalesDrive's dictionaries, cached for hours."""

    salesdrive: DictionarySource
    cache: DictionaryCache | None
    now: Callable[[], datetime]
    ttl: timedelta = DICTIONARY_TTL
    _fields: dict[str, dict[str, str]] | None = field(default=None, init=False)
    _fetched_at: datetime | None = field(default=None, init=False)
    _failed_at: datetime | None = field(default=None, init=False)

    def __call__(self, field_name: str) -> Mapping[str, str] | None:
        """The names of ``field_name``'s options, or None when no dictionary knows the field."""
        return self._dictionaries().get(field_name)

    def _fresh(self, fetched_at: datetime | None) -> bool:
        return fetched_at is not None and self.now() - fetched_at < self.ttl

    def _dictionaries(self) -> dict[str, dict[str, str]]:
        if self._fields is not None and self._fresh(self._fetched_at):
            return self._fields
        cached = self.cache.get(CACHE_JOB) if self.cache is not None else None
        if cached:
            fetched = datetime.strptime(str(cached.get("fetched_at")), _FORMAT)
            self._fields, self._fetched_at = dict(cached.get("fields") or {}), fetched
            if self._fresh(fetched):
                return self._fields
        if self._failed_at is not None and self.now() - self._failed_at < RETRY_AFTER_FAILURE:
            return self._fields or {}
        try:
            fields = self._read()
        except (SalesDriveError, ReadBudgetExhausted):
            # Names are worth waiting for, not worth failing an order: keep what is known (even stale),
            # try again in a while.
            self._failed_at = self.now()
            return self._fields or {}
        self._fields, self._fetched_at, self._failed_at = fields, self.now(), None
        if self.cache is not None:
            self.cache.put(CACHE_JOB, {"fetched_at": self.now().strftime(_FORMAT), "fields": fields})
        return fields

    def _read(self) -> dict[str, dict[str, str]]:
        fields = dictionaries_from_meta(self.salesdrive.order_fields(consumer=ReadConsumer.OPERATOR))
        # The dedicated dictionaries are authoritative for their fields.
        fields["statusId"] = _named(self.salesdrive.statuses(refresh=True))
        fields["payment_method"] = _named(self.salesdrive.payment_methods(refresh=True))
        fields["shipping_method"] = _named(self.salesdrive.delivery_methods(refresh=True))
        return {name: options for name, options in fields.items() if options}
