"""Targeted catalog push: the products UTP said it saved (the catalog change queue) reach SalesDrive in
seconds. Never fails a batch: whatever it cannot send is handed to the full push (``catalog_push``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.data_classes import SQSEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from bridge import runtime
from bridge.store.leases import Lease
from bridge.sync.catalog_refresh import push_products, refresh_products
from bridge.sync.stock import stock_warehouses

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_source(data_class=SQSEvent)
def lambda_handler(event: SQSEvent, context: LambdaContext) -> dict[str, Any]:
    settings = runtime.settings()
    reference = runtime.utp_reference()
    result = refresh_products(
        [record.body for record in event.records],
        push=lambda keys: push_products(
            keys,
            utp=runtime.utp_client(),
            salesdrive=runtime.salesdrive_client(),
            store=runtime.fingerprint_store(),
            settings=settings,
            price_type_key=reference.price_type_key,
            warehouses=stock_warehouses(settings, reference.warehouse_names),
            time_left=lambda: context.get_remaining_time_in_millis() / 1000,
        ),
        cursors=runtime.cursors(),
        now=lambda: datetime.now(UTC),
        exclusive=Lease(runtime.deployment().table_name, "catalog-refresh", ttl_s=150),
    )
    logger.info("catalog products refreshed", **{k: v for k, v in result.items() if k != "skipped"})
    return result
