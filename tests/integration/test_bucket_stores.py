"""The named blob stores in S3 (moto): one object each, at its own key; absent before the first save."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bridge.store.bucket import (
    CatalogFingerprintStore,
    CatalogWatchStateStore,
    MemoryObjectStore,
    SeenStatusStore,
)

BUCKET = "bridge-test-bucket"


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="eu-central-1")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        yield client


def test_each_store_keeps_its_own_object(s3: Any) -> None:
    stores = [
        store(BUCKET, s3=s3) for store in (CatalogFingerprintStore, CatalogWatchStateStore, SeenStatusStore)
    ]
    assert [s.load() for s in stores] == [None, None, None]
    for n, store in enumerate(stores):
        store.save(bytes([n]))
    assert [s.load() for s in stores] == [b"\x00", b"\x01", b"\x02"]
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert keys == ["catalog/fingerprints.bin", "catalog/watch-state.json.gz", "statuses/seen.json.gz"]


def test_a_key_can_be_chosen_and_a_bucket_is_required(s3: Any) -> None:
    CatalogFingerprintStore(BUCKET, key="bench/catalog-1.bin", s3=s3).save(b"x")
    assert s3.get_object(Bucket=BUCKET, Key="bench/catalog-1.bin")["Body"].read() == b"x"
    with pytest.raises(ValueError, match="bucket"):
        SeenStatusStore("")


def test_the_memory_store_counts_its_saves() -> None:
    store = MemoryObjectStore()
    assert store.load() is None
    store.save(b"a")
    store.save(b"b")
    assert (store.load(), store.saves) == (b"b", 2)
