"""UTP (1C UT 10.3 family) client: the typed operations the bridge's rules need.

Built on ``bridge.utp.odata`` (one ``httpx.Client``, ``%20`` queries, typed errors, GET retries).
No business rules here: the client does what it is asked, in as few HTTP calls as possible, and
says what each operation costs. ``[n]`` in a docstring = HTTP calls per invocation.

Construction::

    utp = UtpClient.from_settings(url, user, password, timeout=Timeouts(read=90))
    # or, in tests: UtpClient(ODataClient(httpx.Client(transport=…, base_url=…)))

Public API (calls in brackets; "cached" = per client instance, first call only):

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

import contextlib
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, TypeVar

import httpx

from bridge.utp.errors import UtpDuplicateKeyError, UtpNotFoundError
from bridge.utp.models import (
    CashDesk,
    CashReceipt,
    CashReceiptInput,
    ClosureReason,
    CompositeRef,
    ContactMatch,
    Contract,
    Counterparty,
    Currency,
    DocumentHeader,
    Invoice,
    InvoiceLine,
    NewCounterparty,
    OrderClosure,
    OrderDocuments,
    Organisation,
    PriceType,
    Product,
    ReturnNote,
    SalesOrder,
    SalesOrderInput,
    Unit,
    UtpModel,
    Warehouse,
    composite_fields,
    vat_amount,
)
from bridge.utp.odata import (
    EMPTY_REF,
    TYPE_PREFIX,
    CastRef,
    Filter,
    Guid,
    JsonObject,
    ODataClient,
    RetryPolicy,
    Timeouts,
    VirtualTableStyle,
    and_,
    any_,
    eq,
    format_datetime,
    ge,
    in_,
    isof,
    literal,
    or_,
    substringof,
)
from bridge.utp.sales_documents import not_before, reflection

M = TypeVar("M", bound=UtpModel)

ORDER = "Document_ЗаказПокупателя"
INVOICE = "Document_РеализацияТоваровУслуг"
RETURN = "Document_ВозвратТоваровОтПокупателя"
CLOSURE = "Document_ЗакрытиеЗаказовПокупателей"
RECEIPT = "Document_ПриходныйКассовыйОрдер"
COUNTERPARTY = "Catalog_Контрагенты"
CONTRACT = "Catalog_ДоговорыКонтрагентов"
PRODUCT = "Catalog_Номенклатура"
UNIT = "Catalog_ЕдиницыИзмерения"
CONTACTS = "InformationRegister_КонтактнаяИнформация"
PROPERTIES = "ChartOfCharacteristicTypes_СвойстваОбъектов"
PROPERTY_VALUES = "InformationRegister_ЗначенияСвойствОбъектов"
PRICES = "InformationRegister_ЦеныНоменклатуры_RecordType"
STOCK = "AccumulationRegister_ТоварыНаСкладах"
RESERVES = "AccumulationRegister_ТоварыВРезервеНаСкладах"
WAREHOUSE_TYPE = "Catalog_Склады"

CONTACT_KINDS = {"phone": "Телефон", "email": "АдресЭлектроннойПочты"}

PropertyValue = str | Decimal | int | bool | CompositeRef

_DOC_STANDARD = ["Ref_Key", "Number", "Date", "Posted", "DeletionMark", "DataVersion"]
_DOC_HEADER = [*_DOC_STANDARD, "СуммаДокумента"]


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


class UtpClient:
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
        self.contact_kind_values: dict[str, CompositeRef | str] = dict(
            contact_kind_values or {"phone": "Телефон контрагента", "email": "E-mail контрагента"}
        )
        self.client_ref_keys = client_ref_keys
        self.chunk_size = chunk_size
        self._cache: dict[tuple[str, ...], Any] = {}

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
        odata_keys = {"retry", "sleep", "rand", "virtual_table_style"}
        odata_opts = {k: options.pop(k) for k in list(options) if k in odata_keys}
        return cls(ODataClient(http, **odata_opts), **options)

    def close(self) -> None:
        self.odata.close()

    def __enter__(self) -> UtpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers ---------------------------------------------------------------------------------

    def _list(self, entity: str, model: type[M], filter_: Filter | None, **kw: Any) -> list[M]:
        select = kw.pop("select", None) or select_of(model)
        rows = self.odata.get_collection(entity, select=select, filter=filter_, **kw)
        return [model.model_validate(r) for r in rows]

    def _cached(self, key: tuple[str, ...], load: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    def clear_cache(self) -> None:
        self._cache.clear()

    # -- reference data ----------------------------------------------------------------------------

    def organisation(self, name: str | None = None, *, code: str | None = None) -> Organisation:
        """The organisation by exact name or code (or the only one). [1, cached]"""
        flt = and_(
            eq("DeletionMark", False),
            eq("Description", name) if name is not None else None,
            eq("Code", code) if code is not None else None,
        )

        def load() -> Organisation:
            found = self._list("Catalog_Организации", Organisation, flt, top=2)
            if not found:
                raise _not_found(f"organisation {name or code!r} not found")
            return found[0]

        result: Organisation = self._cached(("org", name or "", code or ""), load)
        return result

    def currency(self, code: str = "980") -> Currency:
        """Currency by ISO numeric code (``Catalog_Валюты.Code``). [1, cached]"""

        def load() -> Currency:
            found = self._list("Catalog_Валюты", Currency, eq("Code", code), top=1)
            if not found:
                raise _not_found(f"currency {code!r} not found")
            return found[0]

        result: Currency = self._cached(("currency", code), load)
        return result

    def warehouses(self) -> list[Warehouse]:
        """All warehouses (not folders, not marked for deletion). [1, cached]"""
        flt = and_(eq("IsFolder", False), eq("DeletionMark", False))
        result: list[Warehouse] = self._cached(
            ("warehouses",), lambda: self._list("Catalog_Склады", Warehouse, flt)
        )
        return result

    def price_type(self, name: str) -> PriceType:
        """Price type by exact name. [1, cached]"""

        def load() -> PriceType:
            flt = and_(eq("Description", name), eq("DeletionMark", False))
            found = self._list("Catalog_ТипыЦенНоменклатуры", PriceType, flt, top=1)
            if not found:
                raise _not_found(f"price type {name!r} not found")
            return found[0]

        result: PriceType = self._cached(("price_type", name), load)
        return result

    def cash_desks(self, organisation_key: str) -> list[CashDesk]:
        """Cash desks of an organisation (``Catalog_Кассы`` is subordinate to it). [1, cached]"""
        flt = and_(eq("Owner_Key", Guid(organisation_key)), eq("DeletionMark", False))
        result: list[CashDesk] = self._cached(
            ("cash_desks", organisation_key), lambda: self._list("Catalog_Кассы", CashDesk, flt)
        )
        return result

    def closure_reasons(self) -> list[ClosureReason]:
        """``Catalog_ПричиныЗакрытияЗаказов``. [1, cached]"""
        result: list[ClosureReason] = self._cached(
            ("closure_reasons",),
            lambda: self._list("Catalog_ПричиныЗакрытияЗаказов", ClosureReason, eq("DeletionMark", False)),
        )
        return result

    # -- products, prices, stock --------------------------------------------------------------------

    def products_by_sku_all(self, skus: Iterable[str]) -> dict[str, list[Product]]:
        """Every non-folder product per SKU (exact ``Артикул``), duplicates kept. [⌈n/chunk⌉]"""
        wanted = _unique(skus)
        found: dict[str, list[Product]] = {}
        for chunk in _chunks(wanted, self.chunk_size):
            flt = and_(eq("IsFolder", False), in_("Артикул", chunk))
            for product in self._list(PRODUCT, Product, flt):
                found.setdefault(product.sku, []).append(product)
        return found

    def products_by_sku(self, skus: Iterable[str]) -> dict[str, Product]:
        """One product per SKU: not marked for deletion first, then the lowest code. [⌈n/chunk⌉]

        SKUs with several live products are still answered (the first); callers that must not guess
        use ``products_by_sku_all``.
        """
        return {
            sku: sorted(items, key=lambda p: (p.deletion_mark, p.code, p.ref))[0]
            for sku, items in self.products_by_sku_all(skus).items()
        }

    def products_by_key(self, product_keys: Iterable[str]) -> dict[str, Product]:
        """Products by ``Ref_Key``. [⌈n/chunk⌉]"""
        out: dict[str, Product] = {}
        for chunk in _chunks(_unique(product_keys), self.chunk_size):
            for product in self._list(PRODUCT, Product, in_("Ref_Key", [Guid(k) for k in chunk])):
                out[product.ref] = product
        return out

    def iter_products(self, page_size: int = 500, *, include_folders: bool = False) -> Iterator[Product]:
        """Every product, paged by ``Ref_Key``. [⌈N/page⌉, +1 when N is a multiple of page]"""
        flt = None if include_folders else eq("IsFolder", False)
        for row in self.odata.iter_collection(
            PRODUCT, select=select_of(Product), filter=flt, orderby="Ref_Key", page_size=page_size
        ):
            yield Product.model_validate(row)

    def units(self, unit_keys: Iterable[str]) -> dict[str, Unit]:
        """Units (with ``Коэффициент``) by key. [⌈n/chunk⌉]"""
        keys = _unique(unit_keys)
        out: dict[str, Unit] = {}
        for chunk in _chunks(keys, self.chunk_size):
            for unit in self._list(UNIT, Unit, in_("Ref_Key", [Guid(k) for k in chunk])):
                out[unit.ref] = unit
        return out

    def product_units(self, product_key: str) -> list[Unit]:
        """All units owned by a product. [1]"""
        return self._list(UNIT, Unit, eq("Owner", CastRef(product_key, PRODUCT)))

    def prices(self, price_type_key: str, product_keys: Iterable[str] | None = None) -> dict[str, Decimal]:
        """Current prices of one price type: ``ЦеныНоменклатуры`` ``SliceLast`` with a Condition.

        Rows without a characteristic win over characteristic-specific ones. [1; with
        ``product_keys``, ⌈n/chunk⌉]
        """
        select = ["Номенклатура_Key", "ХарактеристикаНоменклатуры_Key", "Цена"]
        base = eq("ТипЦен_Key", Guid(price_type_key))
        conditions = (
            [base]
            if product_keys is None
            else [
                and_(base, in_("Номенклатура_Key", [Guid(k) for k in chunk]))
                for chunk in _chunks(_unique(product_keys), self.chunk_size)
            ]
        )
        out: dict[str, Decimal] = {}
        plain: set[str] = set()
        for condition in conditions:
            for row in self.odata.virtual_table(PRICES, "SliceLast", condition=condition, select=select):
                product = str(row.get("Номенклатура_Key") or "").lower()
                if not product or product == EMPTY_REF:
                    continue
                characteristic = row.get("ХарактеристикаНоменклатуры_Key") in (None, "", EMPTY_REF)
                if characteristic or (product not in plain and product not in out):
                    out[product] = Decimal(str(row.get("Цена") or 0))
                    if characteristic:
                        plain.add(product)
        return out

    def _balance(self, entity: str, warehouse_key: str) -> dict[str, Decimal]:
        rows = self.odata.virtual_table(
            entity,
            "Balance",
            condition=eq("Склад_Key", Guid(warehouse_key)),
            select=["Номенклатура_Key", "КоличествоBalance"],
        )
        out: dict[str, Decimal] = {}
        for row in rows:
            product = str(row.get("Номенклатура_Key") or "").lower()
            if product and product != EMPTY_REF:
                # Summed over characteristics/series/quality: SalesDrive knows products only.
                out[product] = out.get(product, Decimal(0)) + Decimal(str(row.get("КоличествоBalance") or 0))
        return out

    def _balances_of(
        self, entity: str, product_keys: Iterable[str], warehouse_keys: Iterable[str]
    ) -> dict[tuple[str, str], Decimal]:
        """(warehouse key, product key) → balance of a few products on the given warehouses, for a
        targeted catalog push: one ``Balance`` per chunk, conditioned on both dimensions so a real base
        reads only those rows. [⌈n/chunk⌉; none for no keys]"""
        products = [Guid(k) for k in _unique(k.lower() for k in product_keys)]
        warehouses = [Guid(k) for k in _unique(k.lower() for k in warehouse_keys)]
        out: dict[tuple[str, str], Decimal] = {}
        if not products or not warehouses:
            return out
        for chunk in _chunks(products, self.chunk_size):
            rows = self.odata.virtual_table(
                entity,
                "Balance",
                condition=and_(in_("Склад_Key", warehouses), in_("Номенклатура_Key", chunk)),
                select=["Склад_Key", "Номенклатура_Key", "КоличествоBalance"],
            )
            for row in rows:
                product = str(row.get("Номенклатура_Key") or "").lower()
                warehouse = str(row.get("Склад_Key") or "").lower()
                if product and product != EMPTY_REF and warehouse:
                    key = (warehouse, product)
                    out[key] = out.get(key, Decimal(0)) + Decimal(str(row.get("КоличествоBalance") or 0))
        return out

    def stock_balances_of(
        self, product_keys: Iterable[str], warehouse_keys: Iterable[str]
    ) -> dict[tuple[str, str], Decimal]:
        """Physical stock of a few products per warehouse. [⌈n/chunk⌉]"""
        return self._balances_of(STOCK, product_keys, warehouse_keys)

    def reserve_balances_of(
        self, product_keys: Iterable[str], warehouse_keys: Iterable[str]
    ) -> dict[tuple[str, str], Decimal]:
        """Reserved quantity of a few products per warehouse. [⌈n/chunk⌉]"""
        return self._balances_of(RESERVES, product_keys, warehouse_keys)

    def stock_balance(self, warehouse_key: str) -> dict[str, Decimal]:
        """Physical stock per product on one warehouse (``ТоварыНаСкладах`` ``Balance``). [1]"""
        return self._balance(STOCK, warehouse_key)

    def reserves_balance(self, warehouse_key: str) -> dict[str, Decimal]:
        """Reserved quantity per product on one warehouse (``ТоварыВРезервеНаСкладах``). [1]"""
        return self._balance(RESERVES, warehouse_key)

    # -- counterparties -----------------------------------------------------------------------------

    def find_counterparties_by_contacts(
        self, phones: Sequence[str] = (), emails: Sequence[str] = ()
    ) -> list[ContactMatch]:
        """Counterparties whose contact records equal any given spelling (phones and e-mails OR-ed).

        1C cannot case-fold or strip on the server, so the caller passes every spelling to try.
        Deduplicated by (counterparty, kind, presentation). [1 per ``chunk_size`` spellings; 0 if none]
        """
        terms = [("phone", p) for p in _unique(phones)] + [("email", e) for e in _unique(emails)]
        seen: dict[tuple[str, str, str], ContactMatch] = {}
        for chunk in _chunks(terms, self.chunk_size):
            by_kind: dict[str, list[str]] = {}
            for kind, value in chunk:
                by_kind.setdefault(kind, []).append(value)
            parts = [
                and_(eq("Тип", CONTACT_KINDS[kind]), in_("Представление", values))
                for kind, values in by_kind.items()
            ]
            flt = and_(isof("Объект", COUNTERPARTY), or_(*parts))
            for match in self._list(CONTACTS, ContactMatch, flt):
                if match.counterparty_key:
                    seen.setdefault((match.counterparty_key, match.kind, match.presentation), match)
        return list(seen.values())

    def find_counterparties_by_contact(
        self, kind: Literal["phone", "email"], presentations: Sequence[str]
    ) -> list[ContactMatch]:
        """Same as ``find_counterparties_by_contacts`` for one kind. [1 per chunk]"""
        if kind == "phone":
            return self.find_counterparties_by_contacts(phones=presentations)
        return self.find_counterparties_by_contacts(emails=presentations)

    def counterparty(self, ref: str) -> Counterparty:
        """[1]"""
        return Counterparty.model_validate(
            self.odata.get_entity(COUNTERPARTY, ref, select=select_of(Counterparty))
        )

    def customer_contract(
        self, counterparty_key: str, organisation_key: str, *, main_contract_key: str | None = None
    ) -> Contract | None:
        """A usable customer contract: kind СПокупателем, same organisation, not deleted.

        The counterparty's main contract wins when it qualifies (pass ``main_contract_key`` if known
        to skip nothing: the choice is made on the same single answer). [1]
        """
        flt = and_(
            eq("Owner_Key", Guid(counterparty_key)),
            eq("ВидДоговора", "СПокупателем"),
            eq("Организация_Key", Guid(organisation_key)),
            eq("DeletionMark", False),
        )
        contracts = self._list(CONTRACT, Contract, flt)
        if not contracts:
            return None
        if main_contract_key:
            for contract in contracts:
                if contract.ref == main_contract_key.lower():
                    return contract
        return sorted(contracts, key=lambda c: c.code)[0]

    def create_counterparty(
        self,
        name: str,
        *,
        organisation_key: str,
        currency_key: str,
        phones: Sequence[str] = (),
        emails: Sequence[str] = (),
        full_name: str | None = None,
        legal_kind: str = "ФизЛицо",
        parent_key: str | None = None,
        price_type_key: str | None = None,
        settlement_mode: str | None = None,
        contract_name: str = "Основной договор",
        extra: Mapping[str, Any] | None = None,
        link_main_contract: bool = True,
    ) -> NewCounterparty:
        """Counterparty + its customer contract (its main one) + one contact record per phone/e-mail.

        The contract's ``Ref_Key`` is chosen here so the counterparty can name it as
        ``ОсновнойДоговорКонтрагента_Key`` in the same POST; if 1C ignores a client-chosen key, the
        counterparty is PATCHed. ``link_main_contract=False`` skips the link (the rules pick the
        contract with ``customer_contract`` anyway) and guarantees the minimal cost.
        [2 + len(phones) + len(emails), +1 when linking falls back to a PATCH]
        """
        contract_ref = str(uuid.uuid4()) if self.client_ref_keys and link_main_contract else None
        body: dict[str, Any] = {
            "Description": name,
            "НаименованиеПолное": full_name or name,
            "ЮрФизЛицо": legal_kind,
            "Покупатель": True,
            **(extra or {}),
        }
        if parent_key:
            body["Parent_Key"] = parent_key
        if contract_ref:
            body["ОсновнойДоговорКонтрагента_Key"] = contract_ref
        counterparty = Counterparty.model_validate(self.odata.create(COUNTERPARTY, body))
        contract = self.create_customer_contract(
            counterparty.ref,
            organisation_key=organisation_key,
            currency_key=currency_key,
            price_type_key=price_type_key,
            settlement_mode=settlement_mode,
            name=contract_name,
            ref=contract_ref,
        )
        if link_main_contract and counterparty.main_contract_key != contract.ref:
            patched = self.odata.update(
                COUNTERPARTY, counterparty.ref, {"ОсновнойДоговорКонтрагента_Key": contract.ref}
            )
            counterparty = (
                Counterparty.model_validate(patched)
                if patched
                else counterparty.model_copy(update={"main_contract_key": contract.ref})
            )
        count = 0
        for kind, values in (("phone", phones), ("email", emails)):
            for index, value in enumerate(_unique(values)):
                self.odata.create(CONTACTS, self._contact_body(counterparty.ref, kind, value, index))
                count += 1
        return NewCounterparty(counterparty=counterparty, contract=contract, contact_count=count)

    def find_counterparties_by_marker(self, marker: str) -> list[Counterparty]:
        """Counterparties whose ``Комментарий`` carries ``marker`` as a whole word (the bridge writes it
        when it creates one, so a retry after a crash finds it even before its contacts exist). [1]"""
        rows = self.odata.get_collection(
            COUNTERPARTY,
            select=[*select_of(Counterparty), "Комментарий"],
            filter=and_(substringof(marker, "Комментарий"), eq("DeletionMark", False)),
        )
        return [
            Counterparty.model_validate(r) for r in rows if marker in str(r.get("Комментарий", "")).split()
        ]

    def create_customer_contract(
        self,
        counterparty_key: str,
        *,
        organisation_key: str,
        currency_key: str,
        price_type_key: str | None = None,
        settlement_mode: str | None = None,
        name: str = "Основной договор",
        ref: str | None = None,
    ) -> Contract:
        """A contract of kind СПокупателем with ``organisation_key``, owned by the counterparty. [1]"""
        body: dict[str, Any] = {
            "Description": name,
            "Owner_Key": counterparty_key,
            "Организация_Key": organisation_key,
            "ВидДоговора": "СПокупателем",
            "ВалютаВзаиморасчетов_Key": currency_key,
            "ВедениеВзаиморасчетов": settlement_mode or self.settlement_mode,
        }
        if ref:
            body["Ref_Key"] = ref
        if price_type_key:
            body["ТипЦен"] = price_type_key
            body["ТипЦен_Type"] = TYPE_PREFIX + "Catalog_ТипыЦенНоменклатуры"
        return Contract.model_validate(self.odata.create(CONTRACT, body))

    def _contact_body(self, counterparty_key: str, kind: str, value: str, index: int = 0) -> dict[str, Any]:
        """One contact-information record. The register's key is (Объект, Тип, Вид), so a second phone
        of the same counterparty needs its own ``Вид``: "<kind label> 2", "… 3" (a string kind)."""
        body: dict[str, Any] = {
            **CompositeRef(key=counterparty_key, entity=COUNTERPARTY).odata_fields("Объект"),
            "Тип": CONTACT_KINDS[kind],
            "Представление": value,
            "Поле1": value,
        }
        label = self.contact_kind_values.get(kind)
        if index > 0:
            base = label if isinstance(label, str) and label else CONTACT_KINDS[kind]
            body.update({"Вид": f"{base} {index + 1}"[:50], "Вид_Type": "Edm.String"})
        elif isinstance(label, CompositeRef):
            body.update(label.odata_fields("Вид"))
        elif label:
            body.update({"Вид": label, "Вид_Type": "Edm.String"})
        return body

    def add_contact(self, counterparty_key: str, kind: Literal["phone", "email"], value: str) -> None:
        """One more contact record; a duplicate key (code 15) is not an error. [1]"""
        with contextlib.suppress(UtpDuplicateKeyError):
            self.odata.create(CONTACTS, self._contact_body(counterparty_key, kind, value))

    # -- sales orders -------------------------------------------------------------------------------

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
        warehouse = CompositeRef(key=order.warehouse_key, entity=WAREHOUSE_TYPE)
        lines: list[dict[str, Any]] = []
        services: list[dict[str, Any]] = []
        total = Decimal(0)
        for line in order.lines:
            amount = line.line_amount()
            total += amount
            vat = vat_amount(amount, line.vat_rate, amount_includes_vat=order.prices_include_vat)
            if line.service:
                services.append(
                    {
                        "LineNumber": str(len(services) + 1),
                        "Номенклатура_Key": line.product_key,
                        "Содержание": line.description[:150],
                        "Количество": line.quantity,
                        "Цена": line.price,
                        "Сумма": amount,
                        "ПроцентСкидкиНаценки": line.discount_percent,
                        "СтавкаНДС": line.vat_rate,
                        "СуммаНДС": vat,
                    }
                )
                continue
            n = len(lines) + 1
            lines.append(
                {
                    "LineNumber": str(n),  # Int64 as 1C writes it; 1..n, consecutive
                    "Номенклатура_Key": line.product_key,
                    "ХарактеристикаНоменклатуры_Key": line.characteristic_key or EMPTY_REF,
                    "ЕдиницаИзмерения_Key": line.unit_key,
                    "Коэффициент": line.coefficient,
                    "Количество": line.quantity,
                    "Цена": line.price,
                    "Сумма": amount,
                    "ПроцентСкидкиНаценки": line.discount_percent,
                    "СтавкаНДС": line.vat_rate,
                    "СуммаНДС": vat,
                    **composite_fields("Размещение", warehouse if order.reserve else None),
                }
            )
        body: dict[str, Any] = {
            "Date": format_datetime(order.date),
            # UTP 1.2: Documents/ЗаказПокупателя/Ext/ObjectModule.bsl, ОпределитьСтатусПартии: without
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
        """Post (non-operational: ``ЗаказПокупателя`` forbids real-time posting). [1]"""
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

    # -- documents of an order ---------------------------------------------------------------------

    def _docs(self, entity: str, flt: Filter) -> list[DocumentHeader]:
        # A closure has no СуммаДокумента (§2.2): asking for it is a 400 code 6.
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

    def _post_and_mark(self, entity: str, ref: str, operational: bool = False) -> None:
        self.odata.post_document(entity, ref, operational=operational)

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
        header_wh = (
            order.warehouse_key if order.warehouse and order.warehouse.entity == WAREHOUSE_TYPE else None
        )
        default_wh = warehouse_key or header_wh
        lines = []
        for n, line in enumerate(order.lines, start=1):
            placed = (
                line.placement.key if line.placement and line.placement.entity == WAREHOUSE_TYPE else None
            )
            row_wh = placed or default_wh
            if not row_wh:
                raise ValueError("the order names no warehouse: pass warehouse_key")
            lines.append(
                {
                    "LineNumber": str(n),
                    "Номенклатура_Key": line.product_key,
                    "ХарактеристикаНоменклатуры_Key": line.characteristic_key or EMPTY_REF,
                    "ЕдиницаИзмерения_Key": line.unit_key,
                    "Коэффициент": line.coefficient,
                    "Количество": line.quantity,
                    "Цена": line.price,
                    "Сумма": line.amount,
                    "ПроцентСкидкиНаценки": line.discount_percent,
                    "СтавкаНДС": line.vat_rate,
                    "СуммаНДС": line.vat_amount,
                    "Склад_Key": row_wh,
                    "ЗаказПокупателя_Key": order.ref,
                    # Reserved rows are shipped out of the reserve, others from free stock.
                    "СпособСписанияОстаткаТоваров": "ИзРезерва" if placed else "СоСклада",
                }
            )
        services = [
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
        body: dict[str, Any] = {
            "Date": format_datetime(date),
            "ВидОперации": self.invoice_operation,
            "Организация_Key": order.organisation_key,
            "Контрагент_Key": order.counterparty_key,
            "ДоговорКонтрагента_Key": order.contract_key,
            "ВалютаДокумента_Key": order.currency_key,
            "КурсВзаиморасчетов": order.exchange_rate,
            "КратностьВзаиморасчетов": str(order.multiplicity),
            "ТипЦен_Key": order.price_type_key or EMPTY_REF,
            "УчитыватьНДС": order.account_vat,
            "СуммаВключаетНДС": order.prices_include_vat,
            "Склад_Key": default_wh or (lines[0]["Склад_Key"] if lines else EMPTY_REF),
            **order.as_ref().odata_fields("Сделка"),
            # UTP 1.2: Documents/РеализацияТоваровУслуг/Ext/ObjectModule.bsl, ПроверитьЗаполнениеШапки:
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
        invoice = Invoice.model_validate(self.odata.create(INVOICE, body))
        if post:
            self._post_and_mark(INVOICE, invoice.ref)
            invoice = invoice.model_copy(update={"posted": True})
        return invoice

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
        rows = []
        for n, line in enumerate(source, start=1):
            wh = line.warehouse_key or invoice.warehouse_key
            rows.append(
                {
                    "LineNumber": str(n),
                    "Номенклатура_Key": line.product_key,
                    "ХарактеристикаНоменклатуры_Key": line.characteristic_key or EMPTY_REF,
                    "ЕдиницаИзмерения_Key": line.unit_key,
                    "Коэффициент": line.coefficient,
                    "Количество": line.quantity,
                    "Цена": line.price,
                    "Сумма": line.amount,
                    "СтавкаНДС": line.vat_rate,
                    "СуммаНДС": line.vat_amount,
                    "Склад_Key": wh or EMPTY_REF,
                    "ЗаказПокупателя_Key": line.order_key or EMPTY_REF,
                    # UTP 1.2: Documents/ВозвратТоваровОтПокупателя/Ext/ObjectModule.bsl,
                    # ПроверитьЗаполнениеТабличнойЧастиТовары: required, nothing fills it on write.
                    "Качество_Key": line.quality_key or EMPTY_REF,
                    **invoice.as_ref().odata_fields("ДокументПартии"),
                }
            )
        deal = invoice.deal or invoice.as_ref()
        warehouse = invoice.warehouse_key or rows[0]["Склад_Key"]
        body: dict[str, Any] = {
            "Date": format_datetime(date),
            "Организация_Key": invoice.organisation_key,
            "Контрагент_Key": invoice.counterparty_key,
            "ДоговорКонтрагента_Key": invoice.contract_key,
            "ВалютаДокумента_Key": invoice.currency_key,
            "КурсВзаиморасчетов": invoice.exchange_rate,
            "КратностьВзаиморасчетов": str(invoice.multiplicity),
            "ТипЦен_Key": invoice.price_type_key or EMPTY_REF,
            "УчитыватьНДС": invoice.account_vat,
            "СуммаВключаетНДС": invoice.prices_include_vat,
            **deal.odata_fields("Сделка"),
            **CompositeRef(key=warehouse, entity=WAREHOUSE_TYPE).odata_fields("СкладОрдер"),
            "ВидПоступления": "НаСклад",
            **reflection(False),
            "СуммаДокумента": sum((line.amount for line in source), Decimal(0)),
            "Комментарий": comment,
            "Товары": rows,
            **(extra or {}),
        }
        note = ReturnNote.model_validate(self.odata.create(RETURN, body))
        if post:
            self._post_and_mark(RETURN, note.ref)
            note = note.model_copy(update={"posted": True})
        return note

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
        closure = OrderClosure.model_validate(self.odata.create(CLOSURE, body))
        if post:
            self._post_and_mark(CLOSURE, closure.ref)
            closure = closure.model_copy(update={"posted": True})
        return closure

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
            **CompositeRef(key=receipt.counterparty_key, entity=COUNTERPARTY).odata_fields("Контрагент"),
            "ДоговорКонтрагента_Key": receipt.contract_key,
            "ВалютаДокумента_Key": receipt.currency_key,
            "СуммаДокумента": amount,
            **order.odata_fields("ДокументОснование"),
            "ПринятоОт": receipt.received_from,
            "Основание": receipt.basis,
            "ОтражатьВУправленческомУчете": True,
            "ОтражатьВБухгалтерскомУчете": True,
            "ОтражатьВНалоговомУчете": True,
            "РасшифровкаПлатежа": [row],
            **receipt.extra,
        }
        if receipt.cash_flow_item_key:
            body["СтатьяДвиженияДенежныхСредств_Key"] = receipt.cash_flow_item_key
        existing = body.get(self.receipt_marker_field)
        body[self.receipt_marker_field] = f"{existing} {receipt.marker}" if existing else receipt.marker
        created = self._receipt(self.odata.create(RECEIPT, body))
        if post:
            self._post_and_mark(RECEIPT, created.ref, operational=False)
            created = created.model_copy(update={"posted": True})
        return created

    # -- additional properties ----------------------------------------------------------------------

    def property_key(self, name: str, *, create: bool | None = None) -> str:
        """``Ref_Key`` of the property named ``name``; created when missing and allowed. [1, cached]"""
        key = ("property", name)
        if key in self._cache:
            result: str = self._cache[key]
            return result
        flt = and_(eq("Description", name), eq("DeletionMark", False))
        rows = self.odata.get_collection(PROPERTIES, select=["Ref_Key", "Description"], filter=flt, top=1)
        if rows:
            ref = str(rows[0]["Ref_Key"]).lower()
        elif create if create is not None else self.create_missing_properties:
            body: dict[str, Any] = {"Description": name}
            if self.property_purpose_key:
                body["НазначениеСвойства_Key"] = self.property_purpose_key
            ref = str(self.odata.create(PROPERTIES, body)["Ref_Key"]).lower()
        else:
            raise _not_found(f"additional property {name!r} does not exist in UTP")
        self._cache[key] = ref
        return ref

    @staticmethod
    def _value_fields(value: PropertyValue) -> dict[str, Any]:
        if isinstance(value, CompositeRef):
            return value.odata_fields("Значение")
        if isinstance(value, bool):
            return {"Значение": value, "Значение_Type": "Edm.Boolean"}
        if isinstance(value, int | Decimal):
            return {"Значение": Decimal(value), "Значение_Type": "Edm.Double"}
        return {"Значение": value, "Значение_Type": "Edm.String"}

    @staticmethod
    def _value_of(row: JsonObject) -> PropertyValue | None:
        raw_value = row.get("Значение")
        type_name = str(row.get("Значение_Type") or "")
        ref = CompositeRef.from_odata(raw_value, type_name)
        if ref is not None:
            return ref
        if raw_value in (None, "") or type_name.startswith(TYPE_PREFIX):
            return None
        if isinstance(raw_value, bool | str):
            return raw_value
        if isinstance(raw_value, int | Decimal | float):
            return Decimal(str(raw_value))
        return str(raw_value)

    def _value_filter(self, value: PropertyValue) -> Filter:
        if isinstance(value, CompositeRef):
            return eq("Значение", value.cast())
        if self.property_value_filter == "cast":
            kind = "Boolean" if isinstance(value, bool) else "String"
            if isinstance(value, int | Decimal) and not isinstance(value, bool):
                kind = "Number"
            # The reference's (unverified) form: cast(Значение,'String') eq '…'.
            return Filter(f"cast(Значение,{literal(kind)}) eq {literal(value)}")
        return eq("Значение", value)

    def _object_ref(self, obj_key: str, obj_type: str) -> CompositeRef:
        return CompositeRef(key=obj_key.lower(), entity=obj_type.removeprefix(TYPE_PREFIX))

    def get_property(self, obj_key: str, obj_type: str, name: str) -> PropertyValue | None:
        """Value of a property of one object (``obj_type`` e.g. ``Document_ЗаказПокупателя``). [1]"""
        prop = self.property_key(name)
        flt = and_(eq("Объект", self._object_ref(obj_key, obj_type).cast()), eq("Свойство_Key", Guid(prop)))
        rows = self.odata.get_collection(
            PROPERTY_VALUES,
            select=["Объект", "Объект_Type", "Свойство_Key", "Значение", "Значение_Type"],
            filter=flt,
        )
        return self._value_of(rows[0]) if rows else None

    def set_property(self, obj_key: str, obj_type: str, name: str, value: PropertyValue) -> None:
        """Write a property value: POST the record; if it exists (code 15), PATCH it by its key.

        [1 new, 2 existing]
        """
        prop = self.property_key(name)
        obj = self._object_ref(obj_key, obj_type)
        body = {**obj.odata_fields("Объект"), "Свойство_Key": prop, **self._value_fields(value)}
        try:
            self.odata.create(PROPERTY_VALUES, body)
        except UtpDuplicateKeyError:
            key: dict[str, Any] = {
                "Объект": obj.key,
                "Объект_Type": TYPE_PREFIX + obj.entity,
                "Свойство_Key": Guid(prop),
            }
            self.odata.update(PROPERTY_VALUES, key, self._value_fields(value))

    def find_by_property(self, name: str, value: PropertyValue, obj_type: str) -> list[str]:
        """Keys of the objects of ``obj_type`` whose property ``name`` equals ``value``. [1]"""
        prop = self.property_key(name)
        flt = and_(
            eq("Свойство_Key", Guid(prop)),
            isof("Объект", obj_type.removeprefix(TYPE_PREFIX)),
            self._value_filter(value),
        )
        rows = self.odata.get_collection(
            PROPERTY_VALUES, select=["Объект", "Объект_Type", "Значение", "Значение_Type"], filter=flt
        )
        out = []
        for row in rows:
            ref = CompositeRef.from_odata(row.get("Объект"), row.get("Объект_Type"))
            if ref is not None and self._value_of(row) == value:
                out.append(ref.key)
        return _unique(out)

    def property_values(self, name: str, obj_type: str, *, page_size: int = 1000) -> dict[str, PropertyValue]:
        """Every value of a property over one object type (for status polling). [⌈N/page⌉]"""
        prop = self.property_key(name)
        flt = and_(eq("Свойство_Key", Guid(prop)), isof("Объект", obj_type.removeprefix(TYPE_PREFIX)))
        out: dict[str, PropertyValue] = {}
        for row in self.odata.iter_collection(
            PROPERTY_VALUES,
            select=["Объект", "Объект_Type", "Значение", "Значение_Type"],
            filter=flt,
            orderby="Объект",
            page_size=page_size,
        ):
            ref = CompositeRef.from_odata(row.get("Объект"), row.get("Объект_Type"))
            value = self._value_of(row)
            if ref is not None and value is not None:
                out[ref.key] = value
        return out

    def property_values_of(
        self, name: str, obj_type: str, obj_keys: Iterable[str], *, chunk_size: int | None = None
    ) -> dict[str, PropertyValue]:
        """Values of a property for the objects ``obj_keys`` only (status polling over a window).

        ``Свойство_Key eq guid'…' and (Объект eq cast(guid'…','Type') or …)``, ``chunk_size`` keys
        (default the client's) per request; every key goes through ``Guid`` (ValueError otherwise),
        so no caller text reaches the filter. Objects without a value are absent.
        [⌈n/chunk⌉ (+1 first use of the name); none for no keys]
        """
        keys = _unique(k.lower() for k in obj_keys)
        if not keys:
            return {}
        entity = obj_type.removeprefix(TYPE_PREFIX)
        refs = [CastRef(key, entity) for key in keys]  # validates every key and the type name
        prop = self.property_key(name)
        out: dict[str, PropertyValue] = {}
        for chunk in _chunks(refs, chunk_size or self.chunk_size):
            flt = and_(eq("Свойство_Key", Guid(prop)), in_("Объект", chunk))
            rows = self.odata.get_collection(
                PROPERTY_VALUES, select=["Объект", "Объект_Type", "Значение", "Значение_Type"], filter=flt
            )
            for row in rows:
                ref = CompositeRef.from_odata(row.get("Объект"), row.get("Объект_Type"))
                value = self._value_of(row)
                if ref is not None and value is not None and ref.entity == entity:
                    out[ref.key] = value
        return out


__all__ = [
    "CONTACT_KINDS",
    "PropertyValue",
    "UtpClient",
    "select_of",
]
