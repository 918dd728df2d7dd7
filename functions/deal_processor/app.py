"""Deal processor: SalesDrive order events from the FIFO queue become UTP documents, in order per deal."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from bridge import runtime
from bridge.sync.counterparties import invocation_ends_in
from bridge.sync.deals import apply_deal_message
from bridge.sync.exactly_once import Delivery, working_on

logger = Logger()
tracer = Tracer()
metrics = Metrics()
DEAL_METRICS = {"applied": "Deals_applied", "parked": "Deals_parked"}
DOCUMENT_METRICS = {
    "sales_order": "Documents_sales_order",
    "sales_invoice": "Documents_sales_invoice",
    "order_closure": "Documents_order_closure",
    "return_note": "Documents_return_note",
}


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    logger.append_keys(order_id=record.attributes.message_group_id)
    delivery = Delivery(record.message_id, int(record.attributes.approximate_receive_count or 1))
    with working_on(delivery):  # claims carry the delivery: a later one of this message may take them over
        outcome = apply_deal_message(
            record.body, runtime.deal_collaborators(), delivery=delivery.receive_count
        )
    if outcome.action in DEAL_METRICS:  # stale events are only logged: each custom metric costs a fee a month
        metrics.add_metric(name=DEAL_METRICS[outcome.action], unit=MetricUnit.Count, value=1)
    if outcome.action == "applied" and record.attributes.sent_timestamp:
        # Webhook (enqueued) → applied in UTP: the lag the on-call engineer's alarm watches.
        lag = time.time() - int(record.attributes.sent_timestamp) / 1000
        metrics.add_metric(name="DealLagSeconds", unit=MetricUnit.Seconds, value=round(max(lag, 0.0), 3))
    for document in outcome.documents:
        if document in DOCUMENT_METRICS:  # the four kinds; updates and adoptions are in the log line
            metrics.add_metric(name=DOCUMENT_METRICS[document], unit=MetricUnit.Count, value=1)
    logger.info(
        "deal event handled", action=outcome.action, reason=outcome.reason, documents=outcome.documents
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Settings, secrets and UTP reference data resolve before any record: a bad setting fails the
    # invocation at start-up, never halfway through an order.
    runtime.deal_collaborators()
    # A failed event fails the later events of its order only, so one deal never overtakes its own
    # history. A processor per invocation: it holds the batch's state.
    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    # A deal waiting for another deal's claim on its customer waits only while the invocation has time.
    remaining = context.get_remaining_time_in_millis() / 1000 if context is not None else None
    with invocation_ends_in(remaining):
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
