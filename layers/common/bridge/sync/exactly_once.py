"""Exactly-once creation of UTP documents: the ledger plus find-before-create.

1C cannot create a document idempotently and a crash can fall between a UTP write and the bridge's
record of it. So: record an intent, create the document unposted, record its reference, post it,
record that. A retry that finds an intent without a reference looks the document up in UTP (by its
marker or natural key) before it creates anything. Documents that people also create by hand in UTP
(invoices, closures, return notes) are looked up before the first creation too.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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
        self.kind = kind
        self.key = key


# Longer than any invocation (Lambda timeout 120 s): a claim older than this belongs to a dead worker.
CLAIM_LEASE_S = 300.0


@dataclass(frozen=True)
class Delivery:
    """Which delivery of which queue message is at work. SQS hands a message out again only after its
    visibility timeout, which the template sets to six times the function's timeout: so a claim made by
    an earlier delivery of the same message belongs to a worker that is dead (it crashed or timed out
    between a UTP write and its record) and is taken over at once, without waiting for the lease."""

    message_id: str
    receive_count: int

    def claim(self) -> str:
        return f"{self.message_id}@{self.receive_count}#{uuid.uuid4().hex[:12]}"

    def supersedes(self, claim: str | None) -> bool:
        message_id, _, rest = (claim or "").partition("@")
        count = rest.partition("#")[0]
        return message_id == self.message_id and count.isdigit() and int(count) < self.receive_count


_delivery: ContextVar[Delivery | None] = ContextVar("bridge_delivery", default=None)


@contextmanager
def working_on(delivery: Delivery | None) -> Iterator[None]:
    """Claims made inside carry this delivery (a context variable: safe across threads)."""
    token = _delivery.set(delivery)
    try:
        yield
    finally:
        _delivery.reset(token)


def claim_token() -> str | None:
    delivery = _delivery.get()
    return delivery.claim() if delivery is not None else None


def claim_is_dead(entry: LedgerEntry, now: float) -> bool:
    """May this INTENT be taken over: given up after a failure, older than the lease, or made by an
    earlier delivery of the message now at work."""
    if entry.interrupted or entry.claimed_at is None or now - entry.claimed_at >= CLAIM_LEASE_S:
        return True
    delivery = _delivery.get()
    return delivery is not None and delivery.supersedes(entry.claim)


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
        entry, won = store.record_intent(kind, key, detail, claim=claim_token())
        if won:
            claimed = entry
    if entry.ref and (entry.state is LedgerState.POSTED or post is None):
        return EnsuredDocument(entry.ref, created=False)
    if entry.state is LedgerState.INTENT and claimed is None:
        if not claim_is_dead(entry, now()):
            raise DocumentInProgress(kind, key)
        claimed = store.take_over_intent(entry, claim=claim_token())
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
