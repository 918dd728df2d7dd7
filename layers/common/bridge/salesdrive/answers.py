"""Reading SalesDrive's answers: body decoding, the failure shapes it uses, throttling, pagination."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bridge.salesdrive.coerce import to_int
from bridge.salesdrive.errors import (
    NotAnOrder,
    SalesDriveAuthError,
    SalesDriveBadRequest,
    SalesDriveError,
    SalesDriveNotFound,
    SalesDriveRefused,
    SalesDriveServerError,
    SalesDriveThrottled,
)
from bridge.salesdrive.models import Order, Pagination, parse_order

PAGE_SIZE = 100  # the documented maximum of list endpoints

# "limit" in any of the three languages SalesDrive answers in. Our own requests never send a bad
# ``limit`` parameter, so a 400 mentioning a limit is the rate limit.
_LIMIT_RE = re.compile(r"limit|ліміт|лимит", re.IGNORECASE)
_AUTH_RE = re.compile(r"api[\s_-]*key|form[\s_-]*key|unauthori[sz]ed|forbidden", re.IGNORECASE)

M = TypeVar("M", bound=BaseModel)


def decode(response: httpx.Response) -> tuple[Any, str]:
    """The JSON body (None if empty or not JSON) and the text of an answer."""
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


def message_of(body: Any, text: str) -> str:
    """The human message of a failure body, whichever key SalesDrive put it under."""
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


def says_failure(body: Any) -> bool:
    """A 2xx body that reports a failure; SalesDrive uses several spellings of it."""
    if not isinstance(body, Mapping):
        return False
    if body.get("success") is False or body.get("status") == "error":
        return True
    if body.get("success") is True or body.get("status") == "success":
        return False
    return bool(body.get("error")) or set(body) == {"message"}


def retry_after(response: httpx.Response, wall_clock: Callable[[], float]) -> float | None:
    """Seconds the ``Retry-After`` header asks for (delta or HTTP date), or None."""
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
    return max(0.0, when.timestamp() - wall_clock())


def error_for(
    path: str, response: httpx.Response, body: Any, text: str, wall_clock: Callable[[], float]
) -> SalesDriveError | None:
    """The typed error an answer stands for, or None for a success."""
    status = response.status_code
    if status < 400 and not says_failure(body):
        return None
    message = message_of(body, text) or f"HTTP {status}"
    kwargs: dict[str, Any] = {"endpoint": path, "status_code": status, "body": text}
    # {"message":"api key is invalid"} arrives with an unconfirmed status, possibly 200.
    if status in (401, 403) or _AUTH_RE.search(message):
        return SalesDriveAuthError(message, **kwargs)
    if status == 429 or ((status < 300 or status == 400) and _LIMIT_RE.search(message)):
        return SalesDriveThrottled(message, retry_after=retry_after(response, wall_clock), **kwargs)
    if status == 404:
        return SalesDriveNotFound(message, **kwargs)
    if status >= 500:
        return SalesDriveServerError(message, **kwargs)
    if status >= 400:
        return SalesDriveBadRequest(message, **kwargs)
    return SalesDriveRefused(message, **kwargs)


def readable(model: type[M], items: list[Any]) -> list[M]:
    """The items ``model`` can read; an odd entry never hides the others."""
    result = []
    for item in items:
        try:
            result.append(model.model_validate(item))
        except ValidationError:
            continue
    return result


def page_count(body: Mapping[str, Any]) -> int | None:
    """``pagination.pageCount``, else from ``totals.count``. Not ``meta.totalPages``: one account was seen
    to report it wrong."""
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


def orders_of(
    body: Mapping[str, Any], on_invalid: Callable[[Mapping[str, Any], NotAnOrder], None] | None
) -> list[Order]:
    """The orders of a list page; one that is not an order goes to ``on_invalid`` (raised without one)."""
    orders = []
    for item in body.get("data") or []:
        try:
            orders.append(parse_order(item))
        except NotAnOrder as exc:
            if on_invalid is None:
                raise
            on_invalid(item, exc)
    return orders
