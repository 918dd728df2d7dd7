"""What the bridge last wrote into each SalesDrive order's accounting-state field (its own writes), so
the echo of that write is recognised and never written again."""

from __future__ import annotations

from pydantic import BaseModel, Field

from bridge.store.order_items import OrderItemStore


class WrittenState(BaseModel):
    """What the bridge last wrote into one SalesDrive order, and after which event content."""

    order_id: int
    text: str
    content: str  # digest of the order as the event carried it, without version, updateAt and this text
    numbers: dict[str, list[str]] = Field(default_factory=dict)  # UTP ref → [number, DD.MM.YYYY]
    # The version of the event the text was written after (None: found already there, nothing written):
    # SalesDrive bumps it by one for the write, so the echo carries this + 1, in whatever form it comes
    # (a webhook, or the catch-up sweep's list item, whose content is shaped differently).
    after_version: int | None = None
    at: str = ""


class WrittenStateStore(OrderItemStore[WrittenState]):
    """The own-writes item of the accounting-state text, in the bridge's table."""

    sort_key = "accounting-state"
    model = WrittenState

    def put(self, written: WrittenState) -> None:
        self._put(written.order_id, written)
