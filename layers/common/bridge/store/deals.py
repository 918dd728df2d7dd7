"""What the bridge remembers about deals, in the one DynamoDB table (key layout: docs/architecture.md).

Holds per-order applied state and audit trail, the UTP document ledger, the contact/SKU ID maps and
parked orders. The ledger is why: 1C cannot create a document idempotently, so an *intent* is recorded
before each UTP write and the reference after it; a retry that finds only an intent looks the document
up by its marker first (docs/decisions.md).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from bridge.store.table import TTL_ATTRIBUTE, BridgeTable

AUDIT_TTL_DAYS = 400  # the accountant's year-end plus a margin


class DocumentKind(StrEnum):
    SALES_ORDER = "sales_order"
    SALES_INVOICE = "sales_invoice"
    RETURN_NOTE = "return_note"
    ORDER_CLOSURE = "order_closure"
    CASH_RECEIPT = "cash_receipt"
    COUNTERPARTY = "counterparty"


class LedgerState(StrEnum):
    INTENT = "intent"  # about to write to UTP; the outcome is unknown until CREATED
    CREATED = "created"  # exists in UTP with ``ref``
    POSTED = "posted"  # exists and is posted


class LedgerEntry(BaseModel):
    kind: DocumentKind
    key: str
    state: LedgerState
    ref: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)
    # An INTENT is a claim: who holds it (a random token), since when (epoch seconds), and whether its
    # holder gave it up after a failure (then anyone may take it over at once).
    claim: str | None = None
    claimed_at: float | None = None
    interrupted: bool = False


class OrderState(BaseModel):
    """The last SalesDrive event the bridge applied to one order, and what it made of it in UTP."""

    order_id: int
    version: int
    update_at: str  # SalesDrive "YYYY-MM-DD HH:MM:SS", compared as text (fixed width)
    status_id: int | None = None
    utp_order_ref: str | None = None
    lines_fingerprint: str | None = None
    characteristics: dict[str, str] = Field(default_factory=dict)
    discrepancy: str | None = None


class ParkedOrder(BaseModel):
    order_id: int
    reason: str
    skus: list[str] = Field(default_factory=list)
    parked_at: str
    last_parked_at: str | None = None
    attempts: int = 1
    payload: str | None = None  # the event to replay once the cause is fixed
    # What it waits for: "sku" (UTP to know a SKU), "utp" (UTP to accept it: retried with a pause),
    # "order_data" (the order to change in SalesDrive, or an operator's replay). None: before causes.
    cause: str | None = None


class CounterpartyLink(BaseModel):
    counterparty_ref: str
    contract_ref: str


class ProductLink(BaseModel):
    product_ref: str
    unit_ref: str | None = None
    salesdrive_id: str | None = None
    service: bool = False  # ``Услуга`` in UTP: an order line of the ``Услуги`` section


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def is_newer(version: int, update_at: str, than: OrderState) -> bool:
    """Version first; ``updateAt`` only breaks ties (some edits may not bump the version)."""
    if version != than.version:
        return version > than.version
    return update_at > than.update_at


class DealStore:
    """ID maps, the document ledger, parked orders and the audit trail of deals."""

    def __init__(
        self,
        table_name: str,
        *,
        dynamodb: Any | None = None,
        now: Callable[[], str] = _now_iso,
    ) -> None:
        self._table = BridgeTable(table_name, dynamodb=dynamodb)
        self._now = now

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        return self._table.get_document(pk, sk)

    def _put(
        self,
        pk: str,
        sk: str,
        data: dict[str, Any],
        *,
        condition: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> bool:
        """Write an item; with a condition, return False instead of raising when it does not hold."""
        attributes: dict[str, Any] = {}
        if TTL_ATTRIBUTE in data:
            attributes[TTL_ATTRIBUTE] = data[TTL_ATTRIBUTE]
        if data.get("claim"):  # top level, so conditions can test it
            attributes["claim"] = data["claim"]
        return self._table.put_document(
            pk, sk, data, attributes=attributes, condition=condition, values=values
        )

    # -- order state: the stale and duplicate guard ----------------------------------------------

    def order_state(self, order_id: int) -> OrderState | None:
        data = self._get(f"order#{order_id}", "state")
        return OrderState.model_validate(data) if data else None

    def save_order_state(self, state: OrderState) -> None:
        self._put(f"order#{state.order_id}", "state", state.model_dump(mode="json"))

    def save_order_state_unless_newer(self, state: OrderState) -> OrderState | None:
        """Save ``state`` unless a newer event of the order was applied meanwhile (by another delivery
        working on the same order at the same time); then the newer state is returned and kept. The
        check reads before it writes: it narrows the window to two DynamoDB calls, the deal flow's
        read-back of UTP (``deals._apply``) covers what slips through."""
        stored = self.order_state(state.order_id)
        if stored is not None and is_newer(stored.version, stored.update_at, state):
            return stored
        self.save_order_state(state)
        return None

    # -- the UTP document ledger -----------------------------------------------------------------

    def ledger(self, kind: DocumentKind, key: str) -> LedgerEntry | None:
        data = self._get(f"utpdoc#{kind}#{key}", "doc")
        return LedgerEntry.model_validate(data) if data else None

    def record_intent(
        self, kind: DocumentKind, key: str, detail: dict[str, Any] | None = None, *, claim: str | None = None
    ) -> tuple[LedgerEntry, bool]:
        """Claim the right to create (kind, key): (the new intent, True), or (the existing entry, False).
        ``claim`` names the holder (``exactly_once.Delivery``); random when not given."""
        entry = LedgerEntry(
            kind=kind,
            key=key,
            state=LedgerState.INTENT,
            detail=detail or {},
            claim=claim or uuid.uuid4().hex,
            claimed_at=time.time(),
        )
        data = entry.model_dump(mode="json") | {"at": self._now()}
        if self._put(f"utpdoc#{kind}#{key}", "doc", data, condition="attribute_not_exists(pk)"):
            return entry, True
        existing = self.ledger(kind, key)
        if existing is None:  # removed in between: try once more
            return self.record_intent(kind, key, detail, claim=claim)
        return existing, False

    def take_over_intent(self, previous: LedgerEntry, *, claim: str | None = None) -> LedgerEntry | None:
        """Take an abandoned or interrupted intent over; None if someone else changed it first."""
        entry = previous.model_copy(
            update={"claim": claim or uuid.uuid4().hex, "claimed_at": time.time(), "interrupted": False}
        )
        data = entry.model_dump(mode="json") | {"at": self._now()}
        taken = self._put(
            f"utpdoc#{previous.kind}#{previous.key}",
            "doc",
            data,
            condition="claim = :claim",
            values={":claim": previous.claim or ""},
        )
        return entry if taken else None

    def release_intent(self, entry: LedgerEntry) -> None:
        """Give up a claim after a failure, so the retry may take it over without waiting."""
        data = entry.model_copy(update={"interrupted": True}).model_dump(mode="json") | {"at": self._now()}
        self._put(
            f"utpdoc#{entry.kind}#{entry.key}",
            "doc",
            data,
            condition="claim = :claim",
            values={":claim": entry.claim or ""},
        )

    def record_document(
        self,
        kind: DocumentKind,
        key: str,
        ref: str,
        *,
        posted: bool,
        detail: dict[str, Any] | None = None,
    ) -> LedgerEntry:
        entry = LedgerEntry(
            kind=kind,
            key=key,
            state=LedgerState.POSTED if posted else LedgerState.CREATED,
            ref=ref,
            detail=detail or {},
        )
        self._put(f"utpdoc#{kind}#{key}", "doc", entry.model_dump(mode="json") | {"at": self._now()})
        return entry

    # -- ID maps ---------------------------------------------------------------------------------

    def counterparty_for(self, contact_key: str) -> CounterpartyLink | None:
        data = self._get(f"contact#{contact_key}", "counterparty")
        return CounterpartyLink.model_validate(data) if data else None

    def link_counterparty(self, contact_keys: list[str], link: CounterpartyLink) -> None:
        for contact_key in contact_keys:
            self._put(f"contact#{contact_key}", "counterparty", link.model_dump(mode="json"))

    def product_for(self, sku: str) -> ProductLink | None:
        data = self._get(f"sku#{sku}", "product")
        return ProductLink.model_validate(data) if data else None

    def link_product(self, sku: str, link: ProductLink) -> None:
        self._put(f"sku#{sku}", "product", link.model_dump(mode="json"))

    # -- parked orders ---------------------------------------------------------------------------

    def park(
        self,
        order_id: int,
        reason: str,
        *,
        skus: list[str] | None = None,
        payload: str | None = None,
        cause: str | None = None,
    ) -> None:
        previous = self._get("parked", f"order#{order_id}")
        now = self._now()
        parked = ParkedOrder(
            order_id=order_id,
            reason=reason,
            skus=sorted(set(skus or [])),
            parked_at=previous["parked_at"] if previous else now,
            last_parked_at=now,
            attempts=(previous["attempts"] + 1) if previous else 1,
            payload=payload,
            cause=cause or ("sku" if skus else "utp"),
        )
        self._put("parked", f"order#{order_id}", parked.model_dump(mode="json"))

    def unpark(self, order_id: int) -> None:
        self._table.delete("parked", f"order#{order_id}")

    def parked_orders(self) -> list[ParkedOrder]:
        return [
            ParkedOrder.model_validate(data) for _, data in self._table.query_documents("parked", "order#")
        ]

    def parked_order(self, order_id: int) -> ParkedOrder | None:
        data = self._get("parked", f"order#{order_id}")
        return ParkedOrder.model_validate(data) if data else None

    # -- audit trail -----------------------------------------------------------------------------

    def audit(self, order_id: int, event: str, **detail: Any) -> None:
        at = self._now()
        data = {
            "at": at,
            "event": event,
            "detail": detail,
            TTL_ATTRIBUTE: int(time.time()) + AUDIT_TTL_DAYS * 86400,
        }
        self._put(f"order#{order_id}", f"audit#{at}#{uuid.uuid4().hex[:8]}", data)

    def audit_trail(self, order_id: int) -> list[dict[str, Any]]:
        return [data for _, data in self._table.query_documents(f"order#{order_id}", "audit#")]
