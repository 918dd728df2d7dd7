"""Generic 1C standard-OData (v3) layer: URLs, literals, filters, paging, errors, retries.

Knows nothing of UTP objects; ``bridge.utp.client`` builds on it. Facts it encodes (see
``shared/reference/utp-odata.md`` §1):

* query strings are built by hand: spaces as ``%20`` (1C does not read ``+`` as a space), ``$``
  literal in option names, every value percent-encoded, Cyrillic path segments UTF-8 encoded;
* values only ever enter a URL through the literal helpers (``string_literal`` doubles apostrophes,
  ``Guid``/``CastRef``/datetimes are validated), so data can never become syntax;
* every answer's ``Content-Type`` is checked before parsing (IIS can answer an HTML page with 200),
  the body is decoded as UTF-8 whatever ``charset`` says, numbers with a fraction are ``Decimal``;
* ``odata.error`` bodies become typed errors (``bridge.utp.errors``);
* GETs are retried on transient failures with exponential backoff + jitter, a bounded number of
  times; writes are retried only when the connection was never made, otherwise a lost answer is an
  ``UtpOutcomeUnknownError`` for the caller to resolve by find-before-create.
"""

from __future__ import annotations

import json
import random
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import quote

import httpx

from bridge.utp.errors import (
    UtpError,
    UtpODataError,
    UtpOutcomeUnknownError,
    UtpProtocolError,
    UtpServerError,
    UtpTransportError,
    error_for,
)

EMPTY_REF = "00000000-0000-0000-0000-000000000000"
EMPTY_DATE = "0001-01-01T00:00:00"
TYPE_PREFIX = "StandardODATA."
UNDEFINED_TYPE = "StandardODATA.Undefined"

JsonObject = dict[str, Any]

# A field path: 1C identifiers (any Unicode letters, digits, `_`), `/` for navigation and lambda
# variables. Nothing else may appear where a field name goes, so a field can never smuggle syntax.
_FIELD_RE = re.compile(r"^[^\W\d]\w*(?:/[^\W\d]\w*)*$")
_ENTITY_RE = re.compile(r"^[^\W\d]\w*$")


def check_field(name: str) -> str:
    """Return ``name`` if it is a plain (optionally navigated) field path, else raise ValueError."""
    if not _FIELD_RE.match(name):
        raise ValueError(f"not a 1C field path: {name!r}")
    return name


def check_entity(name: str) -> str:
    """Return ``name`` if it is a plain entity-set / metadata object name, else raise ValueError."""
    if not _ENTITY_RE.match(name):
        raise ValueError(f"not a 1C entity name: {name!r}")
    return name


# ---------------------------------------------------------------------------------------------
# Literals
# ---------------------------------------------------------------------------------------------


def normalise_guid(value: str | uuid.UUID) -> str:
    """The canonical lower-case 8-4-4-4-12 form; ValueError for anything that is not a GUID."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


@dataclass(frozen=True, slots=True)
class Guid:
    """A reference value for a ``_Key`` field: ``guid'…'``."""

    value: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", normalise_guid(self.value))

    def literal(self) -> str:
        return f"guid'{self.value}'"


@dataclass(frozen=True, slots=True)
class CastRef:
    """A reference value for a composite field: ``cast(guid'…','Document_X')``."""

    value: str
    entity: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", normalise_guid(self.value))
        object.__setattr__(self, "entity", check_entity(self.entity.removeprefix(TYPE_PREFIX)))

    def literal(self) -> str:
        return f"cast(guid'{self.value}','{self.entity}')"


def string_literal(value: str) -> str:
    """OData v3 string literal: quoted, apostrophes doubled (``AB'12`` → ``'AB''12'``)."""
    return "'" + value.replace("'", "''") + "'"


def datetime_literal(value: datetime | date) -> str:
    """``datetime'YYYY-MM-DDTHH:MM:SS'``; naive server-local time (1C has no offsets)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("1C dates are naive server-local values; convert before sending")
        dt = value.replace(microsecond=0)
    else:
        dt = datetime(value.year, value.month, value.day)
    return f"datetime'{dt.isoformat()}'"


def format_datetime(value: datetime | date) -> str:
    """A date for a JSON body, as 1C writes it."""
    return datetime_literal(value)[len("datetime'") : -1]


LiteralValue = str | bool | int | Decimal | datetime | date | Guid | CastRef | uuid.UUID | None


def literal(value: LiteralValue) -> str:
    """The OData literal for a Python value (the only way values enter a filter)."""
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, Guid | CastRef):
        return value.literal()
    if isinstance(value, uuid.UUID):
        return Guid(str(value)).literal()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("non-finite number")
        return format(value, "f")
    if isinstance(value, datetime | date):
        return datetime_literal(value)
    if isinstance(value, str):
        return string_literal(value)
    raise TypeError(f"no OData literal for {type(value).__name__}")


# ---------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------


class Filter:
    """A ``$filter`` / ``Condition`` expression. Compose with ``&``, ``|`` and ``~``."""

    __slots__ = ("expr",)

    def __init__(self, expr: str) -> None:
        self.expr = expr

    def __and__(self, other: Filter) -> Filter:
        return Filter(f"({self.expr}) and ({other.expr})")

    def __or__(self, other: Filter) -> Filter:
        return Filter(f"({self.expr}) or ({other.expr})")

    def __invert__(self) -> Filter:
        return Filter(f"not ({self.expr})")

    def __str__(self) -> str:
        return self.expr

    def __repr__(self) -> str:
        return f"Filter({self.expr!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Filter) and other.expr == self.expr

    def __hash__(self) -> int:
        return hash(self.expr)


def _cmp(op: str, field: str, value: LiteralValue) -> Filter:
    return Filter(f"{check_field(field)} {op} {literal(value)}")


def eq(field: str, value: LiteralValue) -> Filter:
    return _cmp("eq", field, value)


def ne(field: str, value: LiteralValue) -> Filter:
    return _cmp("ne", field, value)


def gt(field: str, value: LiteralValue) -> Filter:
    return _cmp("gt", field, value)


def ge(field: str, value: LiteralValue) -> Filter:
    return _cmp("ge", field, value)


def lt(field: str, value: LiteralValue) -> Filter:
    return _cmp("lt", field, value)


def le(field: str, value: LiteralValue) -> Filter:
    return _cmp("le", field, value)


def and_(*filters: Filter | None) -> Filter:
    """Conjunction of the non-None filters (one filter is returned unchanged)."""
    parts = [f for f in filters if f is not None]
    if not parts:
        raise ValueError("and_() of nothing")
    if len(parts) == 1:
        return parts[0]
    return Filter(" and ".join(f"({p.expr})" for p in parts))


def or_(*filters: Filter) -> Filter:
    if not filters:
        raise ValueError("or_() of nothing: an empty OR would match nothing, ask nothing instead")
    if len(filters) == 1:
        return filters[0]
    return Filter(" or ".join(f"({p.expr})" for p in filters))


def in_(field: str, values: Iterable[LiteralValue]) -> Filter:
    """``field eq a or field eq b …`` (OData v3 has no ``in``)."""
    return or_(*(eq(field, v) for v in values))


def substringof(needle: str, field: str) -> Filter:
    return Filter(f"substringof({string_literal(needle)}, {check_field(field)})")


def isof(field: str, entity: str) -> Filter:
    return Filter(f"isof({check_field(field)},{string_literal(check_entity(entity))})")


def any_(section: str, var: str, condition: Filter) -> Filter:
    """Lambda over a tabular section: ``Товары/any(t: t/… )``; write inner fields as ``t/Field``."""
    return Filter(f"{check_field(section)}/any({check_entity(var)}: {condition.expr})")


def raw(expr: str) -> Filter:
    """An expression written by the caller; only for constant text, never for data."""
    return Filter(expr)


# ---------------------------------------------------------------------------------------------
# URLs
# ---------------------------------------------------------------------------------------------


def build_query(params: Mapping[str, str]) -> str:
    """``k=v&…`` with ``%20`` for spaces (never ``+``), ``$`` literal in keys, values fully encoded."""
    return "&".join(f"{quote(k, safe='$')}={quote(v, safe='')}" for k, v in params.items())


def key_segment(key: str | Guid | Mapping[str, LiteralValue]) -> str:
    """``(guid'…')`` or ``(Name=literal,…)`` for compound keys, percent-encoded for the path."""
    if isinstance(key, str):
        key = Guid(key)
    if isinstance(key, Guid):
        return f"({key.literal()})"
    parts = []
    for name, value in key.items():
        # `'` stays literal so doubled apostrophes survive; data such as `/ ? # , ( )` is encoded.
        parts.append(f"{quote(check_field(name), safe='')}={quote(literal(value), safe=_APOS)}")
    return "(" + ",".join(parts) + ")"


def entity_path(entity: str, key: str | Guid | Mapping[str, LiteralValue] | None = None, *tail: str) -> str:
    """Relative path ``Entity[(key)][/tail…]`` with Cyrillic UTF-8 percent-encoded."""
    path = quote(check_entity(entity), safe="")
    if key is not None:
        path += key_segment(key)
    for segment in tail:
        path += "/" + quote(segment, safe="$()")
    return path


# ---------------------------------------------------------------------------------------------
# Transport policy
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Sized for real 1C: the first call after idle starts a session and can take > 30 s."""

    connect: float = 10.0
    read: float = 90.0
    write: float = 30.0
    pool: float = 10.0

    def httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter: delay_n = min(cap, base·2ⁿ) · U(0.5, 1)."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int, rand: Callable[[], float]) -> float:
        """Delay before attempt ``attempt + 1`` (``attempt`` ≥ 1 failed attempts so far)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return ceiling * (0.5 + 0.5 * rand())


class VirtualTableStyle(StrEnum):
    """How virtual-table arguments are passed; which one a platform accepts is an open question."""

    QUERY = "query"  # …/Balance?Condition=Склад_Key eq guid'…'
    QUERY_QUOTED = "query_quoted"  # …/Balance()?Condition='Склад_Key eq guid''…'''
    PARENS = "parens"  # …/Balance(Condition='Склад_Key eq guid''…''')


_APOS = "'"
_IDEMPOTENT = frozenset({"GET", "HEAD"})
# Raised before any byte of the request left: safe to retry whatever the method.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_LOST = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
_XML_CODE = re.compile(r"<(?:\w+:)?code>\s*(-?\d+)\s*</(?:\w+:)?code>")
_XML_MESSAGE = re.compile(r"<(?:\w+:)?message[^>]*>(.*?)</(?:\w+:)?message>", re.S)

Expect = Literal["json", "text", "any"]


def decode_body(response: httpx.Response) -> str:
    """UTF-8 first whatever the header claims (IIS may say windows-1251 over UTF-8 bytes)."""
    raw_bytes = response.content
    try:
        return raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        declared = response.charset_encoding
        if declared:
            try:
                return raw_bytes.decode(declared)
            except (LookupError, UnicodeDecodeError):
                pass
        raise UtpProtocolError("answer body is neither UTF-8 nor its declared charset") from None


def parse_json(text: str) -> Any:
    """JSON with every fractional number as Decimal (money and quantities never go through float)."""
    return json.loads(text, parse_float=Decimal)


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
        rand: Callable[[], float] = random.random,
        virtual_table_style: VirtualTableStyle = VirtualTableStyle.QUERY,
    ) -> None:
        self.http = http
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rand = rand
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
        content = None
        headers: dict[str, str] = {"Accept": "application/json"}
        if body is not None:
            content = json.dumps(body, ensure_ascii=False, default=_json_default).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.http.request(method, url, content=content, headers=headers)
            except _NOT_SENT as exc:
                error: UtpError = UtpTransportError(
                    f"cannot connect: {type(exc).__name__}", method=method, path=path
                )
                error.__cause__ = exc
            except _LOST as exc:
                if not idempotent:
                    raise UtpOutcomeUnknownError(
                        f"no answer after sending ({type(exc).__name__}); outcome unknown",
                        method=method,
                        path=path,
                    ) from exc
                error = UtpTransportError(f"no answer: {type(exc).__name__}", method=method, path=path)
                error.__cause__ = exc
            else:
                if response.status_code < 400:
                    return self._parse_success(response, method, path, expect)
                error = self._parse_error(response, method, path)
                if not idempotent and isinstance(error, UtpServerError):
                    # A gateway/1C 5xx after a write may hide an applied write: never resend blindly.
                    raise UtpOutcomeUnknownError(
                        f"HTTP {response.status_code} after sending; outcome unknown ({error.message})",
                        method=method,
                        path=path,
                    ) from error
            retryable = error.retryable and (idempotent or isinstance(error, UtpTransportError))
            if not retryable or attempt >= self.retry.max_attempts:
                raise error
            self._sleep(self.retry.delay(attempt, self._rand))

    def _parse_success(self, response: httpx.Response, method: str, path: str, expect: Expect) -> Any:
        ctype = response.headers.get("content-type", "").lower()
        if response.status_code == 204 or not response.content:
            if expect == "json":
                raise UtpProtocolError(
                    f"empty answer (HTTP {response.status_code})", method=method, path=path
                )
            return None
        if "html" in ctype:
            raise UtpProtocolError(
                f"HTML page instead of OData (HTTP {response.status_code}); check the publication/auth",
                method=method,
                path=path,
            )
        text = decode_body(response)
        if expect == "text":
            return text
        if "json" not in ctype:
            if expect == "any":
                return text
            raise UtpProtocolError(f"unexpected Content-Type {ctype!r}", method=method, path=path)
        try:
            return parse_json(text)
        except ValueError as exc:
            raise UtpProtocolError("answer is not valid JSON", method=method, path=path) from exc

    def _parse_error(self, response: httpx.Response, method: str, path: str) -> UtpODataError:
        code: str | None = None
        message = response.reason_phrase or f"HTTP {response.status_code}"
        try:
            text = decode_body(response)
        except UtpProtocolError:
            text = ""
        ctype = response.headers.get("content-type", "").lower()
        if "json" in ctype or text.lstrip().startswith("{"):
            try:
                payload = parse_json(text)
                err = payload.get("odata.error") or payload.get("error") or {}
                if err.get("code") is not None:
                    code = str(err["code"]).strip()
                msg = err.get("message")
                message = (msg.get("value") if isinstance(msg, dict) else msg) or message
            except (ValueError, AttributeError):
                pass
        elif "xml" in ctype:
            if m := _XML_CODE.search(text):
                code = m.group(1)
            if m := _XML_MESSAGE.search(text):
                message = m.group(1).strip() or message
        err_obj = error_for(response.status_code, code, str(message), method=method, path=path)
        if isinstance(err_obj, UtpServerError) and response.status_code not in _TRANSIENT_STATUSES:
            err_obj.retryable = False  # e.g. 501/505: no point repeating
        return err_obj

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
        params = _read_params(select, filter, orderby, top, skip)
        return _values(self.request("GET", entity_path(entity), params), entity)

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

    def get_entity(
        self,
        entity: str,
        key: str | Guid | Mapping[str, LiteralValue],
        *,
        select: Sequence[str] | None = None,
    ) -> JsonObject:
        """GET by key; 1 call. Raises UtpNotFoundError."""
        params = {"$format": "json"}
        if select:
            params["$select"] = ",".join(_check_select(select))
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
        style = style or self.virtual_table_style
        args: dict[str, str] = {}
        if period is not None:
            args["Period"] = datetime_literal(period)
        params: dict[str, str] = {"$format": "json"}
        if select:
            params["$select"] = ",".join(_check_select(select))
        path = entity_path(entity) + "/" + quote(check_entity(function), safe="")
        if style is VirtualTableStyle.QUERY:
            if condition is not None:
                args["Condition"] = condition.expr
            params = {**args, **params}
        elif style is VirtualTableStyle.QUERY_QUOTED:
            if condition is not None:
                args["Condition"] = string_literal(condition.expr)
            path += "()"
            params = {**args, **params}
        else:
            if condition is not None:
                args["Condition"] = string_literal(condition.expr)
            path += "(" + ",".join(f"{k}={quote(v, safe=_APOS)}" for k, v in args.items()) + ")"
        return _values(self.request("GET", path, params), entity)

    # -- writes --------------------------------------------------------------------------------

    def create(self, entity: str, body: Mapping[str, Any]) -> JsonObject:
        """POST a new object; 1 call; returns the created object (201 with the whole object)."""
        result = self.request("POST", entity_path(entity), {"$format": "json"}, body=body)
        if not isinstance(result, dict):
            raise UtpProtocolError("POST answer is not an object", method="POST", path=entity)
        return result

    def update(
        self, entity: str, key: str | Guid | Mapping[str, LiteralValue], body: Mapping[str, Any]
    ) -> JsonObject | None:
        """PATCH (only the given fields; a tabular section given is replaced whole); 1 call."""
        result = self.request("PATCH", entity_path(entity, key), {"$format": "json"}, body=body, expect="any")
        return result if isinstance(result, dict) else None

    def delete(self, entity: str, key: str | Guid | Mapping[str, LiteralValue]) -> None:
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


def _check_select(select: Sequence[str]) -> list[str]:
    out = []
    for name in select:
        if name not in ("*", "**"):
            check_field(name.removesuffix("____Presentation"))
        out.append(name)
    return out


def _read_params(
    select: Sequence[str], filter_: Filter | None, orderby: str | None, top: int | None, skip: int | None
) -> dict[str, str]:
    if not select:
        raise ValueError("$select is mandatory: full 1C documents are heavy")
    params = {"$format": "json", "$select": ",".join(_check_select(select))}
    if filter_ is not None:
        params["$filter"] = filter_.expr
    if orderby is not None:
        for part in orderby.split(","):
            bits = part.split()
            if not bits or len(bits) > 2 or (len(bits) == 2 and bits[1] not in ("asc", "desc")):
                raise ValueError(f"bad $orderby: {orderby!r}")
            check_field(bits[0])
        params["$orderby"] = orderby
    if top is not None:
        params["$top"] = str(int(top))
    if skip is not None:
        params["$skip"] = str(int(skip))
    return params


def _values(payload: Any, entity: str) -> list[JsonObject]:
    if not isinstance(payload, dict) or not isinstance(payload.get("value"), list):
        raise UtpProtocolError("collection answer without a 'value' list", method="GET", path=entity)
    return payload["value"]


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # 1C reads JSON numbers; an integral Decimal goes as int, others as float of its exact text.
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return format_datetime(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


__all__ = [
    "EMPTY_DATE",
    "EMPTY_REF",
    "TYPE_PREFIX",
    "UNDEFINED_TYPE",
    "CastRef",
    "Filter",
    "Guid",
    "ODataClient",
    "RetryPolicy",
    "Timeouts",
    "UtpODataError",
    "VirtualTableStyle",
    "and_",
    "any_",
    "build_query",
    "check_entity",
    "check_field",
    "datetime_literal",
    "entity_path",
    "eq",
    "ge",
    "gt",
    "in_",
    "isof",
    "key_segment",
    "le",
    "literal",
    "lt",
    "ne",
    "or_",
    "raw",
    "string_literal",
    "substringof",
]
