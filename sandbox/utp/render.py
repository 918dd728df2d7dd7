"""Rendering answers as 1C does: Int64 as JSON strings, numbers without a needless fraction,
composite fields with their ``_Type``, ``$select`` (fields, tables, ``____Presentation``)."""

from __future__ import annotations

import json
from typing import Any

from .engine import Engine
from .errors import bad_segment
from .model import EMPTY_REF, ENTITIES, UNDEFINED, Entity, F, row_fields

# The parsed $select: (fields or None for all, whole tables too, selected table columns, presentations)
Selection = tuple[set[str] | None, bool, dict[str, set[str] | None], set[str]]


def render_value(f: F, v: Any) -> Any:
    if f.kind == "int":
        # a JSON string whatever the Edm width: the recording has "КлючСтроки": "0" (Число(5, 0))
        return str(int(v or 0))  # Int64 as a JSON string
    if f.kind == "num":
        fv = float(v or 0)
        return int(fv) if fv.is_integer() else fv
    if f.kind == "typedesc" and isinstance(v, dict):
        out = json.loads(json.dumps(v))
        for qual in ("StringQualifiers", "BinaryDataQualifiers"):
            if qual in out:
                out[qual]["Length"] = str(out[qual].get("Length", 0))
        return out
    return v


def render_fields(fields: list[F], rec: dict[str, Any], sel: set[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        if f.kind == "comp":
            if sel is None or f.name in sel:
                out[f.name] = rec.get(f.name, "")
            if sel is None or f.name in sel or f.name + "_Type" in sel:
                out[f.name + "_Type"] = rec.get(f.name + "_Type", UNDEFINED)
            continue
        if sel is None or f.name in sel:
            out[f.name] = render_value(f, rec.get(f.name))
    return out


def render_object(engine: Engine, ent: Entity, rec: dict[str, Any], select: Selection) -> dict[str, Any]:
    sel, with_tables, table_sel, presentations = select
    out = render_fields(ent.fields(), rec, sel)
    for t, cols in ent.tables.items():
        if t in table_sel or (with_tables and sel is None):
            tsel = table_sel.get(t)
            rows = []
            for row in rec.get(t, []):
                rr = {
                    "Ref_Key": rec["Ref_Key"],
                    **render_fields(row_fields(cols)[1:], row, tsel | {"LineNumber"} if tsel else None),
                }
                rows.append(rr)
            out[t] = rows
    for p in presentations:
        out[p + "____Presentation"] = presentation(engine, ent, rec, p)
    for f in ent.fields():
        if f.nav and f.target in ENTITIES and f.name != "Ref_Key" and (sel is None or f.name in sel):  # noqa: SIM102
            if rec.get(f.name, EMPTY_REF) != EMPTY_REF:
                out[f"{f.nav}@navigationLinkUrl"] = f"{ent.name}(guid'{rec['Ref_Key']}')/{f.nav}"
    return out


def render_plain(
    fields: list[F], tables: dict[str, list[F]], rec: dict[str, Any], select: Selection
) -> dict[str, Any]:
    sel, with_tables, table_sel, _ = select
    out = render_fields(fields, rec, sel)
    for t, cols in tables.items():
        if t in table_sel or (with_tables and sel is None):
            tsel = table_sel.get(t)
            out[t] = [render_fields(cols, row, tsel) for row in rec.get(t, [])]
    return out


def presentation(engine: Engine, ent: Entity, rec: dict[str, Any], name: str) -> str:
    if name == "":
        return engine.presentation(ent, rec)
    f = ent.field_map().get(name + "_Key")
    if f is not None and f.target:
        return engine.describe(f.target, rec.get(f.name, ""))
    f = ent.field_map().get(name)
    if f is not None and f.kind == "comp":
        t = str(rec.get(name + "_Type", ""))
        return engine.describe(t.split(".", 1)[-1], str(rec.get(name, "")))
    return "" if f is None else str(rec.get(name, ""))


def parse_select(
    ent: Entity | None, fields: list[F], tables: dict[str, list[F]], text: str | None
) -> Selection:
    if text is None or text.strip() in ("", "*"):
        return None, True, {}, set()
    names: set[str] = set()
    table_sel: dict[str, set[str] | None] = {}
    presentations: set[str] = set()
    everything = False
    with_tables = False
    fmap = {f.name for f in fields} | {f.name + "_Type" for f in fields if f.kind == "comp"}
    for item in (p.strip() for p in text.split(",")):
        if item in ("*", "**"):
            everything = True
            with_tables = with_tables or item == "*"
            continue
        if item.endswith("____Presentation") and ent is not None:
            base = item[: -len("____Presentation")]
            if base and base not in fmap and base + "_Key" not in fmap:
                raise bad_segment(item)
            presentations.add(base)
            continue
        if item == "Presentation" and ent is not None:
            presentations.add("")
            continue
        if "/" in item:
            t, _, col = item.partition("/")
            cols = {f.name for f in row_fields(tables.get(t, []))} | {
                f.name + "_Type" for f in tables.get(t, []) if f.kind == "comp"
            }
            if t not in tables or col not in cols:
                raise bad_segment(item)
            cur = table_sel.setdefault(t, set())
            if cur is not None:
                cur.add(col)
            continue
        if item in tables:
            table_sel[item] = None
            continue
        if item not in fmap:
            raise bad_segment(item)  # unknown field in $select → 400 code 6
        names.add(item)
    if everything:
        if with_tables:
            for t in tables:
                table_sel.setdefault(t, None)
        return None, False, table_sel, presentations
    names.add("Ref_Key") if "Ref_Key" in fmap and ent is not None and ent.is_object else None
    return names, False, table_sel, presentations
