# ruff: noqa: F811  (the shared fixture `world` is imported, and named as every test's argument)
"""Managers see the accounting state in SalesDrive: the rules against both emulators (+ moto).

What SalesDrive holds is read from the SalesDrive emulator; the numbers expected from UTP are read with
plain OData queries, not through the bridge's records.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from bridge.salesdrive.meta import OrderMeta
from bridge.store.accounting_state import WrittenStateStore
from bridge.sync.accounting_state import AccountingStateWriter, manager_reason
from bridge.sync.catch_up import list_order_event
from bridge.sync.deals import apply_deal_event
from sandbox.salesdrive.accounting_field import ACCOUNTING_STATE_CODE
from tests.integration.test_deal_flow import World, lit, new_customer_order, world  # noqa: F401

UPDATE = "/api/order/update/"


def with_writer(world: World, dynamodb: Any, field: str | None = ACCOUNTING_STATE_CODE) -> None:
    """The deal rules of ``world`` with the accounting state written into ``field``; SalesDrive answers
    every effective update with a ``status_change`` webhook (the loop the echo rule must break)."""
    world.salesdrive.configure(update_webhook="any")
    settings = world.ctx.settings.model_copy(update={"accounting_state_field": field})
    crm = world.salesdrive_client()
    world.ctx.settings = settings
    world.ctx.accounting_state = (
        AccountingStateWriter(crm, WrittenStateStore("bridge-test", dynamodb=dynamodb), settings)
        if field
        else None
    )


def updates(world: World) -> int:
    return sum(world.salesdrive.counters["requests"].get(UPDATE, {}).values())


def held(world: World, order_id: int) -> Any:
    return (world.salesdrive.order(order_id).get("custom") or {}).get(ACCOUNTING_STATE_CODE)


def audit_events(world: World, order_id: int) -> list[str]:
    return [e["event"] for e in world.ctx.store.audit_trail(order_id)]


def test_a_posted_order_shows_its_utp_number_and_date_and_the_echo_starts_nothing(
    world: World, dynamodb: Any
) -> None:
    with_writer(world, dynamodb)
    order_id = world.place_order(**new_customer_order(world))
    [outcome] = world.apply_all()
    assert outcome.action == "applied"
    [order] = world.orders_with_marker(order_id)
    day = datetime.fromisoformat(order["Date"]).strftime("%d.%m.%Y")
    assert held(world, order_id) == f"UTP order {order['Number'].strip()} of {day}"
    assert updates(world) == 1
    # SalesDrive answers the write with a webhook whose only change is the field: its echo.
    [echo] = world.apply_all()
    assert echo.action == "stale"
    assert "accounting_state_echo_ignored" in audit_events(world, order_id)
    assert world.deliver() == []  # nothing written again, so no further webhook
    assert updates(world) == 1


def test_the_invoice_and_the_return_note_numbers_appear_as_they_are_made(world: World, dynamodb: Any) -> None:
    with_writer(world, dynamodb)
    order_id = world.place_order(**new_customer_order(world))
    world.apply_all()
    world.apply_all()  # the echo
    world.set_status(order_id, 5)  # a sale (type 2): the sales invoice
    [outcome] = world.apply_all()
    assert outcome.documents == ["sales_invoice"]
    [order] = world.orders_with_marker(order_id)
    [invoice] = world.documents_of("Document_РеализацияТоваровУслуг", order["Ref_Key"])
    text = held(world, order_id)
    assert text.startswith(f"UTP order {order['Number'].strip()} of ")
    assert text.endswith(f"; invoice {invoice['Number'].strip()}")
    assert updates(world) == 2  # one per change
    assert [o.action for o in world.apply_all()] == ["stale"]
    world.set_status(order_id, 6)  # refused after shipment (type 3): the return note
    world.apply_all()
    [note] = world.documents_of("Document_ВозвратТоваровОтПокупателя", order["Ref_Key"])
    assert held(world, order_id).endswith(
        f"; invoice {invoice['Number'].strip()}; return note {note['Number'].strip()}"
    )
    assert [o.action for o in world.apply_all()] == ["stale"]
    assert updates(world) == 3


def test_a_parked_order_shows_the_reason_in_a_managers_words_then_its_number(
    world: World, dynamodb: Any
) -> None:
    with_writer(world, dynamodb)
    body = new_customer_order(world)
    body["products"].append({"id": "AB-12", "sku": "AB-12", "name": "?", "costPerItem": 1, "amount": 1})
    order_id = world.place_order(**body)
    [outcome] = world.apply_all()
    assert outcome.action == "parked"
    assert held(world, order_id) == "Parked: SKU AB-12 is not in UTP"
    [echo] = world.apply_all()
    assert echo.action == "stale"  # the echo is not parked again, nor written again
    assert world.ctx.store.parked_order(order_id) is not None
    assert updates(world) == 1
    unit = world.utp_rows("Catalog_Номенклатура", f"Артикул eq {lit(world.skus[0])}")[0][
        "ЕдиницаХраненияОстатков_Key"
    ]
    world.odata.post(
        "Catalog_Номенклатура?$format=json",
        json={"Description": "Новий товар", "Артикул": "AB-12", "ЕдиницаХраненияОстатков_Key": unit},
    ).raise_for_status()
    parked = world.ctx.store.parked_order(order_id)
    assert parked is not None
    assert apply_deal_event(parked.payload or "", world.ctx).action == "applied"  # the replayer's turn
    [order] = world.orders_with_marker(order_id)
    assert held(world, order_id).startswith(f"UTP order {order['Number'].strip()} of ")
    assert [o.action for o in world.apply_all()] == ["stale"]
    assert updates(world) == 2


def test_without_the_field_the_text_goes_into_a_line_of_the_comment_and_the_managers_text_stays(
    world: World, dynamodb: Any
) -> None:
    with_writer(world, dynamodb, field="comment")
    order_id = world.place_order(**new_customer_order(world, comment="Передзвонити після 18:00"))
    world.apply_all()
    [order] = world.orders_with_marker(order_id)
    comment = world.salesdrive.order(order_id)["comment"]
    first, second = comment.splitlines()
    assert first == "Передзвонити після 18:00"
    assert second.startswith(f"[UTP] UTP order {order['Number'].strip()} of ")
    assert [o.action for o in world.apply_all()] == ["stale"]
    assert updates(world) == 1


def test_setting_off_writes_nothing(world: World, dynamodb: Any) -> None:
    with_writer(world, dynamodb, field=None)
    world.place_order(**new_customer_order(world))
    assert [o.action for o in world.apply_all()] == ["applied"]
    assert updates(world) == 0


def test_a_salesdrive_failure_never_fails_the_deal(
    world: World, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_writer(world, dynamodb)
    order_id = world.place_order(**new_customer_order(world))
    writer = world.ctx.accounting_state
    assert writer is not None
    from bridge.salesdrive.errors import SalesDriveServerError

    def down(*args: Any, **kwargs: Any) -> None:
        raise SalesDriveServerError("SalesDrive answered 502", endpoint=UPDATE)

    monkeypatch.setattr(writer.salesdrive, "update_order", down)
    [outcome] = world.apply_all()
    assert outcome.action == "applied"
    assert "accounting_state_not_written" in audit_events(world, order_id)
    assert held(world, order_id) is None


@pytest.mark.parametrize(
    ("reason", "skus", "words"),
    [
        ("unknown SKU in UTP: AB-12", ["AB-12"], "SKU AB-12 is not in UTP"),
        ("unknown SKU in UTP: A, B", ["A", "B"], "SKUs A, B are not in UTP"),
        (
            "unknown SKU in UTP: (line without SKU: Ремінь)",
            [],
            "a line has no SKU (Ремінь): add the SKU in SalesDrive",
        ),
        ("UTP refused: Не заполнено поле Склад", [], "UTP refused it: Не заполнено поле Склад"),
        ("retrying later after 5 attempts: 503", [], "UTP did not answer; the bridge retries automatically"),
        ("the order has no product lines", [], "the order has no lines: add the goods in SalesDrive"),
    ],
)
def test_parking_reasons_in_a_managers_words(reason: str, skus: list[str], words: str) -> None:
    assert manager_reason(reason, skus) == words


def test_an_order_without_lines_is_parked_with_its_reason_and_managers_see_it(
    world: World, dynamodb: Any
) -> None:
    with_writer(world, dynamodb)
    order_id = world.place_order(**new_customer_order(world, products=[]))
    [outcome] = world.apply_all()
    assert outcome.action == "parked"
    parked = world.ctx.store.parked_order(order_id)
    assert parked is not None and parked.reason == "the order has no product lines"
    assert world.orders_with_marker(order_id) == []
    assert held(world, order_id) == "Parked: the order has no lines: add the goods in SalesDrive"


def test_the_echo_read_by_the_catch_up_sweep_is_recognised_too(world: World, dynamodb: Any) -> None:
    """The sweep's list item of the echo is shaped unlike the webhook (line names, primaryContact…): the
    version SalesDrive gave the bridge's write recognises it; a later real change is applied."""
    with_writer(world, dynamodb)
    order_id = world.place_order(**new_customer_order(world))
    world.apply_all()
    world.deliver()  # the echo webhook, lost
    crm = world.ctx.accounting_state.salesdrive  # type: ignore[union-attr]
    listed = crm.get_order(order_id)
    assert listed is not None and listed.version == 2
    assert apply_deal_event(list_order_event(listed, OrderMeta()), world.ctx).action == "stale"
    world.set_status(order_id, 2)  # a manager confirms it: a real change with the same text
    [confirmed] = world.apply_all()
    assert confirmed.action == "applied"
    assert updates(world) == 1
