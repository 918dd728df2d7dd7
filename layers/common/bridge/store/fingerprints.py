"""Where the catalog push keeps what SalesDrive last received: one compact blob in S3.

Why S3 and not one DynamoDB item per product: every push reads *all* fingerprints at once (the diff is a
full comparison) and rewrites the ones that moved. At 200,000 products that is 200,000 reads per run as
DynamoDB items (≈ 25 USD a month at a run every 5 minutes, and seconds of paginated queries) against one
GET and one PUT of an ≈ 9 MB object in S3 (cents a month, ≈ 0.2 s). The blob's format belongs to
``bridge.sync.catalog_diff``; this module only moves bytes.
"""

from __future__ import annotations

from typing import Any


class FingerprintStore:
    """One S3 object per catalog (``catalog/fingerprints.bin`` by default)."""

    def __init__(self, bucket: str, *, key: str = "catalog/fingerprints.bin", s3: Any | None = None) -> None:
        if not bucket:
            raise ValueError("the catalog bucket name is required")
        self._bucket = bucket
        self._key = key
        self._s3 = s3

    @property
    def _client(self) -> Any:
        if self._s3 is None:  # lazily: importing boto3 costs cold-start time
            import boto3

            self._s3 = boto3.client("s3")
        return self._s3

    def load(self) -> bytes | None:
        try:
            answer = self._client.get_object(Bucket=self._bucket, Key=self._key)
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404"):
                return None
            raise
        data: bytes = answer["Body"].read()
        return data

    def save(self, data: bytes) -> None:
        self._client.put_object(
            Bucket=self._bucket, Key=self._key, Body=data, ContentType="application/octet-stream"
        )


class MemoryFingerprintStore:
    """The same interface in memory (the benchmark and unit tests)."""

    def __init__(self) -> None:
        self.data: bytes | None = None
        self.saves = 0

    def load(self) -> bytes | None:
        return self.data

    def save(self, data: bytes) -> None:
        self.data = data
        self.saves += 1
