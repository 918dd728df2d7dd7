"""SQL pushdown of a compiled `$filter`: only comparisons of a plain field with a literal of the
matching kind, joined by and/or/not. Anything else stays in Python; the Python predicate always
runs on what SQL returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lark import Tree

from .filters import literal_value, norm_type
from .model import NS, F

ColResolver = Callable[[str], "tuple[str, F] | None"]
_SQL_OPS = {"eq": "=", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_FLIP = {"gt": "lt", "lt": "gt", "ge": "le", "le": "ge", "eq": "eq", "ne": "ne"}


def _lit_ok(f: F, v: Any) -> bool:
    if v is None:
        return False
    if f.kind in ("str", "enum", "date", "ref"):
        return isinstance(v, str)
    if f.kind in ("num", "int"):
        return isinstance(v, int | float) and not isinstance(v, bool)
    if f.kind == "bool":
        return isinstance(v, bool)
    return False


def to_sql(node: Tree, resolve: ColResolver) -> tuple[str, list[Any]] | None:
    kind = str(node.data)
    if kind in ("and_", "or_"):
        left = to_sql(node.children[0], resolve)
        right = to_sql(node.children[1], resolve)
        if left is None or right is None:
            return None
        op = " AND " if kind == "and_" else " OR "
        return f"({left[0]}{op}{right[0]})", left[1] + right[1]
    if kind == "not_":
        inner = to_sql(node.children[0], resolve)
        return None if inner is None else (f"(NOT {inner[0]})", inner[1])
    if kind in ("eq", "ne"):
        got_cast = _cast_to_sql(node, resolve)
        if got_cast is not None:
            return got_cast
    if kind in _SQL_OPS:
        a, b2 = node.children
        op = kind
        if _is_lit(a) and _is_plain_path(b2):
            a, b2, op = b2, a, _FLIP[kind]
        if not (_is_plain_path(a) and _is_lit(b2)):
            return None
        got = resolve(str(a.children[0]))
        if got is None:
            return None
        expr, f = got
        val = literal_value(b2 if str(b2.data) != "literal" else b2.children[0])
        if not _lit_ok(f, val):
            return None
        if f.kind == "bool":
            val = 1 if val else 0
        return f"({expr} {_SQL_OPS[op]} ?)", [val]
    return None


def _cast_to_sql(node: Tree, resolve: ColResolver) -> tuple[str, list[Any]] | None:
    """`Поле eq cast(guid'…','Document_X')` on a composite field → value and type columns."""
    a, b2 = node.children
    if _is_cast(a):
        a, b2 = b2, a
    if not (_is_plain_path(a) and _is_cast(b2)):
        return None
    name = str(a.children[0])
    got, got_t = resolve(name), resolve(name + "_Type")
    if got is None or got_t is None or got[1].kind != "comp":
        return None
    val = literal_value(b2.children[1])
    typ = literal_value(b2.children[2])
    if not isinstance(val, str) or not isinstance(typ, str) or not norm_type(typ).startswith(NS + "."):
        return None
    sql = f"({got[0]} = ? AND {got_t[0]} = ?)"
    if str(node.data) == "ne":
        sql = f"(NOT {sql})"
    return sql, [val.lower(), norm_type(typ)]


def _is_cast(node: Any) -> bool:
    return (
        isinstance(node, Tree)
        and str(node.data) == "call"
        and str(node.children[0]).lower() == "cast"
        and len(node.children) == 3
        and _is_lit(node.children[1])
        and _is_lit(node.children[2])
    )


def _is_lit(node: Any) -> bool:
    return isinstance(node, Tree) and str(node.data) in (
        "guid",
        "datetime",
        "string",
        "number",
        "true",
        "false",
        "literal",
    )


def _is_plain_path(node: Any) -> bool:
    return isinstance(node, Tree) and str(node.data) == "path" and len(node.children) == 1


def conjuncts(node: Tree) -> list[Tree]:
    if str(node.data) == "and_":
        return conjuncts(node.children[0]) + conjuncts(node.children[1])
    return [node]


def sql_prefilter(tree: Tree | None, resolve: ColResolver) -> tuple[str, list[Any], bool]:
    """WHERE clause for the translatable conjuncts; `exact` when the whole filter was translated."""
    if tree is None:
        return "1", [], True
    parts: list[str] = []
    params: list[Any] = []
    exact = True
    for cj in conjuncts(tree):
        got = to_sql(cj, resolve)
        if got is None:
            exact = False
            continue
        parts.append(got[0])
        params += got[1]
    return (" AND ".join(parts) or "1"), params, exact
