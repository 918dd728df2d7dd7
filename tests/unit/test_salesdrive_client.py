"""The SalesDrive client over respx: paging, overlap, dedupe, budget, throttling, retries, writes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from bridge.read_budget import ReadBudgetExhausted, ReadConsumer, UnlimitedReadBudget
from bridge.retries import RetryPolicy
from bridge.salesdrive.client import SalesDriveClient
from bridge.salesdrive.errors import (
    NotAnOrder,
    SalesDriveAuthError,
    SalesDriveBadRequest,
    SalesDriveNotFound,
    SalesDriveOutcomeUnknown,
    SalesDriveProtocolError,
    SalesDriveRefused,
    SalesDriveServerError,
    SalesDriveThrottled,
    SalesDriveTransportError,
)
from tests.conftest import CountingBudget
from tests.unit.test_salesdrive_models import PAYLOAD_C

BASE = "https://myshop.salesdrive.me"
KEY = "test-key"
WATERMARK = datetime(2025, 10, 5, 12, 0, 0)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False, assert_all_mocked=True) as mock:
        yield mock


@pytest.fixture
def budget() -> CountingBudget:
    return CountingBudget()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def make_client(budget: Any, sleeps: Sleeps, **kwargs: Any) -> SalesDriveClient:
    kwargs.setdefault("account", "myshop")
    return SalesDriveClient(api_key=KEY, budget=budget, sleep=sleeps, jitter=lambda: 0.5, **kwargs)


@pytest.fixture
def client(budget: CountingBudget, sleeps: Sleeps) -> SalesDriveClient:
    return make_client(budget, sleeps)


def order(order_id: int, version: int = 1, **extra: Any) -> dict[str, Any]:
    return {"id": order_id, "version": version, "statusId": 1, "updateAt": "2025-10-05 12:00:00", **extra}


def page(orders: list[dict[str, Any]], current: int, count: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {"status": "success", "data": orders, "meta": {"fields": {}}, "totals": {}}
    if count is not None:
        body["pagination"] = {"currentPage": current, "pageCount": count, "perPage": 100}
    return body


def paged(pages: list[dict[str, Any]]) -> Any:
    def answer(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        return httpx.Response(200, json=pages[number - 1])

    return answer


# --- construction --------------------------------------------------------------------------------


def test_budget_is_a_required_argument() -> None:
    with pytest.raises(TypeError):
        SalesDriveClient(api_key=KEY, account="myshop")  # type: ignore[call-arg]


def test_base_url_from_account_or_explicit() -> None:
    assert SalesDriveClient(api_key=KEY, budget=UnlimitedReadBudget(), account="acme").base_url == (
        "https://acme.salesdrive.me"
    )
    explicit = SalesDriveClient(api_key=KEY, budget=UnlimitedReadBudget(), base_url="http://localhost:8102/")
    assert explicit.base_url == "http://localhost:8102"
    with pytest.raises(ValueError, match="account"):
        SalesDriveClient(api_key=KEY, budget=UnlimitedReadBudget())


# --- order list: paging, overlap, dedupe ---------------------------------------------------------


def test_pages_until_page_count_with_overlap_and_limit(
    router: respx.MockRouter, client: SalesDriveClient, budget: CountingBudget
) -> None:
    pages = [
        page([order(i) for i in range(1, 101)], 1, 3),
        page([order(i) for i in range(101, 201)], 2, 3),
        page([order(201), order(202)], 3, 3),
    ]
    route = router.get("/api/order/list/").mock(side_effect=paged(pages))
    orders = list(client.iter_orders(WATERMARK, overlap=timedelta(minutes=10)))
    assert [o.id for o in orders] == list(range(1, 203))
    assert route.call_count == 3  # stops at pageCount, no empty fourth page
    params = route.calls[0].request.url.params
    assert params["limit"] == "100"
    assert params["filter[updateAt][from]"] == "2025-10-05 11:50:00"
    assert params["filter[statusId]"] == "__NOTDELETED__"
    assert [c.request.url.params["page"] for c in route.calls] == ["1", "2", "3"]
    assert all(c.request.headers["X-Api-Key"] == KEY for c in route.calls)
    assert budget.taken == [ReadConsumer.CATCH_UP] * 3


def test_does_not_stop_after_page_one_when_meta_has_no_total_pages(
    router: respx.MockRouter, client: SalesDriveClient
) -> None:
    # MED read meta.totalPages (absent, default 1) and stopped after one page: pageCount is what counts.
    pages = [page([order(i) for i in range(1, 101)], 1, 2), page([order(101)], 2, 2)]
    pages[0]["meta"] = {"fields": {}, "totalPages": 1}
    router.get("/api/order/list/").mock(side_effect=paged(pages))
    assert len(list(client.iter_orders(WATERMARK))) == 101


def test_without_pagination_stops_on_a_short_page(router: respx.MockRouter, client: SalesDriveClient) -> None:
    pages = [page([order(i) for i in range(1, 101)], 1, None), page([order(101)], 2, None)]
    route = router.get("/api/order/list/").mock(side_effect=paged(pages))
    assert len(list(client.iter_orders(WATERMARK))) == 101
    assert route.call_count == 2


def test_without_pagination_uses_totals_count(router: respx.MockRouter, client: SalesDriveClient) -> None:
    pages = [page([order(i) for i in range(1, 101)], 1, None)]
    pages[0]["totals"] = {"count": "100"}
    route = router.get("/api/order/list/").mock(side_effect=paged(pages))
    assert len(list(client.iter_orders(WATERMARK))) == 100
    assert route.call_count == 1


def test_an_empty_page_ends_the_run_even_if_page_count_says_more(
    router: respx.MockRouter, client: SalesDriveClient
) -> None:
    pages = [page([order(1)], 1, 5), page([], 2, 5)]
    pages[0]["data"] = [order(i) for i in range(1, 101)]
    route = router.get("/api/order/list/").mock(side_effect=paged(pages))
    assert len(list(client.iter_orders(WATERMARK))) == 100
    assert route.call_count == 2


def test_dedupes_id_and_version_within_a_run(router: respx.MockRouter, client: SalesDriveClient) -> None:
    # An order edited during the run moves between pages: the same version is yielded once, a new one again.
    first = [order(i) for i in range(1, 101)]
    pages = [page(first, 1, 2), page([order(100), order(50, version=2), order(7)], 2, 2)]
    router.get("/api/order/list/").mock(side_effect=paged(pages))
    seen = [(o.id, o.version) for o in client.iter_orders(WATERMARK)]
    assert len(seen) == 101
    assert seen[-1] == (50, 2)
    assert len(set(seen)) == len(seen)


def test_status_list_and_window_end(router: respx.MockRouter, client: SalesDriveClient) -> None:
    route = router.get("/api/order/list/").mock(return_value=httpx.Response(200, json=page([], 1, 0)))
    list(client.iter_orders(WATERMARK, WATERMARK + timedelta(hours=1), statuses=[5, 6], overlap=timedelta(0)))
    params = route.calls[0].request.url.params
    assert params.get_list("filter[statusId][]") == ["5", "6"]
    assert params["filter[updateAt][from]"] == "2025-10-05 12:00:00"
    assert params["filter[updateAt][to]"] == "2025-10-05 13:00:00"


def test_aware_datetimes_need_the_account_timezone(
    router: respx.MockRouter, budget: CountingBudget, sleeps: Sleeps
) -> None:
    route = router.get("/api/order/list/").mock(return_value=httpx.Response(200, json=page([], 1, 0)))
    aware = datetime(2025, 10, 5, 9, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="account_tz"):
        list(make_client(budget, sleeps).iter_orders(aware))
    assert route.call_count == 0
    kyiv_summer = timezone(timedelta(hours=3))
    list(make_client(budget, sleeps, account_tz=kyiv_summer).iter_orders(aware, overlap=timedelta(0)))
    assert route.calls[0].request.url.params["filter[updateAt][from]"] == "2025-10-05 12:00:00"


def test_pages_expose_meta_dictionaries(router: respx.MockRouter, client: SalesDriveClient) -> None:
    router.get("/api/order/list/").mock(return_value=httpx.Response(200, text=PAYLOAD_C))
    pages = list(client.iter_order_pages(WATERMARK))
    assert len(pages) == 1
    assert pages[0].meta.option_text("statusId", 5) == "Продаж"
    assert pages[0].orders[0].products[0].name == "Чай зелений 100г"
    assert pages[0].totals["count"] == 1


def test_an_invalid_order_item_raises_or_goes_to_the_callback(
    router: respx.MockRouter, client: SalesDriveClient
) -> None:
    body = page([order(1), {"version": 3}, order(2)], 1, 1)
    router.get("/api/order/list/").mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(NotAnOrder, match=r"data\.id is missing"):
        list(client.iter_orders(WATERMARK))
    rejected: list[str] = []
    orders = list(client.iter_orders(WATERMARK, on_invalid=lambda item, exc: rejected.append(exc.reason)))
    assert [o.id for o in orders] == [1, 2]
    assert rejected == ["data.id is missing: not an order"]


def test_get_order_by_id(router: respx.MockRouter, client: SalesDriveClient, budget: CountingBudget) -> None:
    route = router.get("/api/order/list/").mock(return_value=httpx.Response(200, text=PAYLOAD_C))
    found = client.get_order(10452)
    assert found is not None and found.version == 6
    params = route.calls[0].request.url.params
    assert params["filter[id]"] == "10452"
    assert params["filter[statusId]"] == "__ALL__"
    assert budget.taken == [ReadConsumer.OPERATOR]
    assert client.get_order(999) is None  # the answer holds another order: never a stand-in


# --- the read budget -----------------------------------------------------------------------------


def test_exhausted_budget_propagates_without_a_call(router: respx.MockRouter, sleeps: Sleeps) -> None:
    route = router.get("/api/order/list/").mock(return_value=httpx.Response(200, json=page([], 1, 0)))
    client = make_client(CountingBudget(allow=0), sleeps)
    with pytest.raises(ReadBudgetExhausted) as caught:
        list(client.iter_orders(WATERMARK))
    assert caught.value.consumer is ReadConsumer.CATCH_UP
    assert route.call_count == 0


def test_budget_runs_out_between_pages(router: respx.MockRouter, sleeps: Sleeps) -> None:
    pages = [page([order(i) for i in range(1, 101)], 1, 3), page([order(101)], 2, 3)]
    route = router.get("/api/order/list/").mock(side_effect=paged(pages))
    client = make_client(CountingBudget(allow=1), sleeps)
    read: list[int] = []
    with pytest.raises(ReadBudgetExhausted):
        read.extend(o.id for o in client.iter_orders(WATERMARK))
    assert len(read) == 100  # the first page was delivered before the budget stopped the run
    assert route.call_count == 1


def test_every_request_of_a_retried_list_call_takes_a_token(
    router: respx.MockRouter, client: SalesDriveClient, budget: CountingBudget
) -> None:
    route = router.get("/api/payment/list/").mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(200, json={"data": [], "pagination": {"pageCount": 0}}),
        ]
    )
    assert list(client.iter_payments(WATERMARK)) == []
    assert route.call_count == 2
    assert budget.taken == [ReadConsumer.PAYMENTS, ReadConsumer.PAYMENTS]


def test_writes_and_dictionaries_take_no_token(
    router: respx.MockRouter, client: SalesDriveClient, budget: CountingBudget
) -> None:
    router.get("/api/statuses/").mock(return_value=httpx.Response(200, json={"success": True, "data": []}))
    router.post("/api/order/update/").mock(return_value=httpx.Response(200, json={"success": True}))
    client.statuses()
    client.update_order(1, status_id=5)
    assert budget.taken == []


# --- throttling ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(429, headers={"Retry-After": "30"}, json={"message": "Too many requests"}),
        httpx.Response(400, json={"status": "error", "message": "Перевищено ліміт запитів: 10 на хвилину"}),
        httpx.Response(400, json={"message": "Request limit exceeded"}),
        httpx.Response(400, text="Превышен лимит запросов"),
        httpx.Response(200, json={"status": "error", "message": "limit 100 per hour reached"}),
    ],
    ids=["429", "400-uk", "400-en", "400-ru-text", "200-error-body"],
)
def test_throttling_in_every_shape_raises_without_hammering(
    router: respx.MockRouter, client: SalesDriveClient, sleeps: Sleeps, response: httpx.Response
) -> None:
    route = router.get("/api/order/list/").mock(return_value=response)
    with pytest.raises(SalesDriveThrottled) as caught:
        list(client.iter_orders(WATERMARK))
    assert route.call_count == 1
    assert sleeps == []
    assert caught.value.retryable
    assert caught.value.retry_after == (30.0 if response.status_code == 429 else None)


def test_a_400_without_limit_is_a_bad_request(router: respx.MockRouter, client: SalesDriveClient) -> None:
    router.get("/api/order/list/").mock(return_value=httpx.Response(400, json={"message": "bad filter"}))
    with pytest.raises(SalesDriveBadRequest, match="bad filter"):
        list(client.iter_orders(WATERMARK))


def test_one_retry_after_a_short_retry_after_when_configured(
    router: respx.MockRouter, budget: CountingBudget, sleeps: Sleeps
) -> None:
    route = router.get("/api/order/list/").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "20"}),
            httpx.Response(200, json=page([], 1, 0)),
        ]
    )
    client = make_client(budget, sleeps, throttle_retry_max_wait=60)
    assert list(client.iter_orders(WATERMARK)) == []
    assert sleeps == [20.0]
    assert route.call_count == 2
    assert len(budget.taken) == 2


def test_never_retries_a_throttle_twice(
    router: respx.MockRouter, budget: CountingBudget, sleeps: Sleeps
) -> None:
    route = router.get("/api/order/list/").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "5"})
    )
    client = make_client(budget, sleeps, throttle_retry_max_wait=60)
    with pytest.raises(SalesDriveThrottled):
        list(client.iter_orders(WATERMARK))
    assert route.call_count == 2
    assert sleeps == [5.0]


def test_retry_after_zero_is_not_retried_by_default(
    router: respx.MockRouter, client: SalesDriveClient, sleeps: Sleeps
) -> None:
    throttle = httpx.Response(429, headers={"Retry-After": "0"})
    route = router.get("/api/order/list/").mock(return_value=throttle)
    with pytest.raises(SalesDriveThrottled) as caught:
        list(client.iter_orders(WATERMARK))
    assert caught.value.retry_after == 0.0
    assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize("header", [None, "120"], ids=["no-retry-after", "too-long"])
def test_no_retry_when_the_wait_is_unknown_or_too_long(
    router: respx.MockRouter, budget: CountingBudget, sleeps: Sleeps, header: str | None
) -> None:
    headers = {"Retry-After": header} if header else {}
    route = router.get("/api/order/list/").mock(return_value=httpx.Response(429, headers=headers))
    client = make_client(budget, sleeps, throttle_retry_max_wait=60)
    with pytest.raises(SalesDriveThrottled):
        list(client.iter_orders(WATERMARK))
    assert route.call_count == 1
    assert sleeps == []


def test_retry_after_as_an_http_date(
    router: respx.MockRouter, budget: CountingBudget, sleeps: Sleeps
) -> None:
    now = datetime(2025, 10, 5, 12, 0, 0, tzinfo=UTC).timestamp()
    router.get("/api/order/list/").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "Sun, 05 Oct 2025 12:00:45 GMT"})
    )
    client = make_client(budget, sleeps, wall_clock=lambda: now)
    with pytest.raises(SalesDriveThrottled) as caught:
        list(client.iter_orders(WATERMARK))
    assert caught.value.retry_after == 45.0


# --- transient failures --------------------------------------------------------------------------


def test_5xx_is_retried_with_growing_bounded_delays(
    router: respx.MockRouter, client: SalesDriveClient, sleeps: Sleeps
) -> None:
    route = router.get("/api/statuses/").mock(
        side_effect=[
            httpx.Response(502),
            httpx.Response(503),
            httpx.Response(500),
            httpx.Response(200, json={"success": True, "data": [{"id": 1, "name": "Новий", "type": 1}]}),
        ]
    )
    assert [s.name for s in client.statuses()] == ["Новий"]
    assert route.call_count == 4
    assert sleeps == [0.75, 1.5, 3.0]  # jitter 0.5: 3/4 of 1, 2, 4 seconds


def test_5xx_gives_up_after_max_attempts(
    router: respx.MockRouter, budget: CountingBudget, sleeps: Sleeps
) -> None:
    route = router.get("/api/order/list/").mock(return_value=httpx.Response(503, text="Service Unavailable"))
    client = make_client(budget, sleeps, retry=RetryPolicy(max_attempts=3, base_delay=2, max_delay=3))
    with pytest.raises(SalesDriveServerError) as caught:
        list(client.iter_orders(WATERMARK))
    assert route.call_count == 3
    assert sleeps == [1.5, 2.25]  # capped at max_delay
    assert caught.value.status_code == 503


@pytest.mark.parametrize(
    "error", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.ReadError("reset")]
)
def test_transport_errors_are_retried_for_idempotent_calls(
    router: respx.MockRouter, client: SalesDriveClient, error: Exception
) -> None:
    route = router.post("/api/order/update/").mock(
        side_effect=[error, httpx.Response(200, json={"success": True})]
    )
    client.update_order(10452, status_id=5)
    assert route.call_count == 2


def test_persistent_transport_error_is_typed(router: respx.MockRouter, client: SalesDriveClient) -> None:
    route = router.get("/api/statuses/").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(SalesDriveTransportError, match="ConnectError"):
        client.statuses()
    assert route.call_count == 4


@given(st.integers(min_value=0, max_value=30), st.floats(min_value=0, max_value=1))
def test_backoff_is_bounded_and_never_zero(retry_number: int, jitter: float) -> None:
    policy = RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=10)
    delay = policy.delay(retry_number, jitter)
    cap = min(10, 0.5 * 2**retry_number)
    assert cap / 2 <= delay <= cap <= 10


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 400, 401, 403])
def test_invalid_api_key_on_any_status(
    router: respx.MockRouter, client: SalesDriveClient, status: int
) -> None:
    route = router.get("/api/order/list/").mock(
        return_value=httpx.Response(status, json={"message": "api key is invalid"})
    )
    with pytest.raises(SalesDriveAuthError, match="api key is invalid"):
        list(client.iter_orders(WATERMARK))
    assert route.call_count == 1


def test_not_found_and_non_json(router: respx.MockRouter, client: SalesDriveClient) -> None:
    router.get("/api/payment-methods/").mock(return_value=httpx.Response(404, text="<html>Not found</html>"))
    router.get("/api/delivery-methods/").mock(return_value=httpx.Response(200, text="<html>oops</html>"))
    with pytest.raises(SalesDriveNotFound):
        client.payment_methods()
    with pytest.raises(SalesDriveProtocolError, match="not JSON"):
        client.delivery_methods()


def test_error_bodies_are_truncated(router: respx.MockRouter, client: SalesDriveClient) -> None:
    router.get("/api/statuses/").mock(return_value=httpx.Response(400, text="x" * 10_000))
    with pytest.raises(SalesDriveBadRequest) as caught:
        client.statuses()
    assert caught.value.body is not None and len(caught.value.body) == 2000
    assert len(caught.value.message) <= 500


# --- writes --------------------------------------------------------------------------------------


def test_update_order_sends_only_what_changes(router: respx.MockRouter, client: SalesDriveClient) -> None:
    route = router.post("/api/order/update/").mock(return_value=httpx.Response(200, json={"success": True}))
    client.update_order(10452, status_id=5, comment="Оплачено", custom_fields={"dilovod": "id_23"})
    sent = json.loads(route.calls[0].request.content)
    assert sent == {"id": 10452, "data": {"dilovod": "id_23", "statusId": 5, "comment": "Оплачено"}}
    assert "form" not in sent
    assert route.calls[0].request.headers["X-Api-Key"] == KEY
    with pytest.raises(ValueError, match="at least one"):
        client.update_order(10452)


@pytest.mark.parametrize(
    "body",
    [
        {"success": False, "message": "Order not found"},
        {"status": "error", "message": "Order not found"},
        {"message": "Order not found"},
    ],
)
def test_update_failure_bodies_raise(router: respx.MockRouter, client: SalesDriveClient, body: Any) -> None:
    router.post("/api/order/update/").mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(SalesDriveRefused, match="Order not found"):
        client.update_order(1, status_id=5)


def test_legacy_form_key_goes_into_write_bodies(
    router: respx.MockRouter, budget: CountingBudget, sleeps: Sleeps
) -> None:
    update = router.post("/api/order/update/").mock(return_value=httpx.Response(200, json={"success": True}))
    create = router.post("/handler/").mock(
        return_value=httpx.Response(200, json={"success": True, "data": {"orderId": 1, "userId": 2}})
    )
    client = make_client(budget, sleeps, form_key="order-base-key")
    client.update_order(1, status_id=5)
    client.create_order({"fName": "Олена"})
    assert json.loads(update.calls[0].request.content)["form"] == "order-base-key"
    assert json.loads(create.calls[0].request.content)["form"] == "order-base-key"


def test_create_order_returns_the_new_id(router: respx.MockRouter, client: SalesDriveClient) -> None:
    route = router.post("/handler/").mock(
        return_value=httpx.Response(200, json={"success": True, "data": {"orderId": "42952", "userId": 2}})
    )
    created = client.create_order({"externalId": "WEB-1", "products": [{"id": "SKU-1", "amount": 1}]})
    assert (created.order_id, created.user_id) == (42952, 2)
    sent = json.loads(route.calls[0].request.content)
    assert sent["getResultData"] == 1 and sent["externalId"] == "WEB-1"


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("eof"), httpx.Response(500), httpx.Response(504)],
    ids=["read-timeout", "protocol", "500", "504"],
)
def test_create_is_not_blindly_retried(
    router: respx.MockRouter, client: SalesDriveClient, failure: Any
) -> None:
    route = router.post("/handler/").mock(side_effect=[failure])
    with pytest.raises(SalesDriveOutcomeUnknown, match="may or may not exist"):
        client.create_order({"externalId": "WEB-1"})
    assert route.call_count == 1


def test_create_is_retried_when_the_request_never_left(
    router: respx.MockRouter, client: SalesDriveClient
) -> None:
    route = router.post("/handler/").mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.Response(200, json={"success": True, "data": {"orderId": 7}}),
        ]
    )
    assert client.create_order({"externalId": "WEB-1"}).order_id == 7
    assert route.call_count == 2


def test_create_errors(router: respx.MockRouter, client: SalesDriveClient) -> None:
    router.post("/handler/").mock(
        side_effect=[httpx.Response(200, json={"error": "products required"}), httpx.Response(200, text="")]
    )
    with pytest.raises(SalesDriveRefused, match="products required"):
        client.create_order({})
    with pytest.raises(SalesDriveProtocolError, match="orderId"):
        client.create_order({})


# --- dictionaries and payments -------------------------------------------------------------------


def test_dictionaries_are_cached(router: respx.MockRouter, client: SalesDriveClient) -> None:
    statuses = router.get("/api/statuses/").mock(
        return_value=httpx.Response(
            200,
            json={
                "success": True,
                "data": [{"id": 5, "name": "Продаж", "type": 2}, {"id": "6", "name": "Відмова", "type": "3"}],
            },
        )
    )
    methods = router.get("/api/payment-methods/").mock(
        return_value=httpx.Response(
            200, json={"success": True, "data": [{"id": 4, "name": "Накладений платіж", "parameter": "cod"}]}
        )
    )
    router.get("/api/delivery-methods/").mock(
        return_value=httpx.Response(
            200, json={"success": True, "data": [{"id": 2, "name": "Нова Пошта", "parameter": "novaposhta"}]}
        )
    )
    assert [(s.id, s.type) for s in client.statuses()] == [(5, 2), (6, 3)]
    client.statuses()
    assert statuses.call_count == 1
    client.statuses(refresh=True)
    assert statuses.call_count == 2
    assert client.payment_methods()[0].parameter == "cod"
    client.payment_methods()
    assert methods.call_count == 1
    assert client.delivery_methods()[0].name == "Нова Пошта"


def test_payments_page_with_type_and_updated_at(
    router: respx.MockRouter, client: SalesDriveClient, budget: CountingBudget
) -> None:
    def payment(pid: int, updated: str = "2025-10-05 12:00:00") -> dict[str, Any]:
        return {
            "id": pid,
            "sum": "10.50",
            "type": "incoming",
            "updatedAt": updated,
            "paymentBreakdown": [{"sum": "10.50", "order": {"id": pid + 1000, "formId": 1}}],
        }

    pages = [
        {"status": "success", "data": [payment(i) for i in range(1, 101)], "pagination": {"pageCount": 2}},
        {
            "status": "success",
            "data": [payment(100), payment(100, "2025-10-05 12:30:00")],
            "pagination": {"pageCount": 2},
        },
    ]
    route = router.get("/api/payment/list/").mock(side_effect=paged(pages))
    payments = list(client.iter_payments(WATERMARK, overlap=timedelta(minutes=1)))
    assert len(payments) == 101  # (id, updatedAt) deduped; a re-allocated payment comes again
    assert payments[0].payment_breakdown[0].order_id == 1001
    params = route.calls[0].request.url.params
    assert params["type"] == "incoming"
    assert params["limit"] == "100"
    assert params["filter[updatedAt][from]"] == "2025-10-05 11:59:00"
    assert budget.taken == [ReadConsumer.PAYMENTS] * 2


def test_the_package_exports_nothing_its_modules_are_imported_directly() -> None:
    import bridge.salesdrive as salesdrive

    assert not hasattr(salesdrive, "SalesDriveClient")
    assert not hasattr(salesdrive, "__getattr__")
    assert SalesDriveClient.__module__.startswith("bridge.salesdrive.")
