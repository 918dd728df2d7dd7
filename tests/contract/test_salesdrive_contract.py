"""The production SalesDrive client against the SalesDrive emulator, in process (WSGI), no sockets.

The emulator was written from SalesDrive's API description independently of the client: where both agree,
neither has misread it alone. Every test runs against both throttle shapes seen in the wild.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bridge.read_budget import ReadBudgetExhausted, ReadConsumer
from bridge.salesdrive.client import SalesDriveClient
from bridge.salesdrive.envelope import peek_envelope
from bridge.salesdrive.errors import (
    SalesDriveAuthError,
    SalesDriveBadRequest,
    SalesDriveRefused,
    SalesDriveThrottled,
)
from bridge.salesdrive.meta import StatusType
from bridge.salesdrive.models import OrderWebhook
from bridge.salesdrive.products import Category, ProductUpdate, PushMode
from sandbox.salesdrive.app import SalesDriveEmulatorConfig, create_app
from sandbox.salesdrive.clock import ManualClock
from sandbox.salesdrive.testing import RecordingTransport
from tests.conftest import CountingBudget

API_KEY = "sandbox-api-key"
FORM_KEY = "sandbox-form-key"
YML_KEY = "sandbox-yml-key"
BASE_URL = "http://sparesshop.salesdrive.test"
START = datetime(2025, 10, 5, 9, 0, 0)


RETRY_AT = START + timedelta(minutes=1)  # when an exhausted read budget lets reads through again


class Sandbox:
    def __init__(self, shape: str) -> None:
        self.clock = ManualClock(START)
        self.hooks = RecordingTransport()
        self.emu = create_app(
            SalesDriveEmulatorConfig(throttle_shape=shape, limit_window="sliding"),  # type: ignore[arg-type]
            clock=self.clock,
            webhook_transport=self.hooks,
        )
        self.budget = CountingBudget(retry_at=RETRY_AT)
        self.sleeps: list[float] = []
        self.client = self.make_client()

    def sleep(self, seconds: float) -> None:
        # The emulator's limits run on its own clock: waiting means moving it.
        self.sleeps.append(seconds)
        self.clock.advance(seconds)

    def make_client(self, api_key: str = API_KEY, **kwargs: Any) -> SalesDriveClient:
        http = httpx.Client(transport=httpx.WSGITransport(app=self.emu), base_url=BASE_URL)
        return SalesDriveClient(
            api_key=api_key,
            budget=kwargs.pop("budget", self.budget),
            http=http,
            sleep=self.sleep,
            jitter=lambda: 0.5,
            **kwargs,
        )

    def requests(self, path: str) -> dict[str, int]:
        return dict(self.emu.counters["requests"].get(path, {}))

    def list_calls(self) -> int:
        return sum(self.requests("/api/order/list/").values())

    def new_order(self, n: int, **extra: Any) -> int:
        body = {
            "fName": f"Клієнт{n}",
            "lName": "Тестовий",
            "phone": f"+38067{n:07d}",
            "email": f"c{n}@example.com",
            "externalId": f"WEB-{n}",
            "products": [
                {"id": "SKU-CT-1", "name": "Фільтр", "costPerItem": "150.50", "amount": 2, "sku": "SKU-CT-1"}
            ],
            "comment": "contract",
            **extra,
        }
        return self.client.create_order(body).order_id


@pytest.fixture(params=["429", "400"], ids=["throttle-429", "throttle-400"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    box = Sandbox(request.param)
    yield box
    box.client.close()
    box.emu.close()


# --- orders --------------------------------------------------------------------------------------


def test_create_then_read_back_by_id(sandbox: Sandbox) -> None:
    order_id = sandbox.new_order(1, utmSource="google")
    order = sandbox.client.get_order(order_id)
    assert order is not None
    assert order.id == order_id
    assert order.external_id == "WEB-1"
    assert order.version is not None and order.update_at == START
    assert order.utm.source == "google"
    line = order.products[0]
    assert line.parameter == "SKU-CT-1"
    assert line.amount == Decimal(2) and line.price == Decimal("150.50")
    assert line.name  # `text` in the list form
    customer = order.customer
    assert customer is not None and customer.phone and all(isinstance(p, str) for p in customer.phone)
    assert sandbox.client.get_order(987654) is None


def test_paging_reads_every_order_in_the_minimum_of_list_calls(sandbox: Sandbox) -> None:
    sandbox.clock.advance(3600)
    created = {sandbox.new_order(n) for n in range(1, 251)}
    sandbox.clock.advance(60)
    before = sandbox.list_calls()
    orders = list(sandbox.client.iter_orders(START + timedelta(hours=1), overlap=timedelta(0)))
    assert {o.id for o in orders} == created  # the seeded older orders are outside the window
    assert len(orders) == 250
    assert sandbox.list_calls() - before == math.ceil(250 / 100) == 3
    assert sandbox.budget.taken == [ReadConsumer.CATCH_UP] * 3


def test_overlap_window_and_status_filter(sandbox: Sandbox) -> None:
    first = sandbox.new_order(1)
    sandbox.clock.advance(120)
    second = sandbox.new_order(2)
    watermark = START + timedelta(seconds=100)
    without_overlap = {o.id for o in sandbox.client.iter_orders(watermark, overlap=timedelta(0))}
    with_overlap = {o.id for o in sandbox.client.iter_orders(watermark, overlap=timedelta(minutes=5))}
    assert second in without_overlap and first not in without_overlap
    assert {first, second} <= with_overlap
    sandbox.clock.advance(10)
    sandbox.client.update_order(first, status_id=6)
    refused = {o.id for o in sandbox.client.iter_orders(START, statuses=[6], overlap=timedelta(0))}
    assert first in refused and second not in refused


def test_status_update_bumps_version_and_update_at(sandbox: Sandbox) -> None:
    order_id = sandbox.new_order(1)
    before = sandbox.client.get_order(order_id)
    assert before is not None and before.version is not None
    sandbox.clock.advance(300)
    sandbox.client.update_order(order_id, status_id=5, comment="Оплачено", custom_fields={})
    after = sandbox.client.get_order(order_id)
    assert after is not None and after.version is not None
    assert after.status_id == 5
    assert after.comment == "Оплачено"
    assert after.version > before.version
    assert after.update_at == START + timedelta(seconds=300)
    changed = list(sandbox.client.iter_orders(START + timedelta(seconds=200), overlap=timedelta(0)))
    assert [o.id for o in changed] == [order_id]


def test_update_of_an_unknown_order_is_an_error(sandbox: Sandbox) -> None:
    with pytest.raises((SalesDriveBadRequest, SalesDriveRefused)):
        sandbox.client.update_order(987654, status_id=5)


def test_legacy_form_key_authorises_writes(sandbox: Sandbox) -> None:
    order_id = sandbox.new_order(1)
    legacy = sandbox.make_client(api_key="not-the-key", form_key=FORM_KEY)
    legacy.update_order(order_id, status_id=2)
    assert sandbox.emu.order(order_id)["statusId"] == 2


def test_webhooks_parse_with_the_models_and_the_peek(sandbox: Sandbox) -> None:
    sandbox.emu.subscribe("https://bridge.example/webhook")
    order_id = sandbox.new_order(1)
    sandbox.clock.advance(60)
    sandbox.client.update_order(order_id, status_id=5)
    sandbox.clock.advance(3600)
    sandbox.emu.deliver_due_webhooks()
    bodies = sandbox.hooks.bodies
    assert [b["info"]["webhookEvent"] for b in bodies] == ["new_order", "status_change"]
    for body in bodies:
        hook = OrderWebhook.parse(body)
        peek = peek_envelope(body)
        assert hook.data.id == peek.order_id == order_id
        assert hook.data.version == peek.version
        assert hook.info.account == peek.account == "sparesshop"
        assert hook.data.products[0].parameter == "SKU-CT-1"
        assert all(isinstance(p, str) for c in hook.data.contacts for p in c.phone)
    assert OrderWebhook.parse(bodies[1]).meta.selected_text("statusId") == "Продаж"


# --- read budget and throttling ------------------------------------------------------------------


def test_exhausted_budget_sends_nothing(sandbox: Sandbox) -> None:
    client = sandbox.make_client(budget=CountingBudget(allow=0, retry_at=RETRY_AT))
    with pytest.raises(ReadBudgetExhausted):
        list(client.iter_orders(START))
    assert sandbox.list_calls() == 0


def test_throttled_in_both_shapes_without_hammering(sandbox: Sandbox) -> None:
    for _ in range(10):
        sandbox.client.get_order(1)
    with pytest.raises(SalesDriveThrottled) as caught:
        sandbox.client.get_order(1)
    assert sandbox.list_calls() == 11  # the throttled call was made once, never looped
    assert sandbox.emu.counters["throttled"] == {"/api/order/list/": 1}
    assert sandbox.sleeps == []
    if sandbox.emu.config.throttle_shape == "429":
        assert caught.value.status_code == 429
        assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 60
    else:
        assert caught.value.status_code == 400
        assert caught.value.retry_after is None


def test_payments_list_shares_the_limit(sandbox: Sandbox) -> None:
    for _ in range(10):
        sandbox.client.get_order(1)
    with pytest.raises(SalesDriveThrottled):
        list(sandbox.client.iter_payments(START))


def test_one_retry_after_retry_after_when_allowed(sandbox: Sandbox) -> None:
    client = sandbox.make_client(throttle_retry_max_wait=60)
    order_id = sandbox.new_order(1)  # writes are not list calls: the limit is untouched
    for _ in range(10):
        client.get_order(1)
    if sandbox.emu.config.throttle_shape == "429":
        found = client.get_order(order_id)  # answered after one wait for Retry-After
        assert found is not None and found.id == order_id
        assert len(sandbox.sleeps) == 1 and 0 < sandbox.sleeps[0] <= 60
        assert sandbox.list_calls() == 12
    else:
        # A 400 carries no Retry-After: the client does not guess a wait, it reports the throttle.
        with pytest.raises(SalesDriveThrottled):
            client.get_order(1)
        assert sandbox.sleeps == []
        assert sandbox.list_calls() == 11


# --- errors --------------------------------------------------------------------------------------


def test_wrong_api_key(sandbox: Sandbox) -> None:
    client = sandbox.make_client(api_key="wrong")
    with pytest.raises(SalesDriveAuthError, match="api key is invalid"):
        list(client.iter_orders(START))
    with pytest.raises(SalesDriveAuthError):
        client.update_order(1, status_id=5)
    with pytest.raises(SalesDriveAuthError):
        client.statuses()
    results = client.push_products([ProductUpdate(id="X", stock_total=1)] * 150, PushMode.STOCK_ONLY)
    assert [(r.ok, r.attempted) for r in results] == [(False, True), (False, False)]
    assert isinstance(results[0].error, SalesDriveAuthError)


# --- dictionaries --------------------------------------------------------------------------------


def test_statuses_and_methods(sandbox: Sandbox) -> None:
    statuses = {s.id: s for s in sandbox.client.statuses()}
    assert statuses[1].name == "Новий"
    assert statuses[5].type == StatusType.SALE
    assert statuses[8].type == StatusType.DELETED
    assert [s.id for s in sandbox.client.statuses()] == list(statuses)
    assert sum(sandbox.requests("/api/statuses/").values()) == 1  # cached
    assert sandbox.client.payment_methods()
    assert sandbox.client.delivery_methods()
    assert all(m.id and m.name for m in sandbox.client.delivery_methods())


# --- catalog -------------------------------------------------------------------------------------


def catalog(count: int) -> list[ProductUpdate]:
    return [
        ProductUpdate(
            id=f"P-{n}",
            name=f"Деталь {n}",
            sku=f"ART-{n}",
            price=Decimal("100.25"),
            currency="UAH",
            stock_by_warehouse={"1": 10, "2": 3},
            category_id=77,
            category_name="Запчастини",
        )
        for n in range(count)
    ]


def test_pushes_in_each_mode_touch_only_their_fields(sandbox: Sandbox) -> None:
    products = catalog(1234)
    full = sandbox.client.push_products(products, PushMode.FULL)
    assert len(full) == 13 and all(r.ok for r in full)
    stats = sandbox.emu.counters["product_handler"]
    assert stats["calls"] == 13 and stats["products"] == 1234 and max(stats["per_call"]) == 100
    stored = sandbox.emu.product("P-7")
    assert stored["name"] == "Деталь 7" and Decimal(stored["costPerItem"]) == Decimal("100.25")

    stock = [
        ProductUpdate(id=p.id, name="MUST NOT LAND", price=Decimal(1), stock_by_warehouse={"1": 4})
        for p in products
    ]
    assert all(r.ok for r in sandbox.client.push_products(stock, PushMode.STOCK_ONLY))
    stored = sandbox.emu.product("P-7")
    assert stored["name"] == "Деталь 7" and Decimal(stored["costPerItem"]) == Decimal("100.25")
    assert Decimal(stored["stockBalanceByStock"]["1"]) == 4
    assert Decimal(stored["stockBalanceByStock"]["2"]) == 3

    prices = [
        ProductUpdate(id=p.id, name="MUST NOT LAND", price=Decimal("120"), stock_by_warehouse={"1": 0})
        for p in products
    ]
    assert all(r.ok for r in sandbox.client.push_products(prices, PushMode.PRICE_ONLY))
    stored = sandbox.emu.product("P-7")
    assert stored["name"] == "Деталь 7" and Decimal(stored["costPerItem"]) == Decimal(120)
    assert Decimal(stored["stockBalanceByStock"]["1"]) == 4
    assert sandbox.emu.counters["product_handler"]["calls"] == 39


def test_yml_feed_lists_what_was_pushed_and_deletes_remove(sandbox: Sandbox) -> None:
    sandbox.client.push_products(catalog(3), PushMode.FULL)
    offers = {o.id: o for o in sandbox.client.yml_products(YML_KEY)}
    assert {"P-0", "P-1", "P-2"} <= set(offers)
    assert offers["P-1"].sku == "ART-1"
    assert offers["P-1"].price == Decimal("100.25")
    assert sandbox.budget.taken == []  # the feed is not a list endpoint
    assert all(r.ok for r in sandbox.client.delete_products(["P-1"]))
    assert "P-1" not in {o.id for o in sandbox.client.yml_products(YML_KEY)}
    with pytest.raises(SalesDriveAuthError):
        list(sandbox.client.yml_products("wrong-key"))


def test_categories(sandbox: Sandbox) -> None:
    results = sandbox.client.push_categories([Category(500, "Фільтри"), Category(501, "HEPA", parent_id=500)])
    assert [r.ok for r in results] == [True]
    assert results[0].message and "successfully" in results[0].message


# --- payments ------------------------------------------------------------------------------------


def test_payments_with_breakdown(sandbox: Sandbox) -> None:
    a, b = sandbox.new_order(1), sandbox.new_order(2)
    sandbox.clock.advance(60)
    sandbox.emu.add_payment("301.00", [(a, "200.00"), (b, "101.00")], description="split")
    sandbox.emu.add_payment("50", [(a, "50")], type="outcoming")
    payments = list(sandbox.client.iter_payments(START + timedelta(seconds=30), overlap=timedelta(0)))
    assert len(payments) == 1
    payment = payments[0]
    assert payment.type == "incoming"
    assert payment.sum == Decimal("301.00")
    assert [(p.order_id, p.sum) for p in payment.payment_breakdown] == [(a, Decimal(200)), (b, Decimal(101))]
    assert sandbox.budget.taken == [ReadConsumer.PAYMENTS]
