"""The emulator's own HTTP endpoints under ``/__emulator__/`` (not part of 1C): counters, runtime
configuration, fault injection and the seed summary, for tests and the local runner."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .faults import JSON_CT

if TYPE_CHECKING:
    from .app import UtpEmulator


def _js(obj: Any, status: int = 200) -> Response:
    return Response(json.dumps(obj, ensure_ascii=False, indent=1), status=status, content_type=JSON_CT)


def control(emu: UtpEmulator, request: Request, what: str) -> Response:
    if what == "counters" and request.method == "GET":
        snap = emu.counters_snapshot()
        return _js({"total": sum(snap.values()), "counters": snap, "on_save": emu.on_save_stats})
    if what == "counters/reset" and request.method == "POST":
        emu.reset_counters()
        return _js({"ok": True})
    if what == "config":
        if request.method == "POST":
            try:
                emu.configure(**json.loads(request.get_data() or b"{}"))
            except (ValueError, TypeError) as exc:
                return _js({"error": str(exc)}, 400)
        return _js({k: v for k, v in emu.config.model_dump().items() if k != "password"})
    if what == "faults" and request.method == "POST":
        try:
            emu.inject_fault(**json.loads(request.get_data() or b"{}"))
        except (ValueError, TypeError) as exc:
            return _js({"error": str(exc)}, 400)
        return _js({"ok": True})
    if what == "seed":
        return _js(emu.seed_info)
    return _js({"error": "unknown control endpoint"}, 404)
