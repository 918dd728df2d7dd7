"""Transport of 1C's standard OData (v3): one ``httpx.Client``, typed errors, bounded retries.

Knows nothing of UTP objects; ``bridge.utp.client`` builds on it. Queries are built by
``bridge.utp.odata_query`` and answers parsed by ``bridge.utp.odata_answers``. GETs are retried on
transient failures (``bridge.retries``); a write is resent only when the connection was never made,
otherwise a lost answer is an ``UtpOutcomeUnknownError`` for the caller to resolve by find-before-create.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from bridge.retries import UTP_RETRY, RetryPolicy, may_resend
from bridge.utp.errors import (
    UtpError,
    UtpOutcomeUnknownError,
    UtpProtocolError,
    UtpServerError,
    UtpTransportError,
)
from bridge.utp.odata_answers import Expect, JsonObject, collection_values, parse_error, parse_success
from bridge.utp.odata_query import (
    Filter,
    Guid,
    LiteralValue,
    VirtualTableStyle,
    build_query,
    check_select,
    entity_path,
    json_body,
    read_params,
    virtual_table_request,
)

_IDEMPOTENT = frozenset({"GET", "HEAD"})
# Raised before any byte of the request left: safe to retry whatever the method.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_LOST = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)

Key = str | Guid | Mapping[str, LiteralValue]


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Sized for real 1C: the first call after idle starts a session and can take > 30 s."""

    connect: float = 10.0
    read: float = 90.0
    write: float = 30.0
    pool: float = 10.0

    def httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


class ODataClient:
    """One publication of 1C's standard OData; one ``httpx.Client`` (one connection pool).

    ``http`` must have ``base_url`` set to the OData root (``…/odata/standard.odata/``) and carry
    the authentication; ``ODataClient.open`` builds such a client.
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        virtual_table_style: VirtualTableStyle = VirtualTableStyle.QUERY,
    ) -> None:
        self.http = http
        self.retry = retry or UTP_RETRY
        self._sleep = sleep
        self._jitter = jitter
        self.virtual_table_style = virtual_table_style

    @classmethod
    def open(
        cls,
        url: str,
        user: str,
        password: str,
        *,
        timeouts: Timeouts | None = None,
        verify: bool = True,
        max_connections: int = 10,
        **kwargs: Any,
    ) -> ODataClient:
        """A client for ``url`` (the OData root) with Basic auth (UTF-8 credentials, as 1C wants)."""
        http = httpx.Client(
            base_url=url.rstrip("/") + "/",
            auth=httpx.BasicAuth(user.encode("utf-8"), password.encode("utf-8")),
            timeout=(timeouts or Timeouts()).httpx(),
            verify=verify,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            headers={"Accept": "application/json"},
        )
        return cls(http, **kwargs)

    def close(self) -> None:
        self.http.close()

    # -- low level -----------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        body: Mapping[str, Any] | None = None,
        expect: Expect = "json",
    ) -> Any:
        """Send one logical request (retrying per policy) and return parsed JSON / text / None."""
        url = path + ("?" + build_query(params) if params else "")
        idempotent = method in _IDEMPOTENT
        content = json_body(body) if body is not None else None
        headers: dict[str, str] = {"Accept": "application/json"}
        if content is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"

        def retry_on(exc: BaseException) -> bool:
            # A write is repeated only after a connection that was never made (UtpTransportError).
            return (
                isinstance(exc, UtpError)
                and exc.retryable
                and (idempotent or isinstance(exc, UtpTransportError))
            )

        return self.retry.call(
            lambda: self._send_once(method, url, path, content, headers, expect),
            retry_on,
            sleep=self._sleep,
            jitter=self._jitter,
        )

    def _send_once(
        self, method: str, url: str, path: str, content: bytes | None, headers: dict[str, str], expect: Expect
    ) -> Any:
        """One HTTP exchange; every failure raised as a ``UtpError``."""
        idempotent = method in _IDEMPOTENT
        try:
            response = self.http.request(method, url, content=content, headers=headers)
        except _NOT_SENT as exc:
            raise UtpTransportError(
                f"cannot connect: {type(exc).__name__}", method=method, path=path
            ) from exc
        except _LOST as exc:
            if not may_resend(idempotent=idempotent, sent=True):
                raise UtpOutcomeUnknownError(
                    f"no answer after sending ({type(exc).__name__}); outcome unknown",
                    method=method,
                    path=path,
                ) from exc
            raise UtpTransportError(f"no answer: {type(exc).__name__}", method=method, path=path) from exc
        if response.status_code < 400:
            return parse_success(response, method, path, expect)
        error = parse_error(response, method, path)
        if isinstance(error, UtpServerError) and not may_resend(idempotent=idempotent, sent=True):
            # A gateway/1C 5xx after a write may hide an applied write: never resend blindly.
            raise UtpOutcomeUnknownError(
                f"HTTP {response.status_code} after sending; outcome unknown ({error.message})",
                method=method,
                path=path,
            ) from error
        raise error

    # -- reads ---------------------------------------------------------------------------------

    def get_collection(
        self,
        entity: str,
        *,
        select: Sequence[str],
        filter: Filter | None = None,
        orderby: str | None = None,
        top: int | None = None,
        skip: int | None = None,
    ) -> list[JsonObject]:
        """One GET of an entity set; 1 HTTP call."""
        params = read_params(select, filter, orderby, top, skip)
        return collection_values(self.request("GET", entity_path(entity), params), entity)

    def iter_collection(
        self,
        entity: str,
        *,
        select: Sequence[str],
        filter: Filter | None = None,
        orderby: str = "Ref_Key",
        page_size: int = 500,
    ) -> Iterator[JsonObject]:
        """All matching rows, paged with ``$orderby`` + ``$top`` + ``$skip``; ⌈n/page⌉ (+1) calls."""
        if page_size <= 0:
            raise ValueError("page_size must be positive")
        skip = 0
        while True:
            page = self.get_collection(
                entity, select=select, filter=filter, orderby=orderby, top=page_size, skip=skip
            )
            yield from page
            if len(page) < page_size:
                return
            skip += page_size

    def get_entity(self, entity: str, key: Key, *, select: Sequence[str] | None = None) -> JsonObject:
        """GET by key; 1 call. Raises UtpNotFoundError."""
        params = {"$format": "json"}
        if select:
            params["$select"] = ",".join(check_select(select))
        result = self.request("GET", entity_path(entity, key), params)
        if not isinstance(result, dict):
            raise UtpProtocolError("entity answer is not an object", method="GET", path=entity)
        return result

    def count(self, entity: str, filter: Filter | None = None) -> int:
        """``/$count``; 1 call."""
        params = {"$filter": filter.expr} if filter is not None else None
        text = self.request("GET", entity_path(entity) + "/$count", params, expect="any")
        try:
            return int(str(text).strip())
        except ValueError as exc:
            raise UtpProtocolError(f"$count answer is not a number: {text!r:.60}") from exc

    def virtual_table(
        self,
        entity: str,
        function: str,
        *,
        condition: Filter | None = None,
        period: datetime | None = None,
        select: Sequence[str] | None = None,
        style: VirtualTableStyle | None = None,
    ) -> list[JsonObject]:
        """Register virtual table (``Balance``, ``SliceLast`` …); 1 call. Always pass a condition."""
        path, params = virtual_table_request(
            entity,
            function,
            style or self.virtual_table_style,
            condition=condition,
            period=period,
            select=select,
        )
        return collection_values(self.request("GET", path, params), entity)

    # -- writes --------------------------------------------------------------------------------

    def create(self, entity: str, body: Mapping[str, Any]) -> JsonObject:
        """POST a new object; 1 call; returns the created object (201 with the whole object)."""
        result = self.request("POST", entity_path(entity), {"$format": "json"}, body=body)
        if not isinstance(result, dict):
            raise UtpProtocolError("POST answer is not an object", method="POST", path=entity)
        return result

    def update(self, entity: str, key: Key, body: Mapping[str, Any]) -> JsonObject | None:
        """PATCH (only the given fields; a tabular section given is replaced whole); 1 call."""
        result = self.request("PATCH", entity_path(entity, key), {"$format": "json"}, body=body, expect="any")
        return result if isinstance(result, dict) else None

    def delete(self, entity: str, key: Key) -> None:
        """Physical DELETE (no reference checks!); for documents use a deletion mark instead; 1 call."""
        self.request("DELETE", entity_path(entity, key), expect="any")

    def post_document(self, entity: str, ref: str, *, operational: bool = False) -> JsonObject | None:
        """``…(guid'…')/Post?PostingModeOperational=…``; 1 call. A refusal is UtpBusinessRefusal."""
        params = {"PostingModeOperational": "true" if operational else "false"}
        result = self.request("POST", entity_path(entity, ref, "Post"), params, expect="any")
        return result if isinstance(result, dict) else None

    def unpost_document(self, entity: str, ref: str) -> JsonObject | None:
        """``…(guid'…')/Unpost``; 1 call."""
        result = self.request("POST", entity_path(entity, ref, "Unpost"), expect="any")
        return result if isinstance(result, dict) else None
