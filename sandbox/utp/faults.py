"""Fault injection and latency: one-shot faults a test asks for, random faults at a configured rate,
the latency of every call and the slow first call after idle time (a 1C session start)."""

from __future__ import annotations

import contextlib
import json
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Response

from .config import UtpEmulatorConfig

FAULT_KINDS = {"500", "503", "timeout", "html", "drop"}
JSON_CT = "application/json;charset=utf-8"


@dataclass
class FaultRule:
    kind: str
    count: int
    match: str | None
    method: str | None
    phase: str  # "before": the request is not applied; "after": applied, then the answer is lost


class Faults:
    """The faults and delays of one emulator; `config` is read anew on each call (it can change)."""

    def __init__(self, config: Callable[[], UtpEmulatorConfig], lock: threading.Lock, seed: int):
        self._config = config
        self._lock = lock
        self._rules: list[FaultRule] = []
        self._rng = random.Random(seed)
        self._last_request = time.monotonic()

    def add(self, kind: str, count: int, match: str | None, method: str | None, phase: str) -> None:
        if str(kind) not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {sorted(FAULT_KINDS)}")
        with self._lock:
            self._rules.append(FaultRule(str(kind), count, match, method.upper() if method else None, phase))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def delay(self) -> None:
        cfg = self._config()
        now = time.monotonic()
        idle = now - self._last_request
        self._last_request = now
        total = cfg.latency_ms / 1000
        if cfg.idle_after_s is not None and idle >= cfg.idle_after_s:
            total += cfg.cold_start_ms / 1000
        if total > 0:
            time.sleep(total)

    def take(self, method: str, target: str) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.method and rule.method != method:
                    continue
                if rule.match and rule.match != target:
                    continue
                rule.count -= 1
                if rule.count <= 0:
                    self._rules.remove(rule)
                return rule
            cfg = self._config()
            if cfg.fault_rate > 0 and cfg.fault_kinds and self._rng.random() < cfg.fault_rate:
                return FaultRule(self._rng.choice(cfg.fault_kinds), 1, None, None, "before")
        return None

    def response(self, kind: str) -> Response:
        if kind == "500":
            body = {
                "odata.error": {
                    "code": "-1",
                    "message": {"lang": "ru", "value": "Произошла внутренняя ошибка OData сервиса"},
                }
            }
            return Response(json.dumps(body, ensure_ascii=False), status=500, content_type=JSON_CT)
        if kind == "503":
            return Response("Service Unavailable", status=503, content_type="text/html")
        if kind == "timeout":
            if self._config().timeout_sleep_s:
                time.sleep(self._config().timeout_sleep_s)
            return Response(
                "<html><body>504 Gateway Timeout</body></html>", status=504, content_type="text/html"
            )
        if kind == "html":
            # A misconfigured publication answers an HTML page with status 200.
            return Response(
                "<html><body>IIS: please log in</body></html>", status=200, content_type="text/html"
            )
        raise ConnectionResetError("emulated connection drop")


def drop_connection(environ: dict[str, Any]) -> None:
    """Served on a socket, a dropped connection must reach the client as one: close the socket (a
    reset by a proxy), or the server would only log the error and leave the client waiting for its
    read timeout. In process (WSGITransport) the raised error reaches the client by itself."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
