"""Collections: ``$filter`` / ``$orderby`` / ``$top`` / ``$skip`` / ``$inlinecount`` / ``$count`` over
objects (in SQL when it can), tabular-section rows, register records and record sets."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .errors import bad_query, bad_segment
from .filter_sql import sql_prefilter
from .filters import Fn, Scope, scope_of
from .model import Entity, F, row_fields
from .odata_path import Query
from .render import Selection, parse_select, render_object, render_plain
from .store import Store, json_expr, q

if TYPE_CHECKING:
    from .app import UtpEmulator

Loader = Callable[[str, list[Any], str | None], list[dict[str, Any]]]
Resolver = Callable[[str], tuple[str, F] | None]
# What a non-object collection lists: fields, tables, the row loader, a SQL resolver (or None), scope
Source = tuple[list[F], dict[str, list[F]], Loader, Resolver | None, Scope]
PLAIN = "text/plain;charset=utf-8"


@dataclass
class _Paging:
    top: int | None
    skip: int
    inline: bool
    count_only: bool


def obj_resolver(store: Store, ent: Entity) -> Resolver:
    """A filter field of a catalog or document → its SQL expression over the stored JSON."""
    fmap = ent.field_map()
    dflt = store.defaults[ent.name]

    def lit(v: Any) -> str:
        if isinstance(v, bool):
            return "1" if v else "0"
        if isinstance(v, int | float):
            return repr(v)
        return "'" + str(v).replace("'", "''") + "'"

    def resolve(name: str) -> tuple[str, F] | None:
        if name == "Ref_Key":
            return "ref", F("Ref_Key", "ref")
        f = fmap.get(name)
        if f is None and name.endswith("_Type") and fmap.get(name[:-5], F("", "")).kind == "comp":
            f = F(name, "str")
        if f is None or f.kind == "typedesc":
            return None
        if name in ent.indexed:
            return json_expr(name), f
        return f"COALESCE({json_expr(name)}, {lit(dflt.get(name, ''))})", f

    return resolve


def parse_order(text: str | None, known: set[str]) -> list[tuple[str, bool]]:
    if not text:
        return []
    out = []
    for item in text.split(","):
        parts = item.strip().split()
        if not parts or len(parts) > 2 or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc")):
            raise bad_query(f"$orderby: {text}")
        if parts[0] not in known:
            raise bad_segment(parts[0])
        out.append((parts[0], len(parts) == 2 and parts[1].lower() == "desc"))
    return out


def int_opt(qs: Query, name: str) -> int | None:
    v = qs.get(name)
    if v is None:
        return None
    try:
        n = int(v)
    except ValueError:
        raise bad_query(f"{name}={v}") from None
    if n < 0:
        raise bad_query(f"{name}={v}")
    return n


def list_collection(
    emu: UtpEmulator,
    request: Request,
    qs: Query,
    set_name: str,
    source: Source | None,
    want_json: bool,
    count_only: bool = False,
    ent: Entity | None = None,
) -> Response:
    """A collection answer: objects of `ent` (SQL-paged when the filter allows), or rows of `source`."""
    paging = _Paging(
        int_opt(qs, "$top"),
        int_opt(qs, "$skip") or 0,
        (qs.get("$inlinecount") or "").lower() == "allpages",
        count_only,
    )
    if ent is not None:
        fields, tables, scope = ent.fields(), ent.tables, scope_of(ent.name)
        resolver: Resolver | None = obj_resolver(emu.store, ent)
    else:
        assert source is not None
        fields, tables, _, resolver, scope = source
    known = {f.name for f in fields} | {f.name + "_Type" for f in fields if f.kind == "comp"}
    cond = emu.compile_filter(qs.get("$filter"), scope)
    order = parse_order(qs.get("$orderby"), known)
    sel = parse_select(ent, fields, tables, qs.get("$select"))
    where, params, exact = (
        sql_prefilter(cond[0] if cond else None, resolver) if resolver else ("1", [], cond is None)
    )
    order_sql = _sql_order(order, resolver)
    if ent is not None and exact and order_sql is not None:
        rows, total = _rows_in_sql(emu.store, ent, where, params, order_sql, paging)
    else:
        load = (lambda w, p: emu.store.select(ent.name, w, p)) if ent is not None else _source_loader(source)
        rows, total = _rows_in_python(load(where, params), cond, order, paging)
    if count_only:
        return Response(str(total), content_type=PLAIN)
    return _collection_answer(
        emu, request, set_name, want_json, rows, total, paging, (ent, fields, tables, sel)
    )


def _source_loader(source: Source | None) -> Callable[[str, list[Any]], list[dict[str, Any]]]:
    assert source is not None
    return lambda where, params: source[2](where, params, None)


def _sql_order(order: list[tuple[str, bool]], resolver: Resolver | None) -> str | None:
    """`$orderby` as SQL, or None when some field has no SQL expression (sorted in Python then)."""
    if resolver is None:
        return None
    parts: list[str] = []
    for fname, desc in order:
        got = resolver(fname)
        if got is None:
            return None
        parts.append(f"{got[0]} {'DESC' if desc else 'ASC'}")
    return ", ".join(parts) if parts else "rowid"


def _rows_in_sql(
    store: Store, ent: Entity, where: str, params: list[Any], order_sql: str, paging: _Paging
) -> tuple[list[dict[str, Any]], int]:
    """Everything in SQL: large catalogs page in milliseconds."""
    total = -1
    if paging.count_only or paging.inline:
        total = store.count(ent.name, where, params)
    if paging.count_only:
        return [], total
    if paging.inline:
        return store.select(ent.name, where, params, order_sql), total  # $top/$skip ignored with it
    return store.select(ent.name, where, params, order_sql, paging.top, paging.skip), total


def _rows_in_python(
    rows: list[dict[str, Any]], cond: tuple[Any, Fn] | None, order: list[tuple[str, bool]], paging: _Paging
) -> tuple[list[dict[str, Any]], int]:
    if cond is not None:
        fn = cond[1]
        try:
            rows = [rw for rw in rows if fn(rw, {})]
        except RecursionError:
            raise bad_query("слишком сложное выражение") from None
    for fname, desc in reversed(order):
        rows.sort(key=_field_key(fname), reverse=desc)
    total = len(rows)
    if not paging.count_only and not paging.inline:
        top, skip = paging.top, paging.skip
        rows = rows[skip:] if top is None else rows[skip : skip + top]
    return rows, total


def _collection_answer(
    emu: UtpEmulator,
    request: Request,
    set_name: str,
    want_json: bool,
    rows: list[dict[str, Any]],
    total: int,
    paging: _Paging,
    shape: tuple[Entity | None, list[F], dict[str, list[F]], Selection],
) -> Response:
    ent, fields, tables, sel = shape
    if ent is not None:
        values = [render_object(emu.engine, ent, rw, sel) for rw in rows]
    else:
        values = [render_plain(fields, tables, rw, sel) for rw in rows]
    payload: dict[str, Any] = {"odata.metadata": f"{emu.root_url(request)}/$metadata#{set_name}"}
    if paging.inline:
        payload["odata.count"] = str(total)  # a string, like Int64
    payload["value"] = values
    return emu.answer(request, payload, set_name, want_json)


def _field_key(name: str) -> Callable[[dict[str, Any]], tuple[int, Any]]:
    return lambda row: _sort_key(row.get(name))


def _sort_key(v: Any) -> tuple[int, Any]:
    if v is None:
        return (0, 0)
    if isinstance(v, bool):
        return (1, int(v))
    if isinstance(v, int | float):
        return (2, v)
    return (3, str(v))


# ----- sources of the collections that are not catalogs or documents -----
def table_rows(store: Store, parent: Entity, table: str, qs: Query) -> Source:
    """``Document_X_Товары``: the rows of every (or of the one filtered) parent object."""
    fields = row_fields(parent.tables[table])
    scope = Scope({f.name: f for f in fields}, {})
    flt = qs.get("$filter") or ""
    refs = re.findall(r"Ref_Key\s+eq\s+guid'([0-9a-fA-F-]{36})'", flt)

    def load(where: str, params: list[Any], _: str | None) -> list[dict[str, Any]]:
        if len(refs) == 1 and " or " not in flt:
            parents = [p for p in [store.get(parent.name, refs[0])] if p]
        else:
            parents = store.select(parent.name)
        return [{**row, "Ref_Key": p["Ref_Key"]} for p in parents for row in p.get(table, [])]

    return fields, {}, load, None, scope


def reg_source(store: Store, reg: Entity) -> Source:
    """A register's records, one row each (``…_RecordType``, independent registers)."""
    cols = store.reg_cols[reg.name]
    comp_names = {c for c, f in cols if f.kind == "comp"}
    fields = [f for c, f in cols if not (c.endswith("_Type") and c[:-5] in comp_names)]
    if reg.turnover:
        fields = [f for f in fields if f.name != "RecordType"]
    colmap = dict(cols)

    def resolve(name: str) -> tuple[str, F] | None:
        f = colmap.get(name)
        return None if f is None else (q(name), f)

    def load(where: str, params: list[Any], _: str | None) -> list[dict[str, Any]]:
        return store.reg_rows(reg.name, where, params)

    return fields, {}, load, resolve, Scope({f.name: f for f in fields}, {})


def record_sets(store: Store, reg: Entity) -> Source:
    """A recorder-subordinate register as record sets: ``Recorder`` + ``RecordSet`` of its rows."""
    fields, _, load_rows, _, _row_scope = reg_source(store, reg)
    head = [F("Recorder", "str"), F("Recorder_Type", "str")]

    def load(where: str, params: list[Any], _: str | None) -> list[dict[str, Any]]:
        sets: dict[tuple[str, str], dict[str, Any]] = {}
        for row in load_rows("1", [], None):
            key = (row["Recorder"], row["Recorder_Type"])
            sets.setdefault(key, {"Recorder": key[0], "Recorder_Type": key[1], "RecordSet": []})[
                "RecordSet"
            ].append(row)
        return list(sets.values())

    return head, {"RecordSet": fields}, load, None, Scope({f.name: f for f in head}, {})
