"""UTP (1C UT 10.3 family) client: the typed operations the bridge's rules need.

Built on ``bridge.utp.odata`` (one ``httpx.Client``, ``%20`` queries, typed errors, GET retries).
No business rules here: the client does what it is asked, in as few HTTP calls as possible, and
says what each operation costs. ``[n]`` in a docstring = HTTP calls per invocation.

Construction::

    utp = UtpClient.from_settings(url, user, password, timeout=Timeouts(read=90))
    # or, in tests: UtpClient(ODataClient(httpx.Client(transport=…, base_url=…)))

Public API (calls in brackets; "cached" = per client instance, first call only); each group is a mixin of
its own module: ``reference``, ``catalog``, ``counterparties``, ``sales_orders``, ``sales_documents``,
``properties``. This module keeps the construction, the transport and the cache.

reference data
    organisation(name=None, code=None) -> Organisation                       [1, cached]
    currency(code="980") -> Currency                                          [1, cached]
    warehouses() -> list[Warehouse]                                           [1, cached]
    price_type(name) -> PriceType                                             [1, cached]
    cash_desks(organisation_key) -> list[CashDesk]                            [1, cached]
    closure_reasons() -> list[ClosureReason]                                  [1, cached]
products, prices, stock
    products_by_sku(skus) -> dict[sku, Product]                               [⌈n/chunk⌉]
    products_by_sku_all(skus) -> dict[sku, list[Product]]  (duplicates kept)  [⌈n/chunk⌉]
    products_by_key(keys) -> dict[product_key, Product]                       [⌈n/chunk⌉]
    iter_products(page_size=500, include_folders=False) -> Iterator[Product]  [⌈N/page⌉ (+1)]
    units(unit_keys) -> dict[unit_key, Unit]                                  [⌈n/chunk⌉]
    product_units(product_key) -> list[Unit]                                  [1]
    prices(price_type_key, product_keys=None) -> dict[product_key, Decimal]   [1, or ⌈n/chunk⌉]
    stock_balance(warehouse_key) -> dict[product_key, Decimal]                [1]
    reserves_balance(warehouse_key) -> dict[product_key, Decimal]             [1]
counterparties
    find_counterparties_by_contacts(phones=(), emails=()) -> list[ContactMatch]  [1 per ≤chunk spellings]
    find_counterparties_by_contact(kind, presentations) -> list[ContactMatch]    [same]
    counterparty(ref) -> Counterparty                                          [1]
    find_counterparties_by_marker(marker) -> list[Counterparty]               [1]
    customer_contract(counterparty_key, organisation_key, main_contract_key=None) -> Contract | None  [1]
    create_customer_contract(counterparty_key, organisation_key=, currency_key=, …) -> Contract   [1]
    create_counterparty(name, organisation_key=, currency_key=, phones=, emails=, …) -> NewCounterparty
        [2 + one per contact record (+1 if 1C ignores a client-chosen Ref_Key and
        link_main_contract is on)]
sales orders
    find_sales_order_by_marker(marker) -> SalesOrder | None (header only)     [1]
    sales_orders_since(since) -> list[SalesOrder] (header only, live)         [⌈N/page⌉]
    get_sales_order(ref) -> SalesOrder (with lines)                           [1]
    set_document_fields(entity, ref, values) -> None  (header attributes only) [1]
    create_sales_order(order, post=True) -> SalesOrder                        [1, +1 to post]
    update_sales_order(ref, order, repost=True) -> SalesOrder                 [1, +1 to repost]
    post_sales_order(ref) / unpost_sales_order(ref)                           [1]
    post_document(entity, ref) / unpost_document(entity, ref) / mark_deleted(entity, ref)  [1]
documents of an order
    invoices_for_order(order_key) / returns_for_order(order_key, invoice_keys=()) /
    closures_for_order(order_key) -> list[DocumentHeader]                     [1 each]
    cash_receipts_for_order(order_key) -> list[CashReceipt]                   [1]
    order_documents(order_key) -> OrderDocuments                              [4]
    get_invoice(ref) -> Invoice (with lines)                                  [1]
    find_cash_receipt_by_marker(marker) -> CashReceipt | None                 [1]
create (and post) documents
    create_invoice_from_order(order | ref, date=, post=True) -> Invoice       [2 with lines, 3 by ref]
    create_return_from_invoice(invoice | ref, date=, post=True) -> ReturnNote [2 with lines, 3 by ref]
    create_order_closure(order_key, reason_key, date=, post=True) -> OrderClosure  [2]
    create_cash_receipt(receipt, post=True) -> CashReceipt                    [2]
additional properties (ChartOfCharacteristicTypes_СвойстваОбъектов + InformationRegister_ЗначенияСвойств…)
    property_key(name) -> str                                                 [1, cached; +1 if created]
    get_property(obj_key, obj_type, name) -> value | None                     [1 (+1 first use of name)]
    set_property(obj_key, obj_type, name, value) -> None                      [1; 2 if it existed]
    find_by_property(name, value, obj_type) -> list[obj_key]                  [1 (+1 first use)]
    property_values(name, obj_type) -> dict[obj_key, value]                   [⌈N/page⌉ (+1 first use)]
    property_values_of(name, obj_type, obj_keys) -> dict[obj_key, value]      [⌈n/chunk⌉ (+1 first use)]
        (only the n objects named; ≈ 200 query characters per key once percent-encoded)

Budget of the rules' hot paths: known customer → find order by marker + create + post = 3
(4 if the contract is not cached); new customer → contact lookup (1) + counterparty and contract (2)
+ phone and e-mail records (2) + create + post (2) = 7 (no order lookup is needed: a counterparty
created in this run cannot have orders). Linking the contract as the counterparty's main one is
free when 1C honours a client-chosen ``Ref_Key`` on POST (reference unknown #7) and costs one PATCH
otherwise; ``create_counterparty(link_main_contract=False)`` keeps the path at 7 on any platform.

Find-before-create: the sales order carries a marker (default the standard string attribute
``НомерВходящегоДокументаЭлектронногоОбмена``, 20 characters; configurable), cash receipts carry
one in a text field (default ``Комментарий``, matched with ``substringof``); an
``UtpOutcomeUnknownError`` on a create means "look it up by marker before trying again".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import httpx

from bridge.retries import RetryPolicy
from bridge.utp.base import UtpBase, select_of
from bridge.utp.catalog import Catalog
from bridge.utp.counterparties import CONTACT_KINDS, Counterparties
from bridge.utp.models import CompositeRef
from bridge.utp.names import (
    CLOSURE,
    CONTACTS,
    INVOICE,
    ORDER,
    PROPERTIES,
    PROPERTY_VALUES,
    RECEIPT,
    RESERVES,
    RETURN,
    STOCK,
)
from bridge.utp.names import CONTRACTS as CONTRACT
from bridge.utp.names import COUNTERPARTIES as COUNTERPARTY
from bridge.utp.names import PRODUCTS as PRODUCT
from bridge.utp.names import UNITS as UNIT
from bridge.utp.names import WAREHOUSES as WAREHOUSE_TYPE
from bridge.utp.odata import ODataClient, Timeouts
from bridge.utp.odata_query import VirtualTableStyle
from bridge.utp.properties import Properties, PropertyValue
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

    def clear_cache(self) -> None:
        self._cache.clear()


__all__ = [
    "CLOSURE",
    "CONTACTS",
    "CONTACT_KINDS",
    "CONTRACT",
    "COUNTERPARTY",
    "INVOICE",
    "ORDER",
    "PRODUCT",
    "PROPERTIES",
    "PROPERTY_VALUES",
    "RECEIPT",
    "RESERVES",
    "RETURN",
    "STOCK",
    "UNIT",
    "WAREHOUSE_TYPE",
    "PropertyValue",
    "UtpClient",
    "select_of",
]
