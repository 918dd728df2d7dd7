"""SalesDrive catalog calls: product and category pushes in batches, and the YML export read."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from typing import Any, TypeVar

import httpx

from bridge.salesdrive.answers import decode, error_for
from bridge.salesdrive.errors import (
    SalesDriveAuthError,
    SalesDriveError,
    SalesDriveProtocolError,
    SalesDriveThrottled,
    SalesDriveTransportError,
)
from bridge.salesdrive.products import (
    MAX_BATCH,
    BatchResult,
    Category,
    ProductUpdate,
    PushMode,
    product_handler_body,
)
from bridge.salesdrive.transport import (
    CATEGORY_HANDLER,
    PRODUCT_HANDLER,
    YML_EXPORT,
    Call,
    SalesDriveTransport,
    transient,
)
from bridge.salesdrive.yml import YmlOffer, iter_yml_offers

T = TypeVar("T")


def _batches(items: Iterable[T], size: int) -> Iterator[tuple[T, ...]]:
    iterator = iter(items)
    while batch := tuple(islice(iterator, size)):
        yield batch


class ProductCalls(SalesDriveTransport):
    def push_products(
        self,
        products: Iterable[ProductUpdate],
        mode: PushMode | str = PushMode.FULL,
        *,
        batch_size: int = MAX_BATCH,
    ) -> list[BatchResult[ProductUpdate]]:
        """``action:"update"`` in batches of ≤ 100 with the mode's ``dontUpdateFields``; one result per
        batch. A batch that fails is recorded and the next one is sent; after an auth error or a
        throttle the remaining batches are recorded as not attempted."""
        push_mode = PushMode(mode)
        return self._send_batches(
            PRODUCT_HANDLER,
            products,
            batch_size,
            lambda batch: product_handler_body(batch, push_mode),
        )

    def delete_products(
        self, product_ids: Iterable[str], *, batch_size: int = MAX_BATCH
    ) -> list[BatchResult[str]]:
        return self._send_batches(
            PRODUCT_HANDLER,
            product_ids,
            batch_size,
            lambda batch: {"action": "delete", "product": [{"id": str(i)} for i in batch]},
        )

    def push_categories(
        self, categories: Iterable[Category], *, batch_size: int = MAX_BATCH
    ) -> list[BatchResult[Category]]:
        return self._send_batches(
            CATEGORY_HANDLER,
            categories,
            batch_size,
            lambda batch: {"action": "update", "category": [c.payload() for c in batch]},
        )

    def yml_products(self, public_key: str) -> Iterator[YmlOffer]:
        """Offers of the YML export, parsed as the bytes arrive. Not a list endpoint: no budget token.
        Opening the export is retried like any read; a failure once offers arrive is not."""
        response = self._retry.call(
            lambda: self._open_yml(public_key), transient, sleep=self._sleep, jitter=self._jitter
        )
        try:
            yield from iter_yml_offers(response.iter_bytes())
        except httpx.TransportError as exc:
            raise SalesDriveTransportError(str(exc) or type(exc).__name__, endpoint=YML_EXPORT) from exc
        finally:
            response.close()

    def _open_yml(self, public_key: str) -> httpx.Response:
        """The export's streamed answer, its body not read yet; a JSON or error answer raises."""
        request = self._http.build_request(
            "GET", self.base_url + YML_EXPORT, params={"publicKey": public_key}, headers=self._headers()
        )
        try:
            response = self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise SalesDriveTransportError(str(exc) or type(exc).__name__, endpoint=YML_EXPORT) from exc
        if response.status_code < 300 and "json" not in response.headers.get("content-type", ""):
            return response
        try:
            response.read()
        finally:
            response.close()
        body, text = decode(response)
        error = error_for(YML_EXPORT, response, body, text, self._wall_clock)
        raise error or SalesDriveProtocolError(
            "the YML export answered JSON, not XML", endpoint=YML_EXPORT, body=text
        )

    def _send_batches(
        self,
        path: str,
        items: Iterable[T],
        batch_size: int,
        make_body: Callable[[tuple[T, ...]], dict[str, Any]],
    ) -> list[BatchResult[T]]:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be 1..{MAX_BATCH}")
        results: list[BatchResult[T]] = []
        stop: SalesDriveError | None = None
        for index, batch in enumerate(_batches(items, batch_size)):
            if stop is not None:
                results.append(BatchResult(index, batch, ok=False, attempted=False, error=stop))
                continue
            body = make_body(batch)  # a malformed item raises here, before anything is sent
            try:
                answer = self._call(Call("POST", path, body=body))
            except (SalesDriveAuthError, SalesDriveThrottled) as exc:
                stop = exc  # every next batch would get the same answer: do not hammer
                results.append(BatchResult(index, batch, ok=False, message=exc.message, error=exc))
                continue
            except SalesDriveError as exc:
                results.append(BatchResult(index, batch, ok=False, message=exc.message, error=exc))
                continue
            message = answer.get("message") if isinstance(answer, Mapping) else None
            results.append(BatchResult(index, batch, ok=True, message=message))
        return results
