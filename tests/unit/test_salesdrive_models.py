# ruff: noqa: E501  (the reconstructed payloads are kept verbatim, long lines included)
"""Payload models: three payloads reconstructed from SalesDrive's API (A, B, C, verbatim) and its loose typing."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.salesdrive.errors import NotAnOrder
from bridge.salesdrive.meta import FieldMeta, OrderMeta, Status, StatusType
from bridge.salesdrive.models import Contact, Order, OrderLine, OrderWebhook, Pagination, parse_order
from bridge.salesdrive.payments import Payment

# A. Webhook new_order (reconstructed).
PAYLOAD_A = """{
  "info": { "webhookType": "order", "webhookEvent": "new_order", "account": "myshop" },
  "data": {
    "id": 10452, "version": 1, "formId": 1, "typeId": 1, "organizationId": 1,
    "externalId": "WEB-88213", "orderTime": "2025-10-02 14:05:11", "updateAt": "2025-10-02 14:05:11",
    "statusId": 1, "paymentDate": null, "rejectionReason": null, "userId": 3,
    "contacts": [{ "id": 7781, "formId": 1, "version": 1, "active": 1,
      "lName": "Коваленко", "fName": "Олена", "mName": null,
      "phone": ["380671112233"], "email": ["olena@example.com"],
      "company": null, "counterpartyId": null, "comment": null, "userId": 3,
      "createTime": "2025-10-02 14:05:11", "leadsCount": 1, "leadsSalesCount": 0, "leadsSalesAmount": 0 }],
    "products": [{ "formId": 1, "productId": 5521, "parameter": "SKU-1001", "name": "Чай зелений 100г",
      "documentName": "Чай зелений 100г", "sku": "SKU-1001", "barcode": "4820000000017",
      "amount": 2, "price": 150, "costPrice": 90, "discount": 10, "percentDiscount": 1,
      "commission": 0, "percentCommission": 0, "description": "", "stockId": 1, "restCount": 38,
      "isComplect": 0, "categoryId": 12, "categoryName": "Чай", "uktzed": "0902100000" }],
    "payment_method": 4, "shipping_method": 2,
    "shipping_address": "м. Київ, відділення №15",
    "ord_delivery_data": [{ "provider": "novaposhta", "type": "WarehouseWarehouse", "trackingNumber": null,
      "cityName": "Київ", "branchNumber": 15, "payer": "Recipient", "hasPostpay": 1,
      "postpaySum": 270, "postpayPayer": "Recipient" }],
    "paymentAmount": 270, "payedAmount": 0, "restPay": 270, "discountAmount": 30,
    "expensesAmount": 180, "profitAmount": 90,
    "sajt": 3, "comment": "Передзвонити після 18:00",
    "utmSource": "google", "utmMedium": "cpc", "utmCampaign": "tea_autumn", "utmContent": "", "utmTerm": "",
    "utmPage": "https://shop.example/tea/green", "utmSourceFull": "https://www.google.com/", "campaignId": 1
  },
  "meta": {
    "fields": {
      "statusId": { "label": "Статус", "name": "statusId", "type": "select",
                    "options": [{ "value": 1, "text": "Новий" }] },
      "payment_method": { "label": "Спосіб оплати", "name": "payment_method", "type": "select",
                          "options": [{ "value": 4, "text": "Накладений платіж" }] },
      "shipping_method": { "label": "Спосіб доставки", "name": "shipping_method", "type": "select",
                           "options": [{ "value": 2, "text": "Нова Пошта" }] },
      "sajt": { "label": "Сайт", "name": "sajt", "type": "select",
                "options": [{ "value": 3, "text": "shop.example" }] },
      "userId": { "label": "Менеджер", "name": "userId", "type": "select",
                  "options": [{ "value": 3, "text": "Ірина" }] }
    },
    "contacts": { "fields": {} }
  }
}
"""

# B. Webhook status_change (reconstructed).
PAYLOAD_B = """{
  "info": { "webhookType": "order", "webhookEvent": "status_change", "account": "myshop" },
  "data": {
    "id": 10452, "version": 6, "formId": 1, "externalId": "WEB-88213",
    "orderTime": "2025-10-02 14:05:11", "updateAt": "2025-10-05 11:40:27",
    "statusId": 5, "paymentDate": "2025-10-05", "rejectionReason": null, "userId": 3,
    "contacts": [{ "id": 7781, "lName": "Коваленко", "fName": "Олена", "phone": ["380671112233"], "email": ["olena@example.com"] }],
    "products": [{ "productId": 5521, "parameter": "SKU-1001", "name": "Чай зелений 100г", "sku": "SKU-1001",
      "amount": 2, "price": 150, "discount": 10, "percentDiscount": 1, "costPrice": 90, "stockId": 1 }],
    "payment_method": 4, "shipping_method": 2,
    "ord_delivery": "novaposhta",
    "ord_novaposhta": { "EN": "20450123456789", "ENref": "0a5ea215-9653-11f0-a1d5-48df37b921da", "cost": "85" },
    "ord_delivery_data": [{ "provider": "novaposhta", "trackingNumber": "20450123456789",
      "trackingNumberRef": "0a5ea215-9653-11f0-a1d5-48df37b921da", "statusCode": 9 }],
    "paymentAmount": 270, "payedAmount": 270, "restPay": 0, "shipping_costs": 85,
    "sajt": 3, "comment": "Передзвонити після 18:00"
  },
  "meta": {
    "fields": {
      "statusId": { "label": "Статус", "name": "statusId", "type": "select",
                    "options": [{ "value": 5, "text": "Продаж" }] }
    },
    "contacts": { "fields": {} }
  }
}
"""

# C. GET /api/order/list/ response (reconstructed).
PAYLOAD_C = """{
  "status": "success",
  "data": [{
    "id": 10452, "formId": 1, "version": 6, "organizationId": 1, "typeId": 1, "statusId": 5, "userId": 3,
    "externalId": "WEB-88213", "token": "14f78c5ecc3c5a518ac7c9e7e54c171a",
    "orderTime": "2025-10-02 14:05:11", "updateAt": "2025-10-05 11:40:27", "paymentDate": "2025-10-05",
    "rejectionReason": null, "comment": "Передзвонити після 18:00",
    "paymentAmount": 270, "costPriceAmount": 180, "shipping_costs": 85, "commissionAmount": 0,
    "expensesAmount": 265, "profitAmount": 5, "payedAmount": 270, "restPay": 0, "discountAmount": 30,
    "shipping_method": 2, "payment_method": "4", "shipping_address": "м. Київ, відділення №15",
    "ord_delivery_data": [{ "senderId": 1, "provider": "novaposhta", "type": "WarehouseWarehouse",
      "trackingNumber": "20450123456789", "statusCode": 9, "cityName": "Київ", "branchNumber": 15,
      "payer": "Recipient", "hasPostpay": 1, "postpaySum": 270, "postpayPayer": "Recipient",
      "paymentMethod": "Cash", "cargoType": "Parcel" }],
    "primaryContact": { "id": 7781, "formId": 1, "lName": "Коваленко", "fName": "Олена",
      "phone": ["380671112233"], "email": ["olena@example.com"] },
    "contacts": [{ "id": 7781, "formId": 1, "lName": "Коваленко", "fName": "Олена", "phone": ["380671112233"] }],
    "products": [{ "parameter": "SKU-1001", "productId": 5521, "text": "Чай зелений 100г",
      "documentName": "Чай зелений 100г", "sku": "SKU-1001", "barcode": "4820000000017", "manufacturer": "",
      "description": "", "amount": 2, "price": 150, "discount": 10, "percentDiscount": 1,
      "commission": 0, "percentCommission": 0, "costPrice": 90, "preSale": 0, "stockId": 1, "uktzed": "0902100000" }],
    "sajt": 3, "utmSource": "google", "utmMedium": "cpc", "utmCampaign": "tea_autumn", "document_ord_check": 0
  }],
  "meta": { "fields": {
    "statusId": { "label": "Статус", "name": "statusId", "type": "select",
      "options": [{ "value": 1, "text": "Новий" }, { "value": 5, "text": "Продаж" }, { "value": 6, "text": "Відмова" }] },
    "sajt": { "label": "Сайт", "name": "sajt", "type": "select", "options": [{ "value": 3, "text": "shop.example" }] }
  } },
  "pagination": { "currentPage": 1, "pageCount": 1, "perPage": 100 },
  "totals": { "count": 1, "paymentAmount": 270, "commission": 0, "expenses": 265 }
}
"""


def webhook(**data: Any) -> dict[str, Any]:
    """A minimal order webhook with ``data`` overridden."""
    return {
        "info": {"webhookType": "order", "webhookEvent": "status_change", "account": "myshop"},
        "data": {"id": 1, "version": 1, **data},
        "meta": {"fields": {}},
    }


# --- the reconstructed payloads ----------------------------------------------------------------------


def test_payload_a_new_order_is_read_in_full() -> None:
    hook = OrderWebhook.parse(PAYLOAD_A)
    order = hook.data
    assert hook.info.webhook_event == "new_order"
    assert hook.info.account == "myshop"
    assert (order.id, order.version, order.form_id, order.status_id) == (10452, 1, 1, 1)
    assert order.external_id == "WEB-88213"
    assert order.order_time == datetime(2025, 10, 2, 14, 5, 11)
    assert order.update_at == datetime(2025, 10, 2, 14, 5, 11)
    assert order.update_at.tzinfo is None
    assert order.payment_date is None
    assert order.payment_amount == Decimal(270)
    assert order.discount_amount == Decimal(30)
    assert order.payment_method == 4
    assert order.shipping_method == 2
    contact = order.customer
    assert contact is not None
    assert contact.full_name == "Коваленко Олена"
    assert contact.phone == ["380671112233"]
    assert contact.email == ["olena@example.com"]
    line = order.products[0]
    assert line.parameter == "SKU-1001"
    assert line.name == "Чай зелений 100г"
    assert (line.amount, line.price, line.discount) == (Decimal(2), Decimal(150), Decimal(10))
    assert line.percent_discount is True
    assert line.stock_id == 1
    assert line.rest_count == Decimal(38)
    assert line.is_complect is False
    delivery = order.ord_delivery_data[0]
    assert delivery.provider == "novaposhta"
    assert delivery.branch_number == "15"
    assert delivery.has_postpay is True
    assert delivery.postpay_sum == Decimal(270)
    assert order.utm.source == "google"
    assert order.utm.campaign == "tea_autumn"
    assert order.utm.content is None  # "" means no value
    assert order.utm.campaign_id == 1
    assert order.sajt == 3
    assert order.custom_fields == {}


def test_payload_a_meta_gives_the_selected_texts() -> None:
    meta = OrderWebhook.parse(PAYLOAD_A).meta
    assert meta.selected_text("sajt") == "shop.example"
    assert meta.selected_text("statusId") == "Новий"
    assert meta.selected_text("payment_method") == "Накладений платіж"
    assert meta.selected_text("shipping_method") == "Нова Пошта"
    assert meta.selected_text("userId") == "Ірина"
    assert meta.selected_text("no_such_field") is None
    assert meta.contacts is not None and meta.contacts.fields == {}


def test_payload_b_status_change_with_ttn_and_payment() -> None:
    hook = OrderWebhook.parse(PAYLOAD_B)
    order = hook.data
    assert hook.info.webhook_event == "status_change"
    assert (order.id, order.version, order.status_id) == (10452, 6, 5)
    assert order.update_at == datetime(2025, 10, 5, 11, 40, 27)
    assert order.payment_date == date(2025, 10, 5)
    assert order.payed_amount == Decimal(270)
    assert order.rest_pay == Decimal(0)
    assert order.shipping_costs == Decimal(85)
    assert order.ord_novaposhta is not None and order.ord_novaposhta["cost"] == "85"
    assert order.tracking_numbers == ["20450123456789"]  # same TTN in both places, listed once
    assert hook.meta.selected_text("statusId") == "Продаж"
    assert hook.meta.selected_text("sajt") is None  # not in this webhook's meta


def test_payload_c_list_item_uses_text_and_string_payment_method() -> None:
    body = json.loads(PAYLOAD_C)
    order = parse_order(body["data"][0])
    assert order.id == 10452
    assert order.payment_method == 4  # "4" in the list form
    assert order.products[0].name == "Чай зелений 100г"  # `text` in the list form
    assert order.products[0].pre_sale is False
    assert order.primary_contact is not None
    assert order.customer is order.primary_contact
    assert order.cost_price_amount == Decimal(180)
    assert order.expenses_amount == Decimal(265)
    assert order.token == "14f78c5ecc3c5a518ac7c9e7e54c171a"
    assert order.custom_fields == {}
    meta = OrderMeta.model_validate(body["meta"])
    assert meta.option_text("statusId", 5) == "Продаж"
    assert meta.option_text("statusId", "6") == "Відмова"
    assert meta.option_text("statusId", 99) is None
    assert [o.value_int for o in meta.options("statusId")] == [1, 5, 6]
    assert Pagination.model_validate(body["pagination"]).page_count == 1


def test_arithmetic_of_the_reference_holds_in_decimals() -> None:
    order = parse_order(json.loads(PAYLOAD_C)["data"][0])
    assert order.payment_amount is not None and order.payed_amount is not None
    assert order.rest_pay == order.payment_amount - order.payed_amount
    assert order.profit_amount == order.payment_amount - (order.expenses_amount or 0)


# --- leniency ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("380671112233", ["380671112233"]),
        (["380671112233", "380501234567"], ["380671112233", "380501234567"]),
        (380671112233, ["380671112233"]),
        ([380671112233, None, ""], ["380671112233"]),
        (None, []),
        ("", []),
    ],
)
def test_phone_as_string_or_array_is_always_a_list_of_strings(raw: Any, expected: list[str]) -> None:
    assert Contact.model_validate({"phone": raw, "email": raw}).phone == expected
    assert Contact.model_validate({"phone": raw, "email": raw}).email == expected


def test_numbers_as_strings_are_normalised() -> None:
    order = parse_order(
        {
            "id": "77",
            "version": "3",
            "statusId": "5",
            "formId": "1",
            "payment_method": "6",
            "paymentAmount": "1 234,50",
            "payedAmount": "100.10",
            "restPay": 0.1,
            "products": [
                {"parameter": 1574874, "sku": 1001, "amount": "2", "price": "150.00", "discount": "10"}
            ],
        }
    )
    assert (order.id, order.version, order.status_id, order.form_id, order.payment_method) == (77, 3, 5, 1, 6)
    assert order.payment_amount == Decimal("1234.50")
    assert order.payed_amount == Decimal("100.10")
    assert order.rest_pay == Decimal("0.1")  # a float goes through its repr, not binary noise
    line = order.products[0]
    assert (line.parameter, line.sku) == ("1574874", "1001")
    assert (line.amount, line.price) == (Decimal(2), Decimal("150.00"))


def test_custom_fields_are_kept_raw() -> None:
    order = parse_order(
        {
            "id": 5,
            "pricinaZnizki": "постійний клієнт",
            "tipProdazu1": [3],
            "dilovod": "id_23",
            "contacts": [{"id": 9, "phone": "0671112233", "con_povnaOplata": 1}],
        }
    )
    assert order.custom_fields == {
        "pricinaZnizki": "постійний клієнт",
        "tipProdazu1": [3],
        "dilovod": "id_23",
    }
    assert order.contacts[0].custom_fields == {"con_povnaOplata": 1}
    assert order.model_dump(by_alias=True)["dilovod"] == "id_23"  # round-trips


def test_php_empty_values_are_tolerated() -> None:
    order = parse_order(
        {
            "id": 5,
            "contacts": None,
            "products": "",
            "ord_delivery_data": None,
            "primaryContact": [],
            "ord_novaposhta": [],
            "orderTime": "0000-00-00 00:00:00",
            "updateAt": "",
            "paymentDate": "0000-00-00",
        }
    )
    assert order.contacts == [] and order.products == [] and order.ord_delivery_data == []
    assert order.primary_contact is None and order.ord_novaposhta is None
    assert order.order_time is None and order.update_at is None and order.payment_date is None
    assert order.customer is None
    meta = OrderMeta.model_validate({"fields": [], "contacts": []})
    assert meta.fields == {} and meta.contacts is None


def test_dates_in_other_forms() -> None:
    contact = Contact.model_validate({"dateOfBirth": "21.03.1990", "createTime": "2025-10-02T14:05:11"})
    assert contact.date_of_birth == date(1990, 3, 21)
    assert contact.create_time == datetime(2025, 10, 2, 14, 5, 11)


def test_meta_multiselect_and_nested_contact_fields() -> None:
    meta = OrderMeta.model_validate(
        {
            "fields": {
                "tipProdazu1": {
                    "name": "tipProdazu1",
                    "type": "multiselect",
                    "options": [{"value": 1, "text": "Опт"}, {"value": "2", "text": "Роздріб"}],
                    "editable": True,
                },
                "products": {"options": [{"value": 5521, "text": "Чай", "stockBalance": {"1": 38}}]},
            },
            "contacts": {"fields": {"con_uGC": {"label": "UGC", "options": None}}},
        }
    )
    assert meta.selected_texts("tipProdazu1") == ["Опт", "Роздріб"]
    assert meta.fields["tipProdazu1"].extra == {"editable": True}
    assert meta.options("products")[0].extra == {"stockBalance": {"1": 38}}
    assert meta.contacts is not None
    assert meta.contacts.fields["con_uGC"].options == []
    assert isinstance(meta.contacts.fields["con_uGC"], FieldMeta)


def test_order_line_name_prefers_webhook_name_and_falls_back_to_list_text() -> None:
    assert OrderLine.model_validate({"name": "A"}).name == "A"
    assert OrderLine.model_validate({"text": "B"}).name == "B"
    assert OrderLine.model_validate({"discount": 5, "percentDiscount": "0"}).percent_discount is False


def test_statuses_payment_methods_and_types() -> None:
    status = Status.model_validate({"id": "15", "name": "Повернення", "type": "3"})
    assert (status.id, status.type) == (15, StatusType.REFUSAL_OR_RETURN)


def test_payment_with_breakdown() -> None:
    payment = Payment.model_validate(
        {
            "id": 301,
            "date": "2025-10-05 12:00:00",
            "type": "incoming",
            "sum": "270.00",
            "createdAt": "2025-10-05 12:00:01",
            "updatedAt": "2025-10-05 12:10:00",
            "organizationAccount": {"id": 1, "title": "Main", "accountNumber": "UA123"},
            "organization": {"id": 1, "title": "ТОВ Чай", "egrpou": 12345678},
            "paymentBreakdown": [
                {"sum": "200", "order": {"id": 10452, "formId": 1}, "invoice": None},
                {"sum": 70, "invoice": {"id": 4, "number": "INV-4", "date": "2025-10-04 00:00:00"}},
            ],
            "contact": {"id": 7781, "fName": "Олена", "lName": "Коваленко"},
            "counterparty": [],
        }
    )
    assert payment.sum == Decimal("270.00")
    assert payment.updated_at == datetime(2025, 10, 5, 12, 10)
    assert payment.organization is not None and payment.organization.egrpou == "12345678"
    assert [(p.sum, p.order_id) for p in payment.payment_breakdown] == [
        (Decimal(200), 10452),
        (Decimal(70), None),
    ]
    assert payment.payment_breakdown[1].invoice is not None
    assert payment.payment_breakdown[1].invoice.number == "INV-4"
    assert payment.counterparty is None


# --- rejection -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        ({"data": {"id": 1}}, "no 'info'"),
        ({"info": {"webhookType": "product"}, "data": {"id": 1}}, "webhookType is 'product'"),
        ({"info": {"webhookType": "order"}}, "no 'data'"),
        ({"info": {"webhookType": "order"}, "data": None}, "no 'data'"),
        ({"info": {"webhookType": "order"}, "data": []}, "0 orders"),
        ({"info": {"webhookType": "order"}, "data": [{"id": 1}, {"id": 2}]}, "2 orders"),
        ({"info": {"webhookType": "order"}, "data": "10452"}, "not an order object"),
        ({"info": {"webhookType": "order"}, "data": {"version": 1}}, "data.id is missing"),
        ({"info": {"webhookType": "order"}, "data": {"id": "abc"}}, "data.id is invalid"),
        ({"info": {"webhookType": "order"}, "data": {"id": 0}}, "not a positive order number"),
    ],
)
def test_what_cannot_be_an_order_is_rejected_with_a_reason(body: Any, reason: str) -> None:
    with pytest.raises(NotAnOrder) as caught:
        OrderWebhook.parse(body)
    assert reason in caught.value.reason


def test_a_bad_field_a_rule_needs_is_named_not_refused() -> None:
    # Refusing would lose the order (SalesDrive does not resend what it had a 200 for); the deal rules
    # park it with this reason instead.
    order = OrderWebhook.parse(webhook(statusId="new")).data
    assert order.status_id is None and "statusId" in order.unreadable
    # A field no rule needs is read as missing.
    contact = OrderWebhook.parse(webhook(contacts=[{"createTime": "yesterday"}])).data.contacts[0]
    assert contact.create_time is None


def test_one_order_in_a_list_is_accepted() -> None:
    body = webhook()
    body["data"] = [body["data"]]
    assert OrderWebhook.parse(body).data.id == 1


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=12).filter(lambda k: k not in {"id"}),
        st.one_of(st.none(), st.text(max_size=20), st.integers(), st.lists(st.integers(), max_size=3)),
        max_size=6,
    )
)
def test_any_extra_keys_either_parse_or_are_rejected_with_a_reason(extra: dict[str, Any]) -> None:
    # Whatever the shop's custom fields look like, parsing never crashes with anything but NotAnOrder.
    try:
        order = OrderWebhook.parse(webhook(**extra)).data
    except NotAnOrder as exc:
        assert exc.reason
    else:
        assert order.id == 1


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9))
def test_money_survives_every_spelling(amount: Decimal) -> None:
    for spelling in (str(amount), float(amount), str(amount).replace(".", ",")):
        parsed = OrderLine.model_validate({"price": spelling}).price
        assert parsed == amount


def test_wire_names_camel_case_by_default_snake_case_where_salesdrive_spells_them_so() -> None:
    order = Order.model_validate(
        {
            "id": 1,
            "statusId": "2",
            "payment_method": "6",
            "ord_novaposhta": {"EN": "204"},
            "shipping_costs": "5",
        }
    )
    assert (order.status_id, order.payment_method, order.shipping_costs) == (2, 6, Decimal(5))
    assert order.tracking_numbers == ["204"]
    sent = order.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert {"statusId", "payment_method", "ord_novaposhta", "shipping_costs"} <= set(sent)
    assert Order.model_validate({"id": 1, "status_id": 3}).status_id == 3  # the Python name is accepted too
