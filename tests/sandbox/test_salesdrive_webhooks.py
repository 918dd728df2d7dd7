"""Webhooks: envelope, payload quirks, events and filters, faults (duplicate/reorder/delay/loss), retries."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from werkzeug.wrappers import Request, Response

from sandbox.salesdrive import ManualClock, SalesDriveEmulatorConfig, create_app
from sandbox.salesdrive.app import SalesDriveEmulator
from sandbox.salesdrive.testing import RecordingTransport, api_client, wsgi_transport

from .conftest import SD_HOOK, sd_create

# Every test here needs the webhook subscription to SD_HOOK.
pytestmark = pytest.mark.usefixtures("sd_subscribed")


def set_status(api: httpx.Client, order_id: int, status: int) -> None:
    assert api.post("/api/order/update/", json={"id": order_id, "data": {"statusId": status}}).json()[
        "success"
    ]


def test_new_order_payload_has_the_real_quirks(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator, sd_hooks: RecordingTransport
) -> None:
    oid = sd_create(
        sd_api,
        fName="Ганна",
        phone="0671119999",
        email="h@example.com",
        payment_method="cod",
        shipping_method="novaposhta",
        sajt="prom.ua",
        salesdrive_manager=2,
        dilovod="id_23",
        products=[{"id": "1001", "amount": 2, "discount": "10%"}],
    )
    assert sd_hooks.calls == []  # nothing is sent until delivery runs
    assert sd_emu.deliver_due_webhooks() == 1
    (call,) = sd_hooks.calls
    assert call["url"] == SD_HOOK and call["headers"]["Content-Type"] == "application/json"
    body = call["body"]
    assert body["info"] == {"webhookType": "order", "webhookEvent": "new_order", "account": "sparesshop"}
    data = body["data"]
    assert (data["id"], data["version"], data["statusId"]) == (oid, 1, 1)
    assert data["contacts"][0]["phone"] == ["380671119999"] and data["contacts"][0]["email"] == [
        "h@example.com"
    ]
    line = data["products"][0]
    assert line["name"] == "Ремінь приводний 1270 J5" and line["parameter"] == "1001"
    assert (line["amount"], line["price"]) == ("2", "350.00")  # numbers as strings
    assert (line["discount"], line["percentDiscount"], line["restCount"]) == (10, 1, 12)
    assert (data["paymentAmount"], data["discountAmount"], data["restPay"]) == (630, 70, 630)
    assert data["dilovod"] == 23  # custom field as an extra top-level key
    fields = body["meta"]["fields"]
    # Webhook meta options hold ONLY the selected value (integrators read options[0].text).
    assert fields["statusId"]["options"] == [{"value": 1, "text": "Новий", "type": 1}]
    assert [o["text"] for o in fields["payment_method"]["options"]] == ["Накладений платіж"]
    assert [o["text"] for o in fields["shipping_method"]["options"]] == ["Нова Пошта"]
    assert fields["sajt"]["options"] == [{"value": 2, "text": "prom.ua"}]
    assert fields["userId"]["options"] == [{"value": 2, "text": "Ірина"}]
    assert [o["value"] for o in fields["dilovod"]["options"]] == [23]
    assert body["meta"]["contacts"] == {"fields": {}}
    assert sd_emu.webhook_log[-1]["outcome"] == "delivered"


def test_status_change_fires_only_on_status_changes(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator, sd_hooks: RecordingTransport
) -> None:
    oid = sd_create(sd_api)
    sd_api.post("/api/order/update/", json={"id": oid, "data": {"comment": "not a status"}})
    set_status(sd_api, oid, 2)
    set_status(sd_api, oid, 2)  # no change, no event
    sd_emu.deliver_due_webhooks()
    assert [
        (b["info"]["webhookEvent"], b["data"]["version"], b["data"]["statusId"]) for b in sd_hooks.bodies
    ] == [
        ("new_order", 1, 1),
        ("status_change", 3, 2),
    ]
    assert sd_hooks.bodies[1]["meta"]["fields"]["statusId"]["options"][0]["text"] == "Підтверджено"


def test_subscription_event_and_status_filters(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator, sd_hooks: RecordingTransport
) -> None:
    sd_emu.unsubscribe(sd_emu.subscriptions[0]["id"])
    sd_emu.subscribe("http://sales/", events=["status_change"], statuses=[5, 6])
    oid = sd_create(sd_api)
    for status in (2, 5, 6):
        set_status(sd_api, oid, status)
    sd_emu.deliver_due_webhooks()
    assert [b["data"]["statusId"] for b in sd_hooks.bodies] == [5, 6]
    with pytest.raises(ValueError):
        sd_emu.subscribe("http://x/", events=["payment"])


def test_duplicate_delivery(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator, sd_hooks: RecordingTransport
) -> None:
    sd_emu.configure(webhook_duplicate_rate=1.0)
    sd_create(sd_api)
    assert sd_emu.deliver_due_webhooks() == 2
    assert sd_hooks.bodies[0] == sd_hooks.bodies[1]
    assert [e["duplicate"] for e in sd_emu.webhook_log] == [False, True]


def test_lost_webhook_is_logged_never_sent(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator, sd_hooks: RecordingTransport
) -> None:
    sd_emu.configure(webhook_loss_rate=1.0)
    oid = sd_create(sd_api)
    assert sd_emu.deliver_due_webhooks() == 0 and sd_hooks.calls == []
    (entry,) = sd_emu.webhook_log
    assert (entry["outcome"], entry["order_id"], entry["event"]) == ("lost", oid, "new_order")
    assert sd_emu.order(oid)["id"] == oid  # the order exists: only a poll can find it


def test_delay_waits_for_the_clock(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator, sd_hooks: RecordingTransport, sd_clock: ManualClock
) -> None:
    sd_emu.configure(webhook_delay_s=30)
    sd_create(sd_api)
    pending = sd_api.get("/__emulator__/webhooks").json()["pending"]
    (item,) = pending
    assert 0 < item["delay_s"] <= 30  # drawn from the seeded generator
    assert sd_emu.deliver_due_webhooks() == 0
    sd_clock.advance(30)
    assert sd_emu.deliver_due_webhooks() == 1 and len(sd_hooks.calls) == 1


def test_reordering_sends_the_held_one_after_the_next(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator, sd_hooks: RecordingTransport, sd_clock: ManualClock
) -> None:
    sd_emu.configure(webhook_reorder_rate=1.0)
    oid = sd_create(sd_api)
    assert sd_emu.deliver_due_webhooks() == 0  # held back, waiting for a later webhook
    sd_emu.configure(webhook_reorder_rate=0.0)
    set_status(sd_api, oid, 2)
    sd_emu.deliver_due_webhooks()
    assert [b["data"]["version"] for b in sd_hooks.bodies] == [2, 1]  # stale event arrives last
    assert [e["reordered"] for e in sd_emu.webhook_log] == [False, True]
    # A held webhook with nothing after it is released after webhook_reorder_max_hold_s, not lost.
    sd_emu.configure(webhook_reorder_rate=1.0)
    sd_create(sd_api)
    assert sd_emu.deliver_due_webhooks() == 0
    sd_clock.advance(60)
    assert sd_emu.deliver_due_webhooks() == 1


def test_failed_and_slow_receivers_are_retried(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator, sd_hooks: RecordingTransport, sd_clock: ManualClock
) -> None:
    sd_hooks.answers = [500, TimeoutError("receiver too slow"), 200]
    sd_create(sd_api)
    assert sd_emu.deliver_due_webhooks() == 1
    sd_clock.advance(5)
    assert sd_emu.deliver_due_webhooks() == 1
    sd_clock.advance(10)
    assert sd_emu.deliver_due_webhooks() == 1
    log = sd_emu.webhook_log
    assert [(e["attempt"], e["outcome"], e["will_retry"]) for e in log] == [
        (1, "failed", True),
        (2, "timeout", True),
        (3, "delivered", False),
    ]
    assert log[0]["http_status"] == 500
    assert len({json.dumps(b, sort_keys=True) for b in sd_hooks.bodies}) == 1  # the same payload each time


def test_retries_stop_at_the_retry_count(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator, sd_hooks: RecordingTransport, sd_clock: ManualClock
) -> None:
    sd_emu.configure(webhook_retry_count=1, webhook_retry_backoff_s=0)
    sd_hooks.default = 503
    sd_create(sd_api)
    for _ in range(5):
        sd_emu.deliver_due_webhooks()
        sd_clock.advance(1)
    assert [(e["outcome"], e["will_retry"]) for e in sd_emu.webhook_log] == [
        ("failed", True),
        ("failed", False),
    ]
    assert sd_api.get("/__emulator__/webhooks").json()["pending"] == []


def test_faults_are_deterministic_for_a_seed(sd_clock: ManualClock) -> None:
    def run() -> list[str]:
        sd_hooks = RecordingTransport()
        cfg = SalesDriveEmulatorConfig(webhook_loss_rate=0.3, webhook_duplicate_rate=0.3, random_seed=7)
        sd_emu = create_app(cfg, clock=ManualClock(), webhook_transport=sd_hooks)
        sd_emu.subscribe(SD_HOOK)
        sd_api = api_client(sd_emu)
        for _ in range(20):
            sd_create(sd_api)
        sd_emu.deliver_due_webhooks()
        return [f"{e['order_id']}:{e['outcome']}:{e['duplicate']}" for e in sd_emu.webhook_log]

    first = run()
    assert first == run()
    assert any(":lost:" in x for x in first) and any(x.endswith("True") for x in first)


def test_control_endpoints_manage_subscriptions_and_the_log(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator
) -> None:
    r = sd_api.post(
        "/__emulator__/webhooks", json={"url": "http://second/", "events": ["new_order"], "statuses": None}
    )
    assert r.status_code == 201
    sub_id = r.json()["id"]
    assert len(sd_api.get("/__emulator__/webhooks").json()["subscriptions"]) == 2
    oid = sd_create(sd_api)
    assert sd_api.post("/__emulator__/webhooks/deliver").json() == {"attempts": 2}
    log = sd_api.get("/__emulator__/webhook-log", params={"order_id": oid}).json()["log"]
    assert sorted(e["url"] for e in log) == sorted([SD_HOOK, "http://second/"])
    assert sd_api.post("/__emulator__/webhooks", json={"remove": sub_id}).json() == {"removed": True}
    assert sd_api.post("/__emulator__/webhooks", json={"events": ["new_order"]}).status_code == 400


def test_delivery_into_an_in_process_receiver(sd_clock: ManualClock) -> None:
    received: list[dict[str, Any]] = []

    @Request.application
    def receiver(request: Request) -> Response:
        received.append({"path": request.path, "body": json.loads(request.get_data())})
        return Response("{}", status=200 if len(received) > 1 else 502)

    sd_emu = create_app(
        SalesDriveEmulatorConfig(webhook_retry_backoff_s=0),
        clock=sd_clock,
        webhook_transport=wsgi_transport(receiver),
    )
    sd_emu.subscribe("http://gateway.local/webhook/tok")
    sd_create(api_client(sd_emu))
    sd_emu.deliver_due_webhooks()
    sd_emu.deliver_due_webhooks()
    assert [r["path"] for r in received] == ["/webhook/tok"] * 2
    assert [e["outcome"] for e in sd_emu.webhook_log] == ["failed", "delivered"]
