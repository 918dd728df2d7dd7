"""Dry runs: the deal rules run for real against UTP and the bridge's table, but nothing is written.

* ``OverlayDynamoDB`` is a copy-on-write view of the bridge's table: reads fall through to the real table
  until the dry run wrote the item, writes stay in memory. The rules therefore see the real ID maps,
  ledger and order state, and the audit entries they would add can be shown.
* ``planning_utp`` clones the UTP client with an OData layer that records every write (POST, PATCH,
  DELETE, Post, Unpost) and answers it with a plausible fake (the body it was sent, a new ``Ref_Key``);
  reads go to UTP. Every public write method of ``UtpClient`` is also recorded as one planned operation,
  so the plan reads as "create sales order …, post it, set property …". As a last line of defence the
  cloned OData client refuses to send anything but GET.
"""

from __future__ import annotations

import copy
import functools
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bridge.utp.client import UtpClient
from bridge.utp.odata import ODataClient
from bridge.utp.odata_query import Guid, LiteralValue

# -- DynamoDB ------------------------------------------------------------------------------------------


class ConditionalCheckFailedError(Exception):
    """What boto3 raises as ``client.exceptions.ConditionalCheckFailedException``."""


class _Exceptions:
    ConditionalCheckFailedException = ConditionalCheckFailedError


_DELETED: dict[str, Any] = {}


def _key(item_key: Mapping[str, Any]) -> tuple[str, str]:
    return str(item_key["pk"]["S"]), str(item_key["sk"]["S"])


class OverlayDynamoDB:
    """The subset of the DynamoDB client the bridge's stores use, copy-on-write over a real client."""

    exceptions = _Exceptions

    def __init__(self, real: Any) -> None:
        self._real = real
        self.items: dict[tuple[str, str], dict[str, Any]] = {}  # _DELETED marks a deleted item
        self.writes: list[tuple[str, tuple[str, str]]] = []

    def _current(self, table: str, key: tuple[str, str]) -> dict[str, Any] | None:
        if key in self.items:
            item = self.items[key]
            return None if item is _DELETED else item
        found = self._real.get_item(
            TableName=table, Key={"pk": {"S": key[0]}, "sk": {"S": key[1]}}, ConsistentRead=True
        ).get("Item")
        return dict(found) if found else None

    def get_item(self, *, TableName: str, Key: Mapping[str, Any], **_: Any) -> dict[str, Any]:
        item = self._current(TableName, _key(Key))
        return {"Item": item} if item is not None else {}

    def put_item(
        self,
        *,
        TableName: str,
        Item: dict[str, Any],
        ConditionExpression: str | None = None,
        ExpressionAttributeValues: Mapping[str, Any] | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        key = _key(Item)
        if ConditionExpression is not None:
            current = self._current(TableName, key)
            condition = " ".join(ConditionExpression.split())
            if condition == "attribute_not_exists(pk)":
                holds = current is None
            elif condition == "claim = :claim":
                wanted = (ExpressionAttributeValues or {}).get(":claim")
                holds = current is not None and current.get("claim") == wanted
            else:  # a condition this stand-in cannot evaluate must not be guessed
                raise NotImplementedError(f"dry run: condition {ConditionExpression!r} is not supported")
            if not holds:
                raise ConditionalCheckFailedError(ConditionExpression)
        self.items[key] = dict(Item)
        self.writes.append(("put", key))
        return {}

    def delete_item(self, *, TableName: str, Key: Mapping[str, Any], **_: Any) -> dict[str, Any]:
        key = _key(Key)
        self.items[key] = _DELETED
        self.writes.append(("delete", key))
        return {}

    def query(
        self,
        *,
        TableName: str,
        KeyConditionExpression: str,
        ExpressionAttributeValues: Mapping[str, Any],
        **options: Any,
    ) -> dict[str, Any]:
        if " ".join(KeyConditionExpression.split()) != "pk = :pk AND begins_with(sk, :prefix)":
            raise NotImplementedError(f"dry run: key condition {KeyConditionExpression!r} is not supported")
        pk = str(ExpressionAttributeValues[":pk"]["S"])
        prefix = str(ExpressionAttributeValues[":prefix"]["S"])
        merged: dict[str, dict[str, Any]] = {}
        request: dict[str, Any] = {
            "TableName": TableName,
            "KeyConditionExpression": KeyConditionExpression,
            "ExpressionAttributeValues": ExpressionAttributeValues,
            "ConsistentRead": True,
        }
        while True:
            page = self._real.query(**request)
            for item in page.get("Items", []):
                merged[str(item["sk"]["S"])] = item
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        for (item_pk, sk), item in self.items.items():
            if item_pk == pk and sk.startswith(prefix):
                if item is _DELETED:
                    merged.pop(sk, None)
                else:
                    merged[sk] = item
        return {"Items": [merged[sk] for sk in sorted(merged)]}

    def added_items(self, pk_prefix: str = "", sk_prefix: str = "") -> list[tuple[str, str, dict[str, Any]]]:
        """Items the dry run wrote (pk, sk, item), in key order."""
        return [
            (pk, sk, item)
            for (pk, sk), item in sorted(self.items.items())
            if item is not _DELETED and pk.startswith(pk_prefix) and sk.startswith(sk_prefix)
        ]


# -- UTP -----------------------------------------------------------------------------------------------


@dataclass
class ODataWrite:
    method: str  # POST, PATCH, DELETE, Post, Unpost
    entity: str
    key: str | None
    body: Mapping[str, Any] | None = None


@dataclass
class PlannedWrite:
    operation: str  # the UtpClient method
    summary: str
    odata: list[ODataWrite] = field(default_factory=list)
    fake_refs: list[str] = field(default_factory=list)


@dataclass
class UtpPlan:
    writes: list[PlannedWrite] = field(default_factory=list)
    stray: list[ODataWrite] = field(default_factory=list)  # OData writes outside any known method
    _depth: int = 0

    @property
    def odata_writes(self) -> int:
        return sum(len(w.odata) for w in self.writes) + len(self.stray)

    def as_rows(self) -> list[dict[str, str]]:
        rows = []
        for write in self.writes:
            calls = ", ".join(f"{o.method} {o.entity}" for o in write.odata) or "—"
            rows.append({"operation": write.operation, "summary": write.summary, "odata": calls})
        for stray in self.stray:
            rows.append({"operation": stray.method, "summary": stray.entity, "odata": f"{stray.method}"})
        return rows


def _key_text(key: str | Guid | Mapping[str, LiteralValue] | None) -> str | None:
    if key is None:
        return None
    if isinstance(key, Guid):
        return key.value
    if isinstance(key, Mapping):
        return ",".join(f"{k}={v}" for k, v in key.items())
    return str(key)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


class DryRunOData(ODataClient):
    """Reads go to UTP; writes are recorded and answered with a plausible fake; nothing else is sent."""

    def __init__(self, real: ODataClient, plan: UtpPlan) -> None:
        super().__init__(real.http, retry=real.retry, virtual_table_style=real.virtual_table_style)
        self.plan = plan
        self.created: dict[str, dict[str, Any]] = {}  # fake ref → the object as "created"
        self._numbers = itertools.count(1)

    def _record(self, write: ODataWrite) -> None:
        current = self.plan.writes[-1] if self.plan._depth and self.plan.writes else None
        if current is not None:
            current.odata.append(write)
        else:
            self.plan.stray.append(write)

    def request(self, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        if method.upper() != "GET":
            raise RuntimeError(f"dry run: refusing to send {method} {path} to UTP")
        return super().request(method, path, *args, **kwargs)

    def get_entity(self, entity: str, key: Any, *args: Any, **kwargs: Any) -> Any:
        text = _key_text(key)
        if text is not None and text.lower() in self.created:
            return dict(self.created[text.lower()])
        return super().get_entity(entity, key, *args, **kwargs)

    def create(self, entity: str, body: Mapping[str, Any]) -> dict[str, Any]:
        n = next(self._numbers)
        ref = str(body.get("Ref_Key") or f"{FAKE_REF_PREFIX}{n:012d}").lower()
        fake: dict[str, Any] = {
            "Number": f"DRY{n:06d}",
            "Code": f"DRY{n:06d}",
            "DataVersion": "dry-run",
            "DeletionMark": False,
            "Posted": False,
            **_jsonable(body),
            "Ref_Key": ref,
        }
        self.created[ref] = fake
        self._record(ODataWrite("POST", entity, ref, body))
        if self.plan._depth and self.plan.writes:
            self.plan.writes[-1].fake_refs.append(ref)
        return dict(fake)

    def update(
        self, entity: str, key: str | Guid | Mapping[str, LiteralValue], body: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        text = _key_text(key)
        self._record(ODataWrite("PATCH", entity, text, body))
        if text is not None and text.lower() in self.created:
            self.created[text.lower()].update(_jsonable(body))
            return dict(self.created[text.lower()])
        return None  # the client reads the object back when an update answers nothing (as after a 204)

    def delete(self, entity: str, key: str | Guid | Mapping[str, LiteralValue]) -> None:
        self._record(ODataWrite("DELETE", entity, _key_text(key)))

    def post_document(self, entity: str, ref: str, *, operational: bool = False) -> dict[str, Any] | None:
        self._record(ODataWrite("Post", entity, ref))
        if ref.lower() in self.created:
            self.created[ref.lower()]["Posted"] = True
        return None

    def unpost_document(self, entity: str, ref: str) -> dict[str, Any] | None:
        self._record(ODataWrite("Unpost", entity, ref))
        if ref.lower() in self.created:
            self.created[ref.lower()]["Posted"] = False
        return None


# Refs of objects a dry run "creates" (a client-chosen Ref_Key is kept as the client chose it).
FAKE_REF_PREFIX = "00000000-0000-4000-8000-"

WRITE_PREFIXES = ("create_", "update_", "post_", "unpost_", "set_", "mark_", "add_", "delete_", "link_")


def write_methods() -> list[str]:
    """Public methods of ``UtpClient`` that write to UTP (by the client's naming convention)."""
    return sorted(
        name
        for name in dir(UtpClient)
        if name.startswith(WRITE_PREFIXES) and callable(getattr(UtpClient, name, None))
    )


def _value_text(value: Any) -> str | None:
    if value is None or callable(value):
        return None
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) if value else None
    if hasattr(value, "model_dump"):
        return type(value).__name__
    return str(value)


def _summary(operation: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> str:
    from bridge.utp.models import SalesOrderInput

    parts: list[str] = []
    for name, value in [(None, a) for a in args] + list(kwargs.items()):
        if isinstance(value, SalesOrderInput):
            total = sum((line.line_amount() for line in value.lines), Decimal(0))
            parts.append(
                f"marker {value.marker}, {len(value.lines)} line(s), total {total:.2f}, "
                f"counterparty {value.counterparty_key}, warehouse {value.warehouse_key}"
            )
            for line in value.lines:
                parts.append(
                    f"  {line.product_key}: {line.quantity} × {line.price} = {line.line_amount():.2f}"
                )
            continue
        text = _value_text(value)
        if text is not None:
            parts.append(f"{name}={text}" if name else text)
    return "\n".join(parts)


def planning_utp(real: UtpClient, plan: UtpPlan) -> UtpClient:
    """A clone of ``real`` whose writes are planned, not sent (see the module's docstring)."""
    clone = copy.copy(real)
    clone.odata = DryRunOData(real.odata, plan)
    clone._cache = dict(real._cache)  # property keys a dry run invents must not reach the real client

    def wrap(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def planned(*args: Any, **kwargs: Any) -> Any:
            if plan._depth == 0:
                plan.writes.append(PlannedWrite(name, _summary(name, args, kwargs)))
            plan._depth += 1
            try:
                return method(*args, **kwargs)
            finally:
                plan._depth -= 1

        return planned

    for name in write_methods():
        setattr(clone, name, wrap(name, getattr(clone, name)))
    return clone
