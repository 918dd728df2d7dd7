"""Who may call what (API keys), the list endpoints' rate limits, and the request counters tests read.

Keys and limits as docs/salesdrive-api.md ("Authentication and limits") states them; the answer to a
throttled call (429 or 400) is a switch because integrators report both.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .config import SalesDriveEmulatorConfig
from .limits import RateLimiter, Throttled
from .state import Doc
from .wire import ApiError, json_response, read_body

if TYPE_CHECKING:
    from .app import SalesDriveEmulator


def authorized(
    cfg: SalesDriveEmulatorConfig,
    request: Request,
    body: Doc | None = None,
    *,
    order_base: bool = True,
    form_header: bool = False,
) -> bool:
    """`X-Api-Key` everywhere; on order-base endpoints also the legacy form key (as `X-Api-Key`, as the
    body's `form`, or as the `Form-Api-Key` header where `form_header`). Payments pass `order_base=False`:
    they need an account-level key."""
    key = request.headers.get("X-Api-Key")
    if key and (key == cfg.api_key or (order_base and key == cfg.form_key)):
        return True
    if form_header and request.headers.get("Form-Api-Key") == cfg.form_key:
        return True
    return bool(order_base and body is not None and body.get("form") == cfg.form_key)


def denied(cfg: SalesDriveEmulatorConfig) -> Response:
    return json_response({"message": "api key is invalid"}, status=cfg.auth_error_status)


def order_base_body(
    cfg: SalesDriveEmulatorConfig, request: Request, error: Callable[[str], Response]
) -> Doc | Response:
    """The body of a write authorised by an order-base key, or the answer refusing the call (`error`
    shapes an unreadable body the way the endpoint answers errors)."""
    try:
        body = read_body(request)
    except ApiError as exc:
        return error(exc.message)
    if not authorized(cfg, request, body):
        return denied(cfg)
    return body


def refuse_list_call(
    emu: SalesDriveEmulator,
    request: Request,
    path: str,
    *,
    order_base: bool = True,
    form_header: bool = False,
) -> Response | None:
    """None when a list call may proceed; the key is checked first, so a refused call uses no quota."""
    if not authorized(emu.config, request, order_base=order_base, form_header=form_header):
        return denied(emu.config)
    return throttle(emu.config, emu.limiter, emu.request_counters, path, emu.clock.now())


class Counters:
    """Requests per path and HTTP status, throttled calls per endpoint, and product-handler batches."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.reset()

    def reset(self) -> None:
        self.data = {
            "requests": {},
            "throttled": {},
            "product_handler": {"calls": 0, "products": 0, "per_call": [], "rejected": 0},
        }

    def request(self, path: str, status: int) -> None:
        per = self.data["requests"].setdefault(path, {})
        per[str(status)] = per.get(str(status), 0) + 1

    def throttled(self, endpoint: str) -> None:
        self.data["throttled"][endpoint] = self.data["throttled"].get(endpoint, 0) + 1

    @property
    def product_handler(self) -> dict[str, Any]:
        stats: dict[str, Any] = self.data["product_handler"]
        return stats

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(self.data)


def throttle(
    cfg: SalesDriveEmulatorConfig, limiter: RateLimiter, counters: Counters, endpoint: str, now: datetime
) -> Response | None:
    """None when the call is within the limits; otherwise the throttled answer in the configured shape."""
    key = "account" if cfg.limit_scope == "account" else endpoint
    try:
        limiter.check(key, now, cfg.limits, cfg.limit_window)
    except Throttled as exc:
        counters.throttled(endpoint)
        body = {"status": "error", "message": str(exc)}
        if cfg.throttle_shape == "429":
            return json_response(body, status=429, headers={"Retry-After": str(exc.retry_after)})
        return json_response(body, status=400)
    return None
