"""Webhook delivery with the faults integrators report: duplicates, reordering, delay, loss, retries.

SalesDrive documents none of retries, timeout or ordering (docs/salesdrive-api.md, "Webhooks"), so each
is a switch in `SalesDriveEmulatorConfig`.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from .clock import fmt
from .config import SalesDriveEmulatorConfig

Transport = Callable[[str, bytes, dict[str, str]], int]
EVENTS = ("new_order", "status_change")


def httpx_transport(timeout_s: float) -> Transport:
    def send(url: str, body: bytes, headers: dict[str, str]) -> int:
        return httpx.post(url, content=body, headers=headers, timeout=timeout_s).status_code

    return send


@dataclass
class Delivery:
    delivery_id: int
    subscription_id: int
    url: str
    event: str
    order_id: int
    version: int
    status_id: int
    body: bytes
    due_at: datetime
    enqueued_at: datetime
    seq: int
    attempt: int = 0
    duplicate: bool = False
    held: bool = False  # reordering: waits until a later delivery to the same URL went out
    reordered: bool = False
    delay_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


class WebhookDispatcher:
    def __init__(
        self,
        config: Callable[[], SalesDriveEmulatorConfig],
        now: Callable[[], datetime],
        transport: Transport | None,
    ) -> None:
        self._config = config
        self._now = now
        self._transport = transport
        self._queue: list[Delivery] = []
        self.log: list[dict[str, Any]] = []
        self._lock = threading.RLock()
        self._deliver_lock = threading.Lock()
        self._seq = 0
        self.rng = random.Random(config().random_seed)

    def reseed(self, seed: int) -> None:
        with self._lock:
            self.rng = random.Random(seed)

    @property
    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self._describe(d) for d in sorted(self._queue, key=lambda d: (d.due_at, d.seq))]

    def _describe(self, d: Delivery) -> dict[str, Any]:
        return {
            "delivery_id": d.delivery_id,
            "subscription_id": d.subscription_id,
            "url": d.url,
            "event": d.event,
            "order_id": d.order_id,
            "version": d.version,
            "status_id": d.status_id,
            "due_at": fmt(d.due_at),
            "attempt": d.attempt,
            "duplicate": d.duplicate,
            "held": d.held,
            "reordered": d.reordered,
            "delay_s": d.delay_s,
        }

    def _record(self, d: Delivery, outcome: str, **extra: Any) -> None:
        entry = self._describe(d)
        entry.pop("due_at")
        entry.pop("held")
        entry.update({"at": fmt(self._now()), "outcome": outcome, "http_status": None, "error": None})
        entry.update(extra)
        self.log.append(entry)

    def enqueue(
        self, subscription: dict[str, Any], event: str, order: dict[str, Any], body: dict[str, Any]
    ) -> None:
        """Called inside the request that caused the event; the payload is a snapshot of that moment."""
        cfg = self._config()
        now = self._now()
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        with self._lock:
            # Always draw the same number of values so a seed gives the same faults whatever the rates.
            lost = self.rng.random() < cfg.webhook_loss_rate
            delay = self.rng.uniform(0, cfg.webhook_delay_s) if cfg.webhook_delay_s > 0 else 0.0
            dup = self.rng.random() < cfg.webhook_duplicate_rate
            dup_delay = self.rng.uniform(0, cfg.webhook_delay_s) if cfg.webhook_delay_s > 0 else 0.0
            hold = self.rng.random() < cfg.webhook_reorder_rate
            self._seq += 1
            d = Delivery(
                delivery_id=self._seq,
                subscription_id=subscription["id"],
                url=subscription["url"],
                event=event,
                order_id=order["id"],
                version=order["version"],
                status_id=order["statusId"],
                body=raw,
                due_at=now + timedelta(seconds=delay),
                enqueued_at=now,
                seq=self._seq,
                held=hold,
                reordered=hold,
                delay_s=round(delay, 3),
            )
            if lost:
                self._record(d, "lost")
                return
            self._queue.append(d)
            if dup:
                self._seq += 1
                copy = Delivery(**{**d.__dict__, "seq": self._seq, "duplicate": True, "held": False})
                copy.reordered = False
                copy.due_at = d.due_at + timedelta(seconds=dup_delay)
                copy.delay_s = round(delay + dup_delay, 3)
                self._queue.append(copy)

    def _next_due(self, now: datetime) -> Delivery | None:
        cfg = self._config()
        with self._lock:
            for d in self._queue:
                if d.held and (now - d.enqueued_at).total_seconds() >= cfg.webhook_reorder_max_hold_s:
                    d.held = False  # nothing came after it: release it rather than lose it
            due = [d for d in self._queue if not d.held and d.due_at <= now]
            if not due:
                return None
            d = min(due, key=lambda x: (x.due_at, x.seq))
            self._queue.remove(d)
            return d

    def deliver_due(self) -> int:
        """Send everything due at the clock's now (retries included); returns the number of attempts."""
        attempts = 0
        with self._deliver_lock:
            seen: set[int] = set()
            while True:
                now = self._now()
                d = self._next_due(now)
                if d is None:
                    break
                # A retry due "now" (zero back-off) is sent in a later call, so one call cannot loop forever.
                if id(d) in seen:
                    with self._lock:
                        self._queue.append(d)
                    break
                seen.add(id(d))
                attempts += 1
                self._attempt(d, now)
        return attempts

    def _attempt(self, d: Delivery, now: datetime) -> None:
        cfg = self._config()
        d.attempt += 1
        transport = self._transport or httpx_transport(cfg.webhook_timeout_s)
        headers = {"Content-Type": "application/json", "User-Agent": "SalesDrive-Webhook/emulator"}
        status: int | None = None
        error: str | None = None
        started = time.monotonic()
        try:
            status = int(transport(d.url, d.body, headers))
            elapsed = time.monotonic() - started
            if elapsed > cfg.webhook_timeout_s:
                outcome = "timeout"  # answered, but too late: SalesDrive has given up on it
            else:
                outcome = "delivered" if 200 <= status < 300 else "failed"
        except (TimeoutError, httpx.TimeoutException) as exc:
            outcome, error = "timeout", repr(exc)
        except Exception as exc:
            outcome, error = "error", repr(exc)
        will_retry = outcome != "delivered" and d.attempt <= cfg.webhook_retry_count
        with self._lock:
            self._record(d, outcome, http_status=status, error=error, will_retry=will_retry)
            if will_retry:
                d.due_at = now + timedelta(seconds=cfg.webhook_retry_backoff_s * d.attempt)
                self._queue.append(d)
            if not d.held:
                # Reordering: a held delivery goes out right after the next one to the same URL.
                for other in self._queue:
                    if other.held and other.url == d.url and other.seq < d.seq:
                        other.held = False
                        other.due_at = min(other.due_at, now)


class BackgroundDelivery:
    """Only when serving: a thread that delivers due webhooks every `interval` seconds."""

    def __init__(self, dispatcher: WebhookDispatcher, interval: float = 0.2) -> None:
        self._dispatcher = dispatcher
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="salesdrive-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._dispatcher.deliver_due()
            except Exception:  # noqa: S112 - a bad receiver must never stop the sender
                continue

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
