"""SalesDrive emulator: auth variants, order create/list/update, payload shapes (docs/salesdrive-api.md)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sandbox.salesdrive import ManualClock, SalesDriveEmulatorConfig, create_app
from sandbox.salesdrive.app import SalesDriveEmulator, nest
from sandbox.salesdrive.testing import api_client

from .conftest import sd_create

LIST = "/api/order/list/"
ALL = {"filter[statusId]": "__ALL__"}


def list_one(api: httpx.Client, order_id: int) -> dict[str, Any]:
    r = api.get(LIST, params={"filter[id]": order_id, **ALL})
    assert r.status_code == 200
    (order,) = r.json()["data"]
    return order


# auth -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("headers", [{}, {"X-Api-Key": "wrong"}, {"Form-Api-Key": "wrong"}])
def test_bad_or_missing_key_gets_the_salesdrive_error(
    sd_emu: SalesDriveEmulator, headers: dict[str, str]
) -> None:
    client = api_client(sd_emu, api_key="")
    r = client.get(LIST, headers=headers)
    assert r.status_code == 401
    assert r.json() == {"message": "api key is invalid"}


def test_auth_error_status_is_configurable(sd_emu: SalesDriveEmulator) -> None:
    sd_emu.configure(auth_error_status=200)  # "200 with message" is one of the possibilities (undocumented)
    r = api_client(sd_emu, api_key="nope").get(LIST)
    assert (r.status_code, r.json()) == (200, {"message": "api key is invalid"})


def test_legacy_form_api_key_header_reads_the_order_list(sd_emu: SalesDriveEmulator) -> None:
    client = api_client(sd_emu, api_key="")
    r = client.get(LIST, headers={"Form-Api-Key": "sandbox-form-key"})
    assert r.status_code == 200 and r.json()["status"] == "success"
    # ...but the legacy header is not an account-level key: payments refuse it.
    assert client.get("/api/payment/list/", headers={"Form-Api-Key": "sandbox-form-key"}).status_code == 401


def test_legacy_form_body_key_on_handler_and_update(sd_emu: SalesDriveEmulator) -> None:
    client = api_client(sd_emu, api_key="")
    r = client.post("/handler/", json={"form": "sandbox-form-key", "getResultData": 1, "fName": "Іван"})
    assert r.status_code == 200
    order_id = r.json()["data"]["orderId"]
    assert client.post("/handler/", json={"form": "bad", "fName": "Іван"}).status_code == 401
    r = client.post(
        "/api/order/update/", json={"form": "sandbox-form-key", "id": order_id, "data": {"comment": "x"}}
    )
    assert r.json() == {"success": True}
    assert sd_emu.order(order_id)["comment"] == "x"


# create -----------------------------------------------------------------------------------------------
def test_create_without_get_result_data_answers_an_empty_body(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator
) -> None:
    before = len(sd_emu.state.orders)
    r = sd_api.post("/handler/", json={"fName": "Тарас", "phone": "0971234567"})
    assert r.status_code == 200 and r.content == b""
    assert len(sd_emu.state.orders) == before + 1


def test_create_returns_ids_and_computes_money(sd_api: httpx.Client, sd_emu: SalesDriveEmulator) -> None:
    r = sd_api.post(
        "/handler/",
        json={
            "getResultData": "1",
            "fName": "Олег",
            "lName": "Бондар",
            "phone": "+38 (093) 111-22-33",
            "externalId": "WEB-1",
            "salesdrive_manager": 3,
            "products": [
                {"id": "1001", "amount": 2, "discount": "10%"},  # catalog price 350 → 700 − 70
                {"sku": "RF-THERM-K59", "amount": "1", "costPerItem": "600", "discount": "50"},  # absolute
                {"id": "X-NEW", "name": "Невідома деталь", "costPerItem": 100, "amount": 3},
            ],
            "payment_method": "Накладений платіж",
            "shipping_method": "novaposhta",
            "sajt": "https://www.sparesshop.com.ua/product/1",
            "utmSource": "google",
            "dilovod": "id_23",
            "tipProdazu1": ["Опт"],
            "pricinaZnizki": "акція",
            "stockId": 2,
            "novaposhta": {"city": "Київ", "WarehouseNumber": "15", "ServiceType": "WarehouseWarehouse"},
        },
    )
    assert r.status_code == 200
    assert r.json()["success"] is True and r.json()["data"]["userId"] == 3
    order = sd_emu.order(r.json()["data"]["orderId"])
    t = order["totals"]
    assert t["discountAmount"] == 120
    assert t["paymentAmount"] == 700 + 600 + 300 - 120
    assert t["restPay"] == t["paymentAmount"] and t["payedAmount"] == 0
    lines = order["products"]
    assert [ln["parameter"] for ln in lines] == ["1001", "2001", "X-NEW"]  # by sku → catalog id as parameter
    assert lines[0]["productId"] is not None and lines[2]["productId"] is None
    assert {ln["stockId"] for ln in lines} == {2}
    assert (order["payment_method"], order["shipping_method"], order["sajt"]) == (4, 2, 1)
    assert order["custom"] == {"dilovod": 23, "tipProdazu1": [32], "pricinaZnizki": "акція"}
    assert order["contacts"][0]["phone"] == ["380931112233"]
    assert order["ord_delivery"] == "novaposhta" and order["ord_delivery_data"][0]["cityName"] == "Київ"


def test_methods_resolve_by_name_parameter_and_id_n(sd_api: httpx.Client, sd_emu: SalesDriveEmulator) -> None:
    ids = [
        sd_create(sd_api, payment_method=v, shipping_method=s)
        for v, s in (("cod", "id_3"), ("id_6", "Самовивіз"))
    ]
    assert [(sd_emu.order(i)["payment_method"], sd_emu.order(i)["shipping_method"]) for i in ids] == [
        (4, 3),
        (6, 1),
    ]


def test_returning_customer_reuses_the_contact(sd_api: httpx.Client, sd_emu: SalesDriveEmulator) -> None:
    a = sd_create(sd_api, fName="Марія", phone="0661234567")
    b = sd_create(sd_api, fName="Марія", phone="+380661234567", email="maria@example.com")
    c = sd_create(sd_api, fName="Марія", email="MARIA@example.com")
    ids = {sd_emu.order(x)["contactIds"][0] for x in (a, b, c)}
    assert len(ids) == 1
    contact = sd_emu.order(c)["contacts"][0]
    assert contact["leadsCount"] == 3 and contact["email"] == ["maria@example.com"]


def test_no_dedup_by_external_id(sd_api: httpx.Client) -> None:
    assert sd_create(sd_api, externalId="DUP-1") != sd_create(sd_api, externalId="DUP-1")


def test_unknown_custom_option_is_an_error(sd_api: httpx.Client) -> None:
    r = sd_api.post("/handler/", json={"getResultData": 1, "dilovod": "id_999"})
    assert r.status_code == 400 and "error" in r.json()


# list -------------------------------------------------------------------------------------------------
def test_list_shape_is_the_list_form(sd_api: httpx.Client, sd_emu: SalesDriveEmulator) -> None:
    oid = sd_create(
        sd_api,
        fName="Аня",
        phone="0500000001",
        email="a@x.ua",
        payment_method="cod",
        products=[{"id": "1001", "amount": 2}],
        dilovod=24,
    )
    body = sd_api.get(LIST, params={"filter[id]": oid}).json()
    assert set(body) == {"status", "data", "meta", "pagination", "totals"}
    order = body["data"][0]
    assert order["payment_method"] == "4"  # a number as a string, as in the list example
    assert order["primaryContact"]["phone"] == ["380500000001"] and order["primaryContact"]["email"] == [
        "a@x.ua"
    ]
    line = order["products"][0]
    assert line["text"] == "Ремінь приводний 1270 J5" and "name" not in line
    assert line["amount"] == "2"
    assert order["dilovod"] == 24  # custom field as an extra top-level key
    assert len(order["token"]) == 32
    # List meta holds full dictionaries, not just the selected values.
    fields = body["meta"]["fields"]
    assert [o["value"] for o in fields["statusId"]["options"]] == list(range(1, 9))
    assert {o["value"] for o in fields["payment_method"]["options"]} == {1, 2, 3, 4, 6}
    assert len(fields["dilovod"]["options"]) == 2
    assert fields["products"]["options"][0]["stockBalance"] == {"1": 12, "2": 4, "3": 0}
    assert body["totals"] == {"count": 1, "paymentAmount": 700, "commission": 0, "expenses": 420}
    assert body["pagination"] == {"currentPage": 1, "pageCount": 1, "perPage": 50}


def test_status_filter_defaults_to_not_deleted(sd_api: httpx.Client, sd_emu: SalesDriveEmulator) -> None:
    deleted = {o["id"] for o in sd_emu.state.orders.values() if o["statusId"] == 8}
    assert deleted  # the seed has one
    default = {o["id"] for o in sd_api.get(LIST).json()["data"]}
    explicit = {
        o["id"] for o in sd_api.get(LIST, params={"filter[statusId]": "__NOTDELETED__"}).json()["data"]
    }
    everything = {o["id"] for o in sd_api.get(LIST, params=ALL).json()["data"]}
    assert default == explicit == everything - deleted
    two = sd_api.get(LIST, params=[("filter[statusId][]", "5"), ("filter[statusId][]", "8")]).json()["data"]
    assert {o["statusId"] for o in two} == {5, 8}
    assert {o["statusId"] for o in sd_api.get(LIST, params={"filter[statusId]": 2}).json()["data"]} == {2}


def test_time_and_id_filters_and_paging(sd_api: httpx.Client, sd_clock: ManualClock) -> None:
    ids = []
    for _ in range(5):
        sd_clock.advance(60)
        ids.append(sd_create(sd_api, fName="X"))
    window = {
        "filter[orderTime][from]": "2025-10-01 09:02:00",
        "filter[orderTime][to]": "2025-10-01 09:04:00",
    }
    assert sorted(o["id"] for o in sd_api.get(LIST, params=window).json()["data"]) == ids[1:4]
    rng = {"filter[id][from]": ids[1], "filter[id][to]": ids[2]}
    assert sorted(o["id"] for o in sd_api.get(LIST, params=rng).json()["data"]) == ids[1:3]
    day = {"filter[updateAt][from]": "2025-10-01", "filter[updateAt][to]": "2025-10-01"}  # whole day
    assert {o["id"] for o in sd_api.get(LIST, params=day).json()["data"]} >= set(ids)
    page2 = sd_api.get(
        LIST, params={"filter[updateAt][from]": "2025-10-01 09:00:00", "limit": 2, "page": 2}
    ).json()
    assert page2["pagination"] == {"currentPage": 2, "pageCount": 3, "perPage": 2}
    assert [o["id"] for o in page2["data"]] == [
        ids[2],
        ids[1],
    ]  # newest first (the order is undocumented: `list_sort`)
    assert sd_api.get(LIST, params={"limit": 500}).json()["pagination"]["perPage"] == 100
    assert sd_api.get(LIST, params={"filter[updateAt][from]": "yesterday"}).status_code == 400


def test_any_field_filters(sd_api: httpx.Client, sd_emu: SalesDriveEmulator) -> None:
    cod = sd_create(sd_api, payment_method="cod", products=[{"id": "1002", "amount": 1}])
    sd_create(sd_api, payment_method="cash", products=[{"id": "1002", "amount": 1}])
    assert sd_api.get(LIST, params={"filter[payment_method]": 4}).json()["data"][0]["id"] == cod
    unpaid = sd_api.get(LIST, params={"filter[restPay][from]": 1}).json()["data"]
    assert all(float(o["restPay"]) >= 1 for o in unpaid) and cod in {o["id"] for o in unpaid}


# update -----------------------------------------------------------------------------------------------
def test_update_bumps_version_and_update_at_only_on_change(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator, sd_clock: ManualClock
) -> None:
    oid = sd_create(sd_api, fName="Ліна", externalId="EXT-7")
    sd_clock.advance(120)
    r = sd_api.post(
        "/api/order/update/",
        json={"externalId": "EXT-7", "data": {"statusId": 5, "comment": "ok", "dilovod": "id_23"}},
    )
    assert r.json() == {"success": True}
    order = sd_emu.order(oid)
    assert (order["version"], order["updateAt"], order["statusId"]) == (2, "2025-10-01 09:02:00", 5)
    assert order["paymentDate"] == "2025-10-01" and order["custom"]["dilovod"] == 23
    sd_clock.advance(60)
    sd_api.post("/api/order/update/", json={"id": oid, "data": {"comment": "ok"}})  # no effective change
    assert sd_emu.order(oid)["version"] == 2
    sd_api.post(
        "/api/order/update/", json={"id": oid, "data": {"paymentDate": "15.10.2025", "rejectionReasonId": 1}}
    )
    order = sd_emu.order(oid)
    assert (order["version"], order["paymentDate"], order["rejectionReason"]) == (3, "2025-10-15", 1)
    listed = list_one(sd_api, oid)
    assert (listed["version"], listed["updateAt"]) == (3, "2025-10-01 09:03:00")


def test_update_cannot_change_lines_and_rejects_unknowns(
    sd_api: httpx.Client, sd_emu: SalesDriveEmulator
) -> None:
    oid = sd_create(sd_api, products=[{"id": "1001", "amount": 1}])
    sd_api.post("/api/order/update/", json={"id": oid, "data": {"products": [{"id": "1002", "amount": 5}]}})
    assert [ln["parameter"] for ln in sd_emu.order(oid)["products"]] == ["1001"] and sd_emu.order(oid)[
        "version"
    ] == 1
    r = sd_api.post("/api/order/update/", json={"id": 999999, "data": {"statusId": 2}})
    assert r.status_code == 400 and r.json()["success"] is False
    r = sd_api.post("/api/order/update/", json={"id": oid, "data": {"statusId": 77}})
    assert r.json()["success"] is False and sd_emu.order(oid)["statusId"] == 1


def test_update_accepts_form_encoded_custom_field(sd_api: httpx.Client, sd_emu: SalesDriveEmulator) -> None:
    oid = sd_create(sd_api)
    r = sd_api.post("/api/order/update/", data={"id": str(oid), "data[dilovod]": "id_24"})
    assert r.json() == {"success": True} and sd_emu.order(oid)["custom"]["dilovod"] == 24


def test_update_sets_ttn(sd_api: httpx.Client, sd_emu: SalesDriveEmulator) -> None:
    oid = sd_create(sd_api, shipping_method="novaposhta")
    sd_api.post("/api/order/update/", json={"id": oid, "data": {"novaposhta": {"ttn": "20450123456789"}}})
    order = list_one(sd_api, oid)
    assert order["ord_delivery_data"][0]["trackingNumber"] == "20450123456789"
    assert order["ord_novaposhta"]["EN"] == "20450123456789"


def test_dictionaries(sd_api: httpx.Client) -> None:
    statuses = sd_api.get("/api/statuses/").json()
    assert statuses["success"] is True
    assert [(s["id"], s["name"], s["type"]) for s in statuses["data"]] == [
        (1, "Новий", 1),
        (2, "Підтверджено", 1),
        (3, "На відправку", 1),
        (4, "Відправлено", 1),
        (5, "Продаж", 2),
        (6, "Відмова", 3),
        (7, "Повернення", 3),
        (8, "Видалений", 4),
    ]
    pm = sd_api.get("/api/payment-methods/").json()["data"]
    dm = sd_api.get("/api/delivery-methods/").json()["data"]
    assert {"id", "name", "parameter"} <= set(pm[0]) and any(m["parameter"] == "novaposhta" for m in dm)


def test_nest_parses_bracket_keys() -> None:
    assert nest(
        [
            ("filter[statusId][]", "1"),
            ("filter[statusId][]", "5"),
            ("filter[id][from]", "3"),
            ("products[0][id]", "a"),
            ("products[1][id]", "b"),
            ("page", "2"),
        ]
    ) == {
        "filter": {"statusId": ["1", "5"], "id": {"from": "3"}},
        "products": [{"id": "a"}, {"id": "b"}],
        "page": "2",
    }


def test_control_endpoints(sd_api: httpx.Client, sd_emu: SalesDriveEmulator) -> None:
    oid = sd_create(sd_api, fName="K")
    assert sd_api.get(f"/__emulator__/orders/{oid}").json()["id"] == oid
    assert sd_api.get("/__emulator__/orders/1").status_code == 404
    assert sd_api.post("/__emulator__/clock", json={"advance": 30}).json()["now"] == "2025-10-01 09:00:30"
    assert (
        sd_api.post("/__emulator__/config", json={"throttle_shape": "400"}).json()["throttle_shape"] == "400"
    )
    assert sd_emu.config.throttle_shape == "400"
    assert sd_api.post("/__emulator__/config", json={"throttle_shape": "418"}).status_code == 400
    counters = sd_api.get("/__emulator__/counters").json()
    assert counters["requests"]["/handler/"] == {"200": 1}
    assert "/__emulator__/orders/<int:order_id>" not in counters["requests"]  # control calls are not counted
    sd_api.post("/__emulator__/counters/reset")
    assert sd_emu.counters["requests"] == {}


def test_sqlite_persistence_survives_a_restart(tmp_path: Any, sd_clock: ManualClock) -> None:
    db = str(tmp_path / "sd.sqlite")
    first = create_app(SalesDriveEmulatorConfig(db_path=db), clock=sd_clock)
    oid = sd_create(api_client(first), fName="Постійна", externalId="P-1")
    first.subscribe("http://hook/")
    first.close()
    second = create_app(SalesDriveEmulatorConfig(db_path=db), clock=sd_clock)
    assert second.order(oid)["externalId"] == "P-1"
    assert len(second.state.orders) == 4 and [s["url"] for s in second.subscriptions] == ["http://hook/"]
    assert sd_create(api_client(second)) == oid + 1
    second.close()
