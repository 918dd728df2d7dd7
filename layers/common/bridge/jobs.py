"""Scheduled jobs wired to the deployment's collaborators (``bridge.runtime``): what the Lambdas call.

The rules stay free of the deployment (they take their collaborators as arguments); the handlers stay
wiring only (event in, report out, metrics and log lines).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bridge import runtime
from bridge.sync.parked_orders import ReplayReport, replay_parked_orders
from bridge.sync.product_ids import writes_pending
from bridge.sync.sku_matching import MatchRun, match_skus


def replay_parked() -> ReplayReport:
    """Re-enqueue the parked orders whose cause is gone (the replayer's schedule, and the matcher's)."""
    return replay_parked_orders(
        store=runtime.deal_store(),
        utp=runtime.utp_client(),
        queue=runtime.deal_queue(),
        now=datetime.now(UTC),
        settings=runtime.settings(),
    )


def match_products(*, dry_run: bool, resume: bool, time_left: Callable[[], float]) -> MatchRun:
    """The SKU matching. A resume run (``resume``) runs only while SalesDrive IDs remain to write, and only
    goes on writing them; the nightly run also replays the parked orders."""
    if resume and not writes_pending(runtime.cursors()):
        return MatchRun(dry_run=dry_run, resumed=False)
    report = match_skus(
        offers=runtime.salesdrive_client().yml_products(runtime.yml_public_key()),
        utp=runtime.utp_client(),
        salesdrive=runtime.salesdrive_client(),
        store=runtime.deal_store(),
        settings=runtime.settings(),
        dry_run=dry_run,
        cursors=runtime.cursors(),
        time_left=time_left,
        replay=None if resume else lambda: replay_parked().replayed,
    )
    return MatchRun(dry_run=dry_run, resumed=resume, report=report)
