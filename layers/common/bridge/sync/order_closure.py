"""Cancelled → Sales Order Closure (capability 8), when the order has no posted sales invoice.

The closure writes off what is left to ship and releases the reserve; it is created at most once.
"""

from __future__ import annotations

from datetime import datetime

from bridge.settings import BridgeSettings
from bridge.store.deals import DealStore, DocumentKind
from bridge.sync.exactly_once import EnsuredDocument, ExistingDocument, ensure_document, first_live
from bridge.sync.reference import UtpReference, utp_now
from bridge.utp.client import UtpClient
from bridge.utp.names import CLOSURE
from bridge.utp.sales_documents import document_extra


def existing_closure(utp: UtpClient, order_ref: str) -> ExistingDocument | None:
    return first_live(utp.closures_for_order(order_ref))


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
        find=lambda: existing_closure(utp, order_ref),
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
