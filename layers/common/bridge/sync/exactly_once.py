"""Exactly-once creation of UTP documents: the ledger plus find-before-create.

1C cannot create a document idempotently and a crash can fall between a UTP write and the bridge's
record of it. So: record an intent, create the document unposted, record its reference, post it,
record that. A retry that finds an intent without a reference looks the document up in UTP (by its
marker or natural key) before it creates anything. Documents that people also create by hand in UTP
(invoices, closures, return notes) are looked up before the first creation too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bridge.store.deals import DealStore, DocumentKind, LedgerEntry, LedgerState
from bridge.utp.models import DocumentHeader


@dataclass(frozen=True)
class ExistingDocument:
    ref: str
    posted: bool


def first_live(documents: Iterable[DocumentHeader]) -> ExistingDocument | None:
    """The document to adopt among those UTP holds: not marked for deletion, posted ones first."""
    live = sorted((d for d in documents if not d.deletion_mark), key=lambda d: (not d.posted, d.number))
    return ExistingDocument(live[0].ref, posted=live[0].posted) if live else None


@dataclass(frozen=True)
class EnsuredDocument:
    ref: str
    created: bool  # False: it already existed (recorded, adopted from UTP, or made by a person)


class DocumentInProgress(Exception):
    """Another worker holds the claim on this document right now; retry later (the queue will)."""

    def __init__(self, kind: DocumentKind, key: str) -> None:
        super().__init__(f"another worker is writing {kind} {key}; retry later")


# Longer than any invocation (Lambda timeout 120 s): a claim older than this belongs to a dead worker.
CLAIM_LEASE_S = 300.0


def ensure_document(
    store: DealStore,
    kind: DocumentKind,
    key: str,
    *,
    find: Callable[[], ExistingDocument | None],
    create: Callable[[], str],
    post: Callable[[str], None] | None,
    find_first: bool = False,
    detail: dict[str, object] | None = None,
    now: Callable[[], float] = time.time,
) -> EnsuredDocument:
    """The posted UTP document for (kind, key), created at most once whatever crashes or races.

    ``create`` makes the document unposted and returns its reference; ``post`` posts it (None: the
    kind is not posted, e.g. a catalog item). ``find`` looks it up in UTP. Only the holder of the
    intent may create; a live claim of another worker raises ``DocumentInProgress``; a claim given up
    after a failure, or older than the lease, is taken over and the document looked up first.
    """
    entry = store.ledger(kind, key)
    claimed: LedgerEntry | None = None
    look_first = find_first
    if entry is None:
        entry, won = store.record_intent(kind, key, detail)
        if won:
            claimed = entry
    if entry.ref and (entry.state is LedgerState.POSTED or post is None):
        return EnsuredDocument(entry.ref, created=False)
    if entry.state is LedgerState.INTENT and claimed is None:
        fresh = entry.claimed_at is not None and now() - entry.claimed_at < CLAIM_LEASE_S
        if fresh and not entry.interrupted:
            raise DocumentInProgress(kind, key)
        claimed = store.take_over_intent(entry)
        if claimed is None:
            raise DocumentInProgress(kind, key)
        look_first = True  # the previous holder may have written to UTP before it stopped

    ref: str | None = entry.ref
    posted = False
    created = False
    try:
        if ref is None and look_first:
            existing = find()
            if existing is not None:
                ref, posted = existing.ref, existing.posted
                store.record_document(kind, key, ref, posted=posted or post is None, detail={"adopted": True})
        if ref is None:
            ref = create()
            created = True
            store.record_document(kind, key, ref, posted=post is None, detail=detail)
    except BaseException:
        if claimed is not None and ref is None:
            store.release_intent(claimed)
        raise
    if post is not None and not posted:
        post(ref)
        store.record_document(kind, key, ref, posted=True, detail=detail)
    return EnsuredDocument(ref, created=created)
