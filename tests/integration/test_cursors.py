from __future__ import annotations

from typing import Any

from bridge.store.cursors import CursorStore


def test_a_watermark_survives_and_moves_only_when_put(dynamodb: Any) -> None:
    cursors = CursorStore("bridge-test", dynamodb=dynamodb)
    assert cursors.get("catch_up") is None
    cursors.put("catch_up", {"updated_from": "2025-10-05 11:40:27", "orders": 3})
    assert cursors.get("catch_up") == {"updated_from": "2025-10-05 11:40:27", "orders": 3}
    cursors.put("payments", {"updated_from": "2025-10-05 12:00:00"})
    assert cursors.get("catch_up") == {"updated_from": "2025-10-05 11:40:27", "orders": 3}
