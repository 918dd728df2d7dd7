"""Catch-up sweep: on a schedule, SalesDrive orders changed since the watermark that the bridge has not
applied go to the deal queue, so a lost webhook never means a missing UTP order."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from bridge import jobs, runtime
from bridge.read_budget import ReadConsumer

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    report = jobs.sweep_orders()
    metrics.add_metric(
        name="ReadBudgetExhausted",
        unit=MetricUnit.Count,
        value=int(report.budget_exhausted_until is not None),
    )
    # What is left of the SalesDrive read budget for the sweep (the smallest of minute, hour and day).
    left = runtime.read_budget().remaining(ReadConsumer.CATCH_UP)
    metrics.add_metric(name="ReadBudgetLeft", unit=MetricUnit.Count, value=left)
    if report.budget_exhausted_until is not None:
        logger.info("read budget exhausted; resuming next run", retry_at=str(report.budget_exhausted_until))
    if report.unreadable:  # not orders at all (no readable id): skipped, the rest of the page went on
        logger.warning("list items that are not orders", items=report.unreadable)
    logger.info("catch-up sweep", sent=report.sent, read=report.orders_read, watermark=report.watermark)
    return report.as_dict()
