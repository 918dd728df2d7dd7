"""Status and characteristics in attributes the customer's base already has, instead of
additional properties: written inside the order itself, one PATCH per change, read back by the
reconciler with the order headers. Checked in UTP by plain OData."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest

from bridge.settings import Characteristic
from bridge.store.deals import ProductLink
from bridge.store.status_writes import StatusWritesStore
from bridge.sync.deals import DealCollaborators, apply_deal_event
from bridge.sync.order_statuses import reconcile_statuses
from bridge.utp.client import UtpClient
from tests.integration.test_deal_flow import ORDER, World, new_customer_order

STATUS_ATTRIBUTE = "СтатусЗамовленняCRM"
SOURCE_ATTRIBUTE = "ДжерелоЗамовлення"
PROPERTY_VALUES = "InformationRegister_ЗначенияСвойствОбъектов"


@pytest.fixture
def attributes_world(world: World, dynamodb: Any) -> tuple[World, DealCollaborators]:
    settings = world.ctx.settings.model_copy(
        update={
            "order_status_attribute": STATUS_ATTRIBUTE,
            "characteristics": (Characteristic(field="sajt", attribute=SOURCE_ATTRIBUTE),),
            "link_main_contract": False,
        }
    )
    utp = UtpClient.from_http(world.utp.odata.http, order_extra_fields=settings.order_attributes)
    ctx = dataclasses.replace(
        world.ctx,
        utp=utp,
        settings=settings,
        status_writes=StatusWritesStore("bridge-test", dynamodb=dynamodb),
    )
    for sku in world.skus[:2]:  # products already linked by the catalog push / SKU matching
        [product] = world.utp_rows(
            "Catalog_Номенклатура", f"Артикул eq '{sku.replace(chr(39), chr(39) * 2)}'"
        )
        ctx.store.link_product(
            sku, ProductLink(product_ref=product["Ref_Key"], unit_ref=product["ЕдиницаХраненияОстатков_Key"])
        )
    return world, ctx


def utp_requests(world: World) -> int:
    return sum(world.utp_emulator.counters.values())


def property_records_of(world: World, order_ref: str) -> list[dict[str, Any]]:
    return world.utp_rows(PROPERTY_VALUES, f"Объект eq cast(guid'{order_ref}','{ORDER}')")


def test_a_new_customers_deal_costs_seven_utp_calls_with_attributes(
    attributes_world: tuple[World, DealCollaborators],
) -> None:
    world, ctx = attributes_world
    order_id = world.place_order(**new_customer_order(world, sajt="spares.example"))
    [body] = world.deliver()
    before = utp_requests(world)
    assert apply_deal_event(body, ctx).action == "applied"
    # lookup + counterparty + contract + phone + e-mail + order (with its attributes) + post
    assert utp_requests(world) - before == 7
    [order] = world.orders_with_marker(order_id)
    assert order["Posted"] is True
    assert order[STATUS_ATTRIBUTE] == "[1] Новий"
    assert order[SOURCE_ATTRIBUTE] == "spares.example"
    assert property_records_of(world, order["Ref_Key"]) == []


def test_a_status_change_is_one_patch_of_the_order(attributes_world: tuple[World, DealCollaborators]) -> None:
    world, ctx = attributes_world
    order_id = world.place_order(**new_customer_order(world))
    [created] = world.deliver()
    apply_deal_event(created, ctx)
    world.set_status(order_id, 2)
    [changed] = world.deliver()
    before = dict(world.utp_emulator.counters)
    apply_deal_event(changed, ctx)
    patches = {
        k: v - before.get(k, 0) for k, v in world.utp_emulator.counters.items() if k.startswith("PATCH")
    }
    assert {k: v for k, v in patches.items() if v} == {f"PATCH {ORDER}": 1}
    [order] = world.orders_with_marker(order_id)
    assert order[STATUS_ATTRIBUTE].startswith("[2] ")


def test_the_reconciler_pushes_a_status_a_person_typed_into_the_attribute(
    attributes_world: tuple[World, DealCollaborators],
) -> None:
    world, ctx = attributes_world
    order_id = world.place_order(**new_customer_order(world))
    [created] = world.deliver()
    apply_deal_event(created, ctx)
    [order] = world.orders_with_marker(order_id)
    typed = world.odata.patch(
        f"{quote(ORDER)}(guid'{order['Ref_Key']}')?$format=json", json={STATUS_ATTRIBUTE: "Підтверджено"}
    )
    typed.raise_for_status()
    crm = world.salesdrive_client()
    statuses = {s.id: (s.name or "", int(s.type) if s.type is not None else None) for s in crm.statuses()}
    before = dict(world.utp_emulator.counters)
    assert ctx.status_writes is not None
    report = reconcile_statuses(
        utp=ctx.utp,
        salesdrive=crm,
        store=ctx.store,
        writes=ctx.status_writes,
        settings=ctx.settings,
        statuses=statuses,
        now=world.salesdrive.clock.now() + timedelta(minutes=1),
    )
    assert report.pushed == {order_id: 2}
    assert world.salesdrive.order(order_id)["statusId"] == 2
    reads = {k: v - before.get(k, 0) for k, v in world.utp_emulator.counters.items()}
    assert reads.get(f"GET {PROPERTY_VALUES}", 0) == 0  # the status came with the order headers
