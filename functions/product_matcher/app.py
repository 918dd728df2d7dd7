"""Product matcher: links SalesDrive products (YML feed) to UTP products by SKU, exports UTP-only ones,
replays parked orders. On demand (``{"dry_run": true}`` changes nothing) and on a daily schedule; a resume
schedule (``{"resume_product_ids": true}``) runs it again only while SalesDrive IDs remain to write."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from bridge import jobs

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = jobs.match_products(
        dry_run=bool(event.get("dry_run", False)),
        resume=bool(event.get("resume_product_ids", False)),
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
    )
    if run.report is not None:
        logger.info("SKU matching done", dry_run=run.dry_run, summary=run.report.summary)
        print(run.report.to_table())  # the readable table, in the function's log
    return run.as_dict()
