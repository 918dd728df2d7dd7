"""Parked-order replayer: on a schedule, sends parked orders whose cause is gone back to the deal queue."""

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
    report = jobs.replay_parked()
    metrics.add_metric(name="ParkedOrders", unit=MetricUnit.Count, value=report.parked_count)
    logger.info("parked orders checked", replayed=report.replayed, waiting_for_sku=report.waiting_for_sku)
    return report.as_dict()
