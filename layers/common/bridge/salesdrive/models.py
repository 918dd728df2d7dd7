"""Lenient pydantic models of SalesDrive orders: the webhook envelope, orders, contacts, lines.

Rules that hold for every model here:
- unknown keys are kept (``extra="allow"``): custom fields arrive as extra top-level keys of the order;
- numbers may arrive as strings; money and quantities are ``Decimal``; ids are ``int``;
- dates ``"YYYY-MM-DD HH:MM:SS"`` become naive datetimes in the account's local time;
- Python names are snake_case; the SalesDrive spelling is the alias (camelCase unless the field says
  otherwise), and both are accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
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

from bridge.salesdrive import coerce
from bridge.salesdrive.envelope import check_info, decode_body, order_id_of, single_order
from bridge.salesdrive.errors import NotAnOrder
from bridge.salesdrive.lenient import (
    UNREADABLE,
    Choice,
    LenientInt,
    LenientModel,
    PhoneList,
    RequiredInt,
    SoftDay,
    SoftFlag,
    SoftInt,
    SoftMoment,
    SoftMoney,
    SoftText,
    SoftTextList,
    note_unreadable,
)
from bridge.salesdrive.meta import OrderMeta, parse_meta

# --- orders ------------------------------------------------------------------------------------------


class Contact(LenientModel):
    id: SoftInt = None
    form_id: SoftInt = None
    version: SoftInt = None
    active: SoftFlag = None
    last_name: SoftText = Field(None, alias="lName")
    first_name: SoftText = Field(None, alias="fName")
    middle_name: SoftText = Field(None, alias="mName")
    phone: PhoneList = Field(default_factory=list)
    email: SoftTextList = Field(default_factory=list)
    company: SoftText = None
    counterparty_id: SoftInt = None
    comment: SoftText = None
    user_id: SoftInt = None
    telegram: SoftText = None
    instagram_nick: SoftText = None
    date_of_birth: SoftDay = None
    create_time: SoftMoment = None
    leads_count: SoftInt = None
    leads_sales_count: SoftInt = None
    leads_sales_amount: SoftMoney = None

    @property
    def custom_fields(self) -> dict[str, Any]:
        """The account's own contact fields (``con_*`` and any other key not named here)."""
        return self.extra

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.middle_name) if part)


# What the order's lines need to become UTP lines; the rest of a line is read softly.
_LINE_NEEDS = {
    "amount": coerce.to_decimal,
    "price": coerce.to_decimal,
    "discount": coerce.to_decimal,
    "percentDiscount": coerce.to_bool,
    "sku": coerce.to_str,
    "parameter": coerce.to_str,
}


class OrderLine(LenientModel):
    """A product line. Webhooks name it ``name``, the order list ``text``: both land in ``name``."""

    form_id: SoftInt = None
    product_id: SoftInt = None
    # Your own product id (``id`` on /product-handler/ and /handler/).
    parameter: SoftText = None
    name: SoftText = Field(None, validation_alias=AliasChoices("name", "text"))
    name_translate: SoftText = None
    document_name: SoftText = None
    sku: SoftText = None
    barcode: SoftText = None
    amount: SoftMoney = None
    price: SoftMoney = None
    cost_price: SoftMoney = None
    discount: SoftMoney = None
    # True: ``discount`` is a percent; otherwise an absolute value (semantics partly inferred).
    percent_discount: SoftFlag = None
    commission: SoftMoney = None
    percent_commission: SoftFlag = None
    description: SoftText = None
    stock_id: SoftInt = None
    rest_count: SoftMoney = None
    is_complect: SoftFlag = None
    category_id: SoftInt = None
    category_name: SoftText = None
    manufacturer: SoftText = None
    uktzed: SoftText = None
    pre_sale: SoftFlag = None

    @model_validator(mode="before")
    @classmethod
    def _check_needs(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return {UNREADABLE: {"line": f"not a product line: {str(data)[:60]!r}"}}
        return note_unreadable(data, _LINE_NEEDS)

    @property
    def unreadable(self) -> dict[str, str]:
        """Fields of this line a rule needs that SalesDrive sent in a form the bridge cannot read."""
        return dict((self.model_extra or {}).get(UNREADABLE) or {})


class DeliveryData(LenientModel):
    """One waybill of ``ord_delivery_data``; the many carrier-specific keys stay in ``extra``."""

    provider: SoftText = None
    type: SoftText = None
    tracking_number: SoftText = None
    tracking_number_ref: SoftText = None
    status_code: SoftText = None
    city_name: SoftText = None
    branch_number: SoftText = None
    address: SoftText = None
    payer: SoftText = None
    has_postpay: SoftFlag = None
    postpay_sum: SoftMoney = None


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


_CarrierBlock = Annotated[dict[str, Any] | None, BeforeValidator(coerce.one_object)]
# What the deal rules need of the order itself (the id is checked before anything else).
_ORDER_NEEDS = {
    "version": coerce.to_int,
    "updateAt": coerce.to_datetime,
    "statusId": coerce.to_int,
}


def _lines(value: Any) -> list[Any]:
    return coerce.as_list(value)


class Order(LenientModel):
    """An order in either form (webhook ``data`` or an item of ``/api/order/list/``).

    Only ``id`` must be readable. Every other field is read leniently (text or number, object or list,
    missing or null); what the deal rules need and could not be read is listed in ``unreadable`` (and
    each line's), so that the rules park the order with the reason rather than guess.
    """

    id: RequiredInt
    version: SoftInt = None
    form_id: SoftInt = None
    external_id: SoftText = None
    type_id: SoftInt = None
    organization_id: SoftInt = None
    token: SoftText = None

    order_time: SoftMoment = None
    update_at: SoftMoment = None
    payment_date: SoftDay = None
    time_entry_order: SoftMoment = None
    holder_time: SoftMoment = None

    status_id: SoftInt = None
    rejection_reason: Choice = None
    user_id: Choice = None

    contacts: Annotated[list[Contact], BeforeValidator(coerce.objects_only)] = Field(default_factory=list)
    primary_contact: Annotated[Contact | None, BeforeValidator(coerce.one_object)] = None
    products: Annotated[list[OrderLine], BeforeValidator(_lines)] = Field(default_factory=list)

    # SalesDrive spells these in snake_case: the alias is the field's own name.
    payment_method: Choice = Field(None, alias="payment_method")
    shipping_method: Choice = Field(None, alias="shipping_method")
    shipping_address: SoftText = Field(None, alias="shipping_address")
    ord_delivery_data: Annotated[list[DeliveryData], BeforeValidator(coerce.objects_only)] = Field(
        default_factory=list, alias="ord_delivery_data"
    )
    ord_delivery: SoftText = Field(None, alias="ord_delivery")
    ord_novaposhta: _CarrierBlock = Field(None, alias="ord_novaposhta")
    ord_ukrposhta: _CarrierBlock = Field(None, alias="ord_ukrposhta")
    ord_rozetka_delivery: _CarrierBlock = Field(None, alias="ord_rozetka_delivery")
    ord_meest: _CarrierBlock = Field(None, alias="ord_meest")
    ord_justin: _CarrierBlock = Field(None, alias="ord_justin")

    payment_amount: SoftMoney = None
    payed_amount: SoftMoney = None
    rest_pay: SoftMoney = None
    discount_amount: SoftMoney = None
    profit_amount: SoftMoney = None
    expenses_amount: SoftMoney = None
    cost_price_amount: SoftMoney = None
    commission_amount: SoftMoney = None
    shipping_costs: SoftMoney = Field(None, alias="shipping_costs")

    sajt: Choice = None
    comment: SoftText = None
    document_ord_check: Any = Field(None, alias="document_ord_check")
    call: Any = None

    utm_source: SoftText = None
    utm_medium: SoftText = None
    utm_campaign: SoftText = None
    utm_content: SoftText = None
    utm_term: SoftText = None
    utm_page: SoftText = None
    utm_source_full: SoftText = None
    campaign_id: SoftInt = None

    @model_validator(mode="before")
    @classmethod
    def _check_needs(cls, data: Any) -> Any:
        return note_unreadable(data, _ORDER_NEEDS)

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


class WebhookInfo(LenientModel):
    webhook_type: str
    webhook_event: SoftText = None
    account: SoftText = None


class OrderWebhook(LenientModel):
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


class Pagination(LenientModel):
    current_page: LenientInt = None
    page_count: LenientInt = None
    per_page: LenientInt = None


class CreatedOrder(LenientModel):
    """``/handler/`` with ``getResultData=1``: ``{"success":true,"data":{"orderId":…,"userId":…}}``."""

    order_id: int
    user_id: LenientInt = None
