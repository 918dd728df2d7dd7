"""The emulator can send the payload shapes real accounts send (config ``odd_shapes``), in webhooks and
in the order list, so that the bridge's tests and the chaos suite can use them."""

from __future__ import annotations

from typing import Any

import httpx

from sandbox.salesdrive import ManualClock, SalesDriveEmulatorConfig, create_app
from sandbox.salesdrive.odd_shapes import ALL_SHAPES
from sandbox.salesdrive.testing import RecordingTransport, api_client

HOOK = "https://bridge.test/webhook/token"
ORDER = {
    "getResultData": 1,
    "fName": "Ганна",
    "phone": "0671119999",
    "email": "h@example.com",
    "payment_method": "cod",
    "shipping_method": "novaposhta",
    "sajt": "prom.ua",
    "products": [{"id": "1001", "amount": 2}],
}


def emulator(shapes: list[str]) -> tuple[Any, RecordingTransport, httpx.Client]:
    rec = RecordingTransport()
    emu = create_app(SalesDriveEmulatorConfig(odd_shapes=shapes), clock=ManualClock(), webhook_transport=rec)
    emu.subscribe(HOOK)
    return emu, rec, api_client(emu)


def test_without_odd_shapes_the_usual_shape_is_sent() -> None:
    emu, rec, api = emulator([])
    api.post("/handler/", json=ORDER)
    emu.deliver_due_webhooks()
    body = rec.calls[0]["body"]
    assert isinstance(body["data"]["contacts"], list) and isinstance(body["data"]["payment_method"], int)
    assert body["meta"]["fields"]["sajt"]["options"][0].keys() >= {"value", "text"}


def test_every_odd_shape_in_a_webhook() -> None:
    emu, rec, api = emulator([s for s in ALL_SHAPES if s != "empty_meta"])
    api.post("/handler/", json={**ORDER, "ord_delivery_data": [{"provider": "novaposhta"}]})
    emu.deliver_due_webhooks()
    body = rec.calls[0]["body"]
    data = body["data"]
    assert isinstance(data["contacts"], dict) and data["contacts"]["phone"] == "380671119999"
    assert set(data["payment_method"]) >= {"id", "name"} and data["payment_method"]["name"]
    assert str(data["sajt"]).startswith("id_")
    assert body["meta"]["fields"]["sajt"]["options"][0].keys() == {"id", "name"}
    assert body["meta"]["fields"]["..."] is None


def test_empty_meta_as_in_salesdrives_own_example() -> None:
    emu, rec, api = emulator(["empty_meta"])
    api.post("/handler/", json=ORDER)
    emu.deliver_due_webhooks()
    assert rec.calls[0]["body"]["meta"] == {"fields": {}, "contacts": {"fields": {}}}


def test_odd_shapes_in_the_order_list() -> None:
    _, _, api = emulator(["phone_as_string", "meta_junk", "select_as_object"])
    api.post("/handler/", json=ORDER)
    answer = api.get("/api/order/list/", params={"page": 1, "limit": 10}).json()
    order = answer["data"][0]
    assert isinstance(order["primaryContact"]["phone"], str)
    assert isinstance(order["payment_method"], dict)
    assert answer["meta"]["fields"]["..."] is None
