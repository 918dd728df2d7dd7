"""Answers of 1C's standard OData: body decoding, JSON with Decimal numbers, ``odata.error`` bodies.

Every answer's ``Content-Type`` is checked before parsing (IIS can answer an HTML page with 200), the
body is decoded as UTF-8 whatever ``charset`` says, numbers with a fraction are ``Decimal``, and error
bodies (JSON or XML) become the typed errors of ``bridge.utp.errors``.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any, Literal

import httpx

from bridge.utp.errors import UtpODataError, UtpProtocolError, UtpServerError, error_for

JsonObject = dict[str, Any]
Expect = Literal["json", "text", "any"]

TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
_XML_CODE = re.compile(r"<(?:\w+:)?code>\s*(-?\d+)\s*</(?:\w+:)?code>")
_XML_MESSAGE = re.compile(r"<(?:\w+:)?message[^>]*>(.*?)</(?:\w+:)?message>", re.S)


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


def parse_success(response: httpx.Response, method: str, path: str, expect: Expect) -> Any:
    """The parsed JSON / text / None of a 2xx/3xx answer; UtpProtocolError for a wrong shape."""
    ctype = response.headers.get("content-type", "").lower()
    if response.status_code == 204 or not response.content:
        if expect == "json":
            raise UtpProtocolError(f"empty answer (HTTP {response.status_code})", method=method, path=path)
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


def parse_error(response: httpx.Response, method: str, path: str) -> UtpODataError:
    """The typed error of a 4xx/5xx answer, from its ``odata.error`` body (JSON or XML) if any."""
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
    if isinstance(err_obj, UtpServerError) and response.status_code not in TRANSIENT_STATUSES:
        err_obj.retryable = False  # e.g. 501/505: no point repeating
    return err_obj


def collection_values(payload: Any, entity: str) -> list[JsonObject]:
    """The ``value`` list of a collection answer."""
    if not isinstance(payload, dict) or not isinstance(payload.get("value"), list):
        raise UtpProtocolError("collection answer without a 'value' list", method="GET", path=entity)
    value: list[JsonObject] = payload["value"]
    return value
