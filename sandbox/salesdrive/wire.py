"""The wire format: request bodies (JSON or PHP-style form keys), JSON answers, paging, date arguments."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from .clock import parse_dt
from .state import Doc

MAX_PAGE_SIZE = 100


class ApiError(Exception):
    """A business/validation error; each endpoint turns it into the error body SalesDrive uses there."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def nest(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """PHP-style bracket keys (`filter[statusId][]=1`, `data[dilovod]=id_23`) into nested dicts/lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        m = re.match(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$", key)
        if not m:
            root[key] = value
            continue
        path = [m.group(1), *re.findall(r"\[([^\[\]]*)\]", m.group(2))]
        node: Any = root
        for i, seg in enumerate(path[:-1]):
            nxt_is_list = path[i + 1] == ""
            if isinstance(node, dict):
                if seg not in node or not isinstance(node[seg], dict | list):
                    node[seg] = [] if nxt_is_list else {}
                node = node[seg]
        last = path[-1]
        if isinstance(node, list):
            node.append(value)
        elif isinstance(node, dict):
            node[last] = value
    return _listify(root)


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _listify(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    elif isinstance(node, list):
        return [_listify(v) for v in node]
    return node


def as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v not in (None, "")]
    return [str(value)]


def int_or_none(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def option_id(text: str) -> int | None:
    """An option named by id: `id_23` (as SalesDrive's update API writes selects) or a bare `23`."""
    m = re.fullmatch(r"id_(\d+)", text)
    return int(m.group(1)) if m else int_or_none(text)


def json_response(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(obj, ensure_ascii=False), status=status, headers=headers, mimetype="application/json"
    )


def read_body(request: Request) -> Doc:
    """A JSON object, or form fields (`products[0][id]=…`) nested as PHP does; an empty body is `{}`."""
    raw = request.get_data(as_text=True)
    ctype = (request.mimetype or "").lower()
    if ctype == "application/x-www-form-urlencoded" or ctype == "multipart/form-data":
        return nest(request.form.items(multi=True))
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ApiError(f"Invalid JSON: {exc.msg}") from exc
    if not isinstance(body, dict):
        raise ApiError("Request body must be a JSON object")
    return body


def query(request: Request) -> tuple[Doc, Doc]:
    """The query string nested, and its `filter[...]` part (an empty dict when absent or malformed)."""
    args = nest(request.args.items(multi=True))
    raw_filter = args.get("filter")
    return args, raw_filter if isinstance(raw_filter, dict) else {}


def paging(args: Doc, default: int) -> tuple[int, int]:
    page = int_or_none(args.get("page")) or 1
    limit = int_or_none(args.get("limit")) or default
    # More than 100 is clamped rather than refused (assumed; README "Unknowns").
    return max(page, 1), min(max(limit, 1), MAX_PAGE_SIZE)


def page_of(items: list[Doc], page: int, limit: int) -> tuple[list[Doc], Doc]:
    """One page of `items` and the `pagination` block list answers carry."""
    chosen = items[(page - 1) * limit : page * limit]
    return chosen, {"currentPage": page, "pageCount": -(-len(items) // limit), "perPage": limit}


def filter_dt(value: Any, *, end: bool) -> datetime | None:
    """A filter bound; a bare date covers the whole day (`end` picks its last second)."""
    if value in (None, ""):
        return None
    try:
        return parse_dt(str(value), end_of_day=end)
    except ValueError as exc:
        raise ApiError(f"Invalid date {value!r}: expected YYYY-MM-DD HH:MM:SS") from exc


def within(docs: list[Doc], key: str, span: Any) -> list[Doc]:
    """`docs` whose timestamp `key` lies inside `span` = `{from?, to?}` (bounds inclusive); no span: all."""
    if not isinstance(span, dict):
        return docs
    lo = filter_dt(span.get("from"), end=False)
    hi = filter_dt(span.get("to"), end=True)
    return [d for d in docs if in_span(d[key], lo, hi)]


def in_span(stamp: str, lo: datetime | None, hi: datetime | None) -> bool:
    if lo is None and hi is None:
        return True
    at = parse_dt(stamp)
    return (lo is None or at >= lo) and (hi is None or at <= hi)


def parse_day(value: Any) -> str | None:
    """A date as `DD.MM.YYYY` (documented) or `YYYY-MM-DD`, stored as `YYYY-MM-DD`."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).strftime("%Y-%m-%d")
        except ValueError:
            continue
    raise ApiError(f"Invalid date {value!r}: expected DD.MM.YYYY")
