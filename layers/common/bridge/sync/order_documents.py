"""The documents a SalesDrive status makes in UTP, each at most once (ledger + find-before-create).

- completed → Sales Invoice, created from the order and posted, if none exists yet (an accountant may
  already have shipped the order by hand, so UTP is asked before the first creation);
- cancelled after shipment → Sales Return Note, based on the posted sales invoice;
- cancelled before shipment → Sales Order Closure: writes off what is left to ship and releases the reserve.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bridge.settings import BridgeSettings
from bridge.store.deals import DealStore, DocumentKind, LedgerState
from bridge.sync.exactly_once import EnsuredDocument, ExistingDocument, ensure_document, first_live
from bridge.sync.reference import UtpReference, utp_now
from bridge.utp.client import UtpClient
from bridge.utp.names import CLOSURE, INVOICE
from bridge.utp.names import RETURN as RETURN_NOTE
from bridge.utp.sales_documents import document_extra


def _shipping_extra(settings: BridgeSettings, reference: UtpReference | None) -> dict[str, Any]:
    """Ответственный and the reflection flags of an invoice or a return note, from the settings."""
    return document_extra(
        reference.responsible_key if reference else None, accounting=settings.reflect_in_accounting
    )


def posted_invoice(utp: UtpClient, order_ref: str) -> ExistingDocument | None:
    """A live invoice of the order, posted ones first (one UTP call)."""
    return first_live(utp.invoices_for_order(order_ref))


def ensure_sales_invoice(
    order_id: int,
    order_ref: str,
    *,
    utp: UtpClient,
    store: DealStore,
    settings: BridgeSettings,
    reference: UtpReference | None = None,
) -> EnsuredDocument:
    """UTP calls: 0 if recorded; else 1 lookup, + 3 to create (read order, create, post).

    Dated now, never before the order; Ответственный and the reflection flags from the settings."""
    extra = _shipping_extra(settings, reference)
    return ensure_document(
        store,
        DocumentKind.SALES_INVOICE,
        str(order_id),
        find=lambda: posted_invoice(utp, order_ref),
        create=lambda: (
            utp.create_invoice_from_order(
                order_ref, date=utp_now(settings), post=False, comment=f"SalesDrive #{order_id}", extra=extra
            ).ref
        ),
        post=lambda ref: utp.post_document(INVOICE, ref),
        find_first=True,
    )


def ensure_sales_return(
    order_id: int,
    order_ref: str,
    invoice_ref: str,
    *,
    utp: UtpClient,
    store: DealStore,
    settings: BridgeSettings,
    reference: UtpReference | None = None,
) -> EnsuredDocument:
    """UTP calls: 0 if recorded; else 1 lookup, + 3 to create (read invoice, create, post).

    Dated now, never before the invoice; rows keep the invoice's Качество."""
    extra = _shipping_extra(settings, reference)
    return ensure_document(
        store,
        DocumentKind.RETURN_NOTE,
        str(order_id),
        find=lambda: first_live(utp.returns_for_order(order_ref, [invoice_ref])),
        create=lambda: (
            utp.create_return_from_invoice(
                invoice_ref,
                date=utp_now(settings),
                post=False,
                comment=f"Повернення SalesDrive #{order_id}",
                extra=extra,
            ).ref
        ),
        post=lambda ref: utp.post_document(RETURN_NOTE, ref, operational=False),
        find_first=True,
    )


def ensure_order_closure(
    order_id: int,
    order_ref: str,
    *,
    utp: UtpClient,
    store: DealStore,
    settings: BridgeSettings,
    reference: UtpReference,
    order_date: datetime | None = None,
) -> EnsuredDocument:
    """UTP calls: 0 if recorded; else 1 lookup, + 2 to create and post."""
    return ensure_document(
        store,
        DocumentKind.ORDER_CLOSURE,
        str(order_id),
        find=lambda: first_live(utp.closures_for_order(order_ref)),
        create=lambda: (
            utp.create_order_closure(
                order_ref,
                reference.closure_reason_key,
                date=utp_now(settings),
                post=False,
                comment=f"Скасовано в SalesDrive #{order_id}",
                order_date=order_date,
                # The closure's fill-from-order copies the order's Ответственный (ОбработкаЗаполнения).
                extra=document_extra(reference.responsible_key),
            ).ref
        ),
        post=lambda ref: utp.post_document(CLOSURE, ref),
        find_first=True,
    )


def cancel_documents(
    order_id: int,
    order_ref: str,
    *,
    utp: UtpClient,
    store: DealStore,
    settings: BridgeSettings,
    reference: UtpReference,
    order_date: datetime,
) -> list[str]:
    """Return note on the posted invoice if the goods left; else close the order. Returns what was made."""
    recorded = store.ledger(DocumentKind.SALES_INVOICE, str(order_id))
    if recorded is not None and recorded.state is LedgerState.POSTED and recorded.ref:
        invoice: ExistingDocument | None = ExistingDocument(recorded.ref, posted=True)
    else:
        invoice = posted_invoice(utp, order_ref)
    if invoice is not None and invoice.posted:
        note = ensure_sales_return(
            order_id, order_ref, invoice.ref, utp=utp, store=store, settings=settings, reference=reference
        )
        if note.created:
            store.audit(order_id, "return_note_created", ref=note.ref)
            return ["return_note"]
        return []
    closure = ensure_order_closure(
        order_id,
        order_ref,
        utp=utp,
        store=store,
        settings=settings,
        reference=reference,
        order_date=order_date,
    )
    if closure.created:
        store.audit(order_id, "order_closure_created", ref=closure.ref)
        return ["order_closure"]
    return []
