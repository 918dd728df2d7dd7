"""The stores' DynamoDB gateway without AWS: attribute values, write conditions, paging, lazy clients."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bridge.store.aws_clients import LazyClient
from bridge.store.table import (
    BridgeTable,
    from_attribute_values,
    is_conditional_check_failure,
    to_attribute_values,
)


class ConditionFailed(Exception):
    """A stand-in client's own exception class, as a dry run's overlay raises it."""


class _Exceptions:
    ConditionalCheckFailedException = ConditionFailed


class PagingClient:
    """Answers queries two items a page and refuses every conditional write."""

    exceptions = _Exceptions

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.requests: list[dict[str, Any]] = []

    def query(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        start = int(request.get("ExclusiveStartKey", {}).get("at", 0))
        page: dict[str, Any] = {"Items": self.items[start : start + 2]}
        if start + 2 < len(self.items):
            page["LastEvaluatedKey"] = {"at": start + 2}
        return page

    def put_item(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        if "ConditionExpression" in request:
            raise ConditionFailed(request["ConditionExpression"])
        return {}


def test_plain_values_round_trip_through_attribute_values() -> None:
    item = {"pk": "p", "sk": "s", "n": 3, "when": Decimal("1.500"), "l": [[1, "a"]], "m": {"0": {"x": 2}}}
    values = to_attribute_values(item)
    assert values["n"] == {"N": "3"}
    assert values["when"] == {"N": "1.500"}
    assert values["l"] == {"L": [{"L": [{"N": "1"}, {"S": "a"}]}]}
    assert values["m"] == {"M": {"0": {"M": {"x": {"N": "2"}}}}}
    assert from_attribute_values(values) == item


def test_a_query_reads_every_page_in_order() -> None:
    items = [{"pk": {"S": "p"}, "sk": {"S": f"a#{i}"}, "data": {"S": f'{{"i": {i}}}'}} for i in range(5)]
    client = PagingClient(items)
    found = list(BridgeTable("t", dynamodb=client).query_documents("p", "a#"))
    assert found == [(f"a#{i}", {"i": i}) for i in range(5)]
    assert len(client.requests) == 3
    assert client.requests[0]["KeyConditionExpression"] == "pk = :pk AND begins_with(sk, :prefix)"
    assert client.requests[0]["ConsistentRead"] is True


def test_a_failed_condition_is_false_for_the_clients_own_exception_class() -> None:
    client = PagingClient([])
    table = BridgeTable("t", dynamodb=client)
    assert not table.put({"pk": "p", "sk": "s"}, condition="attribute_not_exists(pk)")
    assert table.put({"pk": "p", "sk": "s"})
    assert client.requests[0]["ConditionExpression"] == "attribute_not_exists(pk)"
    assert "ExpressionAttributeNames" not in client.requests[0]


def test_lazy_client_is_created_once_on_first_use() -> None:
    made: list[object] = []

    def factory() -> object:
        made.append(object())
        return made[-1]

    lazy = LazyClient("dynamodb", factory=factory)
    assert not lazy.created
    assert lazy.get() is lazy.get() is made[0]
    assert len(made) == 1


def test_conditional_failures_are_recognised_by_code() -> None:
    class Failure(Exception):
        def __init__(self, code: str) -> None:
            self.response = {"Error": {"Code": code}}

    assert is_conditional_check_failure(Failure("ConditionalCheckFailedException"))
    assert not is_conditional_check_failure(Failure("ProvisionedThroughputExceededException"))
    assert not is_conditional_check_failure(ValueError("x"))


def test_other_errors_are_raised() -> None:
    class Broken(PagingClient):
        def put_item(self, **request: Any) -> dict[str, Any]:
            raise RuntimeError("throttled")

    with pytest.raises(RuntimeError, match="throttled"):
        BridgeTable("t", dynamodb=Broken([])).put({"pk": "p", "sk": "s"})
