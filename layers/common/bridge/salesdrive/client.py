"""The production SalesDrive client: the transport (``transport``) with the calls of each resource.

``SalesDriveClient`` is the one class callers construct; its behaviour on budgets, throttling and
retries is described in ``bridge.salesdrive.transport``.
"""

from __future__ import annotations

from bridge.salesdrive.meta_api import MetaCalls
from bridge.salesdrive.orders_api import OrderCalls
from bridge.salesdrive.payments_api import PaymentCalls
from bridge.salesdrive.products_api import ProductCalls


class SalesDriveClient(OrderCalls, PaymentCalls, ProductCalls, MetaCalls):
    """Talks to one SalesDrive account. Construct it from explicit settings; it reads no environment."""

    def __enter__(self) -> SalesDriveClient:
        return self
