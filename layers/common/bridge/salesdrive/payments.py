"""SalesDrive payments (``/api/payment/list/``) and how each is split between orders and invoices."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from bridge.salesdrive.lenient import (
    LenientInt,
    LenientModel,
    Moment,
    Money,
    RequiredInt,
    Text,
    list_or_empty,
    object_or_none,
)

# --- payments ----------------------------------------------------------------------------------------


class IdRef(LenientModel):
    id: LenientInt = None
    form_id: LenientInt = None
    title: Text = None


class InvoiceRef(LenientModel):
    id: LenientInt = None
    number: Text = None
    date: Moment = None


class PaymentAllocation(LenientModel):
    """One part of ``paymentBreakdown``: how much of the payment went to which order or invoice."""

    sum: Money = None
    invoice: Annotated[InvoiceRef | None, BeforeValidator(object_or_none)] = None
    order: Annotated[IdRef | None, BeforeValidator(object_or_none)] = None

    @property
    def order_id(self) -> int | None:
        return self.order.id if self.order else None


class OrganizationAccount(LenientModel):
    id: LenientInt = None
    title: Text = None
    account_number: Text = None


class Organization(LenientModel):
    id: LenientInt = None
    title: Text = None
    egrpou: Text = None


class Counterparty(LenientModel):
    id: LenientInt = None
    egrpou: Text = None
    title: Text = None


class PaymentContact(LenientModel):
    id: LenientInt = None
    form_id: LenientInt = None
    first_name: Text = Field(None, alias="fName")
    last_name: Text = Field(None, alias="lName")
    middle_name: Text = Field(None, alias="mName")


class Payment(LenientModel):
    id: RequiredInt
    date: Moment = None
    type: Text = None  # "incoming" | "outcoming"
    sum: Money = None
    purpose: Text = None
    comment: Text = None
    nds: Money = None
    user_id: LenientInt = None
    responsible_id: LenientInt = None
    payer_type_id: LenientInt = None
    integration_type_id: LenientInt = None
    created_at: Moment = None
    updated_at: Moment = None
    organization_account: Annotated[OrganizationAccount | None, BeforeValidator(object_or_none)] = None
    organization: Annotated[Organization | None, BeforeValidator(object_or_none)] = None
    payment_breakdown: Annotated[list[PaymentAllocation], BeforeValidator(list_or_empty)] = Field(
        default_factory=list
    )
    contact: Annotated[PaymentContact | None, BeforeValidator(object_or_none)] = None
    counterparty: Annotated[Counterparty | None, BeforeValidator(object_or_none)] = None
