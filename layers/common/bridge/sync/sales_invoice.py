"""Completed → Sales Invoice (capability 10): created from the order and posted, if none exists yet.

An accountant may already have shipped the order by hand, so UTP is asked before the first creation.
"""

from __future__ import annotations

from bridge.settings import BridgeSettings
from bridge.store.deals import DealStore, DocumentKind
from bridge.sync.exactly_once import EnsuredDocument, ExistingDocument, ensure_document, first_live
from bridge.sync.reference import UtpReference, utp_now
from bridge.utp.client import UtpClient
from bridge.utp.names import INVOICE
from bridge.utp.sales_documents import document_extra


def posted_invoice(utp: UtpClient, order_ref: str) -> ExistingDocument | None:
    """A live invoice of the order, posted ones first. [1]"""
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
    extra = document_extra(
        reference.responsible_key if reference else None, accounting=settings.reflect_in_accounting
    )
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
