"""1C's ``DataVersion``: a new value on every write of an object, posting and unposting included (the
catalog change watcher relies on it). Reference: DataVersion is the DBMS row version of the object's header
row, and posting or unposting rewrites that row (its ``Проведен`` flag), as does a deletion mark."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from sandbox.utp.app import UtpEmulator
from sandbox.utp.catalog_bodies import receipt_body

RECEIPT = quote("Document_ПоступлениеТоваровУслуг")


def _version(client: httpx.Client, ref: str) -> str:
    answer = client.get(f"{RECEIPT}(guid'{ref}')?$format=json&$select=DataVersion,Posted")
    assert answer.status_code == 200
    return str(answer.json()["DataVersion"])


def test_every_write_posting_and_unposting_gives_a_new_data_version(
    utp_client: httpx.Client, utp_app: UtpEmulator
) -> None:
    seed = utp_app.seed_info
    product = next(p for p in seed["sample_products"] if not p.get("service"))
    body = receipt_body(seed, seed["warehouses"][0]["ref"], [(product["ref"], product["unit"], 1, 1)])
    created = utp_client.post(f"{RECEIPT}?$format=json", json=body)
    assert created.status_code == 201
    ref = created.json()["Ref_Key"]
    seen = [created.json()["DataVersion"], _version(utp_client, ref)]
    assert seen[0] == seen[1]  # reading does not change it
    steps = [
        ("POST", f"{RECEIPT}(guid'{ref}')/Post?$format=json", None),
        ("POST", f"{RECEIPT}(guid'{ref}')/Post?$format=json", None),  # re-posting: a write too
        ("POST", f"{RECEIPT}(guid'{ref}')/Unpost?$format=json", None),
        ("PATCH", f"{RECEIPT}(guid'{ref}')?$format=json", {"DeletionMark": True}),
        ("PATCH", f"{RECEIPT}(guid'{ref}')?$format=json", {}),  # nothing changed, still a write
    ]
    for method, url, json_body in steps:
        answer = utp_client.request(method, url, json=json_body)
        assert answer.status_code == 200, answer.text
        seen.append(_version(utp_client, ref))
    assert len(set(seen[1:])) == len(seen) - 1  # a new value after each of the five writes
    # A refused posting (marked for deletion) writes nothing: the version stays.
    refused = utp_client.post(f"{RECEIPT}(guid'{ref}')/Post?$format=json")
    assert refused.status_code >= 400 and _version(utp_client, ref) == seen[-1]
