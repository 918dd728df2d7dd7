"""SalesDrive transport: one ``httpx.Client``, the API key, the read budget, throttling and retries.

- Every list call takes one token from the injected ``ReadBudget`` before each HTTP request, retries
  included; ``ReadBudgetExhausted`` propagates with no request made. The budget is a required argument
  so that production code cannot forget it.
- Throttling (429 with ``Retry-After``, or a 400/failure body mentioning the limit) raises
  ``SalesDriveThrottled``; a throttled call is retried at most once, and only when
  ``throttle_retry_max_wait`` allows the wait SalesDrive asked for (default: never).
- Transient failures (connection errors, timeouts, 5xx) are retried per ``bridge.retries`` for
  idempotent calls only; a write that was sent and lost its answer raises ``SalesDriveOutcomeUnknown``.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

import httpx

from bridge.read_budget import ReadBudget, ReadConsumer
from bridge.retries import SALESDRIVE_RETRY, RetryPolicy, may_resend
from bridge.salesdrive.answers import PAGE_SIZE, decode, error_for, page_count
from bridge.salesdrive.coerce import format_datetime
from bridge.salesdrive.errors import (
    SalesDriveOutcomeUnknown,
    SalesDriveProtocolError,
    SalesDriveServerError,
    SalesDriveThrottled,
    SalesDriveTransportError,
)

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

# Endpoints whose older documentation requires the order-base key ``form`` in the body.
_FORM_KEY_ENDPOINTS = frozenset({ORDER_CREATE, PRODUCT_HANDLER, CATEGORY_HANDLER, ORDER_UPDATE})
_CONNECT_PHASE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def transient(exc: BaseException) -> bool:
    """Failures worth another try after a backoff (the caller already refused to resend writes)."""
    return isinstance(exc, SalesDriveTransportError | SalesDriveServerError)


@dataclass(frozen=True, slots=True)
class Call:
    method: str
    path: str
    params: list[tuple[str, str]] | None = None
    body: dict[str, Any] | None = None
    consumer: ReadConsumer | None = None  # set for list endpoints: a budget token per request
    idempotent: bool = True


class SalesDriveTransport:
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
        # SalesDrive sometimes takes ~20 s to answer writes: the read timeout is generous.
        self._http = http if http is not None else httpx.Client(timeout=timeout)
        self._retry = retry or SALESDRIVE_RETRY
        self._throttle_retry_max_wait = throttle_retry_max_wait
        self._account_tz = account_tz
        self._sleep = sleep
        self._jitter = jitter
        self._wall_clock = wall_clock
        self._dictionaries: dict[str, list[Any]] = {}

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> SalesDriveTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- one logical call ----------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"X-Api-Key": self._api_key, "Accept": "application/json"}

    def _call(self, call: Call) -> Any:
        """One logical call: budget, request, classification, bounded retries. Returns the JSON body."""
        body = call.body
        if body is not None and self._form_key and call.path in _FORM_KEY_ENDPOINTS:
            body = {"form": self._form_key, **body}
        content = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        headers = self._headers()
        if content is not None:
            headers["Content-Type"] = "application/json"
        throttle_retried = False

        def attempt() -> Any:
            nonlocal throttle_retried
            while True:
                try:
                    return self._exchange(call, content, headers)
                except SalesDriveThrottled as error:
                    wait = self._throttle_wait(error, throttle_retried)
                    if wait is None:
                        raise
                    throttle_retried = True
                    self._sleep(wait)

        return self._retry.call(attempt, transient, sleep=self._sleep, jitter=self._jitter)

    def _exchange(self, call: Call, content: bytes | None, headers: dict[str, str]) -> Any:
        """One HTTP request and its answer; every failure raised as a ``SalesDriveError``."""
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
            if not may_resend(idempotent=call.idempotent, sent=not isinstance(exc, _CONNECT_PHASE)):
                raise SalesDriveOutcomeUnknown(
                    f"no answer ({type(exc).__name__}); the order may or may not exist", endpoint=call.path
                ) from exc
            message = f"{type(exc).__name__}: {exc}".rstrip(": ")
            raise SalesDriveTransportError(message, endpoint=call.path) from exc
        parsed, text = decode(response)
        error = error_for(call.path, response, parsed, text, self._wall_clock)
        if error is None:
            if parsed is None and response.content.strip():
                raise SalesDriveProtocolError("answer is not JSON", endpoint=call.path, body=text)
            return parsed
        if isinstance(error, SalesDriveServerError) and not may_resend(idempotent=call.idempotent, sent=True):
            raise SalesDriveOutcomeUnknown(
                f"HTTP {response.status_code}; the order may or may not exist",
                endpoint=call.path,
                status_code=response.status_code,
                body=text,
            ) from error
        raise error

    def _throttle_wait(self, error: SalesDriveThrottled, already_retried: bool) -> float | None:
        """The wait before the one retry of a throttled call, or None: do not retry (the default)."""
        wait = error.retry_after
        if already_retried or self._throttle_retry_max_wait <= 0 or wait is None:
            return None
        return wait if wait <= self._throttle_retry_max_wait else None

    # --- shapes shared by the resources -------------------------------------------------------------

    def _filter_time(self, moment: datetime) -> str:
        """Filters are in the account's local time; an aware datetime needs ``account_tz`` to convert."""
        if moment.tzinfo is not None:
            if self._account_tz is None:
                raise ValueError("an aware datetime needs the client's account_tz (SalesDrive is local time)")
            moment = moment.astimezone(self._account_tz).replace(tzinfo=None)
        return format_datetime(moment)

    def _list_page(self, path: str, params: list[tuple[str, str]], consumer: ReadConsumer) -> dict[str, Any]:
        body = self._call(Call("GET", path, params=params, consumer=consumer))
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise SalesDriveProtocolError(
                "a list answered without a data list", endpoint=path, body=str(body)
            )
        return body

    def _pages(
        self, path: str, params: list[tuple[str, str]], consumer: ReadConsumer
    ) -> Iterator[tuple[int, dict[str, Any], int | None]]:
        """Page 1, 2, … until ``pagination.pageCount`` (see ``answers.page_count``)."""
        page = 1
        while True:
            body = self._list_page(path, [*params, ("page", str(page))], consumer)
            data = body.get("data") or []
            count = page_count(body)
            yield page, body, count
            if not data:
                return
            if count is None:
                if len(data) < PAGE_SIZE:
                    return
            elif page >= count:
                return
            page += 1
