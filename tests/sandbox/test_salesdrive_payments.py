"""Payments: create (201, attach by id/externalId, uniqueId), order payedAmount/restPay, list, filters."""

from __future__ import annotations

from typing import Any

import httpx

from sandbox.salesdrive import ManualClock
from sandbox.salesdrive.app import SalesDriveEmulator
from sandbox.salesdrive.testing import api_client

PAY = "/api/payment/"
PLIST = "/api/payment/list/"


def order(api: httpx.Client, **body: Any) -> int:
    body = {"getResultData": 1, "lName": "Мельник", "products": [{"id": "1002", "amount": 1}], **body}
    return int(api.post("/handler/", json=body).json()["data"]["orderId"])


def test_payment_attaches_and_changes_payed_amount(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator, sd_clock: ManualClock
) -> None:
    oid = order(sd_api, externalId="WEB-42")
    sd_clock.advance(60)
    r = sd_api.post(
        PAY,
        json={
            "orderId": oid,
            "sum": 300,
            "datetime": "2025-10-01 09:00:30",
            "timezone": "Europe/Kiev",
            "accountNumber": "UA213223130000026007233566001",
            "description": "Оплата",
            "counterpartyName": "Мельник І.",
            "uniqueId": "bank-1",
        },
    )
    assert r.status_code == 201 and r.json()["success"] is True
    pid = r.json()["data"]["paymentId"]
    o = sd_emu.order(oid)
    assert (o["totals"]["payedAmount"], o["totals"]["restPay"]) == (300, 480)
    assert (o["version"], o["updateAt"]) == (2, "2025-10-01 09:01:00")  # payment_bumps_order_update_at
    r = sd_api.post(PAY, json={"orderExternalId": "WEB-42", "formId": 1, "sum": "480.00"})
    assert r.status_code == 201
    assert sd_emu.order(oid)["totals"]["restPay"] == 0
    listed = sd_api.get("/api/order/list/", params={"filter[id]": oid}).json()["data"][0]
    assert (listed["payedAmount"], listed["restPay"]) == (780, 0)
    # uniqueId deduplicates by default (`payment_unique_id`): the same id comes back, nothing is added.
    again = sd_api.post(PAY, json={"orderId": oid, "sum": 300, "uniqueId": "bank-1"})
    assert again.json()["data"]["paymentId"] == pid and sd_emu.order(oid)["totals"]["payedAmount"] == 780


def test_unknown_switches_for_payments(sd_api: httpx.Client, sd_emu: SalesDriveEmulator) -> None:
    sd_emu.configure(payment_bumps_order_update_at=False, payment_unique_id="error")
    oid = order(sd_api)
    sd_api.post(PAY, json={"orderId": oid, "sum": 100, "uniqueId": "u"})
    assert sd_emu.order(oid)["version"] == 1 and sd_emu.order(oid)["totals"]["payedAmount"] == 100
    assert sd_api.post(PAY, json={"orderId": oid, "sum": 100, "uniqueId": "u"}).status_code == 400
    sd_emu.configure(payment_unique_id="ignore")
    assert sd_api.post(PAY, json={"orderId": oid, "sum": 100, "uniqueId": "u"}).status_code == 201


def test_payment_errors(sd_api: httpx.Client, sd_emu: SalesDriveEmulator) -> None:
    assert sd_api.post(PAY, json={"orderId": 424242, "sum": 1}).status_code == 400
    assert sd_api.post(PAY, json={"sum": -5}).status_code == 400
    assert sd_api.post(PAY, json={"sum": 5, "accountNumber": "UA00"}).status_code == 400
    assert api_client(sd_emu, api_key="sandbox-form-key").post(PAY, json={"sum": 1}).status_code == 401


def test_auto_attach_by_lastname_and_sum(sd_api: httpx.Client, sd_emu: SalesDriveEmulator) -> None:
    oid = order(sd_api, lName="Гончаренко")
    r = sd_api.post(
        PAY, json={"sum": 780, "autoAttachToOrderType": "lastname_and_sum", "payerLastName": "Гончаренко"}
    )
    pid = r.json()["data"]["paymentId"]
    assert sd_emu.order(oid)["totals"]["restPay"] == 0
    assert sd_emu.state.payments[pid]["paymentBreakdown"][0]["order"]["id"] == oid


def test_payment_list_shape_type_filters_and_breakdown(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator, sd_clock: ManualClock
) -> None:
    a, b = order(sd_api), order(sd_api)
    sd_clock.advance(3600)
    split = sd_emu.add_payment(1000, [(a, 600), (b, 400)], description="Одна виписка на два замовлення")
    loose = sd_emu.add_payment(55, [], description="Невідомий платник")
    refund = sd_emu.add_payment(100, [(a, 100)], type="outcoming")
    assert sd_emu.order(a)["totals"]["payedAmount"] == 500 and sd_emu.order(b)["totals"]["payedAmount"] == 400
    body = sd_api.get(
        PLIST, params={"type": "incoming", "filter[createdAt][from]": "2025-10-01 10:00:00"}
    ).json()
    assert body["status"] == "success" and set(body) >= {"data", "pagination", "totals"}
    assert [p["id"] for p in body["data"]] == [loose["id"], split["id"]]
    assert body["totals"] == {"count": 2, "sum": 1055}
    got = body["data"][1]
    assert got["paymentBreakdown"] == [
        {"sum": 600, "invoice": None, "order": {"id": a, "formId": 1}},
        {"sum": 400, "invoice": None, "order": {"id": b, "formId": 1}},
    ]
    assert got["contact"]["lName"] == "Мельник" and got["organization"]["egrpou"] == "3123456789"
    assert body["data"][0]["paymentBreakdown"] == []  # allocated to no order
    out = sd_api.get(PLIST, params={"type": "outcoming"}).json()["data"]
    assert [p["id"] for p in out] == [refund["id"]]
    # `filter[type]` is not a filter (type is top-level): everything comes back.
    assert sd_api.get(PLIST, params={"filter[type]": "outcoming"}).json()["totals"]["count"] == len(
        sd_emu.state.payments
    )
    assert sd_api.get(PLIST).json()["pagination"]["perPage"] == 30
    assert sd_api.get(PLIST, params={"limit": 1000}).json()["pagination"]["perPage"] == 100
    assert sd_api.get(PLIST, params={"type": "sideways"}).status_code == 400


def test_payment_control_endpoint(sd_api: httpx.Client, sd_emu: SalesDriveEmulator) -> None:
    a = order(sd_api)
    r = sd_api.post("/__emulator__/payments", json={"sum": 780, "breakdown": [{"orderId": a, "sum": 780}]})
    assert r.status_code == 201 and sd_emu.order(a)["totals"]["restPay"] == 0
    assert (
        sd_api.post(
            "/__emulator__/payments", json={"sum": 1, "breakdown": [{"orderId": 1, "sum": 1}]}
        ).status_code
        == 400
    )


def test_seeded_account_has_a_paid_order(sd_api: httpx.Client, sd_emu: SalesDriveEmulator) -> None:
    payments = sd_api.get(PLIST).json()["data"]
    assert len(payments) == 1
    paid = sd_emu.order(payments[0]["paymentBreakdown"][0]["order"]["id"])
    assert paid["statusId"] == 5 and paid["totals"]["restPay"] == 0 and paid["paymentDate"] is not None
