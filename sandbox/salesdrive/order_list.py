"""`GET /api/order/list/`: filters, paging, totals, `meta` (rate limited).

Filters as SalesDrive's knowledge base (https://salesdrive.ua/knowledge/api/order-list/) and
docs/salesdrive-api.md ("Orders") describe them; the answer's shape as
`tests/fixtures/salesdrive/order_list_swagger.json` shows it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .access import refuse_list_call
from .meta import meta_fields
from .money import dec, num, totals
from .odd_shapes import odd_list_answer
from .render import render_order
from .state import Doc, State
from .wire import as_list, filter_dt, in_span, json_response, page_of, paging, query, within

if TYPE_CHECKING:
    from .app import SalesDriveEmulator

PATH = "/api/order/list/"
TOTAL_FIELDS = ("paymentAmount", "payedAmount", "restPay", "discountAmount", "profitAmount", "expensesAmount")
SPECIAL_FILTERS = ("statusId", "updateAt", "orderTime", "setStatusId", "setStatusTime")


def handle_order_list(emu: SalesDriveEmulator, request: Request) -> Response:
    refused = refuse_list_call(emu, request, PATH, form_header=True)
    if refused is not None:
        return refused
    args, filt = query(request)
    page, limit = paging(args, 50)
    orders = filter_orders(emu.state, filt)
    orders.sort(key=lambda o: o["id"], reverse=emu.config.list_sort == "id_desc")
    chosen, pagination = page_of(orders, page, limit)
    sums = [totals(o) for o in orders]
    answer = {
        "status": "success",
        "data": [render_order(o, emu.state, emu.config, "list") for o in chosen],
        "meta": {"fields": meta_fields(emu.state, chosen)},
        "pagination": pagination,
        "totals": {
            "count": len(orders),
            "paymentAmount": num(sum((t["paymentAmount"] for t in sums), Decimal(0))),
            "commission": num(sum((t["commissionAmount"] for t in sums), Decimal(0))),
            "expenses": num(sum((t["expensesAmount"] for t in sums), Decimal(0))),
        },
    }
    return json_response(odd_list_answer(answer, list(emu.config.odd_shapes)))


def filter_orders(state: State, filt: Doc) -> list[Doc]:
    orders = _by_status(state, list(state.orders.values()), filt.get("statusId", "__NOTDELETED__"))
    for key in ("updateAt", "orderTime"):
        orders = within(orders, key, filt.get(key))
    if "setStatusId" in filt or "setStatusTime" in filt:
        orders = _by_status_history(orders, filt.get("setStatusId"), filt.get("setStatusTime"))
    for key, cond in filt.items():
        if key not in SPECIAL_FILTERS:
            orders = [o for o in orders if generic_match(o, key, cond)]
    return orders


def _by_status(state: State, orders: list[Doc], raw_status: Any) -> list[Doc]:
    """Status ids, `__NOTDELETED__` (the default: hides status type 4) or `__ALL__`."""
    wanted = as_list(list(raw_status.values()) if isinstance(raw_status, dict) else raw_status)
    if "__ALL__" in wanted:
        return orders
    types = {s["id"]: s["type"] for s in state.dicts["statuses"]}
    ids = {int(v) for v in wanted if v.lstrip("-").isdigit()}
    not_deleted = "__NOTDELETED__" in wanted
    return [o for o in orders if o["statusId"] in ids or (not_deleted and types.get(o["statusId"]) != 4)]


def _by_status_history(orders: list[Doc], set_status: Any, raw_span: Any) -> list[Doc]:
    """Orders that entered one of the statuses `setStatusId` within `setStatusTime`."""
    set_ids = {int(v) for v in as_list(set_status) if v.isdigit()}
    span: Doc = raw_span if isinstance(raw_span, dict) else {}
    lo = filter_dt(span.get("from"), end=False)
    hi = filter_dt(span.get("to"), end=True)
    return [
        o
        for o in orders
        if any(
            (not set_ids or sid in set_ids) and in_span(at, lo, hi)
            for sid, at in o.get("statusHistory") or []
        )
    ]


def generic_match(order: Doc, key: str, cond: Any) -> bool:
    """ "You can filter by any field": equality, a list (any of), or a from/to range."""
    if key in TOTAL_FIELDS:
        value: Any = totals(order)[key]
    elif key in (order.get("custom") or {}):
        value = order["custom"][key]
    else:
        value = order.get(key)
    if isinstance(cond, dict) and ("from" in cond or "to" in cond):
        return _in_range(value, cond)
    values = value if isinstance(value, list) else [value]
    wanted = as_list(list(cond.values()) if isinstance(cond, dict) else cond)
    return any(str(v) in wanted for v in values if v is not None)


def _in_range(value: Any, cond: Doc) -> bool:
    """Numbers compare as numbers, anything else as text."""
    if value is None:
        return False
    for bound, ok in (("from", lambda a, b: a >= b), ("to", lambda a, b: a <= b)):
        if cond.get(bound) in (None, ""):
            continue
        try:
            if not ok(dec(value), dec(cond[bound])):
                return False
        except ValueError:
            if not ok(str(value), str(cond[bound])):
                return False
    return True
