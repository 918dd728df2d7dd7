"""The production SalesDrive client: one ``httpx.Client``, typed errors, a read budget, careful retries.

Behaviour that matters to callers:
- Every list call (``/api/order/list/``, ``/api/payment/list/``) takes one token from the injected
  ``ReadBudget`` before each HTTP request, retries included; ``ReadBudgetExhausted`` propagates with no
  request made. The budget is a required argument so that production code cannot forget it.
- Throttling is recognised in both shapes seen in the wild: 429 (``Retry-After`` honoured when present)
  and a 400 (or a failure body) whose message mentions the limit. It raises ``SalesDriveThrottled``; the
  client retries a throttled call at most once, and only when ``throttle_retry_max_wait`` allows the wait
  SalesDrive asked for (default: never).
- Transient failures (connection errors, timeouts, 5xx) are retried with exponential backoff and jitter,
  a bounded number of times, for idempotent calls only. Order creation (``/handler/``) is retried only when
  the request provably never left (connect errors); otherwise it raises ``SalesDriveOutcomeUnknown``.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from itertools import islice
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bridge.read_budget import ReadBudget, ReadConsumer
from bridge.salesdrive._coerce import format_datetime, to_int
from bridge.salesdrive.errors import (
    NotAnOrder,
    SalesDriveAuthError,
    SalesDriveBadRequest,
    SalesDriveError,
    SalesDriveNotFound,
    SalesDriveOutcomeUnknown,
    SalesDriveProtocolError,
    SalesDriveRefused,
    SalesDriveServerError,
    SalesDriveThrottled,
    SalesDriveTransportError,
)
from bridge.salesdrive.models import (
    CreatedOrder,
    NamedRef,
    Order,
    OrderMeta,
    Pagination,
    Payment,
    Status,
    describe_validation_error,
    parse_meta,
    parse_order,
)
from bridge.salesdrive.products import (
    MAX_BATCH,
    BatchResult,
    Category,
    ProductUpdate,
    PushMode,
    product_handler_body,
)
from bridge.salesdrive.yml import YmlOffer, iter_yml_offers

ORDER_LIST = "/api/order/list/"
ORDER_UPDATE = "/api/order/update/"
ORDER_CREATE = "/handler/"
PAYMENT_LIST = "/api/payment/list/"
STATUSES = "/api/statuses/"
PAYMENT_METHODS = "/api/payment-methods/"
DELIVERY_METHODS = "/api/delivery-methods/"
PRODUCT_HANDLER = "/product-handler/"
CATEGORY_HANDLER = "/category-handler/"
YML_EXPORT = "/export/yml/export.yml"

PAGE_SIZE = 100  # the documented maximum of list endpoints
NOT_DELETED = "__NOTDELETED__"
ALL_STATUSES = "__ALL__"
# Endpoints whose older documentation requires the order-base key ``form`` in the body.
_FORM_KEY_ENDPOINTS = frozenset({ORDER_CREATE, PRODUCT_HANDLER, CATEGORY_HANDLER, ORDER_UPDATE})

# "limit" in any of the three languages SalesDrive answers in. Our own requests never send a bad
# ``limit`` parameter, so a 400 mentioning a limit is the rate limit.
_LIMIT_RE = re.compile(r"limit|ліміт|лимит", re.IGNORECASE)
_AUTH_RE = re.compile(r"api[\s_-]*key|form[\s_-]*key|unauthori[sz]ed|forbidden", re.IGNORECASE)
_CONNECT_PHASE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter for transient failures of idempotent calls."""

    max_attempts: int = 4  # in total, the first try included
    base_delay: float = 1.0
    max_delay: float = 20.0

    def delay(self, retry_number: int, jitter: float) -> float:
        """Seconds before retry ``retry_number`` (0-based): in [cap/2, cap], cap doubling up to max."""
        cap = min(self.max_delay, self.base_delay * (2**retry_number))
        return cap / 2 + cap / 2 * jitter


@dataclass(frozen=True, slots=True)
class OrderPage:
    page: int
    page_count: int | None
    orders: list[Order]
    meta: OrderMeta
    totals: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Call:
    method: str
    path: str
    params: list[tuple[str, str]] | None = None
    body: dict[str, Any] | None = None
    consumer: ReadConsumer | None = None  # set for list endpoints: a budget token per request
    idempotent: bool = True


M = TypeVar("M", bound=BaseModel)


def _readable(model: type[M], items: list[Any]) -> list[M]:
    readable = []
    for item in items:
        try:
            readable.append(model.model_validate(item))
        except ValidationError:
            continue
    return readable


def _batches(items: Iterable[T], size: int) -> Iterator[tuple[T, ...]]:
    iterator = iter(items)
    while batch := tuple(islice(iterator, size)):
        yield batch


def _message_of(body: Any, text: str) -> str:
    if isinstance(body, Mapping):
        parts = []
        for key in ("message", "error", "errorMessage", "errors"):
            value = body.get(key)
            if isinstance(value, Mapping):
                value = value.get("message") or json.dumps(value, ensure_ascii=False)
            elif isinstance(value, list):
                value = "; ".join(str(v) for v in value)
            if value not in (None, "", True, False):
                parts.append(str(value))
        if parts:
            return "; ".join(dict.fromkeys(parts))
    return text.strip()[:500]


def _says_failure(body: Any) -> bool:
    """A 2xx body that reports a failure; SalesDrive uses several spellings of it."""
    if not isinstance(body, Mapping):
        return False
    if body.get("success") is False or body.get("status") == "error":
        return True
    if body.get("success") is True or body.get("status") == "success":
        return False
    return bool(body.get("error")) or set(body) == {"message"}


class SalesDriveClient:
    """Talks to one SalesDrive account. Construct it from explicit settings; it reads no environment."""

    def __init__(
        self,
        *,
        api_key: str,
        budget: ReadBudget,
        account: str | None = None,
        base_url: str | None = None,
        form_key: str | None = None,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        throttle_retry_max_wait: float = 0.0,
        account_tz: tzinfo | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if not api_key:
            raise ValueError("api_key is required")
        if base_url is None and account:
            base_url = f"https://{account}.salesdrive.me"
        if base_url is None and http is not None and str(http.base_url):
            base_url = str(http.base_url)
        if not base_url:
            raise ValueError("give the account (subdomain) or the base URL")
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._form_key = form_key
        self._budget = budget
        self._owns_http = http is None
        # SalesDrive sometimes takes ~20 s to answer writes (ELF): the read timeout is generous.
        self._http = http if http is not None else httpx.Client(timeout=timeout)
        self._retry = retry or RetryPolicy()
        self._throttle_retry_max_wait = throttle_retry_max_wait
        self._account_tz = account_tz
        self._sleep = sleep
        self._jitter = jitter
        self._wall_clock = wall_clock
        self._statuses: list[Status] | None = None
        self._payment_methods: list[NamedRef] | None = None
        self._delivery_methods: list[NamedRef] | None = None

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> SalesDriveClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- orders ------------------------------------------------------------------------------------

    def iter_order_pages(
        self,
        updated_from: datetime,
        updated_to: datetime | None = None,
        *,
        statuses: str | Sequence[int] = NOT_DELETED,
        consumer: ReadConsumer = ReadConsumer.CATCH_UP,
        overlap: timedelta = timedelta(minutes=5),
        filters: Mapping[str, str] | None = None,
        on_invalid: Callable[[Mapping[str, Any], NotAnOrder], None] | None = None,
    ) -> Iterator[OrderPage]:
        """Pages of orders changed since ``updated_from - overlap``, ``limit=100``, until ``pageCount``."""
        params = [
            ("limit", str(PAGE_SIZE)),
            ("filter[updateAt][from]", self._filter_time(updated_from - overlap)),
        ]
        if updated_to is not None:
            params.append(("filter[updateAt][to]", self._filter_time(updated_to)))
        params.extend(self._status_params(statuses))
        params.extend((key, value) for key, value in (filters or {}).items())
        for page_number, body, page_count in self._pages(ORDER_LIST, params, consumer):
            yield OrderPage(
                page=page_number,
                page_count=page_count,
                orders=self._orders_of(body, on_invalid),
                meta=parse_meta(body.get("meta")),  # a shape nobody foresaw never stops a page
                totals=dict(body.get("totals") or {}),
            )

    def iter_orders(
        self,
        updated_from: datetime,
        updated_to: datetime | None = None,
        *,
        statuses: str | Sequence[int] = NOT_DELETED,
        consumer: ReadConsumer = ReadConsumer.CATCH_UP,
        overlap: timedelta = timedelta(minutes=5),
        filters: Mapping[str, str] | None = None,
        on_invalid: Callable[[Mapping[str, Any], NotAnOrder], None] | None = None,
    ) -> Iterator[Order]:
        """Orders changed in the window, each (id, version) once per run even if it moves between pages."""
        seen: set[tuple[int, object]] = set()
        for page in self.iter_order_pages(
            updated_from,
            updated_to,
            statuses=statuses,
            consumer=consumer,
            overlap=overlap,
            filters=filters,
            on_invalid=on_invalid,
        ):
            for order in page.orders:
                key = (order.id, order.version if order.version is not None else order.update_at)
                if key in seen:
                    continue
                seen.add(key)
                yield order

    def get_order(self, order_id: int, *, consumer: ReadConsumer = ReadConsumer.OPERATOR) -> Order | None:
        """One order by its SalesDrive id (deleted ones included), or None. Costs one list call."""
        params = [
            ("page", "1"),
            ("limit", str(PAGE_SIZE)),
            ("filter[id]", str(order_id)),
            ("filter[statusId]", ALL_STATUSES),
        ]
        body = self._list_page(ORDER_LIST, params, consumer)
        # Exact match only: should the filter ever be ignored, another order must not stand in for it.
        return next((order for order in self._orders_of(body, None) if order.id == order_id), None)

    def order_fields(self, *, consumer: ReadConsumer = ReadConsumer.OPERATOR) -> OrderMeta:
        """The order fields' descriptors with their option dictionaries (``meta`` of the order list):
        the only source of the site, rejection-reason, manager and custom-select names. One list call."""
        params = [("page", "1"), ("limit", "1"), ("filter[statusId]", ALL_STATUSES)]
        body = self._list_page(ORDER_LIST, params, consumer)
        return parse_meta(body.get("meta"))

    def update_order(
        self,
        order_id: int,
        *,
        status_id: int | None = None,
        comment: str | None = None,
        custom_fields: Mapping[str, Any] | None = None,
    ) -> None:
        """``POST /api/order/update/`` with only the fields given. Select options are ``"id_<n>"``."""
        data: dict[str, Any] = dict(custom_fields or {})
        if status_id is not None:
            data["statusId"] = status_id
        if comment is not None:
            data["comment"] = comment
        if not data:
            raise ValueError("update_order needs at least one field to change")
        body = self._call(_Call("POST", ORDER_UPDATE, body={"id": order_id, "data": data}))
        if not isinstance(body, Mapping):
            raise SalesDriveProtocolError("update answered without a JSON body", endpoint=ORDER_UPDATE)

    def create_order(self, order: Mapping[str, Any]) -> CreatedOrder:
        """``POST /handler/`` (for tests and tools). Not retried once sent: a lost answer raises
        ``SalesDriveOutcomeUnknown``; reconcile by ``externalId`` before creating again."""
        body = self._call(_Call("POST", ORDER_CREATE, body={**order, "getResultData": 1}, idempotent=False))
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, Mapping) or to_int(data.get("orderId")) is None:
            raise SalesDriveProtocolError(
                "create answered without data.orderId", endpoint=ORDER_CREATE, body=str(body)
            )
        return CreatedOrder.model_validate(data)

    # --- dictionaries (cached for the client's lifetime) -------------------------------------------

    # An entry a dictionary cannot read (no id, an id that is not a number) is left out: one odd entry
    # never hides the others (the status reconciler and the deal rules read these).

    def statuses(self, *, refresh: bool = False) -> list[Status]:
        if self._statuses is None or refresh:
            self._statuses = _readable(Status, self._dictionary(STATUSES))
        return list(self._statuses)

    def payment_methods(self, *, refresh: bool = False) -> list[NamedRef]:
        if self._payment_methods is None or refresh:
            self._payment_methods = _readable(NamedRef, self._dictionary(PAYMENT_METHODS))
        return list(self._payment_methods)

    def delivery_methods(self, *, refresh: bool = False) -> list[NamedRef]:
        if self._delivery_methods is None or refresh:
            self._delivery_methods = _readable(NamedRef, self._dictionary(DELIVERY_METHODS))
        return list(self._delivery_methods)

    # --- catalog -----------------------------------------------------------------------------------

    def push_products(
        self,
        products: Iterable[ProductUpdate],
        mode: PushMode | str = PushMode.FULL,
        *,
        batch_size: int = MAX_BATCH,
    ) -> list[BatchResult[ProductUpdate]]:
        """``action:"update"`` in batches of ≤ 100 with the mode's ``dontUpdateFields``; one result per
        batch. A batch that fails is recorded and the next one is sent; after an auth error or a
        throttle the remaining batches are recorded as not attempted."""
        push_mode = PushMode(mode)
        return self._send_batches(
            PRODUCT_HANDLER,
            products,
            batch_size,
            lambda batch: product_handler_body(batch, push_mode),
        )

    def delete_products(
        self, product_ids: Iterable[str], *, batch_size: int = MAX_BATCH
    ) -> list[BatchResult[str]]:
        return self._send_batches(
            PRODUCT_HANDLER,
            product_ids,
            batch_size,
            lambda batch: {"action": "delete", "product": [{"id": str(i)} for i in batch]},
        )

    def push_categories(
        self, categories: Iterable[Category], *, batch_size: int = MAX_BATCH
    ) -> list[BatchResult[Category]]:
        return self._send_batches(
            CATEGORY_HANDLER,
            categories,
            batch_size,
            lambda batch: {"action": "update", "category": [c.payload() for c in batch]},
        )

    def yml_products(self, public_key: str) -> Iterator[YmlOffer]:
        """Offers of the YML export, parsed as the bytes arrive. Not a list endpoint: no budget token."""
        url = self.base_url + YML_EXPORT
        retry_number = 0
        while True:
            started = False
            try:
                with self._http.stream(
                    "GET", url, params={"publicKey": public_key}, headers=self._headers()
                ) as response:
                    content_type = response.headers.get("content-type", "")
                    if response.status_code >= 300 or "json" in content_type:
                        response.read()
                        body, text = self._decode(response)
                        error = self._error_for(YML_EXPORT, response, body, text)
                        raise error or SalesDriveProtocolError(
                            "the YML export answered JSON, not XML", endpoint=YML_EXPORT, body=text
                        )
                    started = True
                    yield from iter_yml_offers(response.iter_bytes())
                    return
            except httpx.TransportError as exc:
                if started or retry_number + 1 >= self._retry.max_attempts:
                    raise SalesDriveTransportError(
                        str(exc) or type(exc).__name__, endpoint=YML_EXPORT
                    ) from exc
            except SalesDriveServerError:
                if retry_number + 1 >= self._retry.max_attempts:
                    raise
            self._sleep(self._retry.delay(retry_number, self._jitter()))
            retry_number += 1

    # --- payments ----------------------------------------------------------------------------------

    def iter_payments(
        self,
        updated_from: datetime,
        updated_to: datetime | None = None,
        *,
        type: str = "incoming",  # SalesDrive's own parameter name
        consumer: ReadConsumer = ReadConsumer.PAYMENTS,
        overlap: timedelta = timedelta(minutes=5),
        on_invalid: Callable[[Mapping[str, Any], str], None] | None = None,
    ) -> Iterator[Payment]:
        """Payments updated since ``updated_from - overlap``, each (id, updatedAt) once per run. A payment
        that cannot be read goes to ``on_invalid`` with the reason (raised without one) and the rest of
        the page goes on."""
        params = [
            ("limit", str(PAGE_SIZE)),
            ("type", type),
            ("filter[updatedAt][from]", self._filter_time(updated_from - overlap)),
        ]
        if updated_to is not None:
            params.append(("filter[updatedAt][to]", self._filter_time(updated_to)))
        seen: set[tuple[int, object]] = set()
        for _page, body, _count in self._pages(PAYMENT_LIST, params, consumer):
            for item in body.get("data") or []:
                try:
                    payment = Payment.model_validate(item)
                except ValidationError as exc:
                    if on_invalid is None:
                        raise
                    on_invalid(item if isinstance(item, Mapping) else {}, describe_validation_error(exc))
                    continue
                key = (payment.id, payment.updated_at)
                if key not in seen:
                    seen.add(key)
                    yield payment

    # --- plumbing ----------------------------------------------------------------------------------

    def _filter_time(self, moment: datetime) -> str:
        """Filters are in the account's local time; an aware datetime needs ``account_tz`` to convert."""
        if moment.tzinfo is not None:
            if self._account_tz is None:
                raise ValueError("an aware datetime needs the client's account_tz (SalesDrive is local time)")
            moment = moment.astimezone(self._account_tz).replace(tzinfo=None)
        return format_datetime(moment)

    @staticmethod
    def _status_params(statuses: str | Sequence[int]) -> list[tuple[str, str]]:
        if isinstance(statuses, str):
            return [("filter[statusId]", statuses)]
        return [("filter[statusId][]", str(status)) for status in statuses]

    def _orders_of(
        self,
        body: Mapping[str, Any],
        on_invalid: Callable[[Mapping[str, Any], NotAnOrder], None] | None,
    ) -> list[Order]:
        orders = []
        for item in body.get("data") or []:
            try:
                orders.append(parse_order(item))
            except NotAnOrder as exc:
                if on_invalid is None:
                    raise
                on_invalid(item, exc)
        return orders

    def _pages(
        self, path: str, params: list[tuple[str, str]], consumer: ReadConsumer
    ) -> Iterator[tuple[int, dict[str, Any], int | None]]:
        """Page 1, 2, … until ``pagination.pageCount`` (not ``meta.totalPages``: that is MED's bug)."""
        page = 1
        while True:
            body = self._list_page(path, [*params, ("page", str(page))], consumer)
            data = body.get("data") or []
            page_count = self._page_count(body)
            yield page, body, page_count
            if not data:
                return
            if page_count is None:
                if len(data) < PAGE_SIZE:
                    return
            elif page >= page_count:
                return
            page += 1

    @staticmethod
    def _page_count(body: Mapping[str, Any]) -> int | None:
        try:
            pagination = Pagination.model_validate(body.get("pagination") or {})
        except ValueError:
            pagination = Pagination()
        if pagination.page_count is not None:
            return pagination.page_count
        totals = body.get("totals")
        count = to_int(totals.get("count")) if isinstance(totals, Mapping) else None
        if count is not None:
            return max(1, -(-count // PAGE_SIZE))
        return None

    def _list_page(self, path: str, params: list[tuple[str, str]], consumer: ReadConsumer) -> dict[str, Any]:
        body = self._call(_Call("GET", path, params=params, consumer=consumer))
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise SalesDriveProtocolError(
                "a list answered without a data list", endpoint=path, body=str(body)
            )
        return body

    def _dictionary(self, path: str) -> list[Any]:
        body = self._call(_Call("GET", path))
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, list):
            raise SalesDriveProtocolError("a dictionary answered without a data list", endpoint=path)
        return data

    def _send_batches(
        self,
        path: str,
        items: Iterable[T],
        batch_size: int,
        make_body: Callable[[tuple[T, ...]], dict[str, Any]],
    ) -> list[BatchResult[T]]:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be 1..{MAX_BATCH}")
        results: list[BatchResult[T]] = []
        stop: SalesDriveError | None = None
        for index, batch in enumerate(_batches(items, batch_size)):
            if stop is not None:
                results.append(BatchResult(index, batch, ok=False, attempted=False, error=stop))
                continue
            body = make_body(batch)  # a malformed item raises here, before anything is sent
            try:
                answer = self._call(_Call("POST", path, body=body))
            except (SalesDriveAuthError, SalesDriveThrottled) as exc:
                stop = exc  # every next batch would get the same answer: do not hammer
                results.append(BatchResult(index, batch, ok=False, message=exc.message, error=exc))
                continue
            except SalesDriveError as exc:
                results.append(BatchResult(index, batch, ok=False, message=exc.message, error=exc))
                continue
            message = answer.get("message") if isinstance(answer, Mapping) else None
            results.append(BatchResult(index, batch, ok=True, message=message))
        return results

    def _headers(self) -> dict[str, str]:
        return {"X-Api-Key": self._api_key, "Accept": "application/json"}

    def _call(self, call: _Call) -> Any:
        """One logical call: budget, request, classification, bounded retries. Returns the JSON body."""
        body = call.body
        if body is not None and self._form_key and call.path in _FORM_KEY_ENDPOINTS:
            body = {"form": self._form_key, **body}
        content = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        headers = self._headers()
        if content is not None:
            headers["Content-Type"] = "application/json"
        retry_number = 0
        throttle_retried = False
        while True:
            if call.consumer is not None:
                self._budget.take(call.consumer)  # raises ReadBudgetExhausted before any request
            try:
                response = self._http.request(
                    call.method,
                    self.base_url + call.path,
                    params=tuple(call.params or ()),
                    content=content,
                    headers=headers,
                )
            except httpx.TransportError as exc:
                sent = not isinstance(exc, _CONNECT_PHASE)
                if sent and not call.idempotent:
                    raise SalesDriveOutcomeUnknown(
                        f"no answer ({type(exc).__name__}); the order may or may not exist",
                        endpoint=call.path,
                    ) from exc
                if retry_number + 1 >= self._retry.max_attempts:
                    raise SalesDriveTransportError(
                        f"{type(exc).__name__}: {exc}".rstrip(": "), endpoint=call.path
                    ) from exc
                self._backoff(retry_number)
                retry_number += 1
                continue
            parsed, text = self._decode(response)
            error = self._error_for(call.path, response, parsed, text)
            if error is None:
                if parsed is None and response.content.strip():
                    raise SalesDriveProtocolError("answer is not JSON", endpoint=call.path, body=text)
                return parsed
            if isinstance(error, SalesDriveThrottled):
                wait = self._throttle_wait(error, throttle_retried)
                if wait is None:
                    raise error
                throttle_retried = True
                self._sleep(wait)
                continue
            if isinstance(error, SalesDriveServerError):
                if not call.idempotent:
                    raise SalesDriveOutcomeUnknown(
                        f"HTTP {response.status_code}; the order may or may not exist",
                        endpoint=call.path,
                        status_code=response.status_code,
                        body=text,
                    ) from error
                if retry_number + 1 < self._retry.max_attempts:
                    self._backoff(retry_number)
                    retry_number += 1
                    continue
            raise error

    def _throttle_wait(self, error: SalesDriveThrottled, already_retried: bool) -> float | None:
        """The wait before the one retry of a throttled call, or None: do not retry (the default)."""
        wait = error.retry_after
        if already_retried or self._throttle_retry_max_wait <= 0 or wait is None:
            return None
        return wait if wait <= self._throttle_retry_max_wait else None

    def _backoff(self, retry_number: int) -> None:
        self._sleep(self._retry.delay(retry_number, self._jitter()))

    @staticmethod
    def _decode(response: httpx.Response) -> tuple[Any, str]:
        raw = response.content
        try:
            text = raw.decode(response.encoding or "utf-8", errors="replace")
        except LookupError:
            text = raw.decode("utf-8", errors="replace")
        if not raw.strip():
            return None, ""
        try:
            return json.loads(raw), text
        except ValueError:
            return None, text

    def _retry_after(self, response: httpx.Response) -> float | None:
        value = response.headers.get("retry-after")
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - self._wall_clock())

    def _error_for(self, path: str, response: httpx.Response, body: Any, text: str) -> SalesDriveError | None:
        status = response.status_code
        failed = status >= 400 or _says_failure(body)
        if not failed:
            return None
        message = _message_of(body, text) or f"HTTP {status}"
        kwargs: dict[str, Any] = {"endpoint": path, "status_code": status, "body": text}
        # {"message":"api key is invalid"} arrives with an unconfirmed status, possibly 200.
        if status in (401, 403) or _AUTH_RE.search(message):
            return SalesDriveAuthError(message, **kwargs)
        if status == 429 or ((status < 300 or status == 400) and _LIMIT_RE.search(message)):
            return SalesDriveThrottled(message, retry_after=self._retry_after(response), **kwargs)
        if status == 404:
            return SalesDriveNotFound(message, **kwargs)
        if status >= 500:
            return SalesDriveServerError(message, **kwargs)
        if status >= 400:
            return SalesDriveBadRequest(message, **kwargs)
        return SalesDriveRefused(message, **kwargs)
