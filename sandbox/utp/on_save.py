"""The 1C administrator's "on save" event subscription, emulated.

In production an administrator adds an event subscription (``ПодпискаНаСобытие``, event ``ПриЗаписи``)
to the UTP base whose handler builds a small JSON and POSTs it to the bridge's catalog trigger endpoint
(``ОтправитьДляОбработки``: HTTP POST, 5 s timeout, every error ignored so a save is never blocked).
Here the app calls :meth:`OnSaveNotifier.emit` after a write is committed; Python listeners are called
synchronously, HTTP delivery happens on one background daemon thread.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import urllib.request
from collections import Counter
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

ON_SAVE_TIMEOUT_S = 5.0
OnSaveListener = Callable[[dict[str, Any]], None]


def check_on_save_url(url: str | None) -> str | None:
    """``None``/empty switches delivery off; anything else must be an http(s) URL."""
    if url is None or url == "":
        return None
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        raise ValueError(f"on_save_url must be an http:// or https:// URL, got {url!r}")
    return url


class OnSaveNotifier:
    """Calls listeners, then queues the event for one lazily started daemon worker that POSTs it.

    ``stats`` (a Counter): ``emitted`` events produced, ``queued`` for HTTP delivery, ``sent`` (2xx/3xx
    answer), ``failed`` (connection error, timeout, 4xx/5xx), ``listener_errors``."""

    def __init__(self) -> None:
        self.stats: Counter[str] = Counter()
        self._cond = threading.Condition()
        self._pending = 0
        self._queue: queue.SimpleQueue[tuple[str, bytes]] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None

    def emit(self, event: dict[str, Any], url: str | None, listeners: list[OnSaveListener]) -> None:
        with self._cond:
            self.stats["emitted"] += 1
        for listener in list(listeners):
            try:
                listener({**event, "products": list(event["products"])})
            except Exception:
                log.debug("on-save listener %r failed", listener, exc_info=True)
                with self._cond:
                    self.stats["listener_errors"] += 1
        if not url:
            return
        body = json.dumps(event, ensure_ascii=False).encode("utf-8")
        with self._cond:
            self.stats["queued"] += 1
            self._pending += 1
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="utp-on-save", daemon=True)
                self._worker.start()
        self._queue.put((url, body))

    def snapshot(self) -> dict[str, int]:
        with self._cond:
            out = {k: 0 for k in ("emitted", "queued", "sent", "failed", "listener_errors")}
            out.update(self.stats)
            out["pending"] = self._pending
        return out

    def reset(self) -> None:
        with self._cond:
            self.stats.clear()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued event has been sent or has failed; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout)

    def _run(self) -> None:
        while True:
            url, body = self._queue.get()
            ok = self._send(url, body)
            with self._cond:
                self.stats["sent" if ok else "failed"] += 1
                self._pending -= 1
                self._cond.notify_all()

    @staticmethod
    def _send(url: str, body: bytes) -> bool:
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked by check_on_save_url
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=ON_SAVE_TIMEOUT_S) as answer:  # noqa: S310
                answer.read()
        except Exception as exc:  # every failure is swallowed: a save is never blocked
            log.debug("on-save POST to %s failed: %r", url, exc)
            return False
        return True
