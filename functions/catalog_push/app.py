"""Catalog push: every minute (runs when due by ``catalog_interval_minutes``, partial or requested), and
``POST /catalog-trigger/{token}`` that UTP calls when a product, a price or stock is saved (answers 202:
the products go to the targeted push, ``functions/catalog_refresh``; anything else asks for a full push)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from bridge import jobs, runtime
from bridge.sync.catalog_trigger import request_push

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayHttpResolver()
UNDECODABLE_BODY = b"\xff"  # bytes that are not UTF-8: refused by request_push, after the token check


@app.post("/catalog-trigger/<token>")
def trigger(token: str) -> Response[Any]:
    body: str | bytes | None
    try:
        body = app.current_event.decoded_body
    except ValueError:  # flagged base64 but not base64, or bytes that are not UTF-8
        body = UNDECODABLE_BODY
    status, answer = request_push(
        token=token,
        accepted_tokens=runtime.catalog_trigger_tokens(),
        cursors=runtime.cursors(),
        now=datetime.now(UTC),
        body=body,
        changes=runtime.catalog_change_queue(),
        enabled=jobs.on_save_enabled,
    )
    logger.info("catalog push requested", status=status, products=answer.get("products"))
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=answer)


def scheduled(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = jobs.push_catalog(
        force=bool(event.get("force")), time_left=lambda: context.get_remaining_time_in_millis() / 1000
    )
    if result["ran"]:
        metrics.add_metric(name="CatalogProductsChanged", unit=MetricUnit.Count, value=result["changed"])
        # The alarm on the catalog's age watches this: no complete push for too long = stale SalesDrive.
        metrics.add_metric(
            name="CatalogPushCompleted", unit=MetricUnit.Count, value=int(bool(result["complete"]))
        )
        logger.info("catalog pushed", **{k: v for k, v in result.items() if k != "skipped"})
    return result


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "requestContext" in event:  # the HTTP trigger
        return app.resolve(event, context)
    return scheduled(event, context)
