"""OData routing: which resource a path names (service document, ``$metadata``, tabular-section
rows, register records, virtual tables, independent registers, catalogs and documents)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from . import metadata as md
from .errors import ODataError, bad_segment
from .listing import list_collection, record_sets, reg_source, table_rows
from .model import ENTITIES, Entity, table_sets
from .objects import object_collection, one_object
from .odata_path import Query, parse_segment, query_of, segment, split_outside
from .registers import independent
from .virtual import slice_answer, virtual_table

if TYPE_CHECKING:
    from .app import UtpEmulator

NOT_ALLOWED = "Метод HTTP не допускается для этого ресурса"


def route(emu: UtpEmulator, request: Request, method: str, rest: str, want_json: bool) -> Response:
    qs = query_of(request)
    if rest in ("", "/"):
        return emu.answer(request, md.service_document(emu.root_url(request)), "", True)
    if rest == "$metadata":
        return Response(emu.metadata_xml, content_type="application/xml;charset=utf-8")
    segs = split_outside(rest, "/")
    m = parse_segment(segs[0])
    if m is None:
        raise bad_segment(segs[0])
    name, key_text = m
    tsets = table_sets()
    ent = ENTITIES.get(name)
    rec_type = ENTITIES.get(name[: -len("_RecordType")]) if name.endswith("_RecordType") else None
    if ent is None and not rec_type and name not in tsets:
        raise bad_segment(name)
    if len(segs) > 3:
        raise bad_segment(segs[3])
    if name in tsets:
        parent, table = tsets[name]
        if method == "POST":
            raise ODataError(400, "13", "Создание строк табличной части напрямую не поддерживается")
        if method != "GET" or key_text is not None:
            raise ODataError(400, "19", NOT_ALLOWED)
        rows = table_rows(emu.store, parent, table, qs)
        return list_collection(emu, request, qs, name, rows, want_json, count_only=segs[1:] == ["$count"])
    if rec_type:
        return _register_records(emu, request, method, qs, name, rec_type, segs, want_json)
    assert ent is not None
    if ent.kind in ("areg", "ireg_rec"):
        return _register_sets(emu, request, method, qs, ent, segs, want_json)
    if ent.kind == "ireg":
        return independent(emu, request, method, qs, ent, key_text, segs, want_json)
    if key_text is None:
        return object_collection(emu, request, method, qs, ent, segs, want_json)
    return one_object(emu, request, method, qs, ent, key_text, segs, want_json)


def _register_records(
    emu: UtpEmulator,
    request: Request,
    method: str,
    qs: Query,
    name: str,
    reg: Entity,
    segs: list[str],
    want_json: bool,
) -> Response:
    """``…_RecordType``: a register's records one by one (and a periodic one's slices)."""
    if len(segs) == 2:
        fn, args = segment(segs[1])
        if fn in ("SliceLast", "SliceFirst") and reg.kind == "ireg_rec" and method == "GET":
            return slice_answer(emu, request, qs, reg, fn, args, want_json)
        if fn == "$count":
            return list_collection(
                emu, request, qs, name, reg_source(emu.store, reg), want_json, count_only=True
            )
        raise bad_segment(segs[1])
    if method != "GET":
        raise ODataError(400, "19", NOT_ALLOWED)
    return list_collection(emu, request, qs, name, reg_source(emu.store, reg), want_json)


def _register_sets(
    emu: UtpEmulator, request: Request, method: str, qs: Query, ent: Entity, segs: list[str], want_json: bool
) -> Response:
    """A recorder-subordinate register: record sets, ``Balance`` / ``Turnovers``; read only."""
    if len(segs) == 2:
        fn, args = segment(segs[1])
        if method == "GET" and ent.kind == "areg" and fn in ("Balance", "Turnovers"):
            return virtual_table(emu, request, qs, ent, fn, args, want_json)
        if fn == "$count":
            sets = record_sets(emu.store, ent)
            return list_collection(emu, request, qs, ent.name, sets, want_json, count_only=True)
        raise bad_segment(segs[1])
    if method != "GET":
        raise ODataError(400, "19", "Запись наборов записей регистра через эмулятор не поддерживается")
    return list_collection(emu, request, qs, ent.name, record_sets(emu.store, ent), want_json)
