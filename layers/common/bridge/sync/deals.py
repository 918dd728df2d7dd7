"""Deals in real time: a SalesDrive deal becomes a posted UTP sales order, exactly once (docs/mission.md).

One event of one order at a time (FIFO grouped by order id): stale events change nothing; counterparty,
contract and products by SKU are resolved (unknown SKU parks the order); the order is created and posted
once, updated while no invoice exists, and after an invoice a change is only recorded as a discrepancy.
Then status and characteristics go to order properties and status rules make invoice/return/closure.
A 1C business refusal parks the order (replayed automatically); transport failures propagate for redelivery.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bridge.salesdrive.meta import OrderMeta
from bridge.salesdrive.models import Order, OrderWebhook, parse_order
from bridge.settings import BridgeSettings
from bridge.store.deals import (
    CounterpartyLink,
    DealStore,
    DocumentKind,
    LedgerState,
    OrderState,
    is_newer,
)
from bridge.store.status_writes import StatusWritesStore
from bridge.sync.accounting_state import AccountingStateWriter
from bridge.sync.characteristics import Dictionaries, characteristic_values
from bridge.sync.counterparties import counterparty_for_deal
from bridge.sync.deal_checks import order_problems, unreadable_version
from bridge.sync.exactly_once import DocumentInProgress, ExistingDocument, ensure_document
from bridge.sync.order_documents import cancel_documents, ensure_sales_invoice
from bridge.sync.order_lines import UnknownSkus, fingerprint, order_lines, resolve_products, warehouse_of
from bridge.sync.order_statuses import read_status, settle_incoming_status, status_text, write_status
from bridge.sync.reference import UtpReference, utp_now
from bridge.utp.client import UtpClient
from bridge.utp.errors import UtpBusinessRefusal, UtpError
from bridge.utp.models import DocumentHeader, OrderLineInput, SalesOrderInput
from bridge.utp.names import ORDER as ORDER_ENTITY
from bridge.utp.sales_documents import document_extra

# After this many deliveries a UTP outage parks the order (replayed automatically) instead of sending
# the event to the dead-letter queue, which is kept for what no retry can fix.
PARK_AFTER_DELIVERIES = 5


@dataclass
class DealCollaborators:
    utp: UtpClient
    store: DealStore
    settings: BridgeSettings
    reference: UtpReference
    # SalesDrive status id → (name, type); cached by the caller (a dictionary endpoint, not a list).
    statuses: Callable[[], Mapping[int, tuple[str, int | None]]]
    # The own-writes ledger of statuses (echo suppression, UTP → SalesDrive); None: no reconciler runs.
    status_writes: StatusWritesStore | None = None
    # SalesDrive's option names by field, for selects whose name ``meta`` lacks (cached for hours).
    option_names: Dictionaries | None = None
    # Writes the accounting state into the SalesDrive order (setting accounting_state_field); None: off.
    accounting_state: AccountingStateWriter | None = None


@dataclass
class DealOutcome:
    order_id: int
    action: Literal["applied", "stale", "parked"]
    utp_order_ref: str | None = None
    reason: str | None = None
    documents: list[str] = field(default_factory=list)
    order_header: DocumentHeader | None = None  # the sales order as 1C answered its creation


def marker_of(order_id: int) -> str:
    """The find-before-create marker written into the sales order (≤ 20 characters)."""
    return f"SD-{order_id}"


def parse_deal_event(payload: Mapping[str, Any] | str | bytes) -> tuple[Order, OrderMeta, str]:
    """A webhook envelope or a bare order (from the catch-up sweep) → order, meta, raw JSON."""
    raw = payload if isinstance(payload, str | bytes) else json.dumps(payload, ensure_ascii=False)
    decoded = json.loads(raw) if isinstance(raw, str | bytes) else payload
    if isinstance(decoded, Mapping) and "info" in decoded:
        webhook = OrderWebhook.parse(decoded)
        return webhook.data, webhook.meta, raw if isinstance(raw, str) else raw.decode()
    order = parse_order(decoded.get("data", decoded) if isinstance(decoded, Mapping) else decoded)
    meta = (
        OrderMeta.model_validate(decoded.get("meta") or {}) if isinstance(decoded, Mapping) else OrderMeta()
    )
    return order, meta, raw if isinstance(raw, str) else raw.decode()


def apply_deal_event(payload: Mapping[str, Any] | str | bytes, ctx: DealCollaborators) -> DealOutcome:
    """Apply one SalesDrive order event to UTP. Idempotent: any event may be delivered many times."""
    order, meta, raw = parse_deal_event(payload)
    store = ctx.store
    blind = unreadable_version(order)
    if blind is not None:  # the stale guard cannot judge it: park rather than guess either way
        return _park(order, blind, raw, ctx, cause="order_data")
    state = store.order_state(order.id)
    version = order.version or 0
    update_at = order.update_at.strftime("%Y-%m-%d %H:%M:%S") if order.update_at else ""
    if state is not None and not is_newer(version, update_at, state):
        store.audit(order.id, "stale_event_ignored", version=version, applied_version=state.version)
        return DealOutcome(order.id, "stale", state.utp_order_ref)
    if ctx.accounting_state is not None and ctx.accounting_state.is_echo(order):
        # SalesDrive's webhook for the bridge's own write of the accounting state: nothing else changed.
        store.audit(order.id, "accounting_state_echo_ignored", version=version)
        return DealOutcome(order.id, "stale", state.utp_order_ref if state else None)
    store.audit(order.id, "event_received", version=version, status=order.status_id)
    problems = order_problems(order)
    if problems:  # before anything is written to UTP (no counterparty for an order that cannot be one)
        return _park(order, "; ".join(problems), raw, ctx, cause="order_data")
    try:
        outcome = _apply(order, meta, state, version, update_at, ctx)
    except UnknownSkus as exc:
        return _park(order, str(exc), raw, ctx, skus=[s for s in exc.skus if not s.startswith("(")])
    except UtpBusinessRefusal as exc:
        return _park(order, f"UTP refused: {exc}", raw, ctx)
    if store.parked_order(order.id) is not None:
        store.unpark(order.id)
        store.audit(order.id, "unparked")
    if ctx.accounting_state is not None:
        ctx.accounting_state.after_event(order, store=store, utp=ctx.utp, order_header=outcome.order_header)
    return outcome


def apply_deal_message(body: str, ctx: DealCollaborators, *, delivery: int = 1) -> DealOutcome:
    """One queue message: transient UTP failures propagate (the queue redelivers) until
    ``PARK_AFTER_DELIVERIES``, then the order is parked with the reason, never dropped."""
    try:
        return apply_deal_event(body, ctx)
    except (UtpError, DocumentInProgress) as exc:
        # A long UTP outage, or another worker holding a document's claim for a long time: park (the
        # replayer retries with a growing pause) rather than let the dead-letter queue take the event.
        if delivery < PARK_AFTER_DELIVERIES:
            raise
        order, _, raw = parse_deal_event(body)
        return _park(order, f"retrying later after {delivery} attempts: {exc}", raw, ctx)


def _park(
    order: Order,
    reason: str,
    raw: str,
    ctx: DealCollaborators,
    *,
    skus: list[str] | None = None,
    cause: str | None = None,
) -> DealOutcome:
    ctx.store.park(order.id, reason, skus=skus, payload=raw, cause=cause)
    ctx.store.audit(order.id, "parked", reason=reason, cause=cause or ("sku" if skus else "utp"))
    if ctx.accounting_state is not None:
        ctx.accounting_state.after_event(order, store=ctx.store, utp=ctx.utp, parked=(reason, skus or []))
    return DealOutcome(order.id, "parked", reason=reason)


def _apply(
    order: Order,
    meta: OrderMeta,
    state: OrderState | None,
    version: int,
    update_at: str,
    ctx: DealCollaborators,
) -> DealOutcome:
    utp, store, settings, reference = ctx.utp, ctx.store, ctx.settings, ctx.reference
    products = resolve_products(order, utp=utp, store=store)
    customer = counterparty_for_deal(order, utp=utp, store=store, settings=settings, reference=reference)
    lines = order_lines(order, products, settings)
    warehouse_key = warehouse_of(order, reference)
    print_ = fingerprint(lines, warehouse_key, customer.counterparty_ref)
    status_names = ctx.statuses()
    previous = state.characteristics if state else {}
    wanted, status = _wanted_values(order, meta, previous, status_names, ctx)
    # Attributes of the customer's base (when the settings name them) travel inside the order itself.
    attributes = {k[1:]: v for k, v in wanted.items() if k.startswith("@")}
    draft = _order_draft(order, customer, lines, warehouse_key, attributes, ctx)
    order_ref, created, header = _ensure_order(order, draft, version, ctx)
    documents: list[str] = []
    discrepancy = state.discrepancy if state else None
    written: set[str] = set()
    if created:
        store.audit(order.id, "utp_order_created", ref=order_ref)
        documents.append("sales_order")
        written = {f"@{name}" for name in attributes}
    elif state is not None and state.lines_fingerprint not in (None, print_):
        discrepancy, updated = _update_order(order, order_ref, draft, version, discrepancy, ctx)
        if updated:
            documents.append("sales_order_updated")
            written = {f"@{name}" for name in attributes}
    status, skip_status_write = _settle_status(order, status, previous, order_ref, status_names, ctx)
    if status:
        wanted[settings.status_key] = status
    to_write = _write_properties(order, order_ref, wanted, previous, written, skip_status_write, ctx)
    documents += _status_documents(order, order_ref, status_names, draft.date, ctx)
    applied = OrderState(
        order_id=order.id,
        version=version,
        update_at=update_at,
        status_id=order.status_id,
        utp_order_ref=order_ref,
        lines_fingerprint=print_,
        characteristics=wanted,
        discrepancy=discrepancy,
    )
    newer = store.save_order_state_unless_newer(applied)
    if settings.status_key in to_write or newer is not None:
        _keep_status_of_newest(order.id, order_ref, newer or applied, ctx)
    return DealOutcome(order.id, "applied", order_ref, documents=documents, order_header=header)


def _wanted_values(
    order: Order,
    meta: OrderMeta,
    previous: Mapping[str, str],
    status_names: Mapping[int, tuple[str, int | None]],
    ctx: DealCollaborators,
) -> tuple[dict[str, str], str | None]:
    """The characteristics the order should carry in UTP, and the status text (None: no name for it)."""
    settings = ctx.settings
    unresolved: list[str] = []
    wanted = characteristic_values(order, meta, settings, ctx.option_names, unresolved)
    status = status_text(order, meta, {k: v[0] for k, v in status_names.items()})
    if status is None and order.status_id is not None:
        unresolved.append(f"statusId: no name for status {order.status_id}")
    if unresolved:  # nothing is written for these rather than a bare id
        ctx.store.audit(order.id, "names_unresolved", fields=unresolved)
    if status and settings.status_key not in previous:  # a new order carries its status from the start
        wanted[settings.status_key] = status
    return wanted, status


def _order_draft(
    order: Order,
    customer: CounterpartyLink,
    lines: list[OrderLineInput],
    warehouse_key: str,
    attributes: dict[str, str],
    ctx: DealCollaborators,
) -> SalesOrderInput:
    settings, reference = ctx.settings, ctx.reference
    return SalesOrderInput(
        date=order.order_time or utp_now(settings),
        organisation_key=reference.organisation_key,
        counterparty_key=customer.counterparty_ref,
        contract_key=customer.contract_ref,
        currency_key=reference.currency_key,
        price_type_key=reference.price_type_key,
        warehouse_key=warehouse_key,
        lines=lines,
        marker=marker_of(order.id),
        comment=f"SalesDrive #{order.id}" + (f" ({order.external_id})" if order.external_id else ""),
        reserve=settings.reserve_stock,
        extra=document_extra(reference.responsible_key, more=attributes),
    )


def _ensure_order(
    order: Order, draft: SalesOrderInput, version: int, ctx: DealCollaborators
) -> tuple[str, bool, DocumentHeader | None]:
    """The sales order, created and posted once: its ref, whether this call created it, 1C's answer then."""
    utp = ctx.utp
    created: list[DocumentHeader] = []

    def create_order() -> str:
        created.append(utp.create_sales_order(draft, post=False))
        return created[-1].ref

    def find_order() -> ExistingDocument | None:
        found = utp.find_sales_order_by_marker(marker_of(order.id))
        return ExistingDocument(found.ref, found.posted) if found is not None else None

    ensured = ensure_document(
        ctx.store,
        DocumentKind.SALES_ORDER,
        str(order.id),
        find=find_order,
        create=create_order,
        post=utp.post_sales_order,
        detail={"version": version},
    )
    return ensured.ref, ensured.created, created[-1] if created else None


def _update_order(
    order: Order,
    order_ref: str,
    draft: SalesOrderInput,
    version: int,
    discrepancy: str | None,
    ctx: DealCollaborators,
) -> tuple[str | None, bool]:
    """Changed lines: rewrite the order while no invoice exists, else record a discrepancy.
    Returns the discrepancy and whether the order was rewritten."""
    store = ctx.store
    shipped = store.ledger(DocumentKind.SALES_INVOICE, str(order.id))
    if shipped is not None and shipped.state is not LedgerState.INTENT:
        discrepancy = f"order changed in SalesDrive (version {version}) after the sales invoice"
        store.audit(order.id, "discrepancy_recorded", detail=discrepancy)
        return discrepancy, False
    ctx.utp.update_sales_order(order_ref, draft, repost=True)
    store.audit(order.id, "utp_order_updated", ref=order_ref, version=version)
    return discrepancy, True


def _settle_status(
    order: Order,
    status: str | None,
    previous: Mapping[str, str],
    order_ref: str,
    status_names: Mapping[int, tuple[str, int | None]],
    ctx: DealCollaborators,
) -> tuple[str | None, bool]:
    """A changed status may be an echo of the bridge's own push, or conflict with a person's change in UTP.
    Returns the status to keep and whether its write is skipped."""
    prop = ctx.settings.status_key
    changed = status is not None and prop in previous and previous[prop] != status
    if not (changed and order.status_id is not None and ctx.status_writes is not None and status):
        return status, False
    settled = settle_incoming_status(
        order.id,
        order.status_id,
        status,
        previous[prop],
        order_ref=order_ref,
        utp=ctx.utp,
        store=ctx.store,
        writes=ctx.status_writes,
        settings=ctx.settings,
        statuses=status_names,
    )
    return settled.text, not settled.write


def _write_properties(
    order: Order,
    order_ref: str,
    wanted: Mapping[str, str],
    previous: Mapping[str, str],
    written: set[str],
    skip_status_write: bool,
    ctx: DealCollaborators,
) -> dict[str, str]:
    """Write what changed: properties one by one, attributes (``@name``) in one PATCH; returns the changes."""
    utp, key = ctx.utp, ctx.settings.status_key
    to_write = {
        name: value
        for name, value in wanted.items()
        if previous.get(name) != value and name not in written and not (name == key and skip_status_write)
    }
    for name, value in to_write.items():
        if not name.startswith("@"):
            utp.set_property(order_ref, ORDER_ENTITY, name, value)
    changed_attributes = {k[1:]: v for k, v in to_write.items() if k.startswith("@")}
    if changed_attributes:  # one PATCH for every changed attribute
        utp.set_document_fields(ORDER_ENTITY, order_ref, changed_attributes)
    ctx.store.audit(order.id, "properties_written", properties=sorted(set(to_write) | written))
    return to_write


def _status_documents(
    order: Order,
    order_ref: str,
    status_names: Mapping[int, tuple[str, int | None]],
    order_date: datetime,
    ctx: DealCollaborators,
) -> list[str]:
    """The status rules: completed → sales invoice; cancelled → return note or order closure."""
    if order.status_id is None:
        return []
    settings = ctx.settings
    status_type = status_names.get(order.status_id, ("", None))[1]
    if settings.completed.matches(order.status_id, status_type):
        invoice = ensure_sales_invoice(
            order.id, order_ref, utp=ctx.utp, store=ctx.store, settings=settings, reference=ctx.reference
        )
        if invoice.created:
            ctx.store.audit(order.id, "sales_invoice_created", ref=invoice.ref)
            return ["sales_invoice"]
        return []
    if settings.cancelled.matches(order.status_id, status_type):
        return cancel_documents(
            order.id,
            order_ref,
            utp=ctx.utp,
            store=ctx.store,
            settings=settings,
            reference=ctx.reference,
            order_date=order_date,
        )
    return []


def _keep_status_of_newest(order_id: int, order_ref: str, newest: OrderState, ctx: DealCollaborators) -> None:
    """Two deliveries of one order can overlap (a queue message handed out again while a slow worker
    still holds it): the older one's status write may land after the newer one's, and only one of them
    saves its state last. So after a status write and its state, UTP is read back [1] and given the
    status of the newest state applied if it shows another [+1]. Found by the chaos run: an order
    closed in UTP whose status property still said "Новий" while the bridge's state said "Відмова"."""
    utp, store, settings = ctx.utp, ctx.store, ctx.settings
    wanted = newest.characteristics.get(settings.status_key)
    if not wanted:
        return
    shown = read_status(utp, settings, order_ref)
    if shown != wanted:
        write_status(utp, settings, order_ref, wanted)
        store.audit(order_id, "status_restored", utp_status_lost=shown, status=wanted)
