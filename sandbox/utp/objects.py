"""Catalogs and documents: create, read, patch, delete, ``Post`` / ``Unpost``, navigation to a
referenced object or to one property."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from . import metadata as md
from .errors import ODataError, bad_segment, not_found
from .listing import list_collection
from .model import EMPTY_REF, ENTITIES, Entity
from .odata_path import Query, load_mode, ref_key, request_body, segment
from .render import parse_select, render_object, render_value

if TYPE_CHECKING:
    from .app import UtpEmulator

PRODUCTS = "Catalog_Номенклатура"
NOT_ALLOWED = "Метод HTTP не допускается для этого ресурса"


def element(
    emu: UtpEmulator, request: Request, ent: Entity, rec: dict[str, Any], qs: Query
) -> dict[str, Any]:
    sel = parse_select(ent, ent.fields(), ent.tables, qs.get("$select"))
    body = render_object(emu.engine, ent, rec, sel)
    return {"odata.metadata": f"{emu.root_url(request)}/$metadata#{ent.name}/@Element", **body}


def object_collection(
    emu: UtpEmulator, request: Request, method: str, qs: Query, ent: Entity, segs: list[str], want_json: bool
) -> Response:
    """``/Catalog_X``: list, ``$count`` or create."""
    name = ent.name
    if len(segs) == 2 and segs[1] == "$count" and method == "GET":
        return list_collection(emu, request, qs, name, None, want_json, count_only=True, ent=ent)
    if len(segs) > 1:
        raise bad_segment(segs[1])
    if method == "GET":
        return list_collection(emu, request, qs, name, None, want_json, ent=ent)
    if method != "POST":
        raise ODataError(400, "19", NOT_ALLOWED)
    rec = emu.engine.create(name, request_body(request), load_mode=load_mode(request))
    if name == PRODUCTS:
        emu.saved(name, rec)
    resp = emu.answer(request, element(emu, request, ent, rec, qs), name, want_json, status=201)
    location = f"{emu.root_url(request)}/{name}(guid'{rec['Ref_Key']}')"
    # 1C puts raw UTF-8 bytes into Location: WSGI headers are latin-1 strings.
    resp.headers["Location"] = location.encode("utf-8").decode("latin-1")
    return resp


def one_object(
    emu: UtpEmulator,
    request: Request,
    method: str,
    qs: Query,
    ent: Entity,
    key_text: str,
    segs: list[str],
    want_json: bool,
) -> Response:
    """``/Catalog_X(guid'…')`` and what follows it: an action, a navigation, or the object itself."""
    name, ref = ent.name, ref_key(key_text)
    if len(segs) == 2:
        action, args = segment(segs[1])
        if method == "POST" and ent.kind == "document" and action in ("Post", "Unpost"):
            return _post_or_unpost(emu, qs, ent, ref, action, args)
        if method == "GET":
            return navigate(emu, request, qs, ent, ref, segs[1:], want_json)
        raise bad_segment(segs[1])
    if len(segs) == 3:
        if method == "GET":
            return navigate(emu, request, qs, ent, ref, segs[1:], want_json)
        raise bad_segment(segs[2])
    if method == "GET":
        found = emu.store.get(name, ref)
        if found is None:
            raise not_found(f"{name}(guid'{ref}')")
        return emu.answer(request, element(emu, request, ent, found, qs), name, want_json)
    if method in ("PATCH", "MERGE", "PUT"):
        # If-Match is ignored, as two live tests found
        rec = emu.engine.patch(name, ref, request_body(request), load_mode=load_mode(request))
        if name == PRODUCTS:
            emu.saved(name, rec)
        return emu.answer(request, element(emu, request, ent, rec, qs), name, want_json)
    if method == "DELETE":
        # physical delete, no reference checks
        if not emu.store.delete(name, ref):
            raise not_found(f"{name}(guid'{ref}')")
        return Response(status=204)
    raise ODataError(400, "19", NOT_ALLOWED)


def _post_or_unpost(
    emu: UtpEmulator, qs: Query, ent: Entity, ref: str, action: str, args: str | None
) -> Response:
    if action == "Post":
        operational = (qs.get("PostingModeOperational") or "false").lower() == "true"
        if args and "PostingModeOperational" in args:
            operational = "true" in args.lower()
        doc = emu.engine.post(ent.name, ref, operational)
    else:
        doc = emu.engine.unpost(ent.name, ref)
    if "Товары" in ent.tables:
        emu.saved(ent.name, doc)
    return Response(status=200)


def navigate(
    emu: UtpEmulator, request: Request, qs: Query, ent: Entity, ref: str, segs: list[str], want_json: bool
) -> Response:
    rec = emu.store.get(ent.name, ref)
    if rec is None:
        raise not_found(f"{ent.name}(guid'{ref}')")
    prop = segs[0]
    ref_f = ent.field_map().get(prop + "_Key")
    if ref_f is not None and ref_f.target in ENTITIES:
        target = ENTITIES[ref_f.target]
        obj = emu.store.get(target.name, rec.get(ref_f.name, EMPTY_REF))
        if obj is None:
            raise not_found(f"{ent.name}(guid'{ref}')/{prop}")
        if len(segs) == 2:
            return _property(emu, request, target, obj, segs[1], want_json)
        return emu.answer(request, element(emu, request, target, obj, qs), target.name, want_json)
    if len(segs) == 1:
        return _property(emu, request, ent, rec, prop, want_json)
    raise bad_segment(segs[1])


def _property(
    emu: UtpEmulator, request: Request, ent: Entity, rec: dict[str, Any], prop: str, want_json: bool
) -> Response:
    f = ent.field_map().get(prop)
    if f is None:
        raise bad_segment(prop)
    value = render_value(f, rec.get(prop))
    payload = {"odata.metadata": f"{emu.root_url(request)}/$metadata#{md.edm_of(f)}", "value": value}
    return emu.answer(request, payload, ent.name, want_json)
