"""The catalog: `POST /product-handler/`, `POST /category-handler/` and the YML feed that lists products.

As docs/salesdrive-api.md ("Products, prices and stock") states: at most 100 products a call, `update`
upserts, `dontUpdateFields` protects fields, the YML export is the only product listing.
"""

from __future__ import annotations

import copy
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from .access import order_base_body
from .clock import fmt
from .config import SalesDriveEmulatorConfig
from .money import dec, stock_sum
from .state import Doc, State
from .wire import ApiError, json_response
from .yml import yml_feed

if TYPE_CHECKING:
    from .app import SalesDriveEmulator

MAX_PRODUCTS = 100
ACTIONS = ("update", "add", "delete")  # `add` is taken as an alias of `update` (README "Unknowns")
# `dontUpdateFields` calls a few fields by another name than the product does.
GUARD_NAMES = {"costPerItem": "price"}


def _error(cfg: SalesDriveEmulatorConfig, message: str) -> Response:
    return json_response({"status": "error", "message": message}, status=cfg.error_status)


def _done(kind: str, ids: list[str], action: str) -> Response:
    verb = "deleted" if action == "delete" else "added"
    return json_response({"status": "success", "message": f"{kind}[{', '.join(ids)}] successfully {verb}."})


# products ----------------------------------------------------------------------------------------------
def handle_products(emu: SalesDriveEmulator, request: Request) -> Response:
    """The whole call is atomic: one bad product rejects it (and counts as `rejected`)."""
    body = order_base_body(emu.config, request, partial(_error, emu.config))
    if isinstance(body, Response):
        return body
    stats = emu.request_counters.product_handler
    try:
        ids = _product_ids(body)
        _apply_products(emu.state, body, ids)
    except (ApiError, ValueError) as exc:
        stats["rejected"] += 1
        return _error(emu.config, getattr(exc, "message", str(exc)))
    stats["calls"] += 1
    stats["products"] += len(ids)
    stats["per_call"].append(len(ids))
    return _done("product", ids, str(body.get("action")))


def _product_ids(body: Doc) -> list[str]:
    action, items = body.get("action"), body.get("product")
    if action not in ACTIONS:
        raise ApiError(f"Unknown action {action!r}: expected update or delete")
    if not isinstance(items, list) or not items:
        raise ApiError("product must be a non-empty list")
    if len(items) > MAX_PRODUCTS:
        raise ApiError(f"Too many products: {len(items)}, at most {MAX_PRODUCTS} per request")
    if any(not isinstance(item, dict) or item.get("id") in (None, "") for item in items):
        raise ApiError("Each product needs an id")
    return [str(item["id"]).strip() for item in items]


def _apply_products(state: State, body: Doc, ids: list[str]) -> None:
    if body["action"] == "delete":
        for pid in ids:
            state.delete_product(pid)
        return
    protected = {str(f) for f in body.get("dontUpdateFields") or []}
    prepared = [upsert_product(state, item, protected) for item in body["product"]]
    for product in prepared:
        state.put_product(product)


def upsert_product(state: State, item: Doc, protected: set[str]) -> Doc:
    """`update` upserts; `dontUpdateFields` protects an existing product's fields (new ones take all)."""
    pid = str(item["id"]).strip()
    existing = state.products.get(pid)
    if existing is not None:
        product = copy.deepcopy(existing)
    else:
        product = {
            "id": pid,
            "productId": state.next_id("product", start=5501),
            "currency": "UAH",
            "stockBalanceByStock": {},
        }
        protected = set()
    for key, value in item.items():
        if key in ("id", "stockBalance") or GUARD_NAMES.get(key, key) in protected:
            continue
        _set_product_field(state, product, key, value)
    if "stockBalance" in item and "stockBalanceByStock" not in item and "stockBalance" not in protected:
        # A bare total is taken as the balance of the default warehouse (assumed; README "Unknowns").
        product["stockBalanceByStock"] = {"1": str(dec(item["stockBalance"]))}
    product["stockBalance"] = stock_total(product)
    return product


def _set_product_field(state: State, product: Doc, key: str, value: object) -> None:
    if key == "stockBalanceByStock":
        if not isinstance(value, dict):
            raise ValueError(
                f"product[{product['id']}]: stockBalanceByStock must be an object {{stockId: qty}}"
            )
        for stock_id, qty in value.items():  # warehouses not mentioned keep their stock
            product["stockBalanceByStock"][str(stock_id)] = str(dec(qty))
    elif key in ("costPerItem", "expenses"):
        product[key] = str(dec(value))
    elif key == "category":
        cat = value if isinstance(value, dict) else {"id": value}
        if cat.get("id") not in (None, ""):
            if cat.get("name") and str(cat["id"]) not in state.categories:
                state.put_category({"id": str(cat["id"]), "name": cat["name"], "parentId": None})
            product["category"] = str(cat["id"])
    else:
        product[key] = copy.deepcopy(value)


def stock_total(product: Doc) -> str:
    """`stockBalance`: the sum over warehouses."""
    return str(stock_sum(product))


# categories --------------------------------------------------------------------------------------------
def handle_categories(emu: SalesDriveEmulator, request: Request) -> Response:
    body = order_base_body(emu.config, request, partial(_error, emu.config))
    if isinstance(body, Response):
        return body
    action, items = body.get("action"), body.get("category")
    if action not in ACTIONS:
        return _error(emu.config, f"Unknown action {action!r}: expected update or delete")
    if (
        not isinstance(items, list)
        or not items
        or any(not isinstance(c, dict) or c.get("id") in (None, "") for c in items)
    ):
        return _error(emu.config, "category must be a non-empty list of objects with an id")
    for cat in items:
        if action == "delete":
            emu.state.delete_category(str(cat["id"]))
            continue
        old = emu.state.categories.get(str(cat["id"]), {})
        parent = cat.get("parentId", old.get("parentId"))
        emu.state.put_category(
            {
                "id": str(cat["id"]),
                "name": cat.get("name", old.get("name")),
                "parentId": None if parent in (None, "", 0, "0") else str(parent),
            }
        )
    return _done("category", [str(c["id"]) for c in items], action)


# YML feed ----------------------------------------------------------------------------------------------
class FeedCache:
    """The feed as last generated; regenerated at most every `yml_refresh_s` (0: on every call)."""

    def __init__(self) -> None:
        self._cached: tuple[datetime, str] | None = None

    def get(self, state: State, cfg: SalesDriveEmulatorConfig, now: datetime) -> str:
        cached = self._cached
        refresh = cfg.yml_refresh_s
        if cached is None or refresh <= 0 or (now - cached[0]).total_seconds() >= refresh:
            cached = (now, yml_feed(state, cfg, fmt(now) or ""))
            self._cached = cached
        return cached[1]


def handle_yml(emu: SalesDriveEmulator, request: Request) -> Response:
    if request.args.get("publicKey") != emu.config.yml_public_key:
        return Response("Forbidden", status=403, mimetype="text/plain")
    feed = emu.yml_cache.get(emu.state, emu.config, emu.clock.now())
    return Response(feed.encode("utf-8"), status=200, mimetype="application/xml")
