"""Webhook receiver: SalesDrive POSTs an order event; it is checked and enqueued in milliseconds.

No Powertools Tracer here: importing the X-Ray SDK costs ~200 ms of cold start, more than the whole
budget of this function; Lambda's active tracing (template.yaml) still records every invocation.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from bridge import runtime
from bridge.sync.webhook_intake import accept_webhook

logger = Logger()
app = APIGatewayHttpResolver()
UNDECODABLE_BODY = b"\xff"  # bytes no JSON parser reads; the token is still checked first


@app.post("/webhook/<token>")
def receive(token: str) -> Response[Any]:
    try:
        body: str | bytes | None = app.current_event.decoded_body
    except ValueError:  # flagged base64 but not base64, or bytes that are not UTF-8: refused as not JSON
        body = UNDECODABLE_BODY
    answer = accept_webhook(
        token=token,
        body=body,
        accepted_tokens=runtime.webhook_tokens(),
        account=runtime.deployment().salesdrive_account,
        queue=runtime.deal_queue(),
    )
    if answer.status_code >= 400:
        logger.warning("webhook refused", status=answer.status_code, reason=answer.body.get("reason"))
    else:
        logger.info("webhook answered", order_id=answer.body.get("orderId"), answer=answer.body)
    return Response(
        status_code=answer.status_code, content_type=content_types.APPLICATION_JSON, body=answer.body
    )


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
