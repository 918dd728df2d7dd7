"""Independent information registers: records addressed by their composite key
(``Объект=cast(guid'…','Type'),Period=datetime'…'``), POST / GET / PATCH / DELETE, ``SliceLast``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .catalog_rules import register_write
from .errors import ODataError, bad_segment, not_found
from .filters import FilterError, Scope, Typed, compile_filter, literal_value, parse
from .listing import list_collection, reg_source
from .model import Entity, F
from .odata_path import Query, request_body, segment, split_outside
from .render import Selection, parse_select, render_plain
from .store import Store, defaults_for, field_columns, q
from .values import GUID_RE, apply_fields
from .virtual import slice_answer

if TYPE_CHECKING:
    import sqlite3

    from .app import UtpEmulator

NOT_ALLOWED = "Метод HTTP не допускается для этого ресурса"
DUPLICATE = "Запись с такими ключевыми полями уже существует"


def key_fields(ent: Entity) -> list[F]:
    """An independent register's record key: Period (when periodic by day) and the dimensions."""
    return ([F("Period", "date")] if ent.periodic else []) + ent.dims


def parse_reg_key(ent: Entity, key_text: str) -> dict[str, Any]:
    vals: dict[str, Any] = {}
    for part in split_outside(key_text, ","):
        k, eq, v = part.partition("=")
        if not eq:
            raise ODataError(400, "7", f"Неверно задан ключ: {key_text}")
        try:
            tree = parse(v.strip())
            if str(tree.data) == "call":
                val: Any = compile_filter(v.strip(), Scope({}, {}))[1]({}, {})
            else:
                val = literal_value(tree)
        except FilterError:
            raise ODataError(400, "7", f"Неверно задан ключ: {key_text}") from None
        if isinstance(val, Typed):
            vals[k.strip()] = val.value
            vals[k.strip() + "_Type"] = val.type
        else:
            vals[k.strip()] = val
    out: dict[str, Any] = {}
    for c, f in field_columns(key_fields(ent)):
        if c not in vals:
            if f.kind == "str" and c.endswith("_Type"):
                continue
            raise ODataError(400, "7", f"Не задана часть ключа: {c}")
        out[c] = vals[c].lower() if isinstance(vals[c], str) and GUID_RE.match(vals[c]) else vals[c]
    return out


def find_record(store: Store, ent: Entity, key: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    cols = [c for c, _ in field_columns(key_fields(ent))]
    where = " AND ".join(f"{q(c)} = ?" for c in cols if c in key)
    names = ", ".join(q(c) for c, _ in store.reg_cols[ent.name])
    with store.lock:
        row = store.conn.execute(
            f"SELECT rowid, {names} FROM {q(ent.name)} WHERE {where}", [key[c] for c in cols if c in key]
        ).fetchone()
    if row is None:
        return None
    return int(row[0]), store.reg_row_to_dict(ent.name, row[1:])


def independent(
    emu: UtpEmulator,
    request: Request,
    method: str,
    qs: Query,
    ent: Entity,
    key_text: str | None,
    segs: list[str],
    want_json: bool,
) -> Response:
    fields = ([F("Period", "date")] if ent.periodic else []) + ent.dims + ent.resources
    if len(segs) == 2 and ent.periodic and key_text is None and method == "GET":
        # A periodic independent register binds SliceLast/SliceFirst to its own set.
        fn, args = segment(segs[1])
        if fn in ("SliceLast", "SliceFirst"):
            return slice_answer(emu, request, qs, ent, fn, args, want_json)
    if len(segs) == 2 and segs[1] == "$count" and key_text is None:
        return list_collection(
            emu, request, qs, ent.name, reg_source(emu.store, ent), want_json, count_only=True
        )
    if len(segs) > 1:
        raise bad_segment(segs[1])
    sel = parse_select(None, fields, {}, qs.get("$select"))
    if key_text is None:
        if method == "GET":
            return list_collection(emu, request, qs, ent.name, reg_source(emu.store, ent), want_json)
        if method != "POST":
            raise ODataError(400, "19", NOT_ALLOWED)
        rec = _create_record(emu.store, ent, fields, request_body(request))
        return _record_answer(emu, request, ent, fields, rec, sel, want_json, 201)
    key = parse_reg_key(ent, key_text)
    with emu.store.tx() as cur:
        found = find_record(emu.store, ent, key)
        if found is None:
            raise not_found(f"{ent.name}({key_text})")
        rowid, rec = found
        if method == "DELETE":
            cur.execute(f"DELETE FROM {q(ent.name)} WHERE rowid = ?", (rowid,))
            return Response(status=204)
        if method in ("PATCH", "MERGE", "PUT"):
            _patch_record(emu.store, cur, ent, fields, rowid, rec, request_body(request))
        elif method != "GET":
            raise ODataError(400, "19", NOT_ALLOWED)
    return _record_answer(emu, request, ent, fields, rec, sel, want_json)


def _own_key(ent: Entity, fields: list[F], rec: dict[str, Any]) -> dict[str, Any]:
    return {c: rec[c] for c, _ in field_columns(fields[: len(fields) - len(ent.resources)])}


def _create_record(store: Store, ent: Entity, fields: list[F], body: dict[str, Any]) -> dict[str, Any]:
    rec = defaults_for(fields)
    apply_fields(fields, rec, body)
    register_write(ent.name, rec)
    with store.tx() as cur:
        if find_record(store, ent, _own_key(ent, fields, rec)) is not None:
            raise ODataError(400, "15", DUPLICATE)
        store.reg_insert(ent.name, [rec], cur)
    return rec


def _patch_record(
    store: Store,
    cur: sqlite3.Cursor,
    ent: Entity,
    fields: list[F],
    rowid: int,
    rec: dict[str, Any],
    body: dict[str, Any],
) -> None:
    apply_fields(fields, rec, body)
    register_write(ent.name, rec)
    other = find_record(store, ent, _own_key(ent, fields, rec))
    if other is not None and other[0] != rowid:
        raise ODataError(400, "15", DUPLICATE)
    cur.execute(f"DELETE FROM {q(ent.name)} WHERE rowid = ?", (rowid,))
    store.reg_insert(ent.name, [rec], cur)


def _record_answer(
    emu: UtpEmulator,
    request: Request,
    ent: Entity,
    fields: list[F],
    rec: dict[str, Any],
    sel: Selection,
    want_json: bool,
    status: int = 200,
) -> Response:
    element = f"{emu.root_url(request)}/$metadata#{ent.name}/@Element"
    payload = {"odata.metadata": element, **render_plain(fields, {}, rec, sel)}
    return emu.answer(request, payload, ent.name, want_json, status)
