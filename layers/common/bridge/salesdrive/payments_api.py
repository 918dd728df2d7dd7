"""SalesDrive payment calls: payments updated in a window."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from bridge.read_budget import ReadConsumer
from bridge.salesdrive.answers import PAGE_SIZE
from bridge.salesdrive.models import describe_validation_error
from bridge.salesdrive.payments import Payment
from bridge.salesdrive.transport import PAYMENT_LIST, SalesDriveTransport


class PaymentCalls(SalesDriveTransport):
    def iter_payments(
        self,
        updated_from: datetime,
        updated_to: datetime | None = None,
        *,
        type: str = "incoming",  # SalesDrive's own parameter name
        consumer: ReadConsumer = ReadConsumer.PAYMENTS,
        overlap: timedelta = timedelta(minutes=5),
        on_invalid: Callable[[Mapping[str, Any], str], None] | None = None,
    ) -> Iterator[Payment]:
        """Payments updated since ``updated_from - overlap``, each (id, updatedAt) once per run. A payment
        that cannot be read goes to ``on_invalid`` with the reason (raised without one) and the rest of
        the page goes on."""
        params = [
            ("limit", str(PAGE_SIZE)),
            ("type", type),
            ("filter[updatedAt][from]", self._filter_time(updated_from - overlap)),
        ]
        if updated_to is not None:
            params.append(("filter[updatedAt][to]", self._filter_time(updated_to)))
        seen: set[tuple[int, object]] = set()
        for _page, body, _count in self._pages(PAYMENT_LIST, params, consumer):
            for item in body.get("data") or []:
                try:
                    payment = Payment.model_validate(item)
                except ValidationError as exc:
                    if on_invalid is None:
                        raise
                    on_invalid(item if isinstance(item, Mapping) else {}, describe_validation_error(exc))
                    continue
                key = (payment.id, payment.updated_at)
                if key not in seen:
                    seen.add(key)
                    yield payment
