"""Payment importer: on a schedule, SalesDrive incoming payments → posted UTP cash receipts
(capability 11 in docs/mission.md)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from bridge import jobs

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    report = jobs.import_payments()
    metrics.add_metric(name="CashReceiptsCreated", unit=MetricUnit.Count, value=len(report.created))
    metrics.add_metric(
        name="ReadBudgetExhausted",
        unit=MetricUnit.Count,
        value=int(report.budget_exhausted_until is not None),
    )
    if report.unallocated:
        logger.warning("payments allocated to no order (not imported)", payment_ids=report.unallocated)
    if report.budget_exhausted_until is not None:
        logger.info("read budget exhausted; resuming next run", retry_at=str(report.budget_exhausted_until))
    # ``created`` is a LogRecord attribute: logging refuses it as an extra key (KeyError).
    if report.unreadable:  # reported with their ids and reasons; the rest of the page went on
        logger.warning("payments SalesDrive sent that cannot be read", payments=report.unreadable)
    logger.info(
        "payments imported",
        receipts_created=report.created,
        waiting=report.waiting,
        watermark=report.watermark,
    )
    return report.as_dict()
