"""The on-save trigger UTP calls when a catalog object is saved: name the products, or ask for a full push.

Products named in the body go to the change queue (the targeted push, ``catalog_refresh``, sends them
within seconds); anything else makes the every-minute schedule run a full push at once (``catalog_push``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bridge.store.cursors import CursorStore
from bridge.utp.names import PRODUCTS

TRIGGER_CURSOR = "catalog-trigger"
MAX_TRIGGER_PRODUCTS = 1000


class CatalogChange(BaseModel):
    """What UTP's on-save event subscription posts: the object saved and the products it touches."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: str = Field(default="", max_length=200)
    ref: str = Field(default="", max_length=64)
    products: list[UUID] = Field(default_factory=list, max_length=MAX_TRIGGER_PRODUCTS)

    def product_keys(self) -> list[str]:
        keys = [str(key) for key in self.products]
        if self.type == PRODUCTS and self.ref:
            with contextlib.suppress(ValueError):
                keys.append(str(UUID(self.ref)))
        return list(dict.fromkeys(keys))


class QueuedChange(BaseModel):
    """One message of the catalog change queue (``CatalogChangeQueue.send``)."""

    model_config = ConfigDict(extra="ignore")

    products: list[UUID] = Field(max_length=MAX_TRIGGER_PRODUCTS)
    requested_at: datetime


class ChangeQueue(Protocol):
    def send(self, product_keys: Sequence[str], *, requested_at: datetime, source: str) -> int: ...


def request_push(
    *,
    token: str,
    accepted_tokens: Sequence[str],
    cursors: CursorStore,
    now: datetime,
    body: str | bytes | None = None,
    changes: ChangeQueue | None = None,
    enabled: Callable[[], bool] | None = None,
) -> tuple[int, dict[str, Any]]:
    """The on-save trigger UTP calls. Checks the token, then:

    - a body naming products (``products``, or ``type`` ``Catalog_Номенклатура`` + ``ref``) → the keys
      go to the change queue and the targeted push sends them within seconds (202);
    - an empty body, or one naming no product (a document without goods) → the next minute's full push
      runs whatever the interval (202): a save is never missed;
    - a body that is not such an object (not UTF-8, not JSON, keys that are not GUIDs, more than 1,000)
      → 400 with the reason, and nothing is recorded.
    """
    from bridge.sync.webhook_intake import token_is_valid

    if not token_is_valid(token, accepted_tokens):
        return 403, {"accepted": False, "reason": "unknown trigger token"}
    if (
        enabled is not None and not enabled()
    ):  # ``catalog_on_save: false``: the watcher and the full push carry the changes
        return 202, {"accepted": False, "reason": "catalog_on_save is off"}
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return 400, {"accepted": False, "reason": "body is not UTF-8"}
    change = CatalogChange()
    if body and body.strip():
        try:
            change = CatalogChange.model_validate_json(body)
        except ValidationError as exc:
            reason = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()[:3]
            )
            return 400, {"accepted": False, "reason": reason[:300]}
    keys = change.product_keys()
    if keys and changes is not None:
        changes.send(keys, requested_at=now, source=change.type)
        return 202, {"accepted": True, "products": len(keys)}
    request_full_push(cursors, now, f"{change.type} {change.ref}".strip())
    return 202, {"accepted": True, "requested_at": now.isoformat()}


def request_full_push(cursors: CursorStore, now: datetime, detail: str) -> None:
    """Make the every-minute schedule run a full push at once, whatever the interval."""
    cursors.put(TRIGGER_CURSOR, {"requested_at": now.isoformat(), "detail": detail[:200]})
