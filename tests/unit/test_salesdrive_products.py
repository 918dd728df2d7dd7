"""Product and category pushes: batches of at most 100, the right dontUpdateFields per mode."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.read_budget import UnlimitedReadBudget
from bridge.salesdrive.client import SalesDriveClient
from bridge.salesdrive.errors import SalesDriveAuthError, SalesDriveRefused, SalesDriveThrottled
from bridge.salesdrive.products import (
    PRICE_ONLY_PROTECTED,
    STOCK_ONLY_PROTECTED,
    Category,
    ProductUpdate,
    PushMode,
    json_number,
)

BASE = "https://myshop.salesdrive.me"
OK = {"status": "success", "message": "product[...] successfully added."}


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def client() -> SalesDriveClient:
    return SalesDriveClient(
        api_key="k", budget=UnlimitedReadBudget(), account="myshop", sleep=lambda s: None, jitter=lambda: 0.0
    )


def product(n: int) -> ProductUpdate:
    return ProductUpdate(
        id=f"SKU-{n}",
        name=f"Деталь {n}",
        sku=f"SKU-{n}",
        barcode=f"48200{n:08d}",
        price=Decimal("150.50"),
        currency="UAH",
        stock_by_warehouse={"1": Decimal(38), "2": 5},
        category_id=12,
        category_name="Фільтри",
        extra={"weight": 0.2},
    )


def sent(route: respx.Route) -> list[dict[str, Any]]:
    return [json.loads(call.request.content) for call in route.calls]


@pytest.mark.parametrize("mode", list(PushMode))
def test_1234_products_take_13_calls(
    router: respx.MockRouter, client: SalesDriveClient, mode: PushMode
) -> None:
    route = router.post("/product-handler/").mock(return_value=httpx.Response(200, json=OK))
    results = client.push_products((product(n) for n in range(1234)), mode)
    assert route.call_count == 13
    assert [r.size for r in results] == [100] * 12 + [34]
    assert all(r.ok for r in results)
    bodies = sent(route)
    assert [p["id"] for b in bodies for p in b["product"]] == [f"SKU-{n}" for n in range(1234)]
    assert all(b["action"] == "update" for b in bodies)


def test_stock_only_never_carries_or_overwrites_name_or_price(
    router: respx.MockRouter, client: SalesDriveClient
) -> None:
    route = router.post("/product-handler/").mock(return_value=httpx.Response(200, json=OK))
    client.push_products([product(1)], PushMode.STOCK_ONLY)
    body = sent(route)[0]
    assert body["product"] == [{"id": "SKU-1", "stockBalanceByStock": {"1": 38, "2": 5}}]
    protected = set(body["dontUpdateFields"])
    assert {"name", "price", "description", "sku", "barcode", "images", "params", "set"} <= protected
    assert protected == set(STOCK_ONLY_PROTECTED)


def test_price_only_never_carries_or_overwrites_stock_or_name(
    router: respx.MockRouter, client: SalesDriveClient
) -> None:
    route = router.post("/product-handler/").mock(return_value=httpx.Response(200, json=OK))
    update = ProductUpdate(
        id="SKU-1",
        name="ignored",
        price=Decimal("99.90"),
        currency="UAH",
        stock_by_warehouse={"1": 3},
        additional_prices=[{"priceType": "Опт", "priceValue": 80, "priceCurrency": "UAH"}],
    )
    client.push_products([update], "price_only")
    body = sent(route)[0]
    assert body["product"] == [
        {
            "id": "SKU-1",
            "costPerItem": 99.9,
            "currency": "UAH",
            "additionalPrices": [{"priceType": "Опт", "priceValue": 80, "priceCurrency": "UAH"}],
        }
    ]
    protected = set(body["dontUpdateFields"])
    assert "price" not in protected
    assert {"name", "stockBalance", "stockBalanceByStock", "description"} <= protected
    assert protected == set(PRICE_ONLY_PROTECTED)


def test_full_mode_sends_everything_and_protects_nothing(
    router: respx.MockRouter, client: SalesDriveClient
) -> None:
    route = router.post("/product-handler/").mock(return_value=httpx.Response(200, json=OK))
    client.push_products([product(7)], PushMode.FULL)
    body = sent(route)[0]
    assert "dontUpdateFields" not in body
    assert body["product"] == [
        {
            "id": "SKU-7",
            "name": "Деталь 7",
            "sku": "SKU-7",
            "barcode": "4820000000007",
            "category": {"id": 12, "name": "Фільтри"},
            "costPerItem": 150.5,
            "currency": "UAH",
            "stockBalanceByStock": {"1": 38, "2": 5},
            "weight": 0.2,
        }
    ]


def test_a_mode_without_its_data_is_refused_before_sending(
    router: respx.MockRouter, client: SalesDriveClient
) -> None:
    route = router.post("/product-handler/").mock(return_value=httpx.Response(200, json=OK))
    with pytest.raises(ValueError, match="needs stock"):
        client.push_products([ProductUpdate(id="A", price=Decimal(1))], PushMode.STOCK_ONLY)
    with pytest.raises(ValueError, match="needs a price"):
        client.push_products([ProductUpdate(id="A", stock_total=1)], PushMode.PRICE_ONLY)
    with pytest.raises(ValueError, match=r"1\.\.100"):
        client.push_products([product(1)], batch_size=101)
    assert route.call_count == 0


def test_a_failed_batch_is_reported_and_can_be_retried_alone(
    router: respx.MockRouter, client: SalesDriveClient
) -> None:
    route = router.post("/product-handler/").mock(
        side_effect=[
            httpx.Response(200, json=OK),
            httpx.Response(200, json={"status": "error", "errorMessage": "bad barcode"}),
            httpx.Response(200, json=OK),
        ]
    )
    results = client.push_products([product(n) for n in range(250)], PushMode.FULL)
    assert [r.ok for r in results] == [True, False, True]
    failed = results[1]
    assert isinstance(failed.error, SalesDriveRefused)
    assert failed.message == "bad barcode"
    assert [p.id for p in failed.items] == [f"SKU-{n}" for n in range(100, 200)]
    route.side_effect = None
    route.return_value = httpx.Response(200, json=OK)
    retried = client.push_products(failed.items, PushMode.FULL)
    assert [r.ok for r in retried] == [True]
    assert route.call_count == 4


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(429, headers={"Retry-After": "60"}), SalesDriveThrottled),
        (httpx.Response(400, json={"message": "ліміт запитів"}), SalesDriveThrottled),
        (httpx.Response(401, json={"message": "api key is invalid"}), SalesDriveAuthError),
    ],
)
def test_throttle_or_auth_stops_the_push(
    router: respx.MockRouter, client: SalesDriveClient, answer: httpx.Response, error: type[Exception]
) -> None:
    route = router.post("/product-handler/").mock(side_effect=[httpx.Response(200, json=OK), answer])
    results = client.push_products([product(n) for n in range(350)], PushMode.STOCK_ONLY)
    assert route.call_count == 2  # no hammering: batches 3 and 4 are not sent
    assert [(r.ok, r.attempted) for r in results] == [
        (True, True),
        (False, True),
        (False, False),
        (False, False),
    ]
    assert all(isinstance(r.error, error) for r in results[1:])


def test_product_pushes_are_retried_on_5xx(router: respx.MockRouter, client: SalesDriveClient) -> None:
    route = router.post("/product-handler/").mock(
        side_effect=[httpx.Response(502), httpx.Response(200, json=OK)]
    )
    assert [r.ok for r in client.push_products([product(1)])] == [True]
    assert route.call_count == 2


def test_delete_and_categories(router: respx.MockRouter, client: SalesDriveClient) -> None:
    products = router.post("/product-handler/").mock(return_value=httpx.Response(200, json=OK))
    categories = router.post("/category-handler/").mock(
        return_value=httpx.Response(
            200, json={"status": "success", "message": "category[1, 2] successfully added."}
        )
    )
    deleted = client.delete_products([f"SKU-{n}" for n in range(101)])
    assert [r.size for r in deleted] == [100, 1]
    assert sent(products)[1] == {"action": "delete", "product": [{"id": "SKU-100"}]}
    pushed = client.push_categories([Category(1, "Фільтри"), Category(2, "Фільтри HEPA", parent_id=1)])
    assert pushed[0].ok
    assert sent(categories)[0] == {
        "action": "update",
        "category": [{"id": 1, "name": "Фільтри"}, {"id": 2, "name": "Фільтри HEPA", "parentId": 1}],
    }


def test_form_key_in_catalog_bodies(router: respx.MockRouter) -> None:
    route = router.post("/product-handler/").mock(return_value=httpx.Response(200, json=OK))
    client = SalesDriveClient(api_key="k", budget=UnlimitedReadBudget(), account="myshop", form_key="fk")
    client.push_products([product(1)], PushMode.STOCK_ONLY)
    assert sent(route)[0]["form"] == "fk"
    assert route.calls[0].request.headers["X-Api-Key"] == "k"


@settings(max_examples=40, deadline=None)  # up to ~90 in-memory calls per example
@given(count=st.integers(min_value=0, max_value=450), size=st.integers(min_value=5, max_value=100))
def test_calls_are_the_minimum_and_every_product_travels_once(count: int, size: int) -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json=OK)

    http = httpx.Client(transport=httpx.MockTransport(handler), base_url=BASE)  # lighter than respx here
    client = SalesDriveClient(api_key="k", budget=UnlimitedReadBudget(), http=http)
    results = client.push_products((product(n) for n in range(count)), PushMode.PRICE_ONLY, batch_size=size)
    assert len(bodies) == len(results) == math.ceil(count / size)
    assert [p["id"] for body in bodies for p in body["product"]] == [f"SKU-{n}" for n in range(count)]
    assert all(len(body["product"]) <= min(size, 100) for body in bodies)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal(38), 38), (Decimal("38.000"), 38), (Decimal("2.5"), 2.5), (7, 7), (0.1, 0.1)],
)
def test_json_numbers(value: Any, expected: Any) -> None:
    result = json_number(value)
    assert result == expected and type(result) is type(expected)
