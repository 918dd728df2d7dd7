"""The bridge's blobs in its S3 bucket, one named store per object.

Why S3 and not DynamoDB items: each of these is read and written whole once a run. The catalog's
fingerprints, for instance, are compared all at once; at 200,000 products one GET and one PUT of an
≈ 9 MB object cost cents a month and ≈ 0.2 s, against 200,000 item reads a run in DynamoDB. The bytes'
format belongs to the rules that write them (``bridge.sync.catalog_diff``, ``bridge.sync.catalog_watch``,
``bridge.sync.order_statuses``); these stores only move bytes.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from bridge.store.aws_clients import LazyClient


class ObjectStore(Protocol):
    """One blob: read whole (None before the first save), written whole."""

    def load(self) -> bytes | None: ...

    def save(self, data: bytes) -> None: ...


class BucketObject:
    """One S3 object: the helper every named store below is."""

    default_key: ClassVar[str]

    def __init__(self, bucket: str, *, key: str | None = None, s3: Any | None = None) -> None:
        if not bucket:
            raise ValueError("the bridge's bucket name is required")
        self.bucket = bucket
        self.key = key or self.default_key
        self._s3 = LazyClient("s3", s3)

    def load(self) -> bytes | None:
        try:
            answer = self._s3.get().get_object(Bucket=self.bucket, Key=self.key)
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404"):
                return None
            raise
        data: bytes = answer["Body"].read()
        return data

    def save(self, data: bytes) -> None:
        self._s3.get().put_object(
            Bucket=self.bucket, Key=self.key, Body=data, ContentType="application/octet-stream"
        )


class CatalogFingerprintStore(BucketObject):
    """What SalesDrive last received from the catalog push (``bridge.sync.catalog_diff``'s blob)."""

    default_key = "catalog/fingerprints.bin"


class CatalogWatchStateStore(BucketObject):
    """The catalog watcher's memory of the UTP documents it saw (``bridge.sync.catalog_watch``)."""

    default_key = "catalog/watch-state.json.gz"


class SeenStatusStore(BucketObject):
    """The order statuses the status reconciler saw last run (``bridge.sync.order_statuses``)."""

    default_key = "statuses/seen.json.gz"


class MemoryObjectStore:
    """Any of the stores above, in memory (benchmarks, unit tests, the sandbox)."""

    def __init__(self) -> None:
        self.data: bytes | None = None
        self.saves = 0

    def load(self) -> bytes | None:
        return self.data

    def save(self, data: bytes) -> None:
        self.data = data
        self.saves += 1
