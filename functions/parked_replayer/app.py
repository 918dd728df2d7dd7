"""Parked-order replayer: on a schedule, sends parked orders whose cause is gone back to the deal queue."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from bridge import runtime
from bridge.sync.parked_orders import replay_parked_orders

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    report = replay_parked_orders(
        store=runtime.deal_store(),
        utp=runtime.utp_client(),
        queue=runtime.deal_queue(),
        now=datetime.now(UTC),
        settings=runtime.settings(),
    )
    parked = len(report.replayed) + len(report.waiting_for_sku) + len(report.backing_off)
    metrics.add_metric(name="ParkedOrders", unit=MetricUnit.Count, value=parked)
    logger.info("parked orders checked", replayed=report.replayed, waiting_for_sku=report.waiting_for_sku)
    return {
        "replayed": report.replayed,
        "waiting_for_sku": report.waiting_for_sku,
        "backing_off": report.backing_off,
    }
