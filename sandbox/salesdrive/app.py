"""The SalesDrive emulator: a WSGI app that answers like `https://{account}.salesdrive.me`.

Written from `shared/reference/salesdrive-api.md` only. Every behaviour the reference marks as unknown is a
switch in `SalesDriveEmulatorConfig` (see README.md).
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .accounting_field import fires_webhook
from .clock import FMT, Clock, ManualClock, RealClock, fmt, parse_dt
from .config import SalesDriveEmulatorConfig
from .limits import RateLimiter, Throttled
from .odd_shapes import odd_list_answer
from .render import dec, meta_fields, money, num, render_order, totals, webhook_body, yml_feed
from .seed import ORDERS, product_specs, seed_dictionaries
from .state import Doc, State, normalize_phone
from .webhooks import EVENTS, BackgroundDelivery, Transport, WebhookDispatcher

LIMITED = ("/api/order/list/", "/api/payment/list/")
CARRIERS = ("novaposhta", "ukrposhta", "meest", "rozetka_delivery", "justin")
UTM = ("utmSource", "utmMedium", "utmCampaign", "utmContent", "utmTerm", "utmPage", "utmSourceFull")
# `dontUpdateFields` names differ from input names for a few fields (reference §4).
GUARD_NAMES = {"costPerItem": "price"}
MAX_PRODUCTS = 100


class ApiError(Exception):
    """A business/validation error; `shape` picks the body SalesDrive uses on that endpoint."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def nest(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """PHP-style bracket keys (`filter[statusId][]=1`, `data[dilovod]=id_23`) into nested dicts/lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        m = re.match(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$", key)
        if not m:
            root[key] = value
            continue
        path = [m.group(1), *re.findall(r"\[([^\[\]]*)\]", m.group(2))]
        node: Any = root
        for i, seg in enumerate(path[:-1]):
            nxt_is_list = path[i + 1] == ""
            if isinstance(node, dict):
                if seg not in node or not isinstance(node[seg], dict | list):
                    node[seg] = [] if nxt_is_list else {}
                node = node[seg]
        last = path[-1]
        if isinstance(node, list):
            node.append(value)
        elif isinstance(node, dict):
            node[last] = value
    return _listify(root)


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _listify(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    elif isinstance(node, list):
        return [_listify(v) for v in node]
    return node


def _as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v not in (None, "")]
    return [str(value)]


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _json(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(obj, ensure_ascii=False), status=status, headers=headers, mimetype="application/json"
    )


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
        self._counters: dict[str, Any] = {}
        self.reset_counters()
        self._yml_cache: tuple[datetime, str] | None = None
        self._background: BackgroundDelivery | None = None
        if self.state.empty:
            seed_dictionaries(self.state)
            if self.config.seed:
                self._seed()
        self.url_map = Map(
            [
                Rule("/handler/", endpoint="create_order", methods=["POST"]),
                Rule("/api/order/list/", endpoint="order_list", methods=["GET"]),
                Rule("/api/order/update/", endpoint="order_update", methods=["POST"]),
                Rule("/api/statuses/", endpoint="statuses", methods=["GET"]),
                Rule("/api/payment-methods/", endpoint="payment_methods", methods=["GET"]),
                Rule("/api/delivery-methods/", endpoint="delivery_methods", methods=["GET"]),
                Rule("/api/currencies/", endpoint="currencies", methods=["GET"]),
                Rule("/product-handler/", endpoint="product_handler", methods=["POST"]),
                Rule("/category-handler/", endpoint="category_handler", methods=["POST"]),
                Rule("/export/yml/export.yml", endpoint="yml", methods=["GET"]),
                Rule("/api/payment/", endpoint="payment_create", methods=["POST"]),
                Rule("/api/payment/list/", endpoint="payment_list", methods=["GET"]),
                # Control endpoints: not SalesDrive, not authenticated, not counted.
                Rule("/__emulator__/counters", endpoint="c_counters", methods=["GET"]),
                Rule("/__emulator__/counters/reset", endpoint="c_counters_reset", methods=["POST"]),
                Rule("/__emulator__/clock", endpoint="c_clock", methods=["GET", "POST"]),
                Rule("/__emulator__/config", endpoint="c_config", methods=["GET", "POST"]),
                Rule("/__emulator__/webhooks", endpoint="c_webhooks", methods=["GET", "POST"]),
                Rule("/__emulator__/webhooks/deliver", endpoint="c_webhooks_deliver", methods=["POST"]),
                Rule("/__emulator__/webhooks/<int:sub_id>", endpoint="c_webhook_delete", methods=["DELETE"]),
                Rule("/__emulator__/webhook-log", endpoint="c_webhook_log", methods=["GET"]),
                Rule("/__emulator__/orders/<int:order_id>", endpoint="c_order", methods=["GET"]),
                Rule("/__emulator__/products/<path:product_id>", endpoint="c_product", methods=["GET"]),
                Rule("/__emulator__/contacts/<int:contact_id>", endpoint="c_contact", methods=["GET"]),
                Rule("/__emulator__/payments", endpoint="c_payments", methods=["POST"]),
            ],
            strict_slashes=False,
        )

    # WSGI --------------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self._dispatch(request)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        control = request.path.startswith("/__emulator__/")
        try:
            rule, args = adapter.match(return_rule=True)
        except (NotFound, MethodNotAllowed) as exc:
            response = _json({"status": "error", "message": exc.name}, status=exc.code or 404)
            if not control:
                self._count(request.path, response.status_code)
            return response
        except HTTPException as exc:  # e.g. a redirect
            return exc.get_response(request.environ)
        endpoint, path = str(rule.endpoint), str(rule.rule)
        with self.lock:
            try:
                response = getattr(self, f"_h_{endpoint}")(request, **args)
            except ApiError as exc:
                response = _json({"status": "error", "message": exc.message}, status=self.config.error_status)
        if not control:
            self._count(path, response.status_code)
        return response

    # counters ----------------------------------------------------------------------------------------
    def reset_counters(self) -> None:
        with self.lock:
            self._counters = {
                "requests": {},
                "throttled": {},
                "product_handler": {"calls": 0, "products": 0, "per_call": [], "rejected": 0},
            }

    def _count(self, path: str, status: int) -> None:
        with self.lock:
            per = self._counters["requests"].setdefault(path, {})
            per[str(status)] = per.get(str(status), 0) + 1

    @property
    def counters(self) -> dict[str, Any]:
        with self.lock:
            return copy.deepcopy(self._counters)

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
            return copy.deepcopy(self._create_order(body, now=self.clock.now()))

    def update_order(self, body: Doc) -> None:
        with self.lock:
            self._update_order(body)

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
            return copy.deepcopy(
                self._store_payment(
                    total=dec(sum),
                    parts=parts,
                    kind=type,
                    date=date,
                    description=description,
                    unique_id=unique_id,
                )
            )

    def close(self) -> None:
        self.stop_background_delivery()
        self.state.close()

    # helpers -----------------------------------------------------------------------------------------
    def _now(self) -> str:
        return fmt(self.clock.now()) or ""

    def _body(self, request: Request) -> Doc:
        raw = request.get_data(as_text=True)
        ctype = (request.mimetype or "").lower()
        if ctype == "application/x-www-form-urlencoded" or ctype == "multipart/form-data":
            return nest(request.form.items(multi=True))
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ApiError(f"Invalid JSON: {exc.msg}") from exc
        if not isinstance(body, dict):
            raise ApiError("Request body must be a JSON object")
        return body

    def _authorized(
        self, request: Request, body: Doc | None = None, *, order_base: bool = True, form_header: bool = False
    ) -> bool:
        cfg = self.config
        key = request.headers.get("X-Api-Key")
        if key and (key == cfg.api_key or (order_base and key == cfg.form_key)):
            return True
        if form_header and request.headers.get("Form-Api-Key") == cfg.form_key:
            return True
        return bool(order_base and body is not None and body.get("form") == cfg.form_key)

    def _denied(self) -> Response:
        return _json({"message": "api key is invalid"}, status=self.config.auth_error_status)

    def _throttle(self, endpoint: str) -> Response | None:
        cfg = self.config
        key = "account" if cfg.limit_scope == "account" else endpoint
        try:
            self.limiter.check(key, self.clock.now(), cfg.limits, cfg.limit_window)
        except Throttled as exc:
            self._counters["throttled"][endpoint] = self._counters["throttled"].get(endpoint, 0) + 1
            body = {"status": "error", "message": str(exc)}
            if cfg.throttle_shape == "429":
                return _json(body, status=429, headers={"Retry-After": str(exc.retry_after)})
            return _json(body, status=400)
        return None

    def _statuses(self, form_id: int = 1) -> dict[int, Doc]:
        return {s["id"]: s for s in self.state.dicts["statuses"] if s.get("formId", 1) == form_id}

    def _resolve_method(self, dict_name: str, value: Any) -> int | None:
        if value in (None, ""):
            return None
        text = str(value).strip()
        methods = self.state.dicts[dict_name]
        m = re.fullmatch(r"id_(\d+)", text)
        wanted = int(m.group(1)) if m else _int_or_none(text)
        for method in methods:
            if wanted is not None and method["id"] == wanted:
                return int(method["id"])
        for method in methods:
            if text.lower() in (str(method["name"]).lower(), str(method["parameter"]).lower()):
                return int(method["id"])
        return None

    def _resolve_site(self, value: Any, *, create: bool) -> int | None:
        if value in (None, ""):
            return None
        text = str(value).strip()
        sites = self.state.dicts["sites"]
        m = re.fullmatch(r"id_(\d+)", text)
        wanted = int(m.group(1)) if m else _int_or_none(text)
        for site in sites:
            if site["value"] == wanted or str(site["text"]).lower() == text.lower():
                return int(site["value"])
        host = re.sub(r"^https?://(www\.)?", "", text.lower()).split("/")[0]
        for site in sites:
            if str(site["text"]).lower() == host:
                return int(site["value"])
        if not create:
            return None
        # An unknown site becomes a new option of the `sajt` field (assumed; see README).
        new = {"value": max((s["value"] for s in sites), default=0) + 1, "text": text}
        self.state.put_dict("sites", [*sites, new])
        return int(new["value"])

    def _custom_value(self, field: Doc, raw: Any) -> Any:
        if field["type"] == "text":
            return None if raw is None else str(raw)
        values = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
        resolved = []
        for value in values:
            text = str(value).strip()
            m = re.fullmatch(r"id_(\d+)", text)
            wanted = int(m.group(1)) if m else _int_or_none(text)
            match = [o["value"] for o in field["options"] if o["value"] == wanted or o["text"] == text]
            if not match:
                raise ApiError(f"Unknown option {value!r} for field {field['code']}")
            resolved.append(int(match[0]))
        if field["type"] == "select":
            return resolved[0] if resolved else None
        return resolved

    def _custom_fields(self) -> dict[str, Doc]:
        return {cf["code"]: cf for cf in self.state.dicts["custom_fields"]}

    @staticmethod
    def _adjustment(raw: Any) -> tuple[str, int]:
        """Discount/commission: "10%" is a percent (flag 1), anything else an absolute value (flag 0)."""
        if raw in (None, ""):
            return "0", 0
        text = str(raw).strip()
        if text.endswith("%"):
            return str(dec(text[:-1])), 1
        return str(dec(text)), 0

    def _fire(self, event: str, order: Doc) -> None:
        subs = [
            s
            for s in self.state.subscriptions.values()
            if event in s["events"]
            and (s.get("statuses") is None or order["statusId"] in s["statuses"])
            and (s.get("sites") is None or order.get("sajt") in s["sites"])
        ]
        if not subs:
            return
        body = webhook_body(event, order, self.state, self.config)
        for sub in subs:
            self.webhooks.enqueue(sub, event, order, body)

    def _find_order(self, order_id: Any = None, external_id: Any = None) -> Doc | None:
        oid = _int_or_none(order_id)
        if oid is not None:
            return self.state.orders.get(oid)
        if external_id not in (None, ""):
            # No dedup by externalId exists, so several orders may share it: the newest wins.
            matches = [o for o in self.state.orders.values() if o.get("externalId") == str(external_id)]
            return max(matches, key=lambda o: o["id"]) if matches else None
        return None

    # orders ------------------------------------------------------------------------------------------
    def _create_order(self, body: Doc, *, now: datetime, fire: bool = True) -> Doc:
        st, cfg = self.state, self.config
        stamp = fmt(now)
        raw_lines = body.get("products") or []
        if not isinstance(raw_lines, list):
            raise ApiError("products must be a list")
        default_stock = _int_or_none(body.get("stockId")) or 1
        lines = []
        for item in raw_lines:
            if not isinstance(item, dict):
                raise ApiError("each product must be an object")
            product = st.find_product(item.get("id"), item.get("sku"))
            price = item.get("costPerItem")
            discount, pct = self._adjustment(item.get("discount"))
            commission, pctc = self._adjustment(item.get("commission"))
            category = (product or {}).get("category")
            lines.append(
                {
                    "productId": (product or {}).get("productId"),
                    "parameter": str(item["id"])
                    if item.get("id") not in (None, "")
                    else (product or {}).get("id"),
                    "name": item.get("name") or (product or {}).get("name"),
                    "documentName": (product or {}).get("nameForDocuments")
                    or item.get("name")
                    or (product or {}).get("name"),
                    "sku": item.get("sku") or (product or {}).get("sku"),
                    "barcode": (product or {}).get("barcode"),
                    "manufacturer": (product or {}).get("manufacturer"),
                    "uktzed": (product or {}).get("uktzed"),
                    "description": item.get("description") or "",
                    "amount": str(dec(item.get("amount", 1))),
                    "price": str(
                        dec(price if price not in (None, "") else (product or {}).get("costPerItem"))
                    ),
                    "costPrice": str(dec(item.get("costPrice", (product or {}).get("expenses")))),
                    "discount": discount,
                    "percentDiscount": pct,
                    "commission": commission,
                    "percentCommission": pctc,
                    "absoluteMode": cfg.absolute_discount,
                    "stockId": _int_or_none(item.get("stockId")) or default_stock,
                    "categoryId": _int_or_none(category),
                    "categoryName": (st.categories.get(str(category)) or {}).get("name"),
                }
            )
        contact_ids = self._order_contact(body, stamp)
        customs: Doc = {}
        fields = self._custom_fields()
        for code, field in fields.items():
            if code in body:
                customs[code] = self._custom_value(field, body[code])
        statuses = self._statuses(1)
        first_status = min(s["id"] for s in statuses.values() if s["type"] == 1)
        order: Doc = {
            "id": st.next_id("order", start=10001),
            "formId": 1,
            "version": 1,
            "typeId": 1,
            "organizationId": _int_or_none(body.get("organizationId")) or 1,
            "externalId": str(body["externalId"]) if body.get("externalId") not in (None, "") else None,
            "orderTime": stamp,
            "updateAt": stamp,
            "statusId": first_status,
            "paymentDate": None,
            "rejectionReason": None,
            "userId": self._user(body.get("salesdrive_manager")) or 1,
            "contactIds": contact_ids,
            "products": lines,
            "payment_method": self._resolve_method("payment_methods", body.get("payment_method")),
            "shipping_method": self._resolve_method("delivery_methods", body.get("shipping_method")),
            "shipping_address": body.get("shipping_address"),
            "comment": body.get("comment"),
            "sajt": self._resolve_site(body.get("sajt"), create=True),
            "campaignId": _int_or_none(body.get("campaignId")),
            "custom": customs,
            "payedAmount": "0",
            "shipping_costs": str(dec(body.get("shipping_costs"))),
            "stockId": default_stock,
            "ord_delivery": None,
            "ord_delivery_data": [],
            "statusHistory": [[first_status, stamp]],
        }
        for key in UTM:
            order[key] = body.get(key)
        self._apply_carrier(order, body, create=True)
        st.put_order(order)
        if fire:
            self._fire("new_order", order)
        return order

    def _user(self, value: Any) -> int | None:
        uid = _int_or_none(value)
        return uid if uid in {u["value"] for u in self.state.dicts["users"]} else None

    def _order_contact(self, body: Doc, stamp: str | None) -> list[int]:
        st = self.state
        phones = [normalize_phone(p) for p in _as_list(body.get("phone")) if normalize_phone(p)]
        emails = [e.strip().lower() for e in _as_list(body.get("email"))]
        con_custom = {
            k: v for k, v in body.items() if k.startswith("con_") and k not in ("con_comment", "con_telegram")
        }
        has_data = phones or emails or any(body.get(k) for k in ("fName", "lName", "mName", "company"))
        if not has_data:
            return []
        contact = st.find_contact(phones, emails)
        if contact is None:
            contact = {
                "id": st.next_id("contact", start=7001),
                "formId": 1,
                "version": 1,
                "lName": body.get("lName"),
                "fName": body.get("fName"),
                "mName": body.get("mName"),
                "phone": phones,
                "email": emails,
                "company": body.get("company"),
                "comment": body.get("con_comment"),
                "telegram": body.get("con_telegram"),
                "dateOfBirth": body.get("dateOfBirth"),
                "userId": 1,
                "createTime": stamp,
                "leadsCount": 1,
                "leadsSalesCount": 0,
                "leadsSalesAmount": 0,
                "custom": con_custom,
            }
        else:
            # A returning customer: the same contact, with any new phone/e-mail added to it.
            contact = copy.deepcopy(contact)
            contact["phone"] += [p for p in phones if p not in contact["phone"]]
            contact["email"] += [e for e in emails if e not in contact["email"]]
            contact["leadsCount"] = contact.get("leadsCount", 0) + 1
            contact["version"] = contact.get("version", 1) + 1
        st.put_contact(contact)
        return [contact["id"]]

    def _apply_carrier(self, order: Doc, body: Doc, *, create: bool) -> None:
        for carrier in CARRIERS:
            block = body.get(carrier)
            if not isinstance(block, dict):
                continue
            ttn = block.get("ttn") or None
            entries = [d for d in order["ord_delivery_data"] if d.get("provider") == carrier]
            entry = entries[0] if entries else {"senderId": 1, "provider": carrier, "trackingNumber": None}
            if not entries:
                order["ord_delivery_data"].append(entry)
            if create:
                entry.update(
                    {
                        "type": block.get("ServiceType"),
                        "areaName": block.get("area"),
                        "regionName": block.get("region"),
                        "cityName": block.get("city"),
                        "branchNumber": block.get("WarehouseNumber"),
                        "streetName": block.get("Street"),
                        "house": block.get("BuildingNumber"),
                        "flat": block.get("Flat"),
                        "payer": block.get("payer"),
                    }
                )
            if ttn:
                entry["trackingNumber"] = str(ttn)
            order["ord_delivery"] = carrier
            if carrier == "novaposhta":
                np = dict(order.get("ord_novaposhta") or {})
                np.update(
                    {
                        "EN": entry.get("trackingNumber"),
                        "cityName": entry.get("cityName"),
                        "branchNumber": entry.get("branchNumber"),
                    }
                )
                order["ord_novaposhta"] = np
            return
        if create and order.get("shipping_method"):
            methods = {m["id"]: m for m in self.state.dicts["delivery_methods"]}
            parameter = methods[order["shipping_method"]]["parameter"]
            if parameter in CARRIERS:
                order["ord_delivery"] = parameter

    def _update_order(self, body: Doc) -> None:
        order = self._find_order(
            body.get("id"), None if body.get("id") not in (None, "") else body.get("externalId")
        )
        if order is None:
            raise ApiError("Order not found")
        data = body.get("data")
        if not isinstance(data, dict):
            raise ApiError("data is required")
        new = copy.deepcopy(order)
        now = self.clock.now()
        if "statusId" in data:
            status = _int_or_none(data["statusId"])
            statuses = self._statuses(order.get("formId", 1))
            if status not in statuses:
                raise ApiError(f"Unknown statusId {data['statusId']!r}")
            new["statusId"] = status
            # Moving into a sale status stamps the sale date unless one is given (assumed; see README).
            if status != order["statusId"] and statuses[status]["type"] == 2 and not new.get("paymentDate"):
                new["paymentDate"] = now.strftime("%Y-%m-%d")
        if "paymentDate" in data:
            new["paymentDate"] = self._parse_day(data["paymentDate"])
        if "rejectionReasonId" in data:
            reason = _int_or_none(data["rejectionReasonId"])
            if data["rejectionReasonId"] not in (None, "") and reason not in {
                r["value"] for r in self.state.dicts["rejection_reasons"]
            }:
                raise ApiError(f"Unknown rejectionReasonId {data['rejectionReasonId']!r}")
            new["rejectionReason"] = reason
        if "salesdrive_manager" in data:
            user = self._user(data["salesdrive_manager"])
            if user is None:
                raise ApiError(f"Unknown manager {data['salesdrive_manager']!r}")
            new["userId"] = user
        for key, dict_name in (
            ("payment_method", "payment_methods"),
            ("shipping_method", "delivery_methods"),
        ):
            if key in data:
                method = self._resolve_method(dict_name, data[key])
                if method is None and data[key] not in (None, ""):
                    raise ApiError(f"Unknown {key} {data[key]!r}")
                new[key] = method
        for key in ("comment", "shipping_address"):
            if key in data:
                new[key] = None if data[key] is None else str(data[key])
        if "shipping_costs" in data:
            new["shipping_costs"] = str(dec(data["shipping_costs"]))
        if "sajt" in data:
            new["sajt"] = self._resolve_site(data["sajt"], create=False)
        self._apply_carrier(new, data, create=False)
        fields = self._custom_fields()
        for code, field in fields.items():
            if code in data:
                new.setdefault("custom", {})[code] = self._custom_value(field, data[code])
        # Product lines and the linked contact's data cannot be changed through the API (SWAGGER): ignored.
        if new == order:
            return
        new["version"] = order["version"] + 1
        new["updateAt"] = fmt(now)
        status_changed = new["statusId"] != order["statusId"]
        if status_changed:
            new["statusHistory"].append([new["statusId"], fmt(now)])
        self.state.put_order(new)
        if fires_webhook(self.config.update_webhook, status_changed=status_changed):
            self._fire("status_change", new)

    @staticmethod
    def _parse_day(value: Any) -> str | None:
        if value in (None, ""):
            return None
        text = str(value).strip()
        for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
            try:
                return datetime.strptime(text, pattern).strftime("%Y-%m-%d")
            except ValueError:
                continue
        raise ApiError(f"Invalid date {value!r}: expected DD.MM.YYYY")

    def _filter_orders(self, filt: Doc) -> list[Doc]:
        orders = list(self.state.orders.values())
        types = {s["id"]: s["type"] for s in self.state.dicts["statuses"]}
        raw_status = filt.get("statusId", "__NOTDELETED__")
        wanted = _as_list(list(raw_status.values()) if isinstance(raw_status, dict) else raw_status)
        if "__ALL__" not in wanted:
            ids = {int(v) for v in wanted if v.lstrip("-").isdigit()}
            not_deleted = "__NOTDELETED__" in wanted
            orders = [
                o for o in orders if o["statusId"] in ids or (not_deleted and types.get(o["statusId"]) != 4)
            ]
        for key in ("updateAt", "orderTime"):
            rng = filt.get(key)
            if isinstance(rng, dict):
                lo = self._filter_dt(rng.get("from"), end=False)
                hi = self._filter_dt(rng.get("to"), end=True)
                orders = [
                    o
                    for o in orders
                    if (lo is None or parse_dt(o[key]) >= lo) and (hi is None or parse_dt(o[key]) <= hi)
                ]
        if "setStatusId" in filt or "setStatusTime" in filt:
            set_ids = {int(v) for v in _as_list(filt.get("setStatusId")) if v.isdigit()}
            raw_rng = filt.get("setStatusTime")
            span: Doc = raw_rng if isinstance(raw_rng, dict) else {}
            lo = self._filter_dt(span.get("from"), end=False)
            hi = self._filter_dt(span.get("to"), end=True)
            orders = [
                o
                for o in orders
                if any(
                    (not set_ids or sid in set_ids)
                    and (lo is None or parse_dt(at) >= lo)
                    and (hi is None or parse_dt(at) <= hi)
                    for sid, at in o.get("statusHistory") or []
                )
            ]
        for key, cond in filt.items():
            if key in ("statusId", "updateAt", "orderTime", "setStatusId", "setStatusTime"):
                continue
            orders = [o for o in orders if self._generic_match(o, key, cond)]
        return orders

    def _filter_dt(self, value: Any, *, end: bool) -> datetime | None:
        if value in (None, ""):
            return None
        try:
            return parse_dt(str(value), end_of_day=end)
        except ValueError as exc:
            raise ApiError(f"Invalid date {value!r}: expected YYYY-MM-DD HH:MM:SS") from exc

    @staticmethod
    def _generic_match(order: Doc, key: str, cond: Any) -> bool:
        """ "You can filter by any field": equality, a list (any of), or a from/to range."""
        if key in (
            "paymentAmount",
            "payedAmount",
            "restPay",
            "discountAmount",
            "profitAmount",
            "expensesAmount",
        ):
            value: Any = totals(order)[key]
        elif key in (order.get("custom") or {}):
            value = order["custom"][key]
        else:
            value = order.get(key)
        values = value if isinstance(value, list) else [value]
        if isinstance(cond, dict) and ("from" in cond or "to" in cond):
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
        wanted = _as_list(list(cond.values()) if isinstance(cond, dict) else cond)
        return any(str(v) in wanted for v in values if v is not None)

    @staticmethod
    def _paging(args: Doc, default: int) -> tuple[int, int]:
        page = _int_or_none(args.get("page")) or 1
        limit = _int_or_none(args.get("limit")) or default
        return max(page, 1), min(max(limit, 1), 100)  # more than 100 is clamped (assumed; see README)

    # handlers: orders --------------------------------------------------------------------------------
    def _h_create_order(self, request: Request) -> Response:
        try:
            body = self._body(request)
        except ApiError as exc:
            return _json({"error": exc.message}, status=self.config.error_status)
        if not self._authorized(request, body):
            return self._denied()
        try:
            order = self._create_order(body, now=self.clock.now())
        except (ApiError, ValueError) as exc:
            return _json({"error": getattr(exc, "message", str(exc))}, status=self.config.error_status)
        if str(body.get("getResultData", "")).lower() in ("1", "true"):
            return _json({"success": True, "data": {"orderId": order["id"], "userId": order["userId"]}})
        return Response(b"", status=200, mimetype="text/html")  # no getResultData: an empty body

    def _h_order_list(self, request: Request) -> Response:
        if not self._authorized(request, form_header=True):
            return self._denied()
        throttled = self._throttle("/api/order/list/")
        if throttled is not None:
            return throttled
        args = nest(request.args.items(multi=True))
        raw_filter = args.get("filter")
        filt: Doc = raw_filter if isinstance(raw_filter, dict) else {}
        page, limit = self._paging(args, 50)
        orders = self._filter_orders(filt)
        orders.sort(key=lambda o: o["id"], reverse=self.config.list_sort == "id_desc")
        chosen = orders[(page - 1) * limit : page * limit]
        sums = [totals(o) for o in orders]
        return _json(
            odd_list_answer(
                {
                    "status": "success",
                    "data": [render_order(o, self.state, self.config, "list") for o in chosen],
                    "meta": {"fields": meta_fields(self.state, chosen)},
                    "pagination": {
                        "currentPage": page,
                        "pageCount": -(-len(orders) // limit),
                        "perPage": limit,
                    },
                    "totals": {
                        "count": len(orders),
                        "paymentAmount": num(sum((t["paymentAmount"] for t in sums), Decimal(0))),
                        "commission": num(sum((t["commissionAmount"] for t in sums), Decimal(0))),
                        "expenses": num(sum((t["expensesAmount"] for t in sums), Decimal(0))),
                    },
                },
                list(self.config.odd_shapes),
            )
        )

    def _h_order_update(self, request: Request) -> Response:
        try:
            body = self._body(request)
        except ApiError as exc:
            return _json({"success": False, "message": exc.message}, status=self.config.error_status)
        if not self._authorized(request, body):
            return self._denied()
        try:
            self._update_order(body)
        except (ApiError, ValueError) as exc:
            return _json(
                {"success": False, "message": getattr(exc, "message", str(exc))},
                status=self.config.error_status,
            )
        return _json({"success": True})

    def _h_statuses(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._denied()
        data = [{"id": s["id"], "name": s["name"], "type": s["type"]} for s in self.state.dicts["statuses"]]
        return _json({"success": True, "data": data})

    def _h_payment_methods(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._denied()
        return _json({"success": True, "data": copy.deepcopy(self.state.dicts["payment_methods"])})

    def _h_delivery_methods(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._denied()
        return _json({"success": True, "data": copy.deepcopy(self.state.dicts["delivery_methods"])})

    def _h_currencies(self, request: Request) -> Response:
        if not self._authorized(request, order_base=False):
            return self._denied()
        return _json(
            {
                "baseCurrency": "UAH",
                "currencies": [
                    {"code": "USD", "abbreviation": "$", "rate": 41.5},
                    {"code": "EUR", "abbreviation": "€", "rate": 48.2},
                ],
            }
        )

    # handlers: catalog -------------------------------------------------------------------------------
    def _catalog_error(self, message: str) -> Response:
        return _json({"status": "error", "message": message}, status=self.config.error_status)

    def _h_product_handler(self, request: Request) -> Response:
        try:
            body = self._body(request)
        except ApiError as exc:
            return self._catalog_error(exc.message)
        if not self._authorized(request, body):
            return self._denied()
        stats = self._counters["product_handler"]
        action = body.get("action")
        items = body.get("product")
        if action not in ("update", "add", "delete"):
            stats["rejected"] += 1
            return self._catalog_error(f"Unknown action {action!r}: expected update or delete")
        if not isinstance(items, list) or not items:
            stats["rejected"] += 1
            return self._catalog_error("product must be a non-empty list")
        if len(items) > MAX_PRODUCTS:
            stats["rejected"] += 1
            return self._catalog_error(f"Too many products: {len(items)}, at most {MAX_PRODUCTS} per request")
        ids = []
        for item in items:
            if not isinstance(item, dict) or item.get("id") in (None, ""):
                stats["rejected"] += 1
                return self._catalog_error("Each product needs an id")
            ids.append(str(item["id"]).strip())
        protected = {str(f) for f in body.get("dontUpdateFields") or []}
        try:
            if action == "delete":
                for pid in ids:
                    self.state.delete_product(pid)
            else:
                prepared = [self._upsert_product(item, protected) for item in items]
                for product in prepared:
                    self.state.put_product(product)
        except ValueError as exc:
            stats["rejected"] += 1
            return self._catalog_error(str(exc))
        stats["calls"] += 1
        stats["products"] += len(items)
        stats["per_call"].append(len(items))
        verb = "deleted" if action == "delete" else "added"
        return _json({"status": "success", "message": f"product[{', '.join(ids)}] successfully {verb}."})

    def _upsert_product(self, item: Doc, protected: set[str]) -> Doc:
        """`update` upserts; `dontUpdateFields` protects an existing product's fields (new ones take all)."""
        pid = str(item["id"]).strip()
        existing = self.state.products.get(pid)
        if existing is not None:
            product = copy.deepcopy(existing)
        else:
            product = {
                "id": pid,
                "productId": self.state.next_id("product", start=5501),
                "currency": "UAH",
                "stockBalanceByStock": {},
            }
            protected = set()
        for key, value in item.items():
            if key in ("id", "stockBalance") or GUARD_NAMES.get(key, key) in protected:
                continue
            if key == "stockBalanceByStock":
                if not isinstance(value, dict):
                    raise ValueError(
                        f"product[{pid}]: stockBalanceByStock must be an object {{stockId: qty}}"
                    )
                for stock_id, qty in value.items():
                    product["stockBalanceByStock"][str(stock_id)] = str(dec(qty))
            elif key in ("costPerItem", "expenses"):
                product[key] = str(dec(value))
            elif key == "category":
                cat = value if isinstance(value, dict) else {"id": value}
                if cat.get("id") not in (None, ""):
                    if cat.get("name") and str(cat["id"]) not in self.state.categories:
                        self.state.put_category({"id": str(cat["id"]), "name": cat["name"], "parentId": None})
                    product["category"] = str(cat["id"])
            else:
                product[key] = copy.deepcopy(value)
        if "stockBalance" in item and "stockBalanceByStock" not in item and "stockBalance" not in protected:
            # A bare total is taken as the balance of the default warehouse (assumed; see README).
            product["stockBalanceByStock"] = {"1": str(dec(item["stockBalance"]))}
        product["stockBalance"] = str(
            sum((dec(v) for v in product["stockBalanceByStock"].values()), Decimal(0))
        )
        return product

    def _h_category_handler(self, request: Request) -> Response:
        try:
            body = self._body(request)
        except ApiError as exc:
            return self._catalog_error(exc.message)
        if not self._authorized(request, body):
            return self._denied()
        action, items = body.get("action"), body.get("category")
        if action not in ("update", "add", "delete"):
            return self._catalog_error(f"Unknown action {action!r}: expected update or delete")
        if (
            not isinstance(items, list)
            or not items
            or any(not isinstance(c, dict) or c.get("id") in (None, "") for c in items)
        ):
            return self._catalog_error("category must be a non-empty list of objects with an id")
        ids = [str(c["id"]) for c in items]
        for cat in items:
            if action == "delete":
                self.state.delete_category(str(cat["id"]))
                continue
            old = self.state.categories.get(str(cat["id"]), {})
            parent = cat.get("parentId", old.get("parentId"))
            self.state.put_category(
                {
                    "id": str(cat["id"]),
                    "name": cat.get("name", old.get("name")),
                    "parentId": None if parent in (None, "", 0, "0") else str(parent),
                }
            )
        verb = "deleted" if action == "delete" else "added"
        return _json({"status": "success", "message": f"category[{', '.join(ids)}] successfully {verb}."})

    def _h_yml(self, request: Request) -> Response:
        if request.args.get("publicKey") != self.config.yml_public_key:
            return Response("Forbidden", status=403, mimetype="text/plain")
        now = self.clock.now()
        refresh = self.config.yml_refresh_s
        cached = self._yml_cache
        if cached is None or refresh <= 0 or (now - cached[0]).total_seconds() >= refresh:
            cached = (now, yml_feed(self.state, self.config, fmt(now) or ""))
            self._yml_cache = cached
        return Response(cached[1].encode("utf-8"), status=200, mimetype="application/xml")

    # handlers: payments ------------------------------------------------------------------------------
    def _store_payment(
        self,
        *,
        total: Decimal,
        parts: list[tuple[int, Decimal]],
        kind: str,
        date: str | None,
        description: str,
        unique_id: str | None,
        extra: Doc | None = None,
    ) -> Doc:
        if kind not in ("incoming", "outcoming"):
            raise ApiError(f"Unknown payment type {kind!r}")
        now = fmt(self.clock.now())
        org = self.state.dicts["organizations"][0]
        first_order = self.state.orders[parts[0][0]] if parts else None
        contact = None
        if first_order and first_order.get("contactIds"):
            c = self.state.contacts.get(first_order["contactIds"][0])
            if c:
                contact = {k: c.get(k) for k in ("id", "formId", "fName", "lName", "mName")}
        extra = extra or {}
        payment = {
            "id": self.state.next_id("payment", start=3001),
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
                {
                    "sum": str(money(s)),
                    "invoice": None,
                    "order": {"id": oid, "formId": self.state.orders[oid]["formId"]},
                }
                for oid, s in parts
            ],
            "contact": contact,
            "counterparty": extra.get("counterparty"),
            "uniqueId": unique_id,
        }
        self.state.put_payment(payment)
        sign = 1 if kind == "incoming" else -1
        for oid, part in parts:
            order = copy.deepcopy(self.state.orders[oid])
            order["payedAmount"] = str(money(dec(order.get("payedAmount")) + sign * part))
            if self.config.payment_bumps_order_update_at:
                order["version"] += 1
                order["updateAt"] = now
            self.state.put_order(order)
        return payment

    def _h_payment_create(self, request: Request) -> Response:
        body = self._body(request)
        if not self._authorized(request, order_base=False):  # payments need an account-level key
            return self._denied()
        try:
            total = dec(body.get("sum"))
        except ValueError as exc:
            raise ApiError(str(exc)) from exc
        if total <= 0:
            raise ApiError("sum must be a positive number")
        unique_id = str(body["uniqueId"]) if body.get("uniqueId") not in (None, "") else None
        if unique_id and self.config.payment_unique_id != "ignore":
            dup = [p for p in self.state.payments.values() if p.get("uniqueId") == unique_id]
            if dup and self.config.payment_unique_id == "dedup":
                return _json({"success": True, "data": {"paymentId": dup[0]["id"]}}, status=201)
            if dup:
                raise ApiError(f"Payment with uniqueId {unique_id} already exists")
        accounts = [a["accountNumber"] for o in self.state.dicts["organizations"] for a in o["accounts"]]
        if body.get("accountNumber") not in (None, "") and body["accountNumber"] not in accounts:
            raise ApiError(f"Unknown accountNumber {body['accountNumber']!r}")
        order = None
        if body.get("orderId") not in (None, ""):
            order = self._find_order(body["orderId"])
            if order is None:
                raise ApiError(f"Order {body['orderId']} not found")
        elif body.get("orderExternalId") not in (None, ""):
            order = self._find_order(None, body["orderExternalId"])
            if order is None or (
                body.get("formId") not in (None, "") and order["formId"] != _int_or_none(body["formId"])
            ):
                raise ApiError(f"Order with externalId {body['orderExternalId']} not found")
        elif body.get("autoAttachToOrderType") in ("sum", "lastname_and_sum"):
            order = self._auto_attach(total, body)
        date = body.get("datetime")
        if date not in (None, ""):
            try:
                date = fmt(parse_dt(str(date)))
            except ValueError as exc:
                raise ApiError(f"Invalid datetime {date!r}") from exc
        counterparty = None
        if body.get("counterpartyName") or body.get("counterpartyCode"):
            counterparty = {
                "id": None,
                "egrpou": body.get("counterpartyCode"),
                "title": body.get("counterpartyName"),
            }
        payment = self._store_payment(
            total=total,
            parts=[(order["id"], total)] if order else [],
            kind="incoming",
            date=date,
            description=str(body.get("description") or ""),
            unique_id=unique_id,
            extra={"counterparty": counterparty},
        )
        return _json({"success": True, "data": {"paymentId": payment["id"]}}, status=201)

    def _auto_attach(self, total: Decimal, body: Doc) -> Doc | None:
        last_name = str(body.get("payerLastName") or "").strip().lower()
        candidates = []
        for order in sorted(self.state.orders.values(), key=lambda o: -o["id"]):
            if totals(order)["restPay"] != money(total):
                continue
            if body.get("autoAttachToOrderType") == "lastname_and_sum":
                names = [
                    str(self.state.contacts[c].get("lName") or "").lower()
                    for c in order.get("contactIds") or []
                ]
                if not last_name or last_name not in names:
                    continue
            candidates.append(order)
        return candidates[0] if candidates else None

    def _h_payment_list(self, request: Request) -> Response:
        if not self._authorized(request, order_base=False):
            return self._denied()
        throttled = self._throttle("/api/payment/list/")
        if throttled is not None:
            return throttled
        args = nest(request.args.items(multi=True))
        kind = args.get("type") or "all"  # top-level; `filter[type]` is not a filter (DRIZ nests it wrongly)
        if kind not in ("all", "incoming", "outcoming"):
            raise ApiError(f"Unknown type {kind!r}: expected all, incoming or outcoming")
        raw_filter = args.get("filter")
        filt: Doc = raw_filter if isinstance(raw_filter, dict) else {}
        page, limit = self._paging(args, 30)
        payments = [p for p in self.state.payments.values() if kind == "all" or p["type"] == kind]
        for key in ("updatedAt", "createdAt", "date"):
            rng = filt.get(key)
            if isinstance(rng, dict):
                lo = self._filter_dt(rng.get("from"), end=False)
                hi = self._filter_dt(rng.get("to"), end=True)
                payments = [
                    p
                    for p in payments
                    if (lo is None or parse_dt(p[key]) >= lo) and (hi is None or parse_dt(p[key]) <= hi)
                ]
        orgs = _as_list(filt.get("organizationId"))
        if orgs:
            payments = [p for p in payments if str(p["organization"]["id"]) in orgs]
        payments.sort(key=lambda p: p["id"], reverse=True)
        chosen = payments[(page - 1) * limit : page * limit]
        return _json(
            {
                "status": "success",
                "data": [self._render_payment(p) for p in chosen],
                "pagination": {
                    "currentPage": page,
                    "pageCount": -(-len(payments) // limit),
                    "perPage": limit,
                },
                "totals": {
                    "count": len(payments),
                    "sum": num(sum((dec(p["sum"]) for p in payments), Decimal(0))),
                },
            }
        )

    @staticmethod
    def _render_payment(payment: Doc) -> Doc:
        out = copy.deepcopy(payment)
        out["sum"] = num(dec(payment["sum"]))
        for part in out["paymentBreakdown"]:
            part["sum"] = num(dec(part["sum"]))
        out.pop("uniqueId", None)
        return out

    # control endpoints -------------------------------------------------------------------------------
    def _h_c_counters(self, request: Request) -> Response:
        return _json(self.counters)

    def _h_c_counters_reset(self, request: Request) -> Response:
        self.reset_counters()
        if request.args.get("limits") == "1":
            self.limiter.reset()
        return _json(self.counters)

    def _clock_state(self) -> Doc:
        return {"now": self._now(), "manual": isinstance(self.clock, ManualClock)}

    def _h_c_clock(self, request: Request) -> Response:
        if request.method == "POST":
            body = self._body(request)
            if "set" in body:
                self.clock.set(parse_dt(str(body["set"])))  # type: ignore[attr-defined]
            if "advance" in body:
                self.clock.advance(float(body["advance"]))  # type: ignore[attr-defined]
        return _json(self._clock_state())

    def _h_c_config(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                self.configure(**self._body(request))
            except ValueError as exc:
                return _json({"status": "error", "message": str(exc)}, status=400)
        return _json(self.config.model_dump(mode="json"))

    def _h_c_webhooks(self, request: Request) -> Response:
        if request.method == "POST":
            body = self._body(request)
            if "remove" in body:
                return _json({"removed": self.unsubscribe(int(body["remove"]))})
            try:
                sub = self.subscribe(
                    str(body["url"]),
                    events=body.get("events") or EVENTS,
                    statuses=body.get("statuses"),
                    sites=body.get("sites"),
                )
            except (KeyError, ValueError) as exc:
                return _json({"status": "error", "message": f"bad subscription: {exc}"}, status=400)
            return _json(sub, status=201)
        return _json({"subscriptions": self.subscriptions, "pending": self.webhooks.pending})

    def _h_c_webhook_delete(self, request: Request, sub_id: int) -> Response:
        return _json({"removed": self.unsubscribe(sub_id)})

    def _h_c_webhooks_deliver(self, request: Request) -> Response:
        self.lock.release()  # a receiver may call back into the emulator from another thread
        try:
            attempts = self.deliver_due_webhooks()
        finally:
            self.lock.acquire()
        return _json({"attempts": attempts})

    def _h_c_webhook_log(self, request: Request) -> Response:
        log = self.webhook_log
        if request.args.get("order_id"):
            log = [e for e in log if str(e["order_id"]) == request.args["order_id"]]
        return _json({"log": log})

    def _h_c_order(self, request: Request, order_id: int) -> Response:
        if order_id not in self.state.orders:
            return _json({"status": "error", "message": "not found"}, status=404)
        return _json(self.order(order_id))

    def _h_c_product(self, request: Request, product_id: str) -> Response:
        if product_id not in self.state.products:
            return _json({"status": "error", "message": "not found"}, status=404)
        return _json(self.product(product_id))

    def _h_c_contact(self, request: Request, contact_id: int) -> Response:
        if contact_id not in self.state.contacts:
            return _json({"status": "error", "message": "not found"}, status=404)
        return _json(self.state.contacts[contact_id])

    def _h_c_payments(self, request: Request) -> Response:
        body = self._body(request)
        try:
            payment = self.add_payment(
                body.get("sum"),
                [(p["orderId"], p["sum"]) for p in body.get("breakdown") or []],
                type=body.get("type", "incoming"),
                date=body.get("date"),
                description=body.get("description", ""),
                unique_id=body.get("uniqueId"),
            )
        except (KeyError, ValueError) as exc:
            return _json({"status": "error", "message": str(exc)}, status=400)
        return _json(payment, status=201)

    # seeding -----------------------------------------------------------------------------------------
    def _seed(self) -> None:
        st = self.state
        for spec in product_specs(self.config.seed_products):
            product = {
                "id": spec["id"],
                "productId": st.next_id("product", start=5501),
                "name": spec["name"],
                "sku": spec["sku"],
                "barcode": spec["barcode"],
                "costPerItem": spec["costPerItem"],
                "expenses": spec["expenses"],
                "currency": "UAH",
                "category": spec["category"],
                "stockBalanceByStock": dict(spec["stock"]),
            }
            product["stockBalance"] = str(
                sum((dec(v) for v in product["stockBalanceByStock"].values()), Decimal(0))
            )
            st.put_product(product)
        if self.config.seed_products < 5:
            return  # the seeded orders use the five hand-written products
        now = self.clock.now()
        for spec in sorted(ORDERS, key=lambda o: -o["days_ago"]):
            created = now - timedelta(days=spec["days_ago"])
            order = self._create_order(spec["body"], now=created, fire=False)
            if spec["status"] != order["statusId"]:
                changed = created + timedelta(hours=2)
                order["statusId"] = spec["status"]
                order["version"] += 1
                order["updateAt"] = fmt(changed)
                order["statusHistory"].append([spec["status"], fmt(changed)])
                if self._statuses(1)[spec["status"]]["type"] == 2:
                    order["paymentDate"] = changed.strftime("%Y-%m-%d")
                st.put_order(order)
            if spec["paid"]:
                pay_at = created + timedelta(hours=1)
                payment = self._store_payment(
                    total=totals(order)["paymentAmount"],
                    parts=[],
                    kind="incoming",
                    date=fmt(pay_at),
                    description=f"Оплата замовлення {order['id']}",
                    unique_id=None,
                )
                payment["paymentBreakdown"] = [
                    {"sum": payment["sum"], "invoice": None, "order": {"id": order["id"], "formId": 1}}
                ]
                payment["createdAt"] = payment["updatedAt"] = fmt(pay_at)
                st.put_payment(payment)
                order = st.orders[order["id"]]
                order["payedAmount"] = payment["sum"]
                st.put_order(order)


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
