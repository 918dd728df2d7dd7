"""What the two catalog freshness benchmarks share: a change saved in UTP and the moment SalesDrive shows
it, a thread that watches SalesDrive for them, products to change, the forced first full push."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote

from sandbox.runner.catalog_steps import CatalogUtp as Utp


@dataclass
class Change:
    kind: str
    sku: str
    saved_at: float
    check: Any  # product dict | None → bool
    seen_after: float | None = None


class SeenWatcher:
    """Polls the SalesDrive emulator every ``interval`` s: a change is seen when its check first holds."""

    def __init__(self, sd_app: Any, interval: float) -> None:
        self.sd_app, self.interval = sd_app, interval
        self.changes: list[Change] = []
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def add(self, *changes: Change) -> None:
        with self.lock:
            self.changes.extend(changes)

    def wait(self, seconds: float) -> None:
        """Until every change is seen, ``seconds`` at most."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and any(c.seen_after is None for c in self.changes):
            time.sleep(0.1)

    def _watch(self) -> None:
        while not self.done.is_set():
            now = time.monotonic()
            with self.lock:
                pending = [c for c in self.changes if c.seen_after is None]
            for change in pending:
                try:
                    product = self.sd_app.product(change.sku)
                except KeyError:
                    product = None
                if change.check(product):
                    change.seen_after = now - change.saved_at
            time.sleep(self.interval)


def per_kind(changes: list[Change]) -> dict[str, list[float]]:
    """Seconds until seen, per kind of change (the changes seen)."""
    out: dict[str, list[float]] = {}
    for c in changes:
        if c.seen_after is not None:
            out.setdefault(c.kind, []).append(c.seen_after)
    return out


def pick_products(utp: Utp, rng: random.Random, count: int) -> list[dict[str, Any]]:
    """``count`` goods with a SKU, at random among the first ``3 × count`` of the catalog."""
    flt = quote("Услуга eq false and IsFolder eq false and DeletionMark eq false", safe="")
    answer = utp.http.get(
        f"{utp.root}/{quote('Catalog_Номенклатура')}?$format=json&$filter={flt}&$top={count * 3}"
        "&$select=Ref_Key,Артикул,ЕдиницаХраненияОстатков_Key"
    )
    answer.raise_for_status()
    rows = [r for r in answer.json()["value"] if str(r.get("Артикул") or "").strip()]
    rng.shuffle(rows)
    return rows[:count]


def forced_full_push(stack: Any, log_file: IO[str]) -> Any:
    """``CatalogPushFunction`` forced, continued until complete (a run stops before Lambda's limit);
    the handlers' logs go to ``log_file``. Returns the last invocation."""
    with contextlib.redirect_stdout(log_file):
        while True:
            run = stack.invoke("CatalogPushFunction", {"force": True})
            if not run.ok or run.result.get("complete"):
                return run
