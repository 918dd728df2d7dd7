"""Query building for 1C's standard OData (v3): names, literals, filters, URLs and request bodies.

Values only ever enter a URL through the literal helpers (``string_literal`` doubles apostrophes,
``Guid``/``CastRef``/datetimes are validated), so data can never become syntax. Query strings are
built by hand: spaces as ``%20`` (1C does not read ``+`` as a space), ``$`` literal in option names,
every value percent-encoded, Cyrillic path segments UTF-8 encoded.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from urllib.parse import quote

EMPTY_REF = "00000000-0000-0000-0000-000000000000"
EMPTY_DATE = "0001-01-01T00:00:00"
TYPE_PREFIX = "StandardODATA."
UNDEFINED_TYPE = "StandardODATA.Undefined"
_APOS = "'"

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


Comparison = Callable[[str, LiteralValue], Filter]


def _comparison(op: str) -> Comparison:
    """``field <op> value`` with the field's name checked and the value written as an OData literal."""

    def compare(field: str, value: LiteralValue) -> Filter:
        return Filter(f"{check_field(field)} {op} {literal(value)}")

    compare.__name__ = compare.__qualname__ = op
    return compare


eq = _comparison("eq")
ne = _comparison("ne")
gt = _comparison("gt")
ge = _comparison("ge")
lt = _comparison("lt")
le = _comparison("le")


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
# Query options and bodies
# ---------------------------------------------------------------------------------------------


def check_select(select: Sequence[str]) -> list[str]:
    """The ``$select`` names, each a plain field path (``*``/``**`` and ``____Presentation`` allowed)."""
    out = []
    for name in select:
        if name not in ("*", "**"):
            check_field(name.removesuffix("____Presentation"))
        out.append(name)
    return out


def read_params(
    select: Sequence[str], filter_: Filter | None, orderby: str | None, top: int | None, skip: int | None
) -> dict[str, str]:
    """The query options of a collection read; ``$select`` is mandatory."""
    if not select:
        raise ValueError("$select is mandatory: full 1C documents are heavy")
    params = {"$format": "json", "$select": ",".join(check_select(select))}
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


class VirtualTableStyle(StrEnum):
    """How virtual-table arguments are passed; which one a platform accepts is an open question."""

    QUERY = "query"  # …/Balance?Condition=Склад_Key eq guid'…'
    QUERY_QUOTED = "query_quoted"  # …/Balance()?Condition='Склад_Key eq guid''…'''
    PARENS = "parens"  # …/Balance(Condition='Склад_Key eq guid''…''')


def virtual_table_request(
    entity: str,
    function: str,
    style: VirtualTableStyle,
    *,
    condition: Filter | None = None,
    period: datetime | None = None,
    select: Sequence[str] | None = None,
) -> tuple[str, dict[str, str]]:
    """Path and query options of a register virtual table (``Balance``, ``SliceLast`` …) read."""
    args: dict[str, str] = {}
    if period is not None:
        args["Period"] = datetime_literal(period)
    params: dict[str, str] = {"$format": "json"}
    if select:
        params["$select"] = ",".join(check_select(select))
    path = entity_path(entity) + "/" + quote(check_entity(function), safe="")
    if style is VirtualTableStyle.QUERY:
        if condition is not None:
            args["Condition"] = condition.expr
        return path, {**args, **params}
    if condition is not None:
        args["Condition"] = string_literal(condition.expr)
    if style is VirtualTableStyle.QUERY_QUOTED:
        return path + "()", {**args, **params}
    path += "(" + ",".join(f"{k}={quote(v, safe=_APOS)}" for k, v in args.items()) + ")"
    return path, params


def json_body(body: Mapping[str, Any]) -> bytes:
    """A request body as UTF-8 JSON; Decimal, dates and UUIDs as 1C reads them."""
    return json.dumps(body, ensure_ascii=False, default=_json_default).encode("utf-8")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # 1C reads JSON numbers; an integral Decimal goes as int, others as float of its exact text.
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return format_datetime(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
