"""The account's "accounting state" text field: set through the order update, carried by webhooks and the
order list like every custom field; whether such an edit fires ``status_change`` is an option."""

from __future__ import annotations

import pytest

from sandbox.salesdrive import ManualClock, create_app
from sandbox.salesdrive.accounting_field import ACCOUNTING_STATE_CODE, define_text_field
from sandbox.salesdrive.app import SalesDriveEmulator
from sandbox.salesdrive.testing import RecordingTransport, api_client

HOOK = "https://bridge.example/webhook/secret-token"


@pytest.fixture
def rec() -> RecordingTransport:
    return RecordingTransport()


@pytest.fixture
def emu(rec: RecordingTransport) -> SalesDriveEmulator:
    emu = create_app(clock=ManualClock(), webhook_transport=rec)
    emu.subscribe(HOOK)
    return emu


def place(emu: SalesDriveEmulator, rec: RecordingTransport) -> int:
    answer = emu.create_order({"getResultData": 1, "fName": "Олена", "phone": "0671112233"})
    order_id = int(answer["id"] if "id" in answer else answer["orderId"])
    emu.deliver_due_webhooks()
    rec.calls.clear()
    return order_id


def listed(emu: SalesDriveEmulator, order_id: int) -> dict:
    api = api_client(emu)
    body = api.get("/api/order/list/", params={"filter[id]": order_id}).json()
    [order] = body["data"]
    return {"order": order, "meta": body["meta"]["fields"]}


def test_the_field_is_set_by_update_and_shown_in_the_list_and_its_meta(
    emu: SalesDriveEmulator, rec: RecordingTransport
) -> None:
    order_id = place(emu, rec)
    answer = api_client(emu).post(
        "/api/order/update/",
        json={"id": order_id, "data": {ACCOUNTING_STATE_CODE: "UTP order 0000012 of 02.10.2025"}},
    )
    assert answer.json() == {"success": True}
    seen = listed(emu, order_id)
    assert seen["order"][ACCOUNTING_STATE_CODE] == "UTP order 0000012 of 02.10.2025"
    assert seen["meta"][ACCOUNTING_STATE_CODE]["type"] == "text"
    assert emu.order(order_id)["version"] == 2  # an effective change bumps the version


def test_by_default_only_a_status_change_fires_a_webhook(
    emu: SalesDriveEmulator, rec: RecordingTransport
) -> None:
    order_id = place(emu, rec)
    emu.update_order({"id": order_id, "data": {ACCOUNTING_STATE_CODE: "Parked: SKU AB-12 is not in UTP"}})
    emu.deliver_due_webhooks()
    assert rec.bodies == []
    emu.update_order({"id": order_id, "data": {"statusId": 2}})
    emu.deliver_due_webhooks()
    [hook] = rec.bodies
    assert hook["info"]["webhookEvent"] == "status_change"
    assert hook["data"][ACCOUNTING_STATE_CODE] == "Parked: SKU AB-12 is not in UTP"


def test_with_update_webhook_any_every_effective_edit_fires_status_change(
    emu: SalesDriveEmulator, rec: RecordingTransport
) -> None:
    emu.configure(update_webhook="any")
    order_id = place(emu, rec)
    emu.update_order({"id": order_id, "data": {ACCOUNTING_STATE_CODE: "UTP order 0000012 of 02.10.2025"}})
    emu.update_order({"id": order_id, "data": {ACCOUNTING_STATE_CODE: "UTP order 0000012 of 02.10.2025"}})
    emu.deliver_due_webhooks()
    [hook] = rec.bodies  # the second update changed nothing: no version bump, no webhook
    assert hook["info"]["webhookEvent"] == "status_change"
    assert hook["data"][ACCOUNTING_STATE_CODE] == "UTP order 0000012 of 02.10.2025"
    assert hook["data"]["statusId"] == 1
    assert int(hook["data"]["version"]) == 2


def test_an_account_can_define_its_own_text_field(emu: SalesDriveEmulator, rec: RecordingTransport) -> None:
    define_text_field(emu.state, "obl1c", "Облік 1С")
    define_text_field(emu.state, "obl1c", "Облік 1С")  # once only
    assert [f["code"] for f in emu.state.dicts["custom_fields"]].count("obl1c") == 1
    order_id = place(emu, rec)
    emu.update_order({"id": order_id, "data": {"obl1c": "UTP order 0000013 of 03.10.2025"}})
    assert listed(emu, order_id)["order"]["obl1c"] == "UTP order 0000013 of 03.10.2025"
