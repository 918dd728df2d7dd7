"""The bridge's single DynamoDB table: key names, TTL attribute, table name and a lazily created client.

Every store shares one table (see ``template.yaml``): string keys ``pk`` and ``sk``, TTL on
``expires_at`` (epoch seconds). Nothing here talks to AWS at import time; boto3 itself is imported only
when a client is first needed, so modules that merely import a store stay cheap to cold-start.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

PK = "pk"
SK = "sk"
TTL_ATTRIBUTE = "expires_at"
TABLE_ENV = "BRIDGE_TABLE"  # set by template.yaml on every function

# boto3 has no type stubs in this project: a DynamoDB client is typed as Any on purpose.
DynamoDBClient = Any


def table_name_from_env(environ: Mapping[str, str] | None = None) -> str:
    """The bridge table's name from ``BRIDGE_TABLE``; a clear error when the wiring forgot it."""
    name = (os.environ if environ is None else environ).get(TABLE_ENV, "").strip()
    if not name:
        raise RuntimeError(f"{TABLE_ENV} is not set: the name of the bridge's DynamoDB table is required")
    return name


def default_client() -> DynamoDBClient:
    import boto3  # deferred: importing botocore costs cold-start time

    return boto3.client("dynamodb")


class LazyClient:
    """Holds a given client, or creates one on first use (once, even with several threads)."""

    def __init__(self, client: DynamoDBClient | None = None, factory: Callable[[], Any] = default_client):
        self._client = client
        self._factory = factory
        self._lock = threading.Lock()

    @property
    def created(self) -> bool:
        return self._client is not None

    def get(self) -> DynamoDBClient:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._factory()
        return self._client


def is_conditional_check_failure(exc: BaseException) -> bool:
    """True for DynamoDB's ``ConditionalCheckFailedException`` (a lost optimistic-concurrency race).

    Checked by error code so that this module never needs botocore at import time.
    """
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    error = response.get("Error")
    return isinstance(error, dict) and error.get("Code") == "ConditionalCheckFailedException"
