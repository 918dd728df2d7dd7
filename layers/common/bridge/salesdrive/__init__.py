"""SalesDrive CRM API: the production client and its payload models.

Imports are lazy so that the webhook receiver, which needs only ``bridge.salesdrive.envelope`` and
``bridge.salesdrive.errors``, does not pay for httpx and pydantic at cold start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bridge.salesdrive.client import OrderPage, RetryPolicy, SalesDriveClient
    from bridge.salesdrive.envelope import EnvelopePeek, peek_envelope
    from bridge.salesdrive.errors import (
        NotAnOrder,
        SalesDriveAuthError,
        SalesDriveBadRequest,
        SalesDriveError,
        SalesDriveNotFound,
        SalesDriveOutcomeUnknown,
        SalesDriveProtocolError,
        SalesDriveRefused,
        SalesDriveServerError,
        SalesDriveThrottled,
        SalesDriveTransportError,
    )
    from bridge.salesdrive.models import Order, OrderMeta, OrderWebhook, Payment, Status, StatusType
    from bridge.salesdrive.products import BatchResult, Category, ProductUpdate, PushMode
    from bridge.salesdrive.yml import YmlOffer

_WHERE = {
    "SalesDriveClient": "client",
    "RetryPolicy": "client",
    "OrderPage": "client",
    "EnvelopePeek": "envelope",
    "peek_envelope": "envelope",
    "NotAnOrder": "errors",
    "SalesDriveError": "errors",
    "SalesDriveAuthError": "errors",
    "SalesDriveBadRequest": "errors",
    "SalesDriveNotFound": "errors",
    "SalesDriveRefused": "errors",
    "SalesDriveThrottled": "errors",
    "SalesDriveServerError": "errors",
    "SalesDriveTransportError": "errors",
    "SalesDriveProtocolError": "errors",
    "SalesDriveOutcomeUnknown": "errors",
    "Order": "models",
    "OrderMeta": "models",
    "OrderWebhook": "models",
    "Payment": "models",
    "Status": "models",
    "StatusType": "models",
    "BatchResult": "products",
    "Category": "products",
    "ProductUpdate": "products",
    "PushMode": "products",
    "YmlOffer": "yml",
}

__all__ = [
    "BatchResult",
    "Category",
    "EnvelopePeek",
    "NotAnOrder",
    "Order",
    "OrderMeta",
    "OrderPage",
    "OrderWebhook",
    "Payment",
    "ProductUpdate",
    "PushMode",
    "RetryPolicy",
    "SalesDriveAuthError",
    "SalesDriveBadRequest",
    "SalesDriveClient",
    "SalesDriveError",
    "SalesDriveNotFound",
    "SalesDriveOutcomeUnknown",
    "SalesDriveProtocolError",
    "SalesDriveRefused",
    "SalesDriveServerError",
    "SalesDriveThrottled",
    "SalesDriveTransportError",
    "Status",
    "StatusType",
    "YmlOffer",
    "peek_envelope",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
