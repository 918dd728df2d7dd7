"""Accumulation and information registers' virtual tables computed over the stored movements:
``Balance`` (at the start of a moment), ``Turnovers`` (between two), ``SliceLast`` / ``SliceFirst``."""

from __future__ import annotations

from typing import Any

from .errors import ODataError
from .filter_sql import sql_prefilter
from .filters import Fn, Scope
from .model import ENTITIES, Entity, F
from .store import Store, field_columns, q

Cond = tuple[Any, Fn] | None


def reg_scope(reg: str) -> Scope:
    ent = ENTITIES[reg]
    return Scope({f.name: f for f in ent.dims + ent.resources}, {})


def _reg_resolver(store: Store, reg: str) -> Any:
    cols = dict(store.reg_cols[reg])

    def resolve(name: str) -> tuple[str, F] | None:
        f = cols.get(name)
        return None if f is None else (q(name), f)

    return resolve


def balance(
    store: Store, reg: str, period: str | None, cond: Cond, dims: list[str] | None
) -> list[dict[str, Any]]:
    ent = ENTITIES[reg]
    if ent.kind != "areg" or ent.turnover:
        raise ODataError(400, "6", f"Неправильный адрес ресурса. Функция Balance не поддерживается для {reg}")
    return _aggregate(store, reg, cond, dims, (None, period), "balance")


def turnovers(
    store: Store, reg: str, start: str | None, end: str | None, cond: Cond, dims: list[str] | None
) -> list[dict[str, Any]]:
    return _aggregate(store, reg, cond, dims, (start, end), "turnover")


def _result_names(ent: Entity, mode: str) -> list[str]:
    names: list[str] = []
    for r in ent.resources:
        if mode == "balance":
            names.append(r.name + "Balance")
        elif ent.turnover:
            names.append(r.name + "Turnover")
        else:
            names += [r.name + "Receipt", r.name + "Expense", r.name + "Turnover"]
    return names


def _aggregate(
    store: Store,
    reg: str,
    cond: Cond,
    dims: list[str] | None,
    period: tuple[str | None, str | None],
    mode: str,
) -> list[dict[str, Any]]:
    ent = ENTITIES[reg]
    all_dims = [c for c, _ in field_columns(ent.dims)]
    where, params, exact = sql_prefilter(cond[0] if cond else None, _reg_resolver(store, reg))
    conds = ["Active = 1", where]
    period_from, period_to = period
    if mode == "balance" and period_to:
        conds.append("Period < ?")  # balance at the beginning of that moment
        params.append(period_to)
    if mode == "turnover":
        if period_from:
            conds.append("Period >= ?")
            params.append(period_from)
        if period_to:
            conds.append("Period <= ?")
            params.append(period_to)
    names = _result_names(ent, mode)
    cols = ", ".join(q(c) for c in [*all_dims, "RecordType", *(f.name for f in ent.resources)])
    with store.lock:
        raw = store.conn.execute(
            f"SELECT {cols} FROM {q(reg)} WHERE {' AND '.join(conds)}", params
        ).fetchall()
    rows = _accumulate(ent, raw, all_dims, names, mode)
    if cond is not None and not exact:
        rows = [rw for rw in rows if cond[1](rw, {})]
    if dims:
        rows = _group_by(ent, rows, dims, names)
    return [rw for rw in rows if any(abs(rw[n] or 0) > 1e-9 for n in names)]


def _accumulate(
    ent: Entity, raw: list[Any], all_dims: list[str], names: list[str], mode: str
) -> list[dict[str, Any]]:
    """Sums per dimension key, in Python: a dict beats SQLite's temp B-tree GROUP BY on five GUIDs."""
    nd = len(all_dims)
    acc: dict[tuple[Any, ...], list[float]] = {}
    for row in raw:
        key = row[:nd]
        sums = acc.get(key)
        if sums is None:
            sums = acc[key] = [0.0] * len(names)
        receipt = row[nd] == "Receipt" or ent.turnover
        for k, v in enumerate(row[nd + 1 :]):
            v = v or 0.0
            if mode == "balance":
                sums[k] += v if receipt else -v
            elif ent.turnover:
                sums[k] += v
            else:
                sums[3 * k + (0 if receipt else 1)] += v
                sums[3 * k + 2] += v if receipt else -v
    rows = []
    for key, sums in acc.items():
        rec = dict(zip(all_dims, key, strict=True))
        rec.update(zip(names, (round(x, 6) for x in sums), strict=True))
        rows.append(rec)
    return rows


def _group_by(
    ent: Entity, rows: list[dict[str, Any]], dims: list[str], names: list[str]
) -> list[dict[str, Any]]:
    """The `Dimensions` parameter: only these dimensions, the others summed over."""
    keep = [c for c, _ in field_columns([f for f in ent.dims if f.name in dims or f.name[:-4] in dims])]
    grouped: dict[tuple[Any, ...], dict[str, Any]] = {}
    for rw in rows:
        gk = tuple(rw[c] for c in keep)
        cur = grouped.setdefault(gk, {**{c: rw[c] for c in keep}, **{n: 0.0 for n in names}})
        for n in names:
            cur[n] += rw[n] or 0
    return list(grouped.values())


def slice_rows(
    store: Store, reg: str, period: str | None, cond: Cond, last: bool = True
) -> list[dict[str, Any]]:
    ent = ENTITIES[reg]
    dims = [c for c, _ in field_columns(ent.dims)]
    res = [c for c, _ in field_columns(ent.resources)]
    where, params, exact = sql_prefilter(cond[0] if cond else None, _reg_resolver(store, reg))
    conds = [where] if ent.kind == "ireg" else ["Active = 1", where]  # independent: no Active
    if period:
        conds.append("Period <= ?" if last else "Period >= ?")
        params.append(period)
    sql = f"SELECT Period, {', '.join(q(c) for c in dims + res)} FROM {q(reg)} WHERE {' AND '.join(conds)}"
    with store.lock:
        fetched = store.conn.execute(sql, params).fetchall()
    best: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    nd = len(dims)
    for row in fetched:
        key = row[1 : 1 + nd]
        cur = best.get(key)
        if cur is None or (row[0] > cur[0] if last else row[0] < cur[0]):
            best[key] = row
    rows = [dict(zip(["Period", *dims, *res], row, strict=True)) for row in best.values()]
    if cond is not None and not exact:
        rows = [rw for rw in rows if cond[1](rw, {})]
    return rows
