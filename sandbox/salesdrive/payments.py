"""Payments: `POST /api/payment/` (attach to one order or none) and `GET /api/payment/list/` (rate limited).

As docs/salesdrive-api.md ("Payments") states: an account-level key, `paymentBreakdown` allocates a
payment to orders; whether `uniqueId` de-duplicates and whether a payment bumps the order's `updateAt`
are switches (undocumented).
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .access import authorized, denied, refuse_list_call
from .clock import fmt, parse_dt
from .money import dec, money, num, totals
from .orders import find_order
from .state import Doc, State
from .wire import ApiError, as_list, int_or_none, json_response, page_of, paging, query, read_body, within

if TYPE_CHECKING:
    from .app import SalesDriveEmulator

PATH = "/api/payment/list/"
PAYMENT_TYPES = ("incoming", "outcoming")


def store_payment(
    emu: SalesDriveEmulator,
    *,
    total: Decimal,
    parts: list[tuple[int, Decimal]],
    kind: str,
    date: str | None,
    description: str,
    unique_id: str | None,
    counterparty: Doc | None = None,
) -> Doc:
    """Record a payment split over `parts` (order id, sum); it raises (outgoing: lowers) `payedAmount`."""
    if kind not in PAYMENT_TYPES:
        raise ApiError(f"Unknown payment type {kind!r}")
    st = emu.state
    now = fmt(emu.clock.now())
    org = st.dicts["organizations"][0]
    payment = {
        "id": st.next_id("payment", start=3001),
        "date": date or now,
        "userId": 1,
        "comment": description,
        "sum": str(money(total)),
        "purpose": description,
        "nds": 0,
        "payerTypeId": 1,
        "createdAt": now,
        "updatedAt": now,
        "responsibleId": 1,
        "type": kind,
        "integrationTypeId": None,
        "organizationAccount": {k: org["accounts"][0][k] for k in ("id", "title", "accountNumber")},
        "organization": {"id": org["id"], "title": org["title"], "egrpou": org["egrpou"]},
        "paymentBreakdown": [
            {"sum": str(money(s)), "invoice": None, "order": {"id": oid, "formId": st.orders[oid]["formId"]}}
            for oid, s in parts
        ],
        "contact": _payer(st, parts),
        "counterparty": counterparty,
        "uniqueId": unique_id,
    }
    st.put_payment(payment)
    sign = 1 if kind == "incoming" else -1
    for oid, part in parts:
        order = copy.deepcopy(st.orders[oid])
        order["payedAmount"] = str(money(dec(order.get("payedAmount")) + sign * part))
        if emu.config.payment_bumps_order_update_at:
            order["version"] += 1
            order["updateAt"] = now
        st.put_order(order)
    return payment


def _payer(state: State, parts: list[tuple[int, Decimal]]) -> Doc | None:
    """The first order's contact, in short."""
    first_order = state.orders[parts[0][0]] if parts else None
    if not first_order or not first_order.get("contactIds"):
        return None
    c = state.contacts.get(first_order["contactIds"][0])
    return {k: c.get(k) for k in ("id", "formId", "fName", "lName", "mName")} if c else None


# create ------------------------------------------------------------------------------------------------
def handle_create(emu: SalesDriveEmulator, request: Request) -> Response:
    """201 `{"success": true, "data": {"paymentId"}}`; business errors raise ApiError (`status: error`)."""
    body = read_body(request)
    if not authorized(emu.config, request, order_base=False):  # payments need an account-level key
        return denied(emu.config)
    try:
        total = dec(body.get("sum"))
    except ValueError as exc:
        raise ApiError(str(exc)) from exc
    if total <= 0:
        raise ApiError("sum must be a positive number")
    unique_id = str(body["uniqueId"]) if body.get("uniqueId") not in (None, "") else None
    existing = _existing_payment(emu, unique_id)
    if existing is not None:
        return json_response({"success": True, "data": {"paymentId": existing}}, status=201)
    _check_account(emu.state, body)
    order = _target_order(emu.state, total, body)
    payment = store_payment(
        emu,
        total=total,
        parts=[(order["id"], total)] if order else [],
        kind="incoming",
        date=_payment_date(body),
        description=str(body.get("description") or ""),
        unique_id=unique_id,
        counterparty=_counterparty(body),
    )
    return json_response({"success": True, "data": {"paymentId": payment["id"]}}, status=201)


def _existing_payment(emu: SalesDriveEmulator, unique_id: str | None) -> int | None:
    """The payment a repeated `uniqueId` names (`dedup`), an error (`error`), or None (`ignore`/new)."""
    rule = emu.config.payment_unique_id
    if not unique_id or rule == "ignore":
        return None
    dup = [p for p in emu.state.payments.values() if p.get("uniqueId") == unique_id]
    if dup and rule == "dedup":
        return int(dup[0]["id"])
    if dup:
        raise ApiError(f"Payment with uniqueId {unique_id} already exists")
    return None


def _check_account(state: State, body: Doc) -> None:
    accounts = [a["accountNumber"] for o in state.dicts["organizations"] for a in o["accounts"]]
    if body.get("accountNumber") not in (None, "") and body["accountNumber"] not in accounts:
        raise ApiError(f"Unknown accountNumber {body['accountNumber']!r}")


def _target_order(state: State, total: Decimal, body: Doc) -> Doc | None:
    """By `orderId`, by `orderExternalId` (+ `formId`), or by `autoAttachToOrderType`; else none."""
    if body.get("orderId") not in (None, ""):
        order = find_order(state, body["orderId"])
        if order is None:
            raise ApiError(f"Order {body['orderId']} not found")
        return order
    if body.get("orderExternalId") not in (None, ""):
        order = find_order(state, None, body["orderExternalId"])
        if order is None or (
            body.get("formId") not in (None, "") and order["formId"] != int_or_none(body["formId"])
        ):
            raise ApiError(f"Order with externalId {body['orderExternalId']} not found")
        return order
    if body.get("autoAttachToOrderType") in ("sum", "lastname_and_sum"):
        return auto_attach(state, total, body)
    return None


def auto_attach(state: State, total: Decimal, body: Doc) -> Doc | None:
    """The newest order whose rest to pay equals the sum (and, `lastname_and_sum`, the payer's last name)."""
    last_name = str(body.get("payerLastName") or "").strip().lower()
    for order in sorted(state.orders.values(), key=lambda o: -o["id"]):
        if totals(order)["restPay"] != money(total):
            continue
        if body.get("autoAttachToOrderType") == "lastname_and_sum":
            names = [str(state.contacts[c].get("lName") or "").lower() for c in order.get("contactIds") or []]
            if not last_name or last_name not in names:
                continue
        return order
    return None


def _payment_date(body: Doc) -> Any:
    date = body.get("datetime")
    if date in (None, ""):
        return date
    try:
        return fmt(parse_dt(str(date)))
    except ValueError as exc:
        raise ApiError(f"Invalid datetime {date!r}") from exc


def _counterparty(body: Doc) -> Doc | None:
    if body.get("counterpartyName") or body.get("counterpartyCode"):
        return {"id": None, "egrpou": body.get("counterpartyCode"), "title": body.get("counterpartyName")}
    return None


# list --------------------------------------------------------------------------------------------------
def handle_list(emu: SalesDriveEmulator, request: Request) -> Response:
    refused = refuse_list_call(emu, request, PATH, order_base=False)
    if refused is not None:
        return refused
    args, filt = query(request)
    # `type` is a top-level argument; `filter[type]` (sent by GitHub DriZ/Salesdrive-API-Client) is ignored.
    kind = args.get("type") or "all"
    if kind not in ("all", *PAYMENT_TYPES):
        raise ApiError(f"Unknown type {kind!r}: expected all, incoming or outcoming")
    page, limit = paging(args, 30)
    payments = [p for p in emu.state.payments.values() if kind == "all" or p["type"] == kind]
    for key in ("updatedAt", "createdAt", "date"):
        payments = within(payments, key, filt.get(key))
    orgs = as_list(filt.get("organizationId"))
    if orgs:
        payments = [p for p in payments if str(p["organization"]["id"]) in orgs]
    payments.sort(key=lambda p: p["id"], reverse=True)
    chosen, pagination = page_of(payments, page, limit)
    return json_response(
        {
            "status": "success",
            "data": [render_payment(p) for p in chosen],
            "pagination": pagination,
            "totals": {
                "count": len(payments),
                "sum": num(sum((dec(p["sum"]) for p in payments), Decimal(0))),
            },
        }
    )


def render_payment(payment: Doc) -> Doc:
    out = copy.deepcopy(payment)
    out["sum"] = num(dec(payment["sum"]))
    for part in out["paymentBreakdown"]:
        part["sum"] = num(dec(part["sum"]))
    out.pop("uniqueId", None)
    return out
