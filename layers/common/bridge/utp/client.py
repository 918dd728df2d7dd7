"""UTP (1C UT 10.3 family) client: the typed operations the bridge's rules need.

Built on ``bridge.utp.odata``; no business rules here, just each operation in as few HTTP calls as
possible (``[n]`` in a docstring = HTTP calls per invocation). Operation groups are mixins in their own
modules; this one keeps construction, transport and the per-instance cache. Creates are find-before-create
by a marker: an ``UtpOutcomeUnknownError`` means "look it up by marker before retrying". Call budgets and
markers: docs/utp-odata.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import httpx

from bridge.retries import RetryPolicy
from bridge.utp.base import UtpBase
from bridge.utp.catalog import Catalog
from bridge.utp.counterparties import Counterparties
from bridge.utp.models import CompositeRef
from bridge.utp.odata import ODataClient, Timeouts
from bridge.utp.odata_query import VirtualTableStyle
from bridge.utp.properties import Properties
from bridge.utp.reference import ReferenceData
from bridge.utp.sales_documents import SalesDocuments
from bridge.utp.sales_orders import SalesOrders


class UtpClient(ReferenceData, Catalog, Counterparties, SalesDocuments, SalesOrders, Properties, UtpBase):
    """The bridge's client of one UTP base. Thread-unsafe caches; one instance per Lambda container."""

    def __init__(
        self,
        odata: ODataClient,
        *,
        order_marker_field: str = "НомерВходящегоДокументаЭлектронногоОбмена",
        order_marker_max_length: int = 20,
        receipt_marker_field: str = "Комментарий",
        receipt_marker_match: Literal["eq", "substring"] = "substring",
        settlement_mode: str = "ПоДоговоруВЦелом",
        invoice_operation: str = "ПродажаКомиссия",
        property_value_filter: Literal["cast", "plain"] = "cast",
        create_missing_properties: bool = False,
        property_purpose_key: str | None = None,
        contact_kind_values: Mapping[str, CompositeRef | str] | None = None,
        client_ref_keys: bool = True,
        chunk_size: int = 40,
        order_extra_fields: Sequence[str] = (),
    ) -> None:
        self.odata = odata
        self.order_marker_field = order_marker_field
        # Customer-specific attributes of the order (a setting names them) read with every order header.
        self.order_extra_fields = tuple(order_extra_fields)
        self.order_marker_max_length = order_marker_max_length
        self.receipt_marker_field = receipt_marker_field
        self.receipt_marker_match = receipt_marker_match
        self.settlement_mode = settlement_mode
        self.invoice_operation = invoice_operation
        self.property_value_filter = property_value_filter
        self.create_missing_properties = create_missing_properties
        self.property_purpose_key = property_purpose_key
        # `Вид` of a contact record: a Catalog_ВидыКонтактнойИнформации ref or a string (≤ 50).
        self.contact_kind_values = dict(
            contact_kind_values or {"phone": "Телефон контрагента", "email": "E-mail контрагента"}
        )
        self.client_ref_keys = client_ref_keys
        self.chunk_size = chunk_size
        self._cache = {}

    @classmethod
    def from_settings(
        cls,
        url: str,
        user: str,
        password: str,
        *,
        timeout: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        virtual_table_style: VirtualTableStyle = VirtualTableStyle.QUERY,
        verify: bool = True,
        event_hooks: Mapping[str, list[Any]] | None = None,
        **options: Any,
    ) -> UtpClient:
        """A client of the OData root ``url`` (``…/odata/standard.odata``) with Basic auth."""
        odata = ODataClient.open(
            url,
            user,
            password,
            timeouts=timeout,
            verify=verify,
            retry=retry,
            virtual_table_style=virtual_table_style,
        )
        if event_hooks:
            odata.http.event_hooks = {k: list(v) for k, v in event_hooks.items()}
        return cls(odata, **options)

    @classmethod
    def from_http(cls, http: httpx.Client, **options: Any) -> UtpClient:
        """Wrap a prepared ``httpx.Client`` (tests: a WSGI/mock transport)."""
        odata_keys = {"retry", "sleep", "jitter", "virtual_table_style"}
        odata_opts = {k: options.pop(k) for k in list(options) if k in odata_keys}
        return cls(ODataClient(http, **odata_opts), **options)

    def close(self) -> None:
        self.odata.close()

    def __enter__(self) -> UtpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
