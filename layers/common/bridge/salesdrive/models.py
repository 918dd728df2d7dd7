"""Lenient pydantic models of SalesDrive payloads: webhook envelope, orders, contacts, lines, payments.

Rules that hold for every model here:
- unknown keys are kept (``extra="allow"``): custom fields arrive as extra top-level keys of the order;
- numbers may arrive as strings; money and quantities are ``Decimal``; ids are ``int``;
- dates ``"YYYY-MM-DD HH:MM:SS"`` become naive datetimes in the account's local time;
- Python names are snake_case; the SalesDrive spelling is the alias, and both are accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from bridge.phones import split_phones
from bridge.salesdrive import _coerce
from bridge.salesdrive.envelope import check_info, decode_body, order_id_of, single_order
from bridge.salesdrive.errors import NotAnOrder

LenientInt = Annotated[int | None, BeforeValidator(_coerce.to_int)]
Money = Annotated[Decimal | None, BeforeValidator(_coerce.to_decimal)]
Flag = Annotated[bool | None, BeforeValidator(_coerce.to_bool)]
Text = Annotated[str | None, BeforeValidator(_coerce.to_str)]
TextList = Annotated[list[str], BeforeValidator(_coerce.to_str_list)]
RequiredInt = Annotated[int, BeforeValidator(_coerce.to_int)]
Moment = Annotated[datetime | None, BeforeValidator(_coerce.to_datetime)]
Day = Annotated[date | None, BeforeValidator(_coerce.to_date)]

# Order fields: read what can be read, None for the rest. What a rule needs is also checked by
# ``_note_unreadable`` so that the rule can park the order with the reason instead of guessing.
SoftInt = Annotated[int | None, BeforeValidator(_coerce.soft(_coerce.to_int))]
SoftMoney = Annotated[Decimal | None, BeforeValidator(_coerce.soft(_coerce.to_decimal))]
SoftFlag = Annotated[bool | None, BeforeValidator(_coerce.soft(_coerce.to_bool))]
SoftText = Annotated[str | None, BeforeValidator(_coerce.soft(_coerce.to_str))]
SoftTextList = Annotated[list[str], BeforeValidator(_coerce.soft(_coerce.to_str_list)), Field()]
SoftMoment = Annotated[datetime | None, BeforeValidator(_coerce.soft(_coerce.to_datetime))]
SoftDay = Annotated[date | None, BeforeValidator(_coerce.soft(_coerce.to_date))]
# A select field as sent: an id, "id_<n>", an option object {id,name}/{value,text}, or a list of those.
Choice = Annotated[Any, BeforeValidator(_coerce.choice)]
UNREADABLE = "__unreadable__"


def _phones(value: Any) -> list[str]:
    """Phones: a list, or one string holding one or several numbers ("067…, 050…", "067… або 050…")."""
    return [phone for text in _coerce.soft(_coerce.to_str_list)(value) or [] for phone in split_phones(text)]


PhoneList = Annotated[list[str], BeforeValidator(_phones)]


def _note_unreadable(data: Any, fields: Mapping[str, Any]) -> Any:
    """Record, under ``UNREADABLE``, each field a rule needs that is present but cannot be read."""
    if not isinstance(data, Mapping):
        return data
    problems: dict[str, str] = {}
    for key, convert in fields.items():
        if key in data:
            try:
                convert(data[key])
            except (ValueError, TypeError) as exc:
                problems[key] = str(exc)
    return {**data, UNREADABLE: problems} if problems else data


def _list_or_empty(value: Any) -> Any:
    """``null`` (or ``""``, PHP's empty value) where a list is due means an empty list."""
    if value is None or value == "" or value == {}:
        return []
    return value


def _object_or_none(value: Any) -> Any:
    """PHP serialises an empty object as ``[]``."""
    if value == [] or value == "":
        return None
    return value


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=False)

    @property
    def extra(self) -> dict[str, Any]:
        """Keys SalesDrive sent that this model does not name."""
        return {k: v for k, v in (self.model_extra or {}).items() if k != UNREADABLE}


# --- meta: field descriptors -------------------------------------------------------------------------


class FieldOption(_Lenient):
    """One option of a select field: ``{value, text}`` or, in some accounts, ``{id, name}``. List ``meta``
    may add ``parameter``, ``sku``, ``stockBalance``…"""

    value: int | str | None = None
    text: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _either_shape(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return {"value": None, "text": None}
        value = data.get("value", data.get("id"))
        text = _coerce.choice_name(data)
        if isinstance(value, bool) or not isinstance(value, int | str | None):
            value = _coerce.choice_id(value)
        return {**data, "value": value, "text": text}

    @property
    def value_int(self) -> int | None:
        try:
            return _coerce.to_int(self.value)
        except ValueError:
            return None


def _options(value: Any) -> list[Any]:
    """Options as a list of objects; a dictionary ``{"4": "Name"}`` or ``{"4": {…}}`` becomes that list."""
    if isinstance(value, Mapping) and value and not ({"id", "value"} & set(value)):
        return [
            {"value": key, "text": item} if not isinstance(item, Mapping) else {"value": key, **item}
            for key, item in value.items()
        ]
    return _coerce.objects_only(value)


def _descriptors(value: Any) -> dict[str, Any]:
    """``fields``: descriptors by name; an entry that is not an object (``"...": null``) is left out."""
    if not isinstance(value, Mapping):
        return {}
    return {str(name): item for name, item in value.items() if isinstance(item, Mapping)}


class FieldMeta(_Lenient):
    label: SoftText = None
    name: SoftText = None
    type: SoftText = None
    options: Annotated[list[FieldOption], BeforeValidator(_options)] = Field(default_factory=list)
    # Contact groups nest their own descriptors.
    fields: Annotated[dict[str, FieldMeta], BeforeValidator(_descriptors)] | None = None


class ContactsMeta(_Lenient):
    fields: Annotated[dict[str, FieldMeta], BeforeValidator(_descriptors)] = Field(default_factory=dict)


class OrderMeta(_Lenient):
    """``meta`` of a webhook (options = the selected value(s)) or of a list (options = a dictionary).
    Whatever shape it comes in, it never makes an order unreadable: what cannot be read is left out."""

    fields: Annotated[dict[str, FieldMeta], BeforeValidator(_descriptors)] = Field(default_factory=dict)
    contacts: Annotated[ContactsMeta | None, BeforeValidator(_coerce.one_object)] = None

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        return data if isinstance(data, Mapping) else {}

    def options(self, field: str) -> list[FieldOption]:
        descriptor = self.fields.get(field)
        return list(descriptor.options) if descriptor else []

    def selected_texts(self, field: str) -> list[str]:
        """In a webhook, the texts of the selected option(s) of ``field`` (multiselects give several)."""
        return [option.text for option in self.options(field) if option.text is not None]

    def selected_text(self, field: str) -> str | None:
        """In a webhook, the text of the selected option: ``selected_text("sajt")`` → "shop.example"."""
        texts = self.selected_texts(field)
        return texts[0] if texts else None

    def option_text(self, field: str, value: int | str | None) -> str | None:
        """In a list ``meta`` (a dictionary), the text of the option with this value."""
        wanted = _coerce.choice_id(value)
        if wanted is None:
            return None
        for option in self.options(field):
            if option.value is not None and _coerce.choice_id(option.value) == wanted:
                return option.text
        return None


def parse_meta(value: Any) -> OrderMeta:
    """``meta`` of any shape; never raises (a shape nobody foresaw reads as no names at all)."""
    try:
        return OrderMeta.model_validate(_meta_or_empty(value))
    except ValidationError:
        return OrderMeta()


# --- orders ------------------------------------------------------------------------------------------


class Contact(_Lenient):
    id: SoftInt = None
    form_id: SoftInt = Field(None, alias="formId")
    version: SoftInt = None
    active: SoftFlag = None
    last_name: SoftText = Field(None, alias="lName")
    first_name: SoftText = Field(None, alias="fName")
    middle_name: SoftText = Field(None, alias="mName")
    phone: PhoneList = Field(default_factory=list)
    email: SoftTextList = Field(default_factory=list)
    company: SoftText = None
    counterparty_id: SoftInt = Field(None, alias="counterpartyId")
    comment: SoftText = None
    user_id: SoftInt = Field(None, alias="userId")
    telegram: SoftText = None
    instagram_nick: SoftText = Field(None, alias="instagramNick")
    date_of_birth: SoftDay = Field(None, alias="dateOfBirth")
    create_time: SoftMoment = Field(None, alias="createTime")
    leads_count: SoftInt = Field(None, alias="leadsCount")
    leads_sales_count: SoftInt = Field(None, alias="leadsSalesCount")
    leads_sales_amount: SoftMoney = Field(None, alias="leadsSalesAmount")

    @property
    def custom_fields(self) -> dict[str, Any]:
        """The account's own contact fields (``con_*`` and any other key not named here)."""
        return self.extra

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.middle_name) if part)


# What the order's lines need to become UTP lines; the rest of a line is read softly.
_LINE_NEEDS = {
    "amount": _coerce.to_decimal,
    "price": _coerce.to_decimal,
    "discount": _coerce.to_decimal,
    "percentDiscount": _coerce.to_bool,
    "sku": _coerce.to_str,
    "parameter": _coerce.to_str,
}


class OrderLine(_Lenient):
    """A product line. Webhooks name it ``name``, the order list ``text``: both land in ``name``."""

    form_id: SoftInt = Field(None, alias="formId")
    product_id: SoftInt = Field(None, alias="productId")
    # Your own product id (``id`` on /product-handler/ and /handler/).
    parameter: SoftText = None
    name: SoftText = Field(None, validation_alias=AliasChoices("name", "text"))
    name_translate: SoftText = Field(None, alias="nameTranslate")
    document_name: SoftText = Field(None, alias="documentName")
    sku: SoftText = None
    barcode: SoftText = None
    amount: SoftMoney = None
    price: SoftMoney = None
    cost_price: SoftMoney = Field(None, alias="costPrice")
    discount: SoftMoney = None
    # True: ``discount`` is a percent; otherwise an absolute value (semantics partly inferred).
    percent_discount: SoftFlag = Field(None, alias="percentDiscount")
    commission: SoftMoney = None
    percent_commission: SoftFlag = Field(None, alias="percentCommission")
    description: SoftText = None
    stock_id: SoftInt = Field(None, alias="stockId")
    rest_count: SoftMoney = Field(None, alias="restCount")
    is_complect: SoftFlag = Field(None, alias="isComplect")
    category_id: SoftInt = Field(None, alias="categoryId")
    category_name: SoftText = Field(None, alias="categoryName")
    manufacturer: SoftText = None
    uktzed: SoftText = None
    pre_sale: SoftFlag = Field(None, alias="preSale")

    @model_validator(mode="before")
    @classmethod
    def _check_needs(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return {UNREADABLE: {"line": f"not a product line: {str(data)[:60]!r}"}}
        return _note_unreadable(data, _LINE_NEEDS)

    @property
    def unreadable(self) -> dict[str, str]:
        """Fields of this line a rule needs that SalesDrive sent in a form the bridge cannot read."""
        return dict((self.model_extra or {}).get(UNREADABLE) or {})


class DeliveryData(_Lenient):
    """One waybill of ``ord_delivery_data``; the many carrier-specific keys stay in ``extra``."""

    provider: SoftText = None
    type: SoftText = None
    tracking_number: SoftText = Field(None, alias="trackingNumber")
    tracking_number_ref: SoftText = Field(None, alias="trackingNumberRef")
    status_code: SoftText = Field(None, alias="statusCode")
    city_name: SoftText = Field(None, alias="cityName")
    branch_number: SoftText = Field(None, alias="branchNumber")
    address: SoftText = None
    payer: SoftText = None
    has_postpay: SoftFlag = Field(None, alias="hasPostpay")
    postpay_sum: SoftMoney = Field(None, alias="postpaySum")


class Utm(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str | None = None
    medium: str | None = None
    campaign: str | None = None
    content: str | None = None
    term: str | None = None
    page: str | None = None
    source_full: str | None = None
    campaign_id: int | None = None


_CarrierBlock = Annotated[dict[str, Any] | None, BeforeValidator(_coerce.one_object)]
# What the deal rules need of the order itself (the id is checked before anything else).
_ORDER_NEEDS = {
    "version": _coerce.to_int,
    "updateAt": _coerce.to_datetime,
    "statusId": _coerce.to_int,
}


def _lines(value: Any) -> list[Any]:
    return _coerce.as_list(value)


class Order(_Lenient):
    """An order in either form (webhook ``data`` or an item of ``/api/order/list/``).

    Only ``id`` must be readable. Every other field is read leniently (text or number, object or list,
    missing or null); what the deal rules need and could not be read is listed in ``unreadable`` (and
    each line's), so that the rules park the order with the reason rather than guess.
    """

    id: RequiredInt
    version: SoftInt = None
    form_id: SoftInt = Field(None, alias="formId")
    external_id: SoftText = Field(None, alias="externalId")
    type_id: SoftInt = Field(None, alias="typeId")
    organization_id: SoftInt = Field(None, alias="organizationId")
    token: SoftText = None

    order_time: SoftMoment = Field(None, alias="orderTime")
    update_at: SoftMoment = Field(None, alias="updateAt")
    payment_date: SoftDay = Field(None, alias="paymentDate")
    time_entry_order: SoftMoment = Field(None, alias="timeEntryOrder")
    holder_time: SoftMoment = Field(None, alias="holderTime")

    status_id: SoftInt = Field(None, alias="statusId")
    rejection_reason: Choice = Field(None, alias="rejectionReason")
    user_id: Choice = Field(None, alias="userId")

    contacts: Annotated[list[Contact], BeforeValidator(_coerce.objects_only)] = Field(default_factory=list)
    primary_contact: Annotated[Contact | None, BeforeValidator(_coerce.one_object)] = Field(
        None, alias="primaryContact"
    )
    products: Annotated[list[OrderLine], BeforeValidator(_lines)] = Field(default_factory=list)

    payment_method: Choice = None
    shipping_method: Choice = None
    shipping_address: SoftText = None
    ord_delivery_data: Annotated[list[DeliveryData], BeforeValidator(_coerce.objects_only)] = Field(
        default_factory=list
    )
    ord_delivery: SoftText = None
    ord_novaposhta: _CarrierBlock = None
    ord_ukrposhta: _CarrierBlock = None
    ord_rozetka_delivery: _CarrierBlock = None
    ord_meest: _CarrierBlock = None
    ord_justin: _CarrierBlock = None

    payment_amount: SoftMoney = Field(None, alias="paymentAmount")
    payed_amount: SoftMoney = Field(None, alias="payedAmount")
    rest_pay: SoftMoney = Field(None, alias="restPay")
    discount_amount: SoftMoney = Field(None, alias="discountAmount")
    profit_amount: SoftMoney = Field(None, alias="profitAmount")
    expenses_amount: SoftMoney = Field(None, alias="expensesAmount")
    cost_price_amount: SoftMoney = Field(None, alias="costPriceAmount")
    commission_amount: SoftMoney = Field(None, alias="commissionAmount")
    shipping_costs: SoftMoney = None

    sajt: Choice = None
    comment: SoftText = None
    document_ord_check: Any = None
    call: Any = None

    utm_source: SoftText = Field(None, alias="utmSource")
    utm_medium: SoftText = Field(None, alias="utmMedium")
    utm_campaign: SoftText = Field(None, alias="utmCampaign")
    utm_content: SoftText = Field(None, alias="utmContent")
    utm_term: SoftText = Field(None, alias="utmTerm")
    utm_page: SoftText = Field(None, alias="utmPage")
    utm_source_full: SoftText = Field(None, alias="utmSourceFull")
    campaign_id: SoftInt = Field(None, alias="campaignId")

    @model_validator(mode="before")
    @classmethod
    def _check_needs(cls, data: Any) -> Any:
        return _note_unreadable(data, _ORDER_NEEDS)

    # The object exactly as SalesDrive sent it (set by ``parse_order``): forwarded as is, so that what
    # could not be read reaches the deal rules as sent, never as a guess.
    _source: dict[str, Any] | None = PrivateAttr(default=None)

    def as_sent(self) -> dict[str, Any]:
        """The order as SalesDrive sent it, else as parsed (SalesDrive's spelling)."""
        if self._source is not None:
            return dict(self._source)
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    @property
    def unreadable(self) -> dict[str, str]:
        """Order fields a rule needs that came in a form the bridge cannot read (lines: per line)."""
        return dict((self.model_extra or {}).get(UNREADABLE) or {})

    @property
    def custom_fields(self) -> dict[str, Any]:
        """The account's own order fields: every top-level key this model does not name, raw."""
        return self.extra

    @property
    def utm(self) -> Utm:
        return Utm(
            source=self.utm_source or None,
            medium=self.utm_medium or None,
            campaign=self.utm_campaign or None,
            content=self.utm_content or None,
            term=self.utm_term or None,
            page=self.utm_page or None,
            source_full=self.utm_source_full or None,
            campaign_id=self.campaign_id,
        )

    @property
    def customer(self) -> Contact | None:
        """The primary contact (list form), else the first contact (webhook form)."""
        if self.primary_contact is not None:
            return self.primary_contact
        return self.contacts[0] if self.contacts else None

    @property
    def tracking_numbers(self) -> list[str]:
        """TTNs from ``ord_delivery_data`` and the legacy carrier blocks, first seen first."""
        found: list[str] = [d.tracking_number for d in self.ord_delivery_data if d.tracking_number]
        for block, key in ((self.ord_novaposhta, "EN"), (self.ord_ukrposhta, "barcode")):
            value = (block or {}).get(key)
            if value:
                found.append(str(value))
        return list(dict.fromkeys(found))


# --- webhook -----------------------------------------------------------------------------------------


class WebhookInfo(_Lenient):
    webhook_type: str = Field(alias="webhookType")
    webhook_event: SoftText = Field(None, alias="webhookEvent")
    account: SoftText = None


def _meta_or_empty(value: Any) -> Any:
    return _object_or_none(value) or {}


class OrderWebhook(_Lenient):
    """The envelope ``{info, data, meta}`` of an order webhook, with ``data`` always one order."""

    info: WebhookInfo
    data: Order
    meta: Annotated[OrderMeta, BeforeValidator(parse_meta)] = Field(default_factory=OrderMeta)

    @classmethod
    def parse(cls, body: bytes | bytearray | str | Mapping[str, Any]) -> OrderWebhook:
        """Parse a webhook body, or raise ``NotAnOrder`` with a reason a sender can read."""
        payload = decode_body(body)
        check_info(payload)
        data = single_order(payload)
        order_id_of(data)
        try:
            return cls.model_validate({**payload, "data": data})
        except ValidationError as exc:
            raise NotAnOrder(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError, limit: int = 3) -> str:
    parts = []
    for error in exc.errors()[:limit]:
        where = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{where}: {error['msg']}")
    more = exc.error_count() - limit
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def parse_order(item: Mapping[str, Any]) -> Order:
    """One order object (e.g. an item of the order list), or ``NotAnOrder`` with a reason."""
    if not isinstance(item, Mapping):
        raise NotAnOrder("an order item is not an object")
    order_id_of(item)
    try:
        order = Order.model_validate(item)
    except ValidationError as exc:
        raise NotAnOrder(describe_validation_error(exc)) from None
    order._source = dict(item)
    return order


# --- list responses ----------------------------------------------------------------------------------


class Pagination(_Lenient):
    current_page: LenientInt = Field(None, alias="currentPage")
    page_count: LenientInt = Field(None, alias="pageCount")
    per_page: LenientInt = Field(None, alias="perPage")


# --- dictionaries ------------------------------------------------------------------------------------


class StatusType(IntEnum):
    """Status categories (``type`` of ``/api/statuses/``). The meanings are inferred, not documented."""

    IN_PROGRESS = 1
    SALE = 2
    REFUSAL_OR_RETURN = 3
    DELETED = 4


class Status(_Lenient):
    id: RequiredInt
    name: Text = None
    type: LenientInt = None


class NamedRef(_Lenient):
    """A payment or delivery method: ``{id, name, parameter}``."""

    id: RequiredInt
    name: Text = None
    parameter: Text = None


# --- payments ----------------------------------------------------------------------------------------


class IdRef(_Lenient):
    id: LenientInt = None
    form_id: LenientInt = Field(None, alias="formId")
    title: Text = None


class InvoiceRef(_Lenient):
    id: LenientInt = None
    number: Text = None
    date: Moment = None


class PaymentAllocation(_Lenient):
    """One part of ``paymentBreakdown``: how much of the payment went to which order or invoice."""

    sum: Money = None
    invoice: Annotated[InvoiceRef | None, BeforeValidator(_object_or_none)] = None
    order: Annotated[IdRef | None, BeforeValidator(_object_or_none)] = None

    @property
    def order_id(self) -> int | None:
        return self.order.id if self.order else None


class OrganizationAccount(_Lenient):
    id: LenientInt = None
    title: Text = None
    account_number: Text = Field(None, alias="accountNumber")


class Organization(_Lenient):
    id: LenientInt = None
    title: Text = None
    egrpou: Text = None


class Counterparty(_Lenient):
    id: LenientInt = None
    egrpou: Text = None
    title: Text = None


class PaymentContact(_Lenient):
    id: LenientInt = None
    form_id: LenientInt = Field(None, alias="formId")
    first_name: Text = Field(None, alias="fName")
    last_name: Text = Field(None, alias="lName")
    middle_name: Text = Field(None, alias="mName")


class Payment(_Lenient):
    id: RequiredInt
    date: Moment = None
    type: Text = None  # "incoming" | "outcoming"
    sum: Money = None
    purpose: Text = None
    comment: Text = None
    nds: Money = None
    user_id: LenientInt = Field(None, alias="userId")
    responsible_id: LenientInt = Field(None, alias="responsibleId")
    payer_type_id: LenientInt = Field(None, alias="payerTypeId")
    integration_type_id: LenientInt = Field(None, alias="integrationTypeId")
    created_at: Moment = Field(None, alias="createdAt")
    updated_at: Moment = Field(None, alias="updatedAt")
    organization_account: Annotated[OrganizationAccount | None, BeforeValidator(_object_or_none)] = Field(
        None, alias="organizationAccount"
    )
    organization: Annotated[Organization | None, BeforeValidator(_object_or_none)] = None
    payment_breakdown: Annotated[list[PaymentAllocation], BeforeValidator(_list_or_empty)] = Field(
        default_factory=list, alias="paymentBreakdown"
    )
    contact: Annotated[PaymentContact | None, BeforeValidator(_object_or_none)] = None
    counterparty: Annotated[Counterparty | None, BeforeValidator(_object_or_none)] = None


class CreatedOrder(_Lenient):
    """``/handler/`` with ``getResultData=1``: ``{"success":true,"data":{"orderId":…,"userId":…}}``."""

    order_id: int = Field(alias="orderId")
    user_id: LenientInt = Field(None, alias="userId")
