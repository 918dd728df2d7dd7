"""The bridge's one DynamoDB table, as every store sees it: plain Python items in, plain items out.

The table (``BridgeTable`` in ``template.yaml``) has string keys ``pk`` and ``sk`` and a TTL on
``expires_at`` (epoch seconds). ``BridgeTable`` wraps the low-level client: boto3's TypeSerializer and
TypeDeserializer convert attribute values, a failed write condition is answered ``False``, and queries
page on their own. Many stores keep one JSON document per item in the attribute ``data``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from bridge.store.aws_clients import Client, LazyClient

PK = "pk"
SK = "sk"
TTL_ATTRIBUTE = "expires_at"
DATA = "data"  # the attribute holding an item's JSON document

Item = dict[str, Any]


@cache
def _codecs() -> tuple[Any, Any]:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer  # deferred: imports botocore

    return TypeSerializer(), TypeDeserializer()


def to_attribute_values(item: Mapping[str, Any]) -> Item:
    """Plain values → DynamoDB's attribute-value form (``{"S": ...}``, ``{"N": ...}``, ``{"M": ...}``)."""
    serializer = _codecs()[0]
    return {name: serializer.serialize(value) for name, value in item.items()}


def from_attribute_values(item: Mapping[str, Any]) -> Item:
    """DynamoDB's attribute-value form → plain values (numbers come back as ``Decimal``)."""
    deserializer = _codecs()[1]
    return {name: deserializer.deserialize(value) for name, value in item.items()}


def is_conditional_check_failure(exc: BaseException, client: Client | None = None) -> bool:
    """True for DynamoDB's ``ConditionalCheckFailedException`` (a write condition did not hold).

    Recognised by error code (botocore's errors), or as the client's own exception class (stand-ins).
    """
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error")
        return isinstance(error, dict) and error.get("Code") == "ConditionalCheckFailedException"
    expected = getattr(getattr(client, "exceptions", None), "ConditionalCheckFailedException", None)
    return isinstance(expected, type) and isinstance(exc, expected)


def _expression(
    condition: str | None, names: Mapping[str, str] | None, values: Mapping[str, Any] | None
) -> dict[str, Any]:
    request: dict[str, Any] = {}
    if condition:
        request["ConditionExpression"] = condition
    if names:
        request["ExpressionAttributeNames"] = dict(names)
    if values:
        request["ExpressionAttributeValues"] = to_attribute_values(values)
    return request


class BridgeTable:
    """Typed access to the bridge's table; the client is created lazily (or given: moto, a dry run)."""

    def __init__(self, table_name: str, *, dynamodb: Client | None = None) -> None:
        self.name = table_name
        self._client = LazyClient("dynamodb", dynamodb)

    @property
    def client(self) -> Client:
        return self._client.get()

    @property
    def client_created(self) -> bool:
        return self._client.created

    @staticmethod
    def key(pk: str, sk: str) -> Item:
        return {PK: {"S": pk}, SK: {"S": sk}}

    def get(self, pk: str, sk: str) -> Item | None:
        """The item, read consistently; None when there is none."""
        answer = self.client.get_item(TableName=self.name, Key=self.key(pk, sk), ConsistentRead=True)
        item = answer.get("Item")
        return from_attribute_values(item) if item else None

    def put(
        self,
        item: Mapping[str, Any],
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> bool:
        """Write ``item`` (plain values, keys included); False when ``condition`` does not hold."""
        request = {"TableName": self.name, "Item": to_attribute_values(item)}
        return self._write(self.client.put_item, request | _expression(condition, names, values))

    def delete(
        self,
        pk: str,
        sk: str,
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> bool:
        """Delete the item; False when ``condition`` does not hold."""
        request = {"TableName": self.name, "Key": self.key(pk, sk)}
        return self._write(self.client.delete_item, request | _expression(condition, names, values))

    def _write(self, call: Any, request: dict[str, Any]) -> bool:
        try:
            call(**request)
        except Exception as exc:
            if is_conditional_check_failure(exc, self.client):
                return False
            raise
        return True

    def query(self, pk: str, sk_prefix: str = "") -> Iterator[Item]:
        """Every item of ``pk`` whose sort key starts with ``sk_prefix``, in sort-key order, all pages."""
        request: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": sk_prefix}},
            "ConsistentRead": True,
        }
        while True:
            page = self.client.query(**request)
            for item in page.get("Items", []):
                yield from_attribute_values(item)
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- JSON documents: one ``data`` attribute per item ------------------------------------------

    def get_document(self, pk: str, sk: str) -> dict[str, Any] | None:
        item = self.get(pk, sk)
        return _decode(item) if item else None

    def put_document(
        self,
        pk: str,
        sk: str,
        document: Mapping[str, Any],
        *,
        attributes: Mapping[str, Any] | None = None,
        condition: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> bool:
        """Write ``document`` as JSON, plus top-level ``attributes`` (what conditions or the TTL read)."""
        text = json.dumps(document, ensure_ascii=False, default=str)
        item = {PK: pk, SK: sk, DATA: text, **(attributes or {})}
        return self.put(item, condition=condition, values=values)

    def query_documents(self, pk: str, sk_prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
        """(sort key, document) of every item ``query`` finds."""
        for item in self.query(pk, sk_prefix):
            yield str(item[SK]), _decode(item)


def _decode(item: Mapping[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(item[DATA])
    return document
