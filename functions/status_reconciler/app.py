"""Status reconciler: on a schedule, order statuses people set in UTP are pushed to SalesDrive
(capability 2 in docs/mission.md, UTP → SalesDrive), without echoes and with the precedence policy of
``bridge.sync.order_statuses``."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from bridge import jobs

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    report = jobs.reconcile_statuses()
    logger.info(
        "statuses reconciled",
        pushed=report.pushed,
        refused=report.refused,
        unrecognised=report.unrecognised,
        checked=report.orders_checked,
    )
    return report.as_dict()
