"""Real SalesDrive payloads (``tests/fixtures/salesdrive``) through the receiver, the deal rules and the
catch-up sweep: what the receiver acknowledges is applied or parked, never refused later; an order that
cannot become a UTP order is parked before anything is written to UTP; names, not ids, reach UTP."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.read_budget import UnlimitedReadBudget
from bridge.salesdrive.client import SalesDriveClient
from bridge.store.cursors import CursorStore
from bridge.sync.catch_up import JOB, sweep_orders
from bridge.sync.deals import apply_deal_event, apply_deal_message
from bridge.sync.parked_orders import replay_parked_orders
from bridge.sync.webhook_intake import accept_webhook
from tests.integration.test_catch_up import FifoQueue
from tests.integration.test_deal_flow import World

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "salesdrive"
TOKEN = "t0ken"


def fixture(name: str) -> dict[str, Any]:
    return dict(json.loads((FIXTURES / name).read_text(encoding="utf-8")))


def swagger_webhook(world: World, **data: Any) -> dict[str, Any]:
    """SalesDrive's own webhook example, addressed to this account and selling one of UTP's SKUs."""
    body = fixture("webhook_new_order_swagger.json")
    body["info"]["account"] = world.ctx.settings.salesdrive_account
    line = body["data"]["products"][0]
    line["sku"] = line["parameter"] = world.skus[0]
    line["stockId"] = 1
    body["data"].update(data)
    return body


def receive(body: dict[str, Any], account: str) -> tuple[int, FifoQueue]:
    queue = FifoQueue()
    answer = accept_webhook(
        token=TOKEN, body=json.dumps(body), accepted_tokens=[TOKEN], account=account, queue=queue
    )
    return answer.status_code, queue


def counterparties(world: World) -> int:
    return len(world.utp_rows("Catalog_Контрагенты", "DeletionMark eq false"))


# Each of these was acknowledged by the receiver and then refused by the processor's parser, so the
# event went round the queue until the dead-letter queue (SalesDrive, having had its 200, never resends).
ODD_BUT_HARMLESS = {
    "site as its name": {"sajt": "spares.example"},
    "payment method as an option object": {"payment_method": {"id": 4, "name": "Накладений платіж"}},
    "campaign id as text": {"campaignId": "autumn-sale"},
    "rejection reason as text": {"rejectionReason": "Клієнт передумав"},
    "one waybill as an object": {"ord_delivery_data": {"provider": "novaposhta", "cargoType": "Parcel"}},
    "one contact as an object": {"contacts": {"fName": "Ім'я", "phone": "0670000003"}},
    "manager as a name": {"userId": "Олена"},
}


@pytest.mark.parametrize("variant", sorted(ODD_BUT_HARMLESS))
def test_what_the_receiver_acknowledges_the_processor_applies(world: World, variant: str) -> None:
    body = swagger_webhook(world, statusId=1, **ODD_BUT_HARMLESS[variant])
    status, queue = receive(body, world.ctx.settings.salesdrive_account)
    assert status == 200
    (message,) = queue.drain()
    outcome = apply_deal_message(message["body"], world.ctx)
    assert outcome.action == "applied", outcome.reason
    assert len(world.orders_with_marker(body["data"]["id"])) == 1


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        ([], "no product lines"),
        ([{"sku": "{sku}", "amount": 0, "price": 100}], "quantity 0"),
        ([{"sku": "{sku}", "amount": "1,250", "price": 100}], "ambiguous"),
        ([{"name": "Без артикула", "amount": 1, "price": 100}], "no SKU"),
        (["not a line"], "not a product line"),
    ],
)
def test_an_order_that_cannot_be_one_is_parked_before_anything_reaches_utp(
    world: World, lines: list[Any], reason: str
) -> None:
    products = json.loads(json.dumps(lines).replace("{sku}", world.skus[0]))
    body = swagger_webhook(world, statusId=1, products=products)
    status, queue = receive(body, world.ctx.settings.salesdrive_account)
    assert status == 200
    before = counterparties(world)
    outcome = apply_deal_message(queue.drain()[0]["body"], world.ctx, delivery=1)
    assert outcome.action == "parked" and reason in (outcome.reason or "")
    assert counterparties(world) == before  # the customer was not created for an order that is not one
    order_id = body["data"]["id"]
    parked = world.ctx.store.parked_order(order_id)
    assert parked is not None and parked.cause == "order_data" and reason in parked.reason
    # Not replayed on a timer (it would only park again) ...
    report = replay_parked_orders(store=world.ctx.store, utp=world.utp, queue=FifoQueue(), now=datetime.now())
    assert order_id in report.waiting_for_change
    # ... but applied as soon as SalesDrive sends the corrected order.
    fixed = swagger_webhook(world, statusId=1, version=2, updateAt="2025-09-18 14:00:00")
    assert apply_deal_event(fixed, world.ctx).action == "applied"
    assert world.ctx.store.parked_order(order_id) is None
    assert len(world.orders_with_marker(order_id)) == 1


def test_names_come_from_meta_in_either_shape_or_from_the_dictionaries(world: World) -> None:
    settings = world.ctx.settings.model_copy(
        update={
            "characteristics": (
                world.ctx.settings.characteristics[0],
                type(world.ctx.settings.characteristics[0])(
                    field="payment_method", property="SalesDrive: оплата"
                ),
                type(world.ctx.settings.characteristics[0])(
                    field="shipping_method", property="SalesDrive: доставка"
                ),
            )
        }
    )
    ctx = copy.copy(world.ctx)
    ctx.settings = settings
    world.utp.create_missing_properties = True  # the two new properties
    # The official example: meta empty, sajt 149, payment 4, delivery 2. Only the dictionaries know them;
    # the delivery method is unknown to them too.
    ctx.option_names = {"sajt": {"149": "spares.example"}, "payment_method": {"4": "Готівка"}}.get
    body = swagger_webhook(world, statusId=1)
    assert apply_deal_event(body, ctx).action == "applied"
    state = ctx.store.order_state(body["data"]["id"])
    assert state is not None
    assert state.characteristics["SalesDrive: источник"] == "spares.example"
    assert state.characteristics["SalesDrive: оплата"] == "Готівка"
    assert "SalesDrive: доставка" not in state.characteristics  # no name: nothing, never "2"
    assert not any(v.strip("[]").isdigit() for v in state.characteristics.values())
    trail = ctx.store.audit_trail(body["data"]["id"])
    unresolved = [e for e in trail if e["event"] == "names_unresolved"]
    assert unresolved and "shipping_method" in str(unresolved[-1]["detail"])

    # meta with {id, name} options, no dictionaries at all.
    ctx.option_names = None
    other = swagger_webhook(world, id=42958, statusId=1)
    other["meta"] = {"fields": {"sajt": {"options": [{"id": 149, "name": "spares.example"}]}}}
    assert apply_deal_event(other, ctx).action == "applied"
    state = ctx.store.order_state(42958)
    assert state is not None and state.characteristics["SalesDrive: источник"] == "spares.example"


def list_answer(world: World) -> dict[str, Any]:
    """SalesDrive's own order-list example (meta holding ``"...": null``) plus three odd items."""
    body = fixture("order_list_swagger.json")
    good = body["data"][0]
    good["products"][0]["sku"] = good["products"][0]["parameter"] = world.skus[0]
    good["updateAt"] = "2025-09-18 13:46:35"
    no_lines = {**copy.deepcopy(good), "id": 2, "products": []}
    odd = {
        **copy.deepcopy(good),
        "id": 3,
        "sajt": {"id": 10, "name": "spares.example"},
        "contacts": {"fName": "Ім'я"},
        "ord_delivery_data": {"provider": "novaposhta"},
        "campaignId": "x",
    }
    not_an_order = {"version": 1, "comment": "no id"}
    body["data"] = [good, no_lines, not_an_order, odd]
    return body


@pytest.fixture
def list_client(world: World) -> Iterator[SalesDriveClient]:
    answer = list_answer(world)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer)

    http = httpx.Client(transport=httpx.MockTransport(handler), base_url="https://sparesshop.salesdrive.me")
    yield SalesDriveClient(api_key="k", budget=UnlimitedReadBudget(), http=http)
    http.close()


def test_the_sweep_survives_any_order_and_moves_its_watermark(
    world: World, dynamodb: Any, list_client: SalesDriveClient
) -> None:
    cursors = CursorStore("bridge-test", dynamodb=dynamodb)
    queue = FifoQueue()
    report = sweep_orders(
        salesdrive=list_client,
        store=world.ctx.store,
        queue=queue,
        cursors=cursors,
        now=datetime(2025, 9, 18, 15, 0),
        overlap_minutes=10,
    )
    assert sorted(report.sent) == [1, 2, 3]
    assert len(report.unreadable) == 1 and "data.id is missing" in report.unreadable[0]
    assert report.watermark is not None and cursors.get(JOB) is not None
    outcomes = {o.order_id: o for o in (apply_deal_message(m["body"], world.ctx) for m in queue.drain())}
    assert outcomes[1].action == "applied" and outcomes[3].action == "applied"
    assert outcomes[2].action == "parked" and "no product lines" in (outcomes[2].reason or "")


def test_the_emulators_odd_shapes_are_applied_like_the_usual_one(world: World) -> None:
    from sandbox.salesdrive.odd_shapes import ALL_SHAPES
    from tests.integration.test_deal_flow import new_customer_order

    world.salesdrive.configure(odd_shapes=list(ALL_SHAPES))
    order_id = world.place_order(**new_customer_order(world, phone="097 555 44 33, 050 111 22 33"))
    outcomes = world.apply_all()
    assert [o.action for o in outcomes] == ["applied"]
    assert len(world.orders_with_marker(order_id)) == 1
