"""Targeted catalog push: the products UTP said it saved (the catalog change queue) reach SalesDrive in
seconds. Never fails a batch: whatever it cannot send is handed to the full push (``catalog_push``)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.data_classes import SQSEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from bridge import jobs

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_source(data_class=SQSEvent)
def lambda_handler(event: SQSEvent, context: LambdaContext) -> dict[str, Any]:
    result = jobs.refresh_catalog(
        [record.body for record in event.records],
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
    )
    logger.info("catalog products refreshed", **{k: v for k, v in result.items() if k != "skipped"})
    return result
