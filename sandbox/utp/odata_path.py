"""Reading an OData call: the query string (``+`` is not a space in 1C), path segments, keys, bodies."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from werkzeug.wrappers import Request

from .errors import ODataError
from .values import GUID_RE

SEG_RE = re.compile(r"^([^(]+)(?:\((.*)\))?$", re.S)
VT_SPLIT = re.compile(r",\s*(?=(?:Period|Condition|Dimensions|StartPeriod|EndPeriod)\s*=)")


class Query:
    """Query options parsed from the raw query string: `+` is NOT a space in 1C."""

    def __init__(self, raw: str):
        self.params: dict[str, str] = {}
        for part in raw.split("&"):
            if not part:
                continue
            k, _, v = part.partition("=")
            self.params[unquote(k)] = unquote(v)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.params.get(key, default)


def query_of(request: Request) -> Query:
    return Query(request.environ.get("QUERY_STRING", ""))


def split_outside(text: str, sep: str) -> list[str]:
    """Split on `sep` outside quotes and parentheses (paths carry keys and function arguments)."""
    out: list[str] = []
    buf: list[str] = []
    depth, quoted = 0, False
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        if ch == sep and depth == 0 and not quoted:
            out.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    out.append("".join(buf))
    return out


def plus_outside_literals(text: str) -> bool:
    quoted = False
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif ch == "+" and not quoted:
            return True
    return False


def parse_segment(seg: str) -> tuple[str, str | None] | None:
    """``Name(args)`` → (``Name``, ``args``), ``Name`` → (``Name``, None); None when malformed."""
    m = SEG_RE.match(seg)
    return (m.group(1), m.group(2)) if m else None


def segment(seg: str) -> tuple[str, str | None]:
    """Like parse_segment, but a malformed segment is its own name."""
    return parse_segment(seg) or (seg, None)


def target_of(rest: str) -> str:
    """The counter key of a call: the entity set, or ``Set/Action`` for a bound action or function."""
    segs = split_outside(rest, "/") if rest else []
    if not segs or segs == [""]:
        return "/"
    name = segment(segs[0])[0]
    if len(segs) > 1:
        return f"{name}/{segment(segs[1])[0]}"
    return name


def wants_json(request: Request) -> bool:
    fmt = query_of(request).get("$format")
    if fmt is not None:
        return "json" in fmt.lower()
    return "json" in request.headers.get("Accept", "").lower()


def load_mode(request: Request) -> bool:
    return request.headers.get("1C_OData-DataLoadMode", "").lower() == "true"


def request_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError:
        raise ODataError(400, "2", "Неверный формат запроса: тело не является JSON") from None
    if not isinstance(body, dict):
        raise ODataError(400, "2", "Неверный формат запроса")
    return body


def ref_key(key_text: str) -> str:
    text = key_text.strip()
    if text.startswith("Ref_Key="):
        text = text[len("Ref_Key=") :]
    m = re.fullmatch(r"guid'([0-9a-fA-F-]{36})'", text)
    if not m or not GUID_RE.match(m.group(1)):
        raise ODataError(400, "7", f"Неверно задан ключ: {key_text}")
    return m.group(1).lower()
