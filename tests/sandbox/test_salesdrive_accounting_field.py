"""The account's "accounting state" text field: set through the order update, carried by webhooks and the
order list like every custom field; whether such an edit fires ``status_change`` is an option."""

from __future__ import annotations

import pytest

from sandbox.salesdrive.accounting_field import ACCOUNTING_STATE_CODE, define_text_field
from sandbox.salesdrive.app import SalesDriveEmulator
from sandbox.salesdrive.testing import RecordingTransport, api_client

# Every test here needs the webhook subscription to SD_HOOK.
pytestmark = pytest.mark.usefixtures("sd_subscribed")


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
    sd_emu: SalesDriveEmulator, sd_hooks: RecordingTransport
) -> None:
    order_id = place(sd_emu, sd_hooks)
    answer = api_client(sd_emu).post(
        "/api/order/update/",
        json={"id": order_id, "data": {ACCOUNTING_STATE_CODE: "UTP order 0000012 of 02.10.2025"}},
    )
    assert answer.json() == {"success": True}
    seen = listed(sd_emu, order_id)
    assert seen["order"][ACCOUNTING_STATE_CODE] == "UTP order 0000012 of 02.10.2025"
    assert seen["meta"][ACCOUNTING_STATE_CODE]["type"] == "text"
    assert sd_emu.order(order_id)["version"] == 2  # an effective change bumps the version


def test_by_default_only_a_status_change_fires_a_webhook(
    sd_emu: SalesDriveEmulator, sd_hooks: RecordingTransport
) -> None:
    order_id = place(sd_emu, sd_hooks)
    sd_emu.update_order({"id": order_id, "data": {ACCOUNTING_STATE_CODE: "Parked: SKU AB-12 is not in UTP"}})
    sd_emu.deliver_due_webhooks()
    assert sd_hooks.bodies == []
    sd_emu.update_order({"id": order_id, "data": {"statusId": 2}})
    sd_emu.deliver_due_webhooks()
    [hook] = sd_hooks.bodies
    assert hook["info"]["webhookEvent"] == "status_change"
    assert hook["data"][ACCOUNTING_STATE_CODE] == "Parked: SKU AB-12 is not in UTP"


def test_with_update_webhook_any_every_effective_edit_fires_status_change(
    sd_emu: SalesDriveEmulator, sd_hooks: RecordingTransport
) -> None:
    sd_emu.configure(update_webhook="any")
    order_id = place(sd_emu, sd_hooks)
    sd_emu.update_order({"id": order_id, "data": {ACCOUNTING_STATE_CODE: "UTP order 0000012 of 02.10.2025"}})
    sd_emu.update_order({"id": order_id, "data": {ACCOUNTING_STATE_CODE: "UTP order 0000012 of 02.10.2025"}})
    sd_emu.deliver_due_webhooks()
    [hook] = sd_hooks.bodies  # the second update changed nothing: no version bump, no webhook
    assert hook["info"]["webhookEvent"] == "status_change"
    assert hook["data"][ACCOUNTING_STATE_CODE] == "UTP order 0000012 of 02.10.2025"
    assert hook["data"]["statusId"] == 1
    assert int(hook["data"]["version"]) == 2


def test_an_account_can_define_its_own_text_field(
    sd_emu: SalesDriveEmulator, sd_hooks: RecordingTransport
) -> None:
    define_text_field(sd_emu.state, "obl1c", "Облік 1С")
    define_text_field(sd_emu.state, "obl1c", "Облік 1С")  # once only
    assert [f["code"] for f in sd_emu.state.dicts["custom_fields"]].count("obl1c") == 1
    order_id = place(sd_emu, sd_hooks)
    sd_emu.update_order({"id": order_id, "data": {"obl1c": "UTP order 0000013 of 03.10.2025"}})
    assert listed(sd_emu, order_id)["order"]["obl1c"] == "UTP order 0000013 of 03.10.2025"
