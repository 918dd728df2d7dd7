"""Lazily created boto3 clients for the stores.

Importing a store costs nothing (botocore is slow to import on a cold start): the client is made on first
use, or a given one is used as is, which is how tests hand in moto's client or a dry run's stand-in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

# boto3 has no type stubs in this project: its clients are typed as Any on purpose.
Client = Any


class LazyClient:
    """Holds a given client, or creates boto3's client of ``service`` on first use (once, across threads)."""

    def __init__(
        self, service: str, client: Client | None = None, *, factory: Callable[[], Client] | None = None
    ) -> None:
        self._service = service
        self._client = client
        self._factory = factory
        self._lock = threading.Lock()

    @property
    def created(self) -> bool:
        return self._client is not None

    def get(self) -> Client:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._factory() if self._factory else self._boto3_client()
        return self._client

    def _boto3_client(self) -> Client:
        import boto3  # deferred: importing botocore costs cold-start time

        return boto3.client(self._service)
