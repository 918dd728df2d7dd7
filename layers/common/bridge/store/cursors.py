"""Durable watermarks of the periodic jobs (catch-up sweep, payment import, status reconciler, catalog).

One item per job: ``pk="cursor#<job>"``, ``sk="cursor"``. A job reads its watermark, works, and
advances it only after the work it covers is done, so a crash means re-reading an overlap, never a gap.
"""

from __future__ import annotations

from typing import Any

from bridge.store.table import BridgeTable


class CursorStore:
    def __init__(self, table_name: str, *, dynamodb: Any | None = None) -> None:
        self._table = BridgeTable(table_name, dynamodb=dynamodb)

    def get(self, job: str) -> dict[str, Any] | None:
        return self._table.get_document(f"cursor#{job}", "cursor")

    def put(self, job: str, value: dict[str, Any]) -> None:
        self._table.put_document(f"cursor#{job}", "cursor", value)
