"""Control endpoints under `/__emulator__/`: not SalesDrive, not authenticated, not counted.

They let tests and operators read counters and internal state, move the clock, change the config,
manage webhook subscriptions and record payments as the accountant would in the UI (README.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from .clock import ManualClock, fmt, parse_dt
from .webhooks import EVENTS
from .wire import json_response, read_body

if TYPE_CHECKING:
    from .app import SalesDriveEmulator

PREFIX = "/__emulator__/"


def _error(message: str, status: int) -> Response:
    return json_response({"status": "error", "message": message}, status=status)


def counters(emu: SalesDriveEmulator, request: Request) -> Response:
    return json_response(emu.counters)


def counters_reset(emu: SalesDriveEmulator, request: Request) -> Response:
    emu.reset_counters()
    if request.args.get("limits") == "1":
        emu.limiter.reset()
    return json_response(emu.counters)


def clock(emu: SalesDriveEmulator, request: Request) -> Response:
    if request.method == "POST":
        body = read_body(request)
        if "set" in body:
            emu.clock.set(parse_dt(str(body["set"])))  # type: ignore[attr-defined]
        if "advance" in body:
            emu.clock.advance(float(body["advance"]))  # type: ignore[attr-defined]
    return json_response({"now": fmt(emu.clock.now()), "manual": isinstance(emu.clock, ManualClock)})


def config(emu: SalesDriveEmulator, request: Request) -> Response:
    if request.method == "POST":
        try:
            emu.configure(**read_body(request))
        except ValueError as exc:
            return _error(str(exc), 400)
    return json_response(emu.config.model_dump(mode="json"))


def webhooks(emu: SalesDriveEmulator, request: Request) -> Response:
    if request.method != "POST":
        return json_response({"subscriptions": emu.subscriptions, "pending": emu.webhooks.pending})
    body = read_body(request)
    if "remove" in body:
        return json_response({"removed": emu.unsubscribe(int(body["remove"]))})
    try:
        sub = emu.subscribe(
            str(body["url"]),
            events=body.get("events") or EVENTS,
            statuses=body.get("statuses"),
            sites=body.get("sites"),
        )
    except (KeyError, ValueError) as exc:
        return _error(f"bad subscription: {exc}", 400)
    return json_response(sub, status=201)


def webhook_delete(emu: SalesDriveEmulator, request: Request, sub_id: int) -> Response:
    return json_response({"removed": emu.unsubscribe(sub_id)})


def webhooks_deliver(emu: SalesDriveEmulator, request: Request) -> Response:
    emu.lock.release()  # a receiver may call back into the emulator from another thread
    try:
        attempts = emu.deliver_due_webhooks()
    finally:
        emu.lock.acquire()
    return json_response({"attempts": attempts})


def webhook_log(emu: SalesDriveEmulator, request: Request) -> Response:
    log = emu.webhook_log
    if request.args.get("order_id"):
        log = [e for e in log if str(e["order_id"]) == request.args["order_id"]]
    return json_response({"log": log})


def order(emu: SalesDriveEmulator, request: Request, order_id: int) -> Response:
    if order_id not in emu.state.orders:
        return _error("not found", 404)
    return json_response(emu.order(order_id))


def product(emu: SalesDriveEmulator, request: Request, product_id: str) -> Response:
    if product_id not in emu.state.products:
        return _error("not found", 404)
    return json_response(emu.product(product_id))


def contact(emu: SalesDriveEmulator, request: Request, contact_id: int) -> Response:
    if contact_id not in emu.state.contacts:
        return _error("not found", 404)
    return json_response(emu.state.contacts[contact_id])


def payments(emu: SalesDriveEmulator, request: Request) -> Response:
    body = read_body(request)
    try:
        payment = emu.add_payment(
            body.get("sum"),
            [(p["orderId"], p["sum"]) for p in body.get("breakdown") or []],
            type=body.get("type", "incoming"),
            date=body.get("date"),
            description=body.get("description", ""),
            unique_id=body.get("uniqueId"),
        )
    except (KeyError, ValueError) as exc:
        return _error(str(exc), 400)
    return json_response(payment, status=201)
