"""Product matcher: links SalesDrive products (YML feed) to UTP products by SKU, exports UTP-only ones,
replays parked orders. On demand (``{"dry_run": true}`` changes nothing) and on a daily schedule; a resume
schedule (``{"resume_product_ids": true}``) runs it again only while SalesDrive IDs remain to write."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from bridge import runtime
from bridge.sync.parked_orders import replay_parked_orders
from bridge.sync.product_ids import writes_pending
from bridge.sync.sku_matching import match_skus

logger = Logger()
tracer = Tracer()


def _replay_parked_orders() -> list[int]:
    return replay_parked_orders(
        store=runtime.deal_store(),
        utp=runtime.utp_client(),
        queue=runtime.deal_queue(),
        now=datetime.now(UTC),
        settings=runtime.settings(),
    ).replayed


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    dry_run = bool(event.get("dry_run", False))
    resume = bool(event.get("resume_product_ids", False))
    if resume and not writes_pending(runtime.cursors()):
        return {"dry_run": dry_run, "resumed": False, "summary": {}}
    report = match_skus(
        offers=runtime.salesdrive_client().yml_products(runtime.yml_public_key()),
        utp=runtime.utp_client(),
        salesdrive=runtime.salesdrive_client(),
        store=runtime.deal_store(),
        settings=runtime.settings(),
        dry_run=dry_run,
        cursors=runtime.cursors(),
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
        # The nightly run replays parked orders; a resume run only goes on writing IDs.
        replay=None if resume else _replay_parked_orders,
    )
    logger.info("SKU matching done", dry_run=dry_run, summary=report.summary)
    print(report.to_table())  # the readable table, in the function's log
    return {
        "dry_run": dry_run,
        "resumed": resume,
        "summary": report.summary,
        "report": report.to_json(),
        "csv": report.to_csv(),
    }
