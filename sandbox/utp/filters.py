"""`$filter` / `Condition` for 1C's OData v3 dialect (docs/utp-odata.md): a lark grammar, a compiler to
Python closures, and a translator of the simple part to SQL (so large catalogs can be paged in SQLite).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from lark import Lark, Token, Tree
from lark.exceptions import LarkError

from .model import EMPTY_DATE, ENTITIES, NS, UNDEFINED, F

GRAMMAR = r"""
?start: or_e
?or_e: and_e | or_e "or" and_e -> or_
?and_e: not_e | and_e "and" not_e -> and_
?not_e: cmp_e | "not" not_e -> not_
?cmp_e: add_e
      | add_e "eq" add_e -> eq
      | add_e "ne" add_e -> ne
      | add_e "gt" add_e -> gt
      | add_e "ge" add_e -> ge
      | add_e "lt" add_e -> lt
      | add_e "le" add_e -> le
?add_e: mul_e | add_e "add" mul_e -> add | add_e "sub" mul_e -> sub
?mul_e: atom | mul_e "mul" atom -> mul | mul_e "div" atom -> div | mul_e "mod" atom -> mod
?atom: literal | call | path | "(" or_e ")"
call: NAME "(" [or_e ("," or_e)*] ")"
path: NAME path_tail*
?path_tail: "/" NAME -> seg
          | "/" "any" "(" NAME ":" or_e ")" -> any_
          | "/" "all" "(" NAME ":" or_e ")" -> all_
literal: GUID -> guid
       | DATETIME -> datetime
       | STRING -> string
       | NUMBER -> number
       | "true" -> true
       | "false" -> false
       | "null" -> null
GUID.3: /guid'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'/
DATETIME.3: /datetime'[^']*'/
STRING: /'(?:[^']|'')*'/
NUMBER.2: /-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDfFlL]?/
NAME: /[^\W\d]\w*/
%import common.WS
%ignore WS
"""

_parser = Lark(GRAMMAR, parser="lalr", maybe_placeholders=False)

UNSUPPORTED = {
    "length",
    "indexof",
    "replace",
    "tolower",
    "toupper",
    "trim",
    "years",
    "days",
    "hours",
    "minutes",
    "seconds",
    "floor",
    "ceiling",
}


class FilterError(Exception):
    """Maps to 400 code 14 (query-option parse error)."""


class Typed(NamedTuple):
    """Value of a composite field or the result of cast(guid'…','Type')."""

    type: str
    value: Any


def norm_type(name: str) -> str:
    t = name.strip()
    if t.startswith(("Edm.", NS + ".")):
        return t
    if t in ("String", "Double", "Boolean", "DateTime", "Int64", "Int32", "Int16", "Guid"):
        return "Edm." + t
    return f"{NS}.{t}"


def norm_date(text: str) -> str:
    t = text.strip()
    for fmt in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S.%f"):
        try:
            return datetime.strptime(t, fmt).strftime("%Y-%m-%dT%H:%M:%S")
        except ValueError:
            continue
    if t.startswith("0001-01-01"):
        return EMPTY_DATE
    raise FilterError(f"Неверный литерал даты: {text}")


def parse(text: str) -> Tree:
    try:
        return _parser.parse(text)
    except LarkError as exc:
        raise FilterError(f"Ошибка разбора выражения: {text}") from exc


class Lit(NamedTuple):
    value: Any


def literal_value(node: Tree) -> Any:
    kind = node.data
    if kind in ("true", "false", "null"):
        return {"true": True, "false": False, "null": None}[str(kind)]
    tok = str(node.children[0])
    if kind == "guid":
        return tok[5:-1].lower()
    if kind == "datetime":
        return norm_date(tok[9:-1])
    if kind == "string":
        return tok[1:-1].replace("''", "'")
    num = tok.rstrip("mMdDfFlL")
    return float(num) if any(ch in num for ch in ".eE") else int(num)


Fn = Callable[[dict[str, Any], dict[str, dict[str, Any]]], Any]
Loader = Callable[[str, str], "dict[str, Any] | None"]


class Scope(NamedTuple):
    fields: dict[str, F]
    tables: dict[str, list[F]]


def scope_of(entity_name: str) -> Scope:
    ent = ENTITIES[entity_name]
    return Scope(ent.field_map(), ent.tables)


def _cmp(op: str) -> Callable[[Any, Any], bool]:
    def safe(fn: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
        def run(a: Any, b: Any) -> bool:
            if a is None or b is None:
                return False
            if isinstance(a, Typed) or isinstance(b, Typed):
                return False
            try:
                return bool(fn(a, b))
            except TypeError:
                return False

        return run

    return safe(
        {
            "gt": lambda a, b: a > b,
            "ge": lambda a, b: a >= b,
            "lt": lambda a, b: a < b,
            "le": lambda a, b: a <= b,
        }[op]
    )


def _eq(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, Typed) and isinstance(b, Typed):
        return a.type == b.type and a.value == b.value
    if isinstance(a, Typed) or isinstance(b, Typed):
        return False  # plain guid'…' against a composite field never matches
    return bool(a == b)


def _like(value: Any, pattern: Any) -> bool:
    if not isinstance(value, str) or not isinstance(pattern, str):
        return False
    rx = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(rx, value, re.S) is not None


def _date_part(part: str) -> Callable[[Any], Any]:
    def run(v: Any) -> Any:
        if not isinstance(v, str):
            return None
        try:
            dt = datetime.strptime(v[:19], "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            return None
        return {
            "year": dt.year,
            "month": dt.month,
            "day": dt.day,
            "hour": dt.hour,
            "minute": dt.minute,
            "second": dt.second,
            "quarter": (dt.month - 1) // 3 + 1,
            "dayofweek": dt.isoweekday(),
            "dayofyear": dt.timetuple().tm_yday,
        }[part]

    return run


def _cast(v: Any, type_name: Any) -> Any:
    if not isinstance(type_name, str):
        raise FilterError("cast: второй параметр должен быть строкой")
    t = norm_type(type_name)
    if isinstance(v, Typed):
        return v.value if v.type == t and t.startswith("Edm.") else (v if v.type == t else None)
    if t.startswith(NS + "."):
        return Typed(t, v.lower() if isinstance(v, str) and _GUID.match(v) else v)
    try:
        if t == "Edm.String":
            return None if v is None else str(v)
        if t in ("Edm.Double", "Edm.Int64", "Edm.Int32", "Edm.Int16"):
            return None if v is None else float(v) if t == "Edm.Double" else int(v)
    except (TypeError, ValueError):
        return None
    return v


class Compiler:
    def __init__(self, scope: Scope, loader: Loader | None = None):
        self.scope = scope
        self.loader = loader

    def compile(self, node: Tree | Token, vars_: dict[str, Scope] | None = None) -> Fn:
        vars_ = vars_ or {}
        if isinstance(node, Token):
            raise FilterError("Ошибка разбора выражения")
        kind = str(node.data)
        ch = node.children
        if kind in ("guid", "datetime", "string", "number", "true", "false", "null"):
            val = literal_value(node)
            return lambda row, vs: val
        if kind == "literal":
            return self.compile(ch[0], vars_)
        if kind in ("or_", "and_"):
            left, right = self.compile(ch[0], vars_), self.compile(ch[1], vars_)
            if kind == "or_":
                return lambda row, vs: bool(left(row, vs)) or bool(right(row, vs))
            return lambda row, vs: bool(left(row, vs)) and bool(right(row, vs))
        if kind == "not_":
            inner = self.compile(ch[0], vars_)
            return lambda row, vs: not inner(row, vs)
        if kind in ("eq", "ne", "gt", "ge", "lt", "le"):
            left, right = self.compile(ch[0], vars_), self.compile(ch[1], vars_)
            if kind == "eq":
                return lambda row, vs: _eq(left(row, vs), right(row, vs))
            if kind == "ne":
                return lambda row, vs: not _eq(left(row, vs), right(row, vs))
            op = _cmp(kind)
            return lambda row, vs: op(left(row, vs), right(row, vs))
        if kind in ("add", "sub", "mul", "div", "mod"):
            left, right = self.compile(ch[0], vars_), self.compile(ch[1], vars_)
            fn = {
                "add": lambda a, b: a + b,
                "sub": lambda a, b: a - b,
                "mul": lambda a, b: a * b,
                "div": lambda a, b: a / b,
                "mod": lambda a, b: a % b,
            }[kind]

            def arith(row: dict[str, Any], vs: dict[str, dict[str, Any]]) -> Any:
                a, b2 = left(row, vs), right(row, vs)
                try:
                    return fn(a, b2)
                except (TypeError, ZeroDivisionError):
                    return None

            return arith
        if kind == "call":
            return self._call(node, vars_)
        if kind == "path":
            return self._path(node, vars_)
        raise FilterError(f"Неподдерживаемая конструкция: {kind}")

    # ----- functions -----
    def _call(self, node: Tree, vars_: dict[str, Scope]) -> Fn:
        name = str(node.children[0])
        low = name.lower()
        args = [self.compile(a, vars_) for a in node.children[1:]]
        if low in UNSUPPORTED:
            raise FilterError(f"Функция не поддерживается: {name}")
        fn = _string_call(low, name, args) or _value_call(low, name, args)
        if fn is None:
            raise FilterError(f"Неизвестная функция: {name}")
        return fn

    # ----- paths -----
    def _path(self, node: Tree, vars_: dict[str, Scope]) -> Fn:
        first = str(node.children[0])
        tail = node.children[1:]
        if first in vars_:
            return self._walk(vars_[first], tail, vars_, var=first)
        return self._walk(self.scope, [Tree("seg", [Token("NAME", first)]), *tail], vars_, var=None)

    def _walk(self, scope: Scope, tail: list[Any], vars_: dict[str, Scope], var: str | None) -> Fn:
        """The rest of a path from `scope` (the row's, or a lambda variable's when `var` is set)."""
        if not tail:
            if var is None:
                raise FilterError("Ошибка разбора выражения")
            return lambda row, vs: vs.get(var)
        step = tail[0]
        if str(step.data) in ("any_", "all_"):
            raise FilterError("any/all применимы только к табличной части")
        name = str(step.children[0])
        rest = tail[1:]
        base = _base_reader(var)
        if name in scope.tables and rest and str(rest[0].data) in ("any_", "all_"):
            return self._lambda(scope, name, rest, vars_, base)
        f = scope.fields.get(name)
        if f is None and name.endswith("_Type") and scope.fields.get(name[:-5], F("", "")).kind == "comp":
            f = F(name, "str")
        if f is not None:
            if rest:
                raise FilterError(f"Свойство {name} не является ссылкой")
            return _field_reader(f, name, base)
        ref = scope.fields.get(name + "_Key")
        if ref is not None and ref.kind == "ref" and ref.target in ENTITIES and rest:
            return self._navigation(ref, rest, vars_, base)
        raise FilterError(f"Неизвестное свойство: {name}")

    def _lambda(self, scope: Scope, name: str, rest: list[Any], vars_: dict[str, Scope], base: Fn) -> Fn:
        """``Товары/any(d: …)`` / ``all``: the body over each row of the tabular section `name`."""
        lam = rest[0]
        if len(rest) > 1:
            raise FilterError("Ошибка разбора выражения")
        varname = str(lam.children[0])
        row_scope = Scope({f.name: f for f in _row_fields(scope.tables[name])}, {})
        body = self.compile(lam.children[1], {**vars_, varname: row_scope})
        is_any = str(lam.data) == "any_"

        def lam_fn(row: dict[str, Any], vs: dict[str, dict[str, Any]]) -> bool:
            src = base(row, vs) or {}
            rows = src.get(name) or []
            inner = dict(vs)
            results = []
            for trow in rows:
                inner[varname] = trow
                results.append(bool(body(row, inner)))
            return any(results) if is_any else all(results)

        return lam_fn

    def _navigation(self, ref: F, rest: list[Any], vars_: dict[str, Scope], base: Fn) -> Fn:
        """``Контрагент/Description``: the referenced object is loaded and the path goes on in it."""
        target = str(ref.target)
        key = ref.name
        inner_fn = self._walk(scope_of(target), rest, vars_, var="\x00nav")
        loader = self.loader

        def nav(row: dict[str, Any], vs: dict[str, dict[str, Any]]) -> Any:
            src = base(row, vs) or {}
            obj = loader(target, src.get(key, "")) if loader else None
            if obj is None:
                return None
            return inner_fn(row, {**vs, "\x00nav": obj})

        return nav


def _base_reader(var: str | None) -> Fn:
    """Where a path starts: the row, or the object bound to a lambda (or navigation) variable."""

    def base(row: dict[str, Any], vs: dict[str, dict[str, Any]]) -> Any:
        return vs.get(var) if var is not None else row

    return base


def _field_reader(f: F, name: str, base: Fn) -> Fn:
    if f.kind == "comp":
        tname = name + "_Type"

        def comp(row: dict[str, Any], vs: dict[str, dict[str, Any]]) -> Any:
            src = base(row, vs) or {}
            val = src.get(name)
            if isinstance(val, str) and _GUID.match(val):
                val = val.lower()
            return Typed(src.get(tname) or UNDEFINED, val)

        return comp
    return lambda row, vs: (base(row, vs) or {}).get(name)


def _need(name: str, args: list[Fn], k: int) -> None:
    if len(args) != k:
        raise FilterError(f"Неверное количество параметров функции {name}")


def _string_call(low: str, name: str, args: list[Fn]) -> Fn | None:
    """substringof, startswith, endswith, like, concat, substring; None for another function."""
    if low in ("substringof", "startswith", "endswith", "like", "concat"):
        _need(name, args, 2)
        a0, a1 = args
        if low == "substringof":
            return lambda row, vs: _str_op(a0(row, vs), a1(row, vs), lambda x, y: x in y)
        if low == "startswith":
            return lambda row, vs: _str_op(a0(row, vs), a1(row, vs), lambda x, y: x.startswith(y))
        if low == "endswith":
            return lambda row, vs: _str_op(a0(row, vs), a1(row, vs), lambda x, y: x.endswith(y))
        if low == "like":
            return lambda row, vs: _like(a0(row, vs), a1(row, vs))
        return lambda row, vs: f"{a0(row, vs) or ''}{a1(row, vs) or ''}"
    if low != "substring":
        return None
    if len(args) not in (2, 3):
        raise FilterError("substring: неверное количество параметров")

    def sub(row: dict[str, Any], vs: dict[str, dict[str, Any]]) -> Any:
        text, start = args[0](row, vs), args[1](row, vs)
        if not isinstance(text, str) or not isinstance(start, int):
            return None
        if len(args) == 3:
            ln = args[2](row, vs)
            return text[start : start + int(ln)]
        return text[start:]

    return sub


def _value_call(low: str, name: str, args: list[Fn]) -> Fn | None:
    """Date parts, round, cast, isof; None for another function."""
    if low in ("year", "month", "day", "hour", "minute", "second", "quarter", "dayofweek", "dayofyear"):
        _need(name, args, 1)
        part = _date_part(low)
        a0 = args[0]
        return lambda row, vs: part(a0(row, vs))
    if low == "round":
        _need(name, args, 1)
        a0 = args[0]
        return lambda row, vs: _safe(lambda: round(a0(row, vs)))
    if low == "cast":
        _need(name, args, 2)
        a0, a1 = args
        return lambda row, vs: _cast(a0(row, vs), a1(row, vs))
    if low == "isof":
        _need(name, args, 2)
        a0, a1 = args

        def isof(row: dict[str, Any], vs: dict[str, dict[str, Any]]) -> bool:
            v, t = a0(row, vs), a1(row, vs)
            return isinstance(v, Typed) and isinstance(t, str) and v.type == norm_type(t)

        return isof
    return None


def _row_fields(cols: list[F]) -> list[F]:
    return [F("Ref_Key", "ref"), F("LineNumber", "int"), *cols]


def _str_op(a: Any, b: Any, fn: Callable[[str, str], bool]) -> bool:
    return isinstance(a, str) and isinstance(b, str) and fn(a, b)


_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _safe(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except (TypeError, ValueError):
        return None


def compile_filter(text: str, scope: Scope, loader: Loader | None = None) -> tuple[Tree, Fn]:
    tree = parse(text)
    fn = Compiler(scope, loader).compile(tree)
    return tree, fn
