"""UTP reads of the catalog change watcher: which documents changed, and which products they move.

Standard OData only. ``document_versions`` lists documents dated since a moment with a few small fields;
1C gives an object a new ``DataVersion`` on every write, posting included, so an unequal value marks a
changed document (opaque, compared for equality only). ``document_products`` reads the product keys of
a few documents' lines, each key a ``Guid`` literal so no caller text reaches the filter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bridge.utp.odata import ODataClient
from bridge.utp.odata_query import Guid, ge, in_


@dataclass(frozen=True, slots=True)
class DocumentVersion:
    ref: str
    data_version: str
    posted: bool
    deletion_mark: bool
    date: str  # UTP's naive local date, ISO (``2030-01-01T00:00:00``)


VERSION_FIELDS = ["Ref_Key", "DataVersion", "Posted", "DeletionMark", "Date"]


def document_versions(
    odata: ODataClient, entity: str, since: datetime, *, page_size: int = 1000
) -> list[DocumentVersion]:
    """Documents of ``entity`` dated at or after ``since`` (UTP's local time, naive). [⌈n/page⌉ (+1)]"""
    out = []
    for row in odata.iter_collection(
        entity, select=VERSION_FIELDS, filter=ge("Date", since), orderby="Ref_Key", page_size=page_size
    ):
        out.append(
            DocumentVersion(
                ref=str(row["Ref_Key"]).lower(),
                data_version=str(row.get("DataVersion") or ""),
                posted=bool(row.get("Posted")),
                deletion_mark=bool(row.get("DeletionMark")),
                date=str(row.get("Date") or ""),
            )
        )
    return out


def document_products(
    odata: ODataClient,
    entity: str,
    refs: Iterable[str],
    *,
    section: str = "Товары",
    column: str = "Номенклатура_Key",
    chunk: int = 40,
) -> dict[str, list[str]]:
    """``ref`` → the distinct non-empty ``column`` values of its ``section`` rows, in row order.

    A document that no longer exists is absent. [⌈refs/chunk⌉]
    """
    wanted = list(dict.fromkeys(r.lower() for r in refs))
    out: dict[str, list[str]] = {}
    for start in range(0, len(wanted), chunk):
        keys: Sequence[Guid] = [Guid(r) for r in wanted[start : start + chunk]]
        rows = odata.get_collection(
            entity, select=["Ref_Key", f"{section}/{column}"], filter=in_("Ref_Key", keys)
        )
        for row in rows:
            lines = row.get(section) or []
            values = (str(line.get(column) or "").lower() for line in lines if isinstance(line, dict))
            out[str(row["Ref_Key"]).lower()] = list(dict.fromkeys(v for v in values if v and v != EMPTY_GUID))
    return out


EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
