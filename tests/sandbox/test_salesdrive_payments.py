"""Payments: create (201, attach by id/externalId, uniqueId), order payedAmount/restPay, list, filters."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sandbox.salesdrive import ManualClock, SalesDriveEmulatorConfig, create_app
from sandbox.salesdrive.app import SalesDriveEmulator
from sandbox.salesdrive.testing import api_client

PAY = "/api/payment/"
PLIST = "/api/payment/list/"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def emu(clock: ManualClock) -> SalesDriveEmulator:
    return create_app(SalesDriveEmulatorConfig(limits=(10_000, 10_000, 10_000)), clock=clock)


@pytest.fixture
def api(emu: SalesDriveEmulator) -> httpx.Client:
    return api_client(emu)


def order(api: httpx.Client, **body: Any) -> int:
    body = {"getResultData": 1, "lName": "Мельник", "products": [{"id": "1002", "amount": 1}], **body}
    return int(api.post("/handler/", json=body).json()["data"]["orderId"])


def test_payment_attaches_and_changes_payed_amount(
    api: httpx.Client, emu: SalesDriveEmulator, clock: ManualClock
) -> None:
    oid = order(api, externalId="WEB-42")
    clock.advance(60)
    r = api.post(
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
    o = emu.order(oid)
    assert (o["totals"]["payedAmount"], o["totals"]["restPay"]) == (300, 480)
    assert (o["version"], o["updateAt"]) == (2, "2025-10-01 09:01:00")  # payment_bumps_order_update_at
    r = api.post(PAY, json={"orderExternalId": "WEB-42", "formId": 1, "sum": "480.00"})
    assert r.status_code == 201
    assert emu.order(oid)["totals"]["restPay"] == 0
    listed = api.get("/api/order/list/", params={"filter[id]": oid}).json()["data"][0]
    assert (listed["payedAmount"], listed["restPay"]) == (780, 0)
    # uniqueId deduplicates by default (unknown #12): the same id comes back, nothing is added.
    again = api.post(PAY, json={"orderId": oid, "sum": 300, "uniqueId": "bank-1"})
    assert again.json()["data"]["paymentId"] == pid and emu.order(oid)["totals"]["payedAmount"] == 780


def test_unknown_switches_for_payments(api: httpx.Client, emu: SalesDriveEmulator) -> None:
    emu.configure(payment_bumps_order_update_at=False, payment_unique_id="error")
    oid = order(api)
    api.post(PAY, json={"orderId": oid, "sum": 100, "uniqueId": "u"})
    assert emu.order(oid)["version"] == 1 and emu.order(oid)["totals"]["payedAmount"] == 100
    assert api.post(PAY, json={"orderId": oid, "sum": 100, "uniqueId": "u"}).status_code == 400
    emu.configure(payment_unique_id="ignore")
    assert api.post(PAY, json={"orderId": oid, "sum": 100, "uniqueId": "u"}).status_code == 201


def test_payment_errors(api: httpx.Client, emu: SalesDriveEmulator) -> None:
    assert api.post(PAY, json={"orderId": 424242, "sum": 1}).status_code == 400
    assert api.post(PAY, json={"sum": -5}).status_code == 400
    assert api.post(PAY, json={"sum": 5, "accountNumber": "UA00"}).status_code == 400
    assert api_client(emu, api_key="sandbox-form-key").post(PAY, json={"sum": 1}).status_code == 401


def test_auto_attach_by_lastname_and_sum(api: httpx.Client, emu: SalesDriveEmulator) -> None:
    oid = order(api, lName="Гончаренко")
    r = api.post(
        PAY, json={"sum": 780, "autoAttachToOrderType": "lastname_and_sum", "payerLastName": "Гончаренко"}
    )
    pid = r.json()["data"]["paymentId"]
    assert emu.order(oid)["totals"]["restPay"] == 0
    assert emu.state.payments[pid]["paymentBreakdown"][0]["order"]["id"] == oid


def test_payment_list_shape_type_filters_and_breakdown(
    api: httpx.Client, emu: SalesDriveEmulator, clock: ManualClock
) -> None:
    a, b = order(api), order(api)
    clock.advance(3600)
    split = emu.add_payment(1000, [(a, 600), (b, 400)], description="Одна виписка на два замовлення")
    loose = emu.add_payment(55, [], description="Невідомий платник")
    refund = emu.add_payment(100, [(a, 100)], type="outcoming")
    assert emu.order(a)["totals"]["payedAmount"] == 500 and emu.order(b)["totals"]["payedAmount"] == 400
    body = api.get(
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
    out = api.get(PLIST, params={"type": "outcoming"}).json()["data"]
    assert [p["id"] for p in out] == [refund["id"]]
    # `filter[type]` is not a filter (type is top-level): everything comes back.
    assert api.get(PLIST, params={"filter[type]": "outcoming"}).json()["totals"]["count"] == len(
        emu.state.payments
    )
    assert api.get(PLIST).json()["pagination"]["perPage"] == 30
    assert api.get(PLIST, params={"limit": 1000}).json()["pagination"]["perPage"] == 100
    assert api.get(PLIST, params={"type": "sideways"}).status_code == 400


def test_payment_control_endpoint(api: httpx.Client, emu: SalesDriveEmulator) -> None:
    a = order(api)
    r = api.post("/__emulator__/payments", json={"sum": 780, "breakdown": [{"orderId": a, "sum": 780}]})
    assert r.status_code == 201 and emu.order(a)["totals"]["restPay"] == 0
    assert (
        api.post(
            "/__emulator__/payments", json={"sum": 1, "breakdown": [{"orderId": 1, "sum": 1}]}
        ).status_code
        == 400
    )


def test_seeded_account_has_a_paid_order(api: httpx.Client, emu: SalesDriveEmulator) -> None:
    payments = api.get(PLIST).json()["data"]
    assert len(payments) == 1
    paid = emu.order(payments[0]["paymentBreakdown"][0]["order"]["id"])
    assert paid["statusId"] == 5 and paid["totals"]["restPay"] == 0 and paid["paymentDate"] is not None
