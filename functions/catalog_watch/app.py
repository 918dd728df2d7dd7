"""Catalog change watcher, every minute: polls UTP's recent stock- and price-moving documents for about
``catalog_watch_run_seconds`` and queues the products of the changed ones for the targeted push
(``functions/catalog_refresh``). Needs nothing in 1C; ``catalog_watch: false`` switches it off."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from bridge import runtime
from bridge.sync.catalog_push import CURSOR as CATALOG_PUSH_CURSOR
from bridge.sync.catalog_watch import last_full_push, watch

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = runtime.settings()
    queue = runtime.catalog_change_queue()
    if queue is None:
        raise RuntimeError("environment variable CATALOG_CHANGE_QUEUE_URL is not set")
    cursors = runtime.cursors()
    report = watch(
        utp=runtime.utp_client(),
        queue=queue,
        store=runtime.catalog_watch_state(),
        settings=settings,
        now=lambda: datetime.now(UTC),
        fresh_after=last_full_push(cursors.get(CATALOG_PUSH_CURSOR)),
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
    )
    result = report.as_dict()
    logger.info("catalog watched", **result)
    return result
