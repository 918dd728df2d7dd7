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

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

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
        return dict(self.model_extra or {})


# --- meta: field descriptors -------------------------------------------------------------------------


class FieldOption(_Lenient):
    """One option of a select field. List ``meta`` may add ``parameter``, ``sku``, ``stockBalance``…"""

    value: int | str | None = None
    text: str | None = None

    @property
    def value_int(self) -> int | None:
        try:
            return _coerce.to_int(self.value)
        except ValueError:
            return None


class FieldMeta(_Lenient):
    label: str | None = None
    name: str | None = None
    type: str | None = None
    options: Annotated[list[FieldOption], BeforeValidator(_list_or_empty)] = Field(default_factory=list)
    # Contact groups nest their own descriptors.
    fields: Annotated[dict[str, FieldMeta], BeforeValidator(_list_or_empty)] | None = None


def _fields_dict(value: Any) -> Any:
    value = _list_or_empty(value)
    return {} if value == [] else value


class ContactsMeta(_Lenient):
    fields: Annotated[dict[str, FieldMeta], BeforeValidator(_fields_dict)] = Field(default_factory=dict)


class OrderMeta(_Lenient):
    """``meta`` of a webhook (options = the selected value(s)) or of a list (options = a dictionary)."""

    fields: Annotated[dict[str, FieldMeta], BeforeValidator(_fields_dict)] = Field(default_factory=dict)
    contacts: Annotated[ContactsMeta | None, BeforeValidator(_object_or_none)] = None

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
        if value is None:
            return None
        wanted = str(value)
        for option in self.options(field):
            if option.value is not None and str(option.value) == wanted:
                return option.text
        return None


# --- orders ------------------------------------------------------------------------------------------


class Contact(_Lenient):
    id: LenientInt = None
    form_id: LenientInt = Field(None, alias="formId")
    version: LenientInt = None
    active: Flag = None
    last_name: Text = Field(None, alias="lName")
    first_name: Text = Field(None, alias="fName")
    middle_name: Text = Field(None, alias="mName")
    phone: TextList = Field(default_factory=list)
    email: TextList = Field(default_factory=list)
    company: Text = None
    counterparty_id: LenientInt = Field(None, alias="counterpartyId")
    comment: Text = None
    user_id: LenientInt = Field(None, alias="userId")
    telegram: Text = None
    instagram_nick: Text = Field(None, alias="instagramNick")
    date_of_birth: Day = Field(None, alias="dateOfBirth")
    create_time: Moment = Field(None, alias="createTime")
    leads_count: LenientInt = Field(None, alias="leadsCount")
    leads_sales_count: LenientInt = Field(None, alias="leadsSalesCount")
    leads_sales_amount: Money = Field(None, alias="leadsSalesAmount")

    @property
    def custom_fields(self) -> dict[str, Any]:
        """The account's own contact fields (``con_*`` and any other key not named here)."""
        return self.extra

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.middle_name) if part)


class OrderLine(_Lenient):
    """A product line. Webhooks name it ``name``, the order list ``text``: both land in ``name``."""

    form_id: LenientInt = Field(None, alias="formId")
    product_id: LenientInt = Field(None, alias="productId")
    # Your own product id (``id`` on /product-handler/ and /handler/).
    parameter: Text = None
    name: Text = Field(None, validation_alias=AliasChoices("name", "text"))
    name_translate: Text = Field(None, alias="nameTranslate")
    document_name: Text = Field(None, alias="documentName")
    sku: Text = None
    barcode: Text = None
    amount: Money = None
    price: Money = None
    cost_price: Money = Field(None, alias="costPrice")
    discount: Money = None
    # True: ``discount`` is a percent; otherwise an absolute value (semantics partly inferred).
    percent_discount: Flag = Field(None, alias="percentDiscount")
    commission: Money = None
    percent_commission: Flag = Field(None, alias="percentCommission")
    description: Text = None
    stock_id: LenientInt = Field(None, alias="stockId")
    rest_count: Money = Field(None, alias="restCount")
    is_complect: Flag = Field(None, alias="isComplect")
    category_id: LenientInt = Field(None, alias="categoryId")
    category_name: Text = Field(None, alias="categoryName")
    manufacturer: Text = None
    uktzed: Text = None
    pre_sale: Flag = Field(None, alias="preSale")


class DeliveryData(_Lenient):
    """One waybill of ``ord_delivery_data``; the many carrier-specific keys stay in ``extra``."""

    provider: Text = None
    type: Text = None
    tracking_number: Text = Field(None, alias="trackingNumber")
    tracking_number_ref: Text = Field(None, alias="trackingNumberRef")
    status_code: Text = Field(None, alias="statusCode")
    city_name: Text = Field(None, alias="cityName")
    branch_number: Text = Field(None, alias="branchNumber")
    address: Text = None
    payer: Text = None
    has_postpay: Flag = Field(None, alias="hasPostpay")
    postpay_sum: Money = Field(None, alias="postpaySum")


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


_CarrierBlock = Annotated[dict[str, Any] | None, BeforeValidator(_object_or_none)]


class Order(_Lenient):
    """An order in either form (webhook ``data`` or an item of ``/api/order/list/``)."""

    id: RequiredInt
    version: LenientInt = None
    form_id: LenientInt = Field(None, alias="formId")
    external_id: Text = Field(None, alias="externalId")
    type_id: LenientInt = Field(None, alias="typeId")
    organization_id: LenientInt = Field(None, alias="organizationId")
    token: Text = None

    order_time: Moment = Field(None, alias="orderTime")
    update_at: Moment = Field(None, alias="updateAt")
    payment_date: Day = Field(None, alias="paymentDate")
    time_entry_order: Moment = Field(None, alias="timeEntryOrder")
    holder_time: Moment = Field(None, alias="holderTime")

    status_id: LenientInt = Field(None, alias="statusId")
    rejection_reason: LenientInt = Field(None, alias="rejectionReason")
    user_id: LenientInt = Field(None, alias="userId")

    contacts: Annotated[list[Contact], BeforeValidator(_list_or_empty)] = Field(default_factory=list)
    primary_contact: Annotated[Contact | None, BeforeValidator(_object_or_none)] = Field(
        None, alias="primaryContact"
    )
    products: Annotated[list[OrderLine], BeforeValidator(_list_or_empty)] = Field(default_factory=list)

    payment_method: LenientInt = None
    shipping_method: LenientInt = None
    shipping_address: Text = None
    ord_delivery_data: Annotated[list[DeliveryData], BeforeValidator(_list_or_empty)] = Field(
        default_factory=list
    )
    ord_delivery: Text = None
    ord_novaposhta: _CarrierBlock = None
    ord_ukrposhta: _CarrierBlock = None
    ord_rozetka_delivery: _CarrierBlock = None
    ord_meest: _CarrierBlock = None
    ord_justin: _CarrierBlock = None

    payment_amount: Money = Field(None, alias="paymentAmount")
    payed_amount: Money = Field(None, alias="payedAmount")
    rest_pay: Money = Field(None, alias="restPay")
    discount_amount: Money = Field(None, alias="discountAmount")
    profit_amount: Money = Field(None, alias="profitAmount")
    expenses_amount: Money = Field(None, alias="expensesAmount")
    cost_price_amount: Money = Field(None, alias="costPriceAmount")
    commission_amount: Money = Field(None, alias="commissionAmount")
    shipping_costs: Money = None

    sajt: LenientInt = None
    comment: Text = None
    document_ord_check: Any = None
    call: Any = None

    utm_source: Text = Field(None, alias="utmSource")
    utm_medium: Text = Field(None, alias="utmMedium")
    utm_campaign: Text = Field(None, alias="utmCampaign")
    utm_content: Text = Field(None, alias="utmContent")
    utm_term: Text = Field(None, alias="utmTerm")
    utm_page: Text = Field(None, alias="utmPage")
    utm_source_full: Text = Field(None, alias="utmSourceFull")
    campaign_id: LenientInt = Field(None, alias="campaignId")

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
    webhook_event: str | None = Field(None, alias="webhookEvent")
    account: str | None = None


def _meta_or_empty(value: Any) -> Any:
    return _object_or_none(value) or {}


class OrderWebhook(_Lenient):
    """The envelope ``{info, data, meta}`` of an order webhook, with ``data`` always one order."""

    info: WebhookInfo
    data: Order
    meta: Annotated[OrderMeta, BeforeValidator(_meta_or_empty)] = Field(default_factory=OrderMeta)

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
        return Order.model_validate(item)
    except ValidationError as exc:
        raise NotAnOrder(describe_validation_error(exc)) from None


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
