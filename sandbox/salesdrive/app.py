"""The SalesDrive emulator: a WSGI app that answers like `https://{account}.salesdrive.me`.

This module holds the routes, the dispatch and the Python API tests use; each resource's endpoints live in
their own module (orders, order_list, dictionaries, catalog, payments, control). The facts it plays are in
docs/salesdrive-api.md; each behaviour SalesDrive leaves undocumented is a switch in
`SalesDriveEmulatorConfig` (README.md, "Unknowns").
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import catalog, control, dictionaries, order_list, orders, payments
from .access import Counters
from .clock import FMT, Clock, ManualClock, RealClock
from .config import SalesDriveEmulatorConfig
from .limits import RateLimiter
from .money import dec, num, totals
from .seed import seed_account, seed_dictionaries
from .state import Doc, State
from .webhooks import EVENTS, BackgroundDelivery, Transport, WebhookDispatcher
from .wire import ApiError, json_response, nest

Handler = Callable[..., Response]
# (path, handler, methods). Handlers take the emulator, the request and the path's arguments.
ROUTES: list[tuple[str, Handler, list[str]]] = [
    ("/handler/", orders.handle_create, ["POST"]),
    ("/api/order/list/", order_list.handle_order_list, ["GET"]),
    ("/api/order/update/", orders.handle_update, ["POST"]),
    ("/api/statuses/", dictionaries.handle_statuses, ["GET"]),
    ("/api/payment-methods/", dictionaries.handle_payment_methods, ["GET"]),
    ("/api/delivery-methods/", dictionaries.handle_delivery_methods, ["GET"]),
    ("/api/currencies/", dictionaries.handle_currencies, ["GET"]),
    ("/product-handler/", catalog.handle_products, ["POST"]),
    ("/category-handler/", catalog.handle_categories, ["POST"]),
    ("/export/yml/export.yml", catalog.handle_yml, ["GET"]),
    ("/api/payment/", payments.handle_create, ["POST"]),
    ("/api/payment/list/", payments.handle_list, ["GET"]),
    ("/__emulator__/counters", control.counters, ["GET"]),
    ("/__emulator__/counters/reset", control.counters_reset, ["POST"]),
    ("/__emulator__/clock", control.clock, ["GET", "POST"]),
    ("/__emulator__/config", control.config, ["GET", "POST"]),
    ("/__emulator__/webhooks", control.webhooks, ["GET", "POST"]),
    ("/__emulator__/webhooks/deliver", control.webhooks_deliver, ["POST"]),
    ("/__emulator__/webhooks/<int:sub_id>", control.webhook_delete, ["DELETE"]),
    ("/__emulator__/webhook-log", control.webhook_log, ["GET"]),
    ("/__emulator__/orders/<int:order_id>", control.order, ["GET"]),
    ("/__emulator__/products/<path:product_id>", control.product, ["GET"]),
    ("/__emulator__/contacts/<int:contact_id>", control.contact, ["GET"]),
    ("/__emulator__/payments", control.payments, ["POST"]),
]


class SalesDriveEmulator:
    def __init__(
        self,
        config: SalesDriveEmulatorConfig | None = None,
        *,
        clock: Clock | None = None,
        webhook_transport: Transport | None = None,
    ) -> None:
        self.config = config or SalesDriveEmulatorConfig()
        self.clock: Clock = clock or RealClock()
        self.state = State(self.config.db_path)
        self.lock = threading.RLock()
        self.limiter = RateLimiter()
        self.webhooks = WebhookDispatcher(lambda: self.config, self.clock.now, webhook_transport)
        self.request_counters = Counters()
        self.yml_cache = catalog.FeedCache()
        self._background: BackgroundDelivery | None = None
        if self.state.empty:
            seed_dictionaries(self.state)
            if self.config.seed:
                seed_account(self)
        self.url_map = Map(
            [Rule(path, endpoint=handler, methods=methods) for path, handler, methods in ROUTES],
            strict_slashes=False,
        )

    # WSGI --------------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self._dispatch(request)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        counted = not request.path.startswith(control.PREFIX)
        try:
            rule, args = adapter.match(return_rule=True)
        except (NotFound, MethodNotAllowed) as exc:
            response = json_response({"status": "error", "message": exc.name}, status=exc.code or 404)
            if counted:
                self._count(request.path, response.status_code)
            return response
        except HTTPException as exc:  # e.g. a redirect
            return exc.get_response(request.environ)
        with self.lock:
            try:
                response = rule.endpoint(self, request, **args)
            except ApiError as exc:
                response = json_response(
                    {"status": "error", "message": exc.message}, status=self.config.error_status
                )
        if counted:
            self._count(str(rule.rule), response.status_code)
        return response

    # counters ----------------------------------------------------------------------------------------
    def reset_counters(self) -> None:
        with self.lock:
            self.request_counters.reset()

    def _count(self, path: str, status: int) -> None:
        with self.lock:
            self.request_counters.request(path, status)

    @property
    def counters(self) -> dict[str, Any]:
        with self.lock:
            return self.request_counters.snapshot()

    # public Python API -------------------------------------------------------------------------------
    def configure(self, **changes: Any) -> SalesDriveEmulatorConfig:
        for fixed in ("db_path", "seed", "seed_products"):
            if fixed in changes and changes[fixed] != getattr(self.config, fixed):
                raise ValueError(f"{fixed} can only be set when the emulator is created")
        with self.lock:
            new = self.config.updated(**changes)
            if new.random_seed != self.config.random_seed:
                self.webhooks.reseed(new.random_seed)
            self.config = new
            return new

    def subscribe(
        self,
        url: str,
        events: Iterable[str] = EVENTS,
        statuses: Iterable[int] | None = None,
        sites: Iterable[int] | None = None,
    ) -> Doc:
        events = list(events)
        unknown = [e for e in events if e not in EVENTS]
        if unknown or not events:
            raise ValueError(f"events must be a non-empty subset of {EVENTS}, got {events}")
        with self.lock:
            sub = {
                "id": self.state.next_id("subscription"),
                "url": url,
                "events": events,
                "statuses": [int(s) for s in statuses] if statuses is not None else None,
                "sites": [int(s) for s in sites] if sites is not None else None,
            }
            self.state.put_subscription(sub)
            return dict(sub)

    def unsubscribe(self, sub_id: int) -> bool:
        with self.lock:
            return self.state.delete_subscription(sub_id)

    @property
    def subscriptions(self) -> list[Doc]:
        with self.lock:
            return [dict(s) for s in self.state.subscriptions.values()]

    def deliver_due_webhooks(self) -> int:
        """Deliver (synchronously) every webhook due at the clock's now; returns the number of attempts."""
        return self.webhooks.deliver_due()

    @property
    def webhook_log(self) -> list[Doc]:
        return [dict(e) for e in self.webhooks.log]

    def start_background_delivery(self, interval: float = 0.2) -> None:
        if self._background is None:
            self._background = BackgroundDelivery(self.webhooks, interval)
            self._background.start()

    def stop_background_delivery(self) -> None:
        if self._background is not None:
            self._background.stop()
            self._background = None

    def order(self, order_id: int) -> Doc:
        """Full internal state of an order plus its computed totals (for test assertions)."""
        with self.lock:
            order = copy.deepcopy(self.state.orders[order_id])
            order["totals"] = {k: num(v) for k, v in totals(order).items()}
            order["contacts"] = [copy.deepcopy(self.state.contacts[c]) for c in order.get("contactIds") or []]
            return order

    def product(self, product_id: str) -> Doc:
        with self.lock:
            return copy.deepcopy(self.state.products[str(product_id)])

    def create_order(self, body: Doc) -> Doc:
        """Same path as `POST /handler/` (webhooks included), for scenario set-up in Python."""
        with self.lock:
            return copy.deepcopy(orders.create_order(self, body, now=self.clock.now()))

    def update_order(self, body: Doc) -> None:
        with self.lock:
            orders.update_order(self, body)

    def add_payment(
        self,
        sum: Any,
        breakdown: Iterable[tuple[int, Any]] = (),
        *,
        type: str = "incoming",
        date: str | None = None,
        description: str = "",
        unique_id: str | None = None,
    ) -> Doc:
        """A payment as the accountant may record it in the UI: split across several orders, or
        allocated to none (the API's `POST /api/payment/` attaches to at most one order)."""
        with self.lock:
            parts = [(int(o), dec(s)) for o, s in breakdown]
            for order_id, _ in parts:
                if order_id not in self.state.orders:
                    raise ValueError(f"order {order_id} not found")
            payment = payments.store_payment(
                self,
                total=dec(sum),
                parts=parts,
                kind=type,
                date=date,
                description=description,
                unique_id=unique_id,
            )
            return copy.deepcopy(payment)

    def close(self) -> None:
        self.stop_background_delivery()
        self.state.close()


def create_app(
    config: SalesDriveEmulatorConfig | None = None,
    *,
    clock: Clock | None = None,
    webhook_transport: Callable[[str, bytes, dict[str, str]], int] | None = None,
) -> SalesDriveEmulator:
    return SalesDriveEmulator(config, clock=clock, webhook_transport=webhook_transport)


__all__ = [
    "FMT",
    "ApiError",
    "Clock",
    "ManualClock",
    "SalesDriveEmulator",
    "SalesDriveEmulatorConfig",
    "create_app",
    "nest",
]
