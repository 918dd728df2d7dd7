"""Stand-ins for ``bench_day_of_orders``: UTP under the payment importer, the deal processor (applies an
event when it arrives) and the DynamoDB calls ``DealStore`` and ``CursorStore`` make, on a dictionary."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from bridge.store.deals import DealStore, OrderState, is_newer
from bridge.utp.models import CashReceiptInput

DAY_START = datetime(2025, 10, 6, 0, 0, 0)  # SalesDrive's account-local (Kyiv) wall clock, a Monday


def stub_ref(kind: str, n: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{kind}/{n}"))


class StubUtp:
    """UTP under the payment importer: every order exists, receipts are kept in a dictionary."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self.receipts: dict[str, str] = {}  # marker → ref
        self.created_at: dict[str, datetime] = {}  # marker → simulated time of the receipt

    def get_sales_order(self, ref: str) -> Any:
        return SimpleNamespace(
            ref=ref,
            counterparty_key=stub_ref("counterparty", 0),
            contract_key=stub_ref("contract", 0),
            organisation_key=stub_ref("organisation", 0),
            currency_key=stub_ref("currency", 0),
            date=DAY_START,
        )

    def find_sales_order_by_marker(self, marker: str) -> None:
        return None  # the bridge's records always know the order here

    def find_cash_receipt_by_marker(self, marker: str) -> Any:
        ref = self.receipts.get(marker)
        return SimpleNamespace(ref=ref, posted=True, deletion_mark=False) if ref else None

    def create_cash_receipt(self, receipt: CashReceiptInput, *, post: bool = True) -> Any:
        ref = stub_ref("receipt", len(self.receipts))
        self.receipts[receipt.marker] = ref
        self.created_at[receipt.marker] = self._now()
        return SimpleNamespace(ref=ref, posted=post)

    def post_document(self, entity: str, ref: str, *, operational: bool = False) -> None:
        return None


@dataclass
class DealFlow:
    """The deal processor, stubbed: an event is applied when it arrives (webhook or sweep)."""

    store: DealStore
    now: Callable[[], datetime]
    changed_at: dict[tuple[int, int], datetime] = field(default_factory=dict)  # (order, version) → when
    versions: dict[int, list[int]] = field(default_factory=dict)  # order → versions not applied yet
    applied_at: dict[tuple[int, int], tuple[datetime, str]] = field(default_factory=dict)
    applied: Counter[str] = field(default_factory=Counter)

    def apply(self, body: dict[str, Any], source: str) -> None:
        data = body.get("data", body)
        order_id, version = int(data["id"]), int(data.get("version") or 0)
        update_at = str(data.get("updateAt") or "")
        state = self.store.order_state(order_id)
        if state is not None and not is_newer(version, update_at, state):
            return
        self.store.save_order_state(
            OrderState(
                order_id=order_id,
                version=version,
                update_at=update_at,
                status_id=int(data["statusId"]) if data.get("statusId") is not None else None,
                utp_order_ref=stub_ref("order", order_id),
            )
        )
        self.applied[source] += 1
        waiting = self.versions.get(order_id, [])
        for v in [v for v in waiting if v <= version]:
            self.applied_at[(order_id, v)] = (self.now(), source)
            waiting.remove(v)

    def changed(self, order_id: int, version: int) -> None:
        if (order_id, version) not in self.changed_at:
            self.changed_at[(order_id, version)] = self.now()
            self.versions.setdefault(order_id, []).append(version)

    def webhook(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        self.apply(json.loads(body), "webhook")
        return 200

    def send(self, *, order_id: int, deduplication_id: str, body: str, source: str) -> str:
        self.apply(json.loads(body), source)  # the FIFO queue, consumed at once
        return deduplication_id


class ConditionalCheckFailedException(Exception):
    pass


class DictDynamoDB:
    """The five DynamoDB calls ``DealStore`` and ``CursorStore`` make, on a dictionary (``--moto``
    runs them on moto instead: the same figures, about six times slower)."""

    exceptions = SimpleNamespace(ConditionalCheckFailedException=ConditionalCheckFailedException)

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    @staticmethod
    def _key(key: dict[str, Any]) -> tuple[str, str]:
        return key["pk"]["S"], key["sk"]["S"]

    def get_item(self, *, TableName: str, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        item = self.items.get(self._key(Key))
        return {"Item": item} if item is not None else {}

    def put_item(
        self,
        *,
        TableName: str,
        Item: dict[str, Any],
        ConditionExpression: str | None = None,
        ExpressionAttributeValues: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        key = self._key(Item)
        current = self.items.get(key)
        if ConditionExpression == "attribute_not_exists(pk)" and current is not None:
            raise ConditionalCheckFailedException()
        if ConditionExpression == "claim = :claim":
            wanted = (ExpressionAttributeValues or {})[":claim"]
            if current is None or current.get("claim") != wanted:
                raise ConditionalCheckFailedException()
        elif ConditionExpression not in (None, "attribute_not_exists(pk)"):
            raise NotImplementedError(ConditionExpression)
        self.items[key] = Item
        return {}

    def delete_item(self, *, TableName: str, Key: dict[str, Any]) -> dict[str, Any]:
        self.items.pop(self._key(Key), None)
        return {}

    def query(self, *, ExpressionAttributeValues: dict[str, Any], **_: Any) -> dict[str, Any]:
        pk, prefix = ExpressionAttributeValues[":pk"]["S"], ExpressionAttributeValues[":prefix"]["S"]
        found = [item for (p, sk), item in sorted(self.items.items()) if p == pk and sk.startswith(prefix)]
        return {"Items": found}
