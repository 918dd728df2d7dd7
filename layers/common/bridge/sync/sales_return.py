"""Cancelled after shipment → Sales Return Note (capability 9), based on the posted sales invoice."""

from __future__ import annotations

from bridge.settings import BridgeSettings
from bridge.store.deals import DealStore, DocumentKind
from bridge.sync.exactly_once import EnsuredDocument, ExistingDocument, ensure_document, first_live
from bridge.sync.reference import UtpReference, utp_now
from bridge.utp.client import UtpClient
from bridge.utp.names import RETURN as RETURN_NOTE
from bridge.utp.sales_documents import document_extra


def existing_return(utp: UtpClient, order_ref: str, invoice_ref: str) -> ExistingDocument | None:
    return first_live(utp.returns_for_order(order_ref, [invoice_ref]))


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
    extra = document_extra(
        reference.responsible_key if reference else None, accounting=settings.reflect_in_accounting
    )
    return ensure_document(
        store,
        DocumentKind.RETURN_NOTE,
        str(order_id),
        find=lambda: existing_return(utp, order_ref, invoice_ref),
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
