"""Virtual tables of registers (``Balance``, ``Turnovers``, ``SliceLast``, ``SliceFirst``) with
``Condition`` / ``Period`` / ``Dimensions`` in parentheses or in the query string."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .errors import ODataError, bad_query
from .filters import FilterError, Fn, Scope, norm_date
from .listing import list_collection
from .model import UNDEFINED, Entity, F
from .odata_path import VT_SPLIT, Query
from .register_tables import balance, reg_scope, slice_rows, turnovers

if TYPE_CHECKING:
    from .app import UtpEmulator


def vt_args(args: str | None, qs: Query) -> dict[str, str]:
    out: dict[str, str] = {}
    if args:
        for part in VT_SPLIT.split(args.strip()):
            k, eq, v = part.partition("=")
            if eq:
                out[k.strip()] = v.strip()
    for k in ("Period", "Condition", "Dimensions", "StartPeriod", "EndPeriod"):
        if qs.get(k) is not None:
            out[k] = qs.get(k) or ""
    return out


def vt_condition(emu: UtpEmulator, text: str | None, scope: Scope) -> tuple[Any, Fn] | None:
    if text is None:
        return None
    t = text.strip()
    if len(t) >= 2 and t[0] == "'" and t[-1] == "'":
        inner = t[1:-1]
        # Condition as a quoted string: inner quotes doubled (HCB) or, as in the DOC example, not.
        for candidate in (inner.replace("''", "'"), inner):
            try:
                return emu.compile_filter(candidate, scope)
            except ODataError:
                continue
        raise bad_query(f"Condition: {text}")
    return emu.compile_filter(t, scope)


def vt_date(text: str | None) -> str | None:
    if text is None or text.strip() == "":
        return None
    t = text.strip()
    if t.startswith("datetime'") and t.endswith("'"):
        t = t[9:-1]
    t = t.strip("'")
    try:
        return norm_date(t)
    except FilterError:
        raise bad_query(f"Неверная дата: {text}") from None


def virtual_table(
    emu: UtpEmulator, request: Request, qs: Query, ent: Entity, fn: str, args: str | None, want_json: bool
) -> Response:
    """``Balance`` or ``Turnovers`` of an accumulation register."""
    a = vt_args(args, qs)
    cond = vt_condition(emu, a.get("Condition"), reg_scope(ent.name))
    dims = [d.strip() for d in a.get("Dimensions", "").strip("'").split(",") if d.strip()] or None
    if fn == "Balance":
        rows = balance(emu.store, ent.name, vt_date(a.get("Period")), cond, dims)
        suffixes: tuple[str, ...] = ("Balance",)
        result_name = f"{ent.name}_Balance"
    else:
        rows = turnovers(
            emu.store, ent.name, vt_date(a.get("StartPeriod")), vt_date(a.get("EndPeriod")), cond, dims
        )
        suffixes = ("Turnover",) if ent.turnover else ("Receipt", "Expense", "Turnover")
        result_name = f"{ent.name}_Turnover"
    dim_fields = [f for f in ent.dims if dims is None or f.name in dims or f.name[:-4] in dims]
    fields = dim_fields + [F(r.name + sfx, "num") for r in ent.resources for sfx in suffixes]
    return vt_answer(emu, request, qs, result_name, fields, rows, want_json)


def slice_answer(
    emu: UtpEmulator, request: Request, qs: Query, ent: Entity, fn: str, args: str | None, want_json: bool
) -> Response:
    """``SliceLast`` / ``SliceFirst`` of a periodic information register."""
    a = vt_args(args, qs)
    cond = vt_condition(emu, a.get("Condition"), reg_scope(ent.name))
    rows = slice_rows(emu.store, ent.name, vt_date(a.get("Period")), cond, last=fn == "SliceLast")
    fields = [F("Period", "date"), *ent.dims, *ent.resources]
    return vt_answer(emu, request, qs, f"{ent.name}_{fn}", fields, rows, want_json)


def vt_answer(
    emu: UtpEmulator,
    request: Request,
    qs: Query,
    result_name: str,
    fields: list[F],
    rows: list[dict[str, Any]],
    want_json: bool,
) -> Response:
    if not any(qs.get(k) for k in ("$filter", "$orderby", "$select", "$top", "$skip", "$inlinecount")):
        payload = {
            "odata.metadata": f"{emu.root_url(request)}/$metadata#{result_name}",
            "value": _plain_rows(fields, rows),
        }
        return emu.answer(request, payload, result_name, want_json)

    def load(where: str, params: list[Any], _: str | None) -> list[dict[str, Any]]:
        return rows

    source: Any = (fields, {}, load, None, Scope({f.name: f for f in fields}, {}))
    return list_collection(emu, request, qs, result_name, source, want_json)


def _plain_rows(fields: list[F], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The fast path for whole-register reads (200k rows): convert only what JSON needs."""
    convs = [(f.name, f.kind) for f in fields]
    out = []
    for rw in rows:
        item: dict[str, Any] = {}
        for name, kind in convs:
            v = rw.get(name)
            if kind == "num":
                fv = float(v or 0)
                v = int(fv) if fv.is_integer() else fv
            elif kind == "int":
                v = str(int(v or 0))
            item[name] = v
            if kind == "comp":
                item[name + "_Type"] = rw.get(name + "_Type", UNDEFINED)
        out.append(item)
    return out
