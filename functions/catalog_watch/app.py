"""Catalog change watcher, every minute: polls UTP's recent stock- and price-moving documents for about
``catalog_watch_run_seconds`` and queues the products of the changed ones for the targeted push
(``functions/catalog_refresh``). Needs nothing in 1C; ``catalog_watch: false`` switches it off."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from bridge import jobs

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = jobs.watch_catalog(time_left=lambda: context.get_remaining_time_in_millis() / 1000)
    result = report.as_dict()
    logger.info("catalog watched", **result)
    return result
