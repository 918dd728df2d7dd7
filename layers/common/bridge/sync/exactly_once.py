"""Exactly-once creation of UTP documents: the ledger plus find-before-create.

1C cannot create a document idempotently and a crash can fall between a UTP write and the bridge's
record of it. So: record an intent, create the document unposted, record its reference, post it,
record that. A retry that finds an intent without a reference looks the document up in UTP (by its
marker or natural key) before it creates anything. Documents that people also create by hand in UTP
(invoices, closures, return notes) are looked up before the first creation too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bridge.store.deals import DealStore, DocumentKind, LedgerState
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
) -> EnsuredDocument:
    """The posted UTP document for (kind, key), created at most once whatever crashes in between.

    ``create`` makes the document unposted and returns its reference; ``post`` posts it (None: the
    kind is not posted, e.g. a catalog item). ``find`` looks it up in UTP.
    """
    entry = store.ledger(kind, key)
    if entry is not None and entry.ref and (entry.state is LedgerState.POSTED or post is None):
        return EnsuredDocument(entry.ref, created=False)

    ref: str | None = entry.ref if entry is not None else None
    posted = False
    created = False
    if ref is None and (find_first or entry is not None):
        # An intent without a reference means a crash after (perhaps) writing to UTP: look first.
        existing = find()
        if existing is not None:
            ref, posted = existing.ref, existing.posted
            store.record_document(kind, key, ref, posted=posted or post is None, detail={"adopted": True})
    if ref is None:
        if entry is None:
            store.record_intent(kind, key, detail)
        ref = create()
        created = True
        store.record_document(kind, key, ref, posted=post is None, detail=detail)
    if post is not None and not posted:
        post(ref)
        store.record_document(kind, key, ref, posted=True, detail=detail)
    return EnsuredDocument(ref, created=created)
