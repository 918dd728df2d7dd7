"""Catalog: product-handler (≤ 100 a call, upsert, dontUpdateFields, stock per warehouse), categories, YML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import httpx

from sandbox.salesdrive import ManualClock, SalesDriveEmulatorConfig, create_app
from sandbox.salesdrive.app import SalesDriveEmulator
from sandbox.salesdrive.testing import api_client

FEED = "/export/yml/export.yml"


def push(api: httpx.Client, products: list[dict[str, Any]], **extra: Any) -> httpx.Response:
    return api.post("/product-handler/", json={"action": "update", "product": products, **extra})


def offers(api: httpx.Client) -> dict[str, ET.Element]:
    r = api.get(FEED, params={"publicKey": "sandbox-yml-key"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(r.content)  # noqa: S314 - our own emulator's feed
    assert root.tag == "yml_catalog"
    return {o.attrib["id"]: o for o in root.iter("offer")}


def test_update_upserts_and_answers_like_salesdrive(sd_api: httpx.Client, sd_emu: SalesDriveEmulator) -> None:
    r = push(
        sd_api,
        [
            {
                "id": "101",
                "name": "Фільтр",
                "sku": "F-1",
                "costPerItem": "99.50",
                "currency": "UAH",
                "stockBalanceByStock": {"1": 5, "3": "2"},
                "category": {"id": 9, "name": "Фільтри"},
            }
        ],
    )
    assert r.json() == {"status": "success", "message": "product[101] successfully added."}
    product = sd_emu.product("101")
    assert product["stockBalanceByStock"] == {"1": "5", "3": "2"} and product["stockBalance"] == "7"
    r = push(sd_api, [{"id": "101", "costPerItem": 120}, {"id": "102", "name": "Друга"}])
    assert r.json()["message"] == "product[101, 102] successfully added."
    assert sd_emu.product("101")["costPerItem"] == "120" and sd_emu.product("101")["name"] == "Фільтр"
    stats = sd_emu.counters["product_handler"]
    assert (stats["calls"], stats["products"], stats["per_call"]) == (2, 3, [1, 2])


def test_more_than_100_products_is_an_error(sd_api: httpx.Client, sd_emu: SalesDriveEmulator) -> None:
    r = push(sd_api, [{"id": str(i), "name": f"P{i}"} for i in range(101)])
    assert r.status_code == 400 and r.json()["status"] == "error" and "100" in r.json()["message"]
    assert "100" not in sd_emu.state.products and sd_emu.counters["product_handler"]["rejected"] == 1
    assert push(sd_api, [{"id": str(i), "name": f"P{i}"} for i in range(100)]).json()["status"] == "success"
    assert sd_emu.counters["product_handler"]["per_call"] == [100]


def test_dont_update_fields_protects_existing_fields(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator
) -> None:
    # A stock-only push: price (named `price` for costPerItem!), name and sku are protected.
    r = push(
        sd_api,
        [
            {
                "id": "1001",
                "name": "ЗМІНЕНО",
                "costPerItem": 1,
                "sku": "CHANGED",
                "stockBalanceByStock": {"2": 40},
            }
        ],
        dontUpdateFields=["price", "name", "sku", "description"],
    )
    assert r.json()["status"] == "success"
    p = sd_emu.product("1001")
    assert (p["name"], p["costPerItem"], p["sku"]) == ("Ремінь приводний 1270 J5", "350", "WM-BELT-1270J5")
    assert p["stockBalanceByStock"] == {"1": "12", "2": "40", "3": "0"}  # other warehouses untouched
    # Protecting stock instead: a price-only push.
    push(
        sd_api,
        [{"id": "1001", "costPerItem": 399, "stockBalanceByStock": {"1": 0}}],
        dontUpdateFields=["stockBalanceByStock", "stockBalance"],
    )
    p = sd_emu.product("1001")
    assert p["costPerItem"] == "399" and p["stockBalanceByStock"]["1"] == "12"


def test_dont_update_fields_do_not_blank_a_new_product(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator
) -> None:
    push(sd_api, [{"id": "NEW-1", "name": "Нова", "costPerItem": 10}], dontUpdateFields=["name", "price"])
    assert (sd_emu.product("NEW-1")["name"], sd_emu.product("NEW-1")["costPerItem"]) == ("Нова", "10")


def test_delete_and_bad_requests(sd_api: httpx.Client, sd_emu: SalesDriveEmulator) -> None:
    r = sd_api.post("/product-handler/", json={"action": "delete", "product": [{"id": "1002"}]})
    assert r.json() == {"status": "success", "message": "product[1002] successfully deleted."}
    assert "1002" not in sd_emu.state.products and "1002" not in offers(sd_api)
    assert (
        sd_api.post("/product-handler/", json={"action": "explode", "product": [{"id": "1"}]}).status_code
        == 400
    )
    assert push(sd_api, [{"name": "no id"}]).json()["status"] == "error"
    assert (
        api_client(sd_emu, api_key="x").post("/product-handler/", json={"action": "update"}).status_code
        == 401
    )
    legacy = api_client(sd_emu, api_key="").post(
        "/product-handler/", json={"form": "sandbox-form-key", "action": "update", "product": [{"id": "L1"}]}
    )
    assert legacy.json()["status"] == "success"


def test_yml_feed_lists_products_with_totals(sd_api: httpx.Client) -> None:
    push(sd_api, [{"id": "1001", "stockBalanceByStock": {"1": 0, "2": 0, "3": 0}}])
    feed = offers(sd_api)
    assert set(feed) >= {"1001", "1002", "1003", "2001", "2002"}
    belt = feed["1001"]
    assert belt.attrib["available"] == "false" and belt.findtext("quantity_in_stock") == "0"
    pump = feed["1002"]
    assert (pump.findtext("vendorCode"), pump.findtext("article")) == ("WM-PUMP-ASKOLL",) * 2
    assert (pump.findtext("price"), pump.findtext("currencyId"), pump.findtext("categoryId")) == (
        "780",
        "UAH",
        "1",
    )
    assert pump.findtext("quantity_in_stock") == "9" and pump.attrib["available"] == "true"
    root = ET.fromstring(sd_api.get(FEED, params={"publicKey": "sandbox-yml-key"}).content)  # noqa: S314
    cats = {c.attrib["id"]: c for c in root.iter("category")}
    assert cats["3"].attrib["parentId"] == "1" and root.find("shop/currencies/currency") is not None


def test_yml_feed_needs_the_public_key_and_can_lag(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator, sd_clock: ManualClock
) -> None:
    assert sd_api.get(FEED, params={"publicKey": "wrong"}).status_code == 403
    sd_emu.configure(yml_refresh_s=300)
    offers(sd_api)
    push(sd_api, [{"id": "NEW-2", "name": "Свіжий"}])
    assert "NEW-2" not in offers(sd_api)  # the feed refreshes on its own schedule
    sd_clock.advance(300)
    assert "NEW-2" in offers(sd_api)


def test_category_handler(sd_api: httpx.Client, sd_emu: SalesDriveEmulator) -> None:
    r = sd_api.post(
        "/category-handler/",
        json={
            "action": "update",
            "category": [{"id": 10, "name": "Плити"}, {"id": 11, "name": "Конфорки", "parentId": 10}],
        },
    )
    assert r.json() == {"status": "success", "message": "category[10, 11] successfully added."}
    assert sd_emu.state.categories["11"]["parentId"] == "10"
    sd_api.post("/category-handler/", json={"action": "delete", "category": [{"id": 10}]})
    assert "10" not in sd_emu.state.categories
    assert sd_api.post("/category-handler/", json={"action": "update", "category": []}).status_code == 400


def test_product_control_endpoint_and_order_line_rest_count(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator
) -> None:
    push(sd_api, [{"id": "1003", "stockBalanceByStock": {"2": 8}}])
    assert sd_api.get("/__emulator__/products/1003").json()["stockBalanceByStock"] == {
        "1": "3",
        "2": "8",
        "3": "1",
    }
    assert sd_api.get("/__emulator__/products/none").status_code == 404


def test_generated_products_for_big_catalogs(sd_clock: ManualClock) -> None:
    sd_emu = create_app(SalesDriveEmulatorConfig(seed_products=250), clock=sd_clock)
    assert len(sd_emu.state.products) == 250 and len(offers(api_client(sd_emu))) == 250
