"""Injection: customer data and SKUs carrying OData syntax reach UTP as data, never as query syntax.

Through the real deal rules and the real UTP client against the UTP emulator (whose ``$filter`` grammar
is 1C's, apostrophe doubling included); results are read back by plain OData. A hostile value either
lands verbatim in exactly the objects it belongs to, or parks the order as an unknown SKU. It never
matches another product or customer and never widens a lookup; a query-parse error (1C code 14) would
raise out of the rules or park with a UTP refusal instead of "unknown SKU", and fail these tests.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_deal_flow import ORDER, World, lit, new_customer_order

HOSTILE = [
    "O'Brien",
    "x' or 1 eq 1",
    "') or (1 eq 1",
    "a' eq 'a",
    "%27 or %27%27 eq %27",
    "1+1 eq 2",
    "&$filter=true",
    "Коваль'чук Їжак",
]


def make_product(world: World, sku: str) -> str:
    unit = world.utp_rows("Catalog_Номенклатура", f"Артикул eq {lit(world.skus[0])}")[0][
        "ЕдиницаХраненияОстатков_Key"
    ]
    created = world.odata.post(
        "Catalog_Номенклатура?$format=json",
        json={"Description": f"Товар {sku}", "Артикул": sku, "ЕдиницаХраненияОстатков_Key": unit},
    )
    assert created.status_code == 201, created.text
    return str(created.json()["Ref_Key"])


def line(sku: str) -> dict[str, Any]:
    return {"id": sku, "sku": sku, "name": "Запчастина", "costPerItem": 100, "amount": 1}


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_customer_data_and_sku_reach_utp_verbatim(world: World, hostile: str) -> None:
    sku = hostile[:25]
    product_key = make_product(world, sku)
    email = f"{hostile.replace(' ', '')}@example.com".lower()  # the bridge stores e-mails lower-cased
    body = new_customer_order(
        world, fName=hostile, lName=hostile, email=email, comment=hostile, phone="+380671234567"
    )
    body["products"] = [line(sku)]
    order_id = world.place_order(**body)
    [outcome] = world.apply_all()
    assert outcome.action == "applied", outcome
    [order] = world.orders_with_marker(order_id)
    assert order["Posted"] is True
    # The line is the product with exactly this SKU, not the first product a widened filter returns.
    assert [row["Номенклатура_Key"] for row in order["Товары"]] == [product_key]
    [customer] = world.utp_rows("Catalog_Контрагенты", f"Ref_Key eq guid'{order['Контрагент_Key']}'")
    assert customer["Description"] == f"{hostile} {hostile}"
    # Read back by value: a plain OData filter with the hostile value (doubled apostrophes) finds it once.
    assert len(world.utp_rows("Catalog_Контрагенты", f"Description eq {lit(hostile + ' ' + hostile)}")) == 1
    assert len(world.utp_rows("Catalog_Номенклатура", f"Артикул eq {lit(sku)}")) == 1
    # Представление is a string of unlimited length: 1C compares it only with ПОДОБНО (substringof)
    contacts = [
        row
        for row in world.utp_rows(
            "InformationRegister_КонтактнаяИнформация", f"substringof({lit(email)}, Представление)"
        )
        if row["Представление"] == email
    ]
    assert contacts and all(c["Объект"] == order["Контрагент_Key"] for c in contacts), contacts


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_unknown_sku_parks_and_matches_nothing(world: World, hostile: str) -> None:
    orders_before = len(world.utp_rows(ORDER, "DeletionMark eq false"))
    body = new_customer_order(world)
    body["products"] = [line(hostile)]
    order_id = world.place_order(**body)
    [outcome] = world.apply_all()
    assert outcome.action == "parked", outcome
    assert hostile in (outcome.reason or "") and "SKU" in (outcome.reason or ""), outcome.reason
    parked = world.ctx.store.parked_order(order_id)
    assert parked is not None and parked.skus == [hostile]
    assert world.orders_with_marker(order_id) == []
    assert len(world.utp_rows(ORDER, "DeletionMark eq false")) == orders_before


def test_a_returning_customer_with_a_hostile_name_is_not_confused_with_another(world: World) -> None:
    """Two customers whose names differ only by injected syntax stay two counterparties."""
    first = world.place_order(
        **new_customer_order(
            world, lName="Шевченко", fName="Тарас", phone="0671110001", email="t1@example.com"
        )
    )
    second = world.place_order(
        **new_customer_order(
            world, lName="Шевченко' or '1' eq '1", fName="Тарас", phone="0671110002", email="t2@example.com"
        )
    )
    outcomes = world.apply_all()
    assert [o.action for o in outcomes] == ["applied", "applied"]
    [a] = world.orders_with_marker(first)
    [b] = world.orders_with_marker(second)
    assert a["Контрагент_Key"] != b["Контрагент_Key"]
    [named] = world.utp_rows("Catalog_Контрагенты", f"Ref_Key eq guid'{b['Контрагент_Key']}'")
    assert named["Description"] == "Шевченко' or '1' eq '1 Тарас"
