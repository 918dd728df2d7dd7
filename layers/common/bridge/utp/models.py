"""Typed views (pydantic v2) of the UTP objects the bridge reads and writes.

Read models are built from 1C's JSON with ``Model.model_validate(row)``: field aliases are 1C's
names, unknown attributes (customer customisations, ``@navigationLinkUrl``) are ignored, Int64
strings become ints, fractions are ``Decimal``, and the sentinels 1C uses for "nothing" (the empty
GUID, ``0001-01-01T00:00:00``, a composite with type ``StandardODATA.Undefined``) become ``None``.

Input models (``…Input``) are what the rules hand to ``UtpClient`` to create documents.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from bridge.utp.names import COUNTERPARTIES, INVOICE, ORDER
from bridge.utp.odata_query import EMPTY_REF, TYPE_PREFIX, UNDEFINED_TYPE, CastRef

_CENT = Decimal("0.01")


def _ref_or_none(value: Any) -> Any:
    if value in (None, "", EMPTY_REF):
        return None
    return str(value).lower()


def _date_or_none(value: Any) -> Any:
    if value in (None, "") or (isinstance(value, str) and value.startswith("0001-01-01")):
        return None
    return value


def _decimal(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))  # never the binary expansion of a float
    if value in (None, ""):
        return Decimal(0)
    return value


def _int(value: Any) -> Any:
    if value in (None, ""):
        return 0
    return value


def _text(value: Any) -> Any:
    return "" if value is None else value


OptRef = Annotated[str | None, BeforeValidator(_ref_or_none)]
OptDate = Annotated[datetime | None, BeforeValidator(_date_or_none)]
Dec = Annotated[Decimal, BeforeValidator(_decimal)]
Int64 = Annotated[int, BeforeValidator(_int)]
Text = Annotated[str, BeforeValidator(_text)]


class CompositeRef(BaseModel):
    """A value of a composite-typed field: ``<Name>`` (GUID) + ``<Name>_Type`` (``StandardODATA.X``)."""

    model_config = ConfigDict(frozen=True)

    key: str
    entity: str  # without the StandardODATA. prefix, e.g. "Document_ЗаказПокупателя"

    @classmethod
    def from_odata(cls, value: Any, type_name: Any) -> CompositeRef | None:
        """None for an empty reference of any type, for ``Undefined`` and for primitive values."""
        if not isinstance(type_name, str) or not type_name.startswith(TYPE_PREFIX):
            return None
        if type_name == UNDEFINED_TYPE or value in (None, "", EMPTY_REF):
            return None
        return cls(key=str(value).lower(), entity=type_name.removeprefix(TYPE_PREFIX))

    def odata_fields(self, name: str) -> dict[str, str]:
        """``{name: key, name_Type: StandardODATA.entity}`` for a request body."""
        return {name: self.key, f"{name}_Type": TYPE_PREFIX + self.entity}

    def cast(self) -> CastRef:
        return CastRef(self.key, self.entity)


def composite_fields(name: str, ref: CompositeRef | None) -> dict[str, str]:
    """Body fields of a composite attribute; ``None`` writes an empty ``Undefined`` value."""
    if ref is None:
        return {name: "", f"{name}_Type": UNDEFINED_TYPE}
    return ref.odata_fields(name)


class UtpModel(BaseModel):
    """Base of read models: lenient about extra fields, strict about types."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    # Field names (python) of composite attributes, each read from "<alias>" + "<alias>_Type".
    _composites: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _assemble_composites(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not cls._composites:
            return data
        data = dict(data)
        for field_name in cls._composites:
            alias = cls.model_fields[field_name].alias or field_name
            if alias in data and not isinstance(data[alias], CompositeRef | dict):
                data[alias] = CompositeRef.from_odata(data[alias], data.get(f"{alias}_Type"))
        return data


# ---------------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------------


class CatalogItem(UtpModel):
    ref: str = Field(alias="Ref_Key")
    description: Text = Field(default="", alias="Description")
    deletion_mark: bool = Field(default=False, alias="DeletionMark")


class CodedItem(CatalogItem):
    """A catalog read with its ``Code`` (only where the code means something to us: a catalog
    without codes, e.g. units, answers 400 code 6 to ``$select=Code``)."""

    code: Text = Field(default="", alias="Code")


class Organisation(CodedItem):
    full_name: Text = Field(default="", alias="НаименованиеПолное")
    prefix: Text = Field(default="", alias="Префикс")


class Currency(CodedItem):
    """``Code`` is the ISO numeric code (``980`` for UAH)."""


class Warehouse(CatalogItem):
    kind: Text = Field(default="", alias="ВидСклада")  # Оптовый / Розничный / НТТ
    is_folder: bool = Field(default=False, alias="IsFolder")


class PriceType(CatalogItem):
    currency_key: OptRef = Field(default=None, alias="ВалютаЦены_Key")
    price_includes_vat: bool = Field(default=False, alias="ЦенаВключаетНДС")


class CashDesk(CatalogItem):
    organisation_key: OptRef = Field(default=None, alias="Owner_Key")
    currency_key: OptRef = Field(default=None, alias="ВалютаДенежныхСредств_Key")


class ClosureReason(CatalogItem):
    pass


# ---------------------------------------------------------------------------------------------
# Products, prices, stock
# ---------------------------------------------------------------------------------------------


class Product(CodedItem):
    sku: Text = Field(default="", alias="Артикул")
    unit_key: OptRef = Field(default=None, alias="ЕдиницаХраненияОстатков_Key")
    parent_key: OptRef = Field(default=None, alias="Parent_Key")
    is_folder: bool = Field(default=False, alias="IsFolder")
    is_service: bool = Field(default=False, alias="Услуга")
    vat_rate: Text = Field(default="", alias="СтавкаНДС")
    data_version: Text = Field(default="", alias="DataVersion")


class Unit(CatalogItem):
    """``Catalog_ЕдиницыИзмерения``: a unit of one product (owner) with its coefficient."""

    _composites: ClassVar[tuple[str, ...]] = ("owner",)

    owner: CompositeRef | None = Field(default=None, alias="Owner")
    coefficient: Dec = Field(default=Decimal(1), alias="Коэффициент")


# ---------------------------------------------------------------------------------------------
# Counterparties
# ---------------------------------------------------------------------------------------------


class Counterparty(CodedItem):
    full_name: Text = Field(default="", alias="НаименованиеПолное")
    main_contract_key: OptRef = Field(default=None, alias="ОсновнойДоговорКонтрагента_Key")
    is_folder: bool = Field(default=False, alias="IsFolder")
    is_buyer: bool = Field(default=False, alias="Покупатель")


class Contract(CodedItem):
    counterparty_key: OptRef = Field(default=None, alias="Owner_Key")
    organisation_key: OptRef = Field(default=None, alias="Организация_Key")
    kind: Text = Field(default="", alias="ВидДоговора")
    currency_key: OptRef = Field(default=None, alias="ВалютаВзаиморасчетов_Key")
    settlement_mode: Text = Field(default="", alias="ВедениеВзаиморасчетов")


class ContactMatch(UtpModel):
    """A row of ``InformationRegister_КонтактнаяИнформация`` that matched a lookup."""

    _composites: ClassVar[tuple[str, ...]] = ("owner",)

    owner: CompositeRef | None = Field(default=None, alias="Объект")
    kind: Text = Field(default="", alias="Тип")
    presentation: Text = Field(default="", alias="Представление")

    @property
    def counterparty_key(self) -> str | None:
        return self.owner.key if self.owner and self.owner.entity == COUNTERPARTIES else None


class NewCounterparty(BaseModel):
    """What ``UtpClient.create_counterparty`` creates: the item, its contract, its contacts."""

    model_config = ConfigDict(frozen=True)

    counterparty: Counterparty
    contract: Contract
    contact_count: int


# ---------------------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------------------


class DocumentHeader(UtpModel):
    """Standard fields of every document (what the "documents of an order" lookups return)."""

    ref: str = Field(alias="Ref_Key")
    number: Text = Field(default="", alias="Number")
    date: OptDate = Field(default=None, alias="Date")
    posted: bool = Field(default=False, alias="Posted")
    deletion_mark: bool = Field(default=False, alias="DeletionMark")
    data_version: Text = Field(default="", alias="DataVersion")
    total: Dec = Field(default=Decimal(0), alias="СуммаДокумента")
    comment: Text = Field(default="", alias="Комментарий")


class OrderLine(UtpModel):
    """A row of ``Товары`` of a sales order (and, with the extra fields, of an invoice/return)."""

    _composites: ClassVar[tuple[str, ...]] = ("placement",)

    line_number: Int64 = Field(alias="LineNumber")
    product_key: OptRef = Field(default=None, alias="Номенклатура_Key")
    characteristic_key: OptRef = Field(default=None, alias="ХарактеристикаНоменклатуры_Key")
    unit_key: OptRef = Field(default=None, alias="ЕдиницаИзмерения_Key")
    coefficient: Dec = Field(default=Decimal(1), alias="Коэффициент")
    quantity: Dec = Field(default=Decimal(0), alias="Количество")
    price: Dec = Field(default=Decimal(0), alias="Цена")
    amount: Dec = Field(default=Decimal(0), alias="Сумма")
    vat_rate: Text = Field(default="", alias="СтавкаНДС")
    vat_amount: Dec = Field(default=Decimal(0), alias="СуммаНДС")
    discount_percent: Dec = Field(default=Decimal(0), alias="ПроцентСкидкиНаценки")
    placement: CompositeRef | None = Field(default=None, alias="Размещение")


class ServiceLine(UtpModel):
    """A row of ``Услуги`` (delivery, installation: products marked ``Услуга``, refused in ``Товары``)."""

    line_number: Int64 = Field(alias="LineNumber")
    product_key: OptRef = Field(default=None, alias="Номенклатура_Key")
    description: Text = Field(default="", alias="Содержание")
    quantity: Dec = Field(default=Decimal(0), alias="Количество")
    price: Dec = Field(default=Decimal(0), alias="Цена")
    amount: Dec = Field(default=Decimal(0), alias="Сумма")
    vat_rate: Text = Field(default="", alias="СтавкаНДС")
    vat_amount: Dec = Field(default=Decimal(0), alias="СуммаНДС")
    discount_percent: Dec = Field(default=Decimal(0), alias="ПроцентСкидкиНаценки")


class SalesHeader(DocumentHeader):
    """The header fields a sales order and its invoices share: parties, contract, currency and price type
    (first in ``$select``, before each document's own fields)."""

    organisation_key: OptRef = Field(default=None, alias="Организация_Key")
    counterparty_key: OptRef = Field(default=None, alias="Контрагент_Key")
    contract_key: OptRef = Field(default=None, alias="ДоговорКонтрагента_Key")
    currency_key: OptRef = Field(default=None, alias="ВалютаДокумента_Key")
    price_type_key: OptRef = Field(default=None, alias="ТипЦен_Key")


class SalesOrder(SalesHeader):
    """``Document_ЗаказПокупателя`` with its ``Товары`` and ``Услуги``; ``marker`` is the find-before-create
    key."""

    _composites: ClassVar[tuple[str, ...]] = ("warehouse",)

    warehouse: CompositeRef | None = Field(default=None, alias="СкладГруппа")
    exchange_rate: Dec = Field(default=Decimal(1), alias="КурсВзаиморасчетов")
    multiplicity: Int64 = Field(default=1, alias="КратностьВзаиморасчетов")
    prices_include_vat: bool = Field(default=False, alias="СуммаВключаетНДС")
    account_vat: bool = Field(default=False, alias="УчитыватьНДС")
    shipment_date: OptDate = Field(default=None, alias="ДатаОтгрузки")
    payment_date: OptDate = Field(default=None, alias="ДатаОплаты")
    marker: str | None = None  # filled by the client from its configured marker attribute
    attributes: dict[str, Any] = Field(default_factory=dict)  # the client's ``order_extra_fields``
    lines: list[OrderLine] = Field(default_factory=list, alias="Товары")
    services: list[ServiceLine] = Field(default_factory=list, alias="Услуги")

    @property
    def warehouse_key(self) -> str | None:
        return self.warehouse.key if self.warehouse else None

    def as_ref(self) -> CompositeRef:
        return CompositeRef(key=self.ref, entity=ORDER)


class InvoiceLine(OrderLine):
    warehouse_key: OptRef = Field(default=None, alias="Склад_Key")
    order_key: OptRef = Field(default=None, alias="ЗаказПокупателя_Key")
    # The invoice's ПередЗаписью sets Качество = Новый on every row; the return needs it back.
    quality_key: OptRef = Field(default=None, alias="Качество_Key")


class Invoice(SalesHeader):
    """``Document_РеализацияТоваровУслуг`` (sales invoice / shipment)."""

    _composites: ClassVar[tuple[str, ...]] = ("deal",)

    warehouse_key: OptRef = Field(default=None, alias="Склад_Key")
    deal: CompositeRef | None = Field(default=None, alias="Сделка")
    exchange_rate: Dec = Field(default=Decimal(1), alias="КурсВзаиморасчетов")
    multiplicity: Int64 = Field(default=1, alias="КратностьВзаиморасчетов")
    prices_include_vat: bool = Field(default=False, alias="СуммаВключаетНДС")
    account_vat: bool = Field(default=False, alias="УчитыватьНДС")
    lines: list[InvoiceLine] = Field(default_factory=list, alias="Товары")

    def as_ref(self) -> CompositeRef:
        return CompositeRef(key=self.ref, entity=INVOICE)


class ReturnNote(DocumentHeader):
    """``Document_ВозвратТоваровОтПокупателя``."""

    _composites: ClassVar[tuple[str, ...]] = ("deal",)

    counterparty_key: OptRef = Field(default=None, alias="Контрагент_Key")
    deal: CompositeRef | None = Field(default=None, alias="Сделка")


class OrderClosure(DocumentHeader):
    """``Document_ЗакрытиеЗаказовПокупателей``."""

    operation: Text = Field(default="", alias="ВидОперации")


class CashReceipt(DocumentHeader):
    """``Document_ПриходныйКассовыйОрдер``; ``marker`` is read from the client's marker field."""

    _composites: ClassVar[tuple[str, ...]] = ("counterparty", "base_document")

    operation: Text = Field(default="", alias="ВидОперации")
    organisation_key: OptRef = Field(default=None, alias="Организация_Key")
    cash_desk_key: OptRef = Field(default=None, alias="Касса_Key")
    counterparty: CompositeRef | None = Field(default=None, alias="Контрагент")
    contract_key: OptRef = Field(default=None, alias="ДоговорКонтрагента_Key")
    base_document: CompositeRef | None = Field(default=None, alias="ДокументОснование")
    marker: str | None = None


class OrderDocuments(BaseModel):
    """Every accounting document that refers to one sales order."""

    model_config = ConfigDict(frozen=True)

    invoices: list[DocumentHeader]
    returns: list[DocumentHeader]
    closures: list[DocumentHeader]
    receipts: list[CashReceipt]

    @property
    def posted_invoices(self) -> list[DocumentHeader]:
        return [d for d in self.invoices if d.posted and not d.deletion_mark]


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------

VAT_PERCENT: dict[str, Decimal] = {
    "НДС20": Decimal(20),
    "НДС7": Decimal(7),
    "НДС14": Decimal(14),
    "НДС0": Decimal(0),
    "БезНДС": Decimal(0),
    "НеНДС": Decimal(0),
}


def vat_amount(amount: Decimal, rate: str, *, amount_includes_vat: bool) -> Decimal:
    """VAT of a line the way UT 10.3 computes it (rounded to kopecks)."""
    pct = VAT_PERCENT.get(rate, Decimal(0))
    if not pct:
        return Decimal("0.00")
    vat = amount * pct / (100 + pct) if amount_includes_vat else amount * pct / 100
    return vat.quantize(_CENT, rounding=ROUND_HALF_UP)


class OrderLineInput(BaseModel):
    """One goods line to write. ``amount`` defaults to quantity·price·(1 − discount%/100)."""

    model_config = ConfigDict(frozen=True)

    product_key: str
    unit_key: str
    quantity: Decimal = Field(gt=0)
    price: Decimal = Field(ge=0)
    coefficient: Decimal = Decimal(1)
    discount_percent: Decimal = Decimal(0)
    amount: Decimal | None = None
    vat_rate: str = "НДС20"
    characteristic_key: str | None = None
    # A service (``Услуга`` in UTP: delivery, installation) goes to ``Услуги``, where it needs no unit
    # and reserves nothing; ``description`` is its ``Содержание``.
    service: bool = False
    description: str = ""

    def line_amount(self) -> Decimal:
        if self.amount is not None:
            return self.amount.quantize(_CENT, rounding=ROUND_HALF_UP)
        gross = self.quantity * self.price * (1 - self.discount_percent / 100)
        return gross.quantize(_CENT, rounding=ROUND_HALF_UP)


class SalesOrderInput(BaseModel):
    """A sales order to create or to rewrite (``UtpClient.create_sales_order`` / ``update_sales_order``)."""

    model_config = ConfigDict(frozen=True)

    date: datetime
    organisation_key: str
    counterparty_key: str
    contract_key: str
    currency_key: str
    price_type_key: str | None = None
    warehouse_key: str
    lines: list[OrderLineInput] = Field(min_length=1)
    marker: str | None = None
    comment: str = ""
    shipment_date: datetime | None = None
    payment_date: datetime | None = None
    prices_include_vat: bool = True
    account_vat: bool = True
    reserve: bool = True  # Размещение = the warehouse (reserve) or Undefined (no reservation)
    exchange_rate: Decimal = Decimal(1)
    multiplicity: int = 1
    extra: dict[str, Any] = Field(default_factory=dict)  # customer-specific header attributes


class CashReceiptInput(BaseModel):
    """A payment from a customer against a sales order."""

    model_config = ConfigDict(frozen=True)

    date: datetime
    organisation_key: str
    cash_desk_key: str
    counterparty_key: str
    contract_key: str
    currency_key: str
    order_key: str
    amount: Decimal = Field(gt=0)
    marker: str
    vat_rate: str = "НДС20"
    received_from: str = ""
    basis: str = ""
    cash_flow_item_key: str | None = None
    responsible_key: str | None = None  # Ответственный: required to post a customer's payment
    extra: dict[str, Any] = Field(default_factory=dict)
