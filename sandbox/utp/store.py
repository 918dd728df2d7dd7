"""SQLite storage of the emulated base.

Reference objects (catalogs, charts, documents): one table per entity set, ``(ref, data)`` where
``data`` is sparse JSON (attributes equal to their default are not stored, so 200k products stay
small) plus expression indexes on the fields clients page or look up by (``Code``, ``Артикул``…).
Registers: one table per register with one typed column per dimension/resource, so ``Balance`` and
``SliceLast`` are a ``GROUP BY`` in SQLite.
"""

from __future__ import annotations

import base64
import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from .model import ENTITIES, Entity, F, default_of, empty_type

SYS_AREG = ["Recorder", "Recorder_Type", "LineNumber", "Period", "Active", "RecordType"]
SYS_IREG_REC = ["Recorder", "Recorder_Type", "LineNumber", "Period", "Active"]
_NO_INDEX = {"ХарактеристикаНоменклатуры_Key", "СерияНоменклатуры_Key", "Качество_Key"}


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def field_columns(fields: list[F]) -> list[tuple[str, F]]:
    out: list[tuple[str, F]] = []
    for f in fields:
        out.append((f.name, f))
        if f.kind == "comp":
            out.append((f.name + "_Type", F(f.name + "_Type", "str")))
    return out


def defaults_for(fields: list[F]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        if f.kind == "typedesc":
            out[f.name] = string_type_description()
            continue
        out[f.name] = default_of(f)
        if f.kind == "comp":
            out[f.name + "_Type"] = empty_type(f)
    return out


def string_type_description(length: int = 0) -> dict[str, Any]:
    return {
        "Types": ["Edm.String"],
        "NumberQualifiers": {"AllowedSign": "Any", "Digits": 0, "FractionDigits": 0},
        "StringQualifiers": {"AllowedLength": "Variable", "Length": length},
        "DateQualifiers": {"DateFractions": "DateTime"},
        "BinaryDataQualifiers": {"AllowedLength": "Variable", "Length": 0},
    }


class Store:
    def __init__(self, path: str = ":memory:"):
        self.path = path
        self.conn = sqlite3.connect(path, check_same_thread=False)
        self.lock = threading.RLock()
        self.conn.execute("PRAGMA journal_mode=WAL" if path != ":memory:" else "PRAGMA journal_mode=MEMORY")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA cache_size=-200000")
        self.defaults: dict[str, dict[str, Any]] = {}
        self.row_defaults: dict[tuple[str, str], dict[str, Any]] = {}
        self.reg_cols: dict[str, list[tuple[str, F]]] = {}
        for ent in ENTITIES.values():
            if ent.is_object:
                self.defaults[ent.name] = defaults_for(ent.fields())
                for t, cols in ent.tables.items():
                    self.row_defaults[(ent.name, t)] = defaults_for(cols)
            else:
                self.reg_cols[ent.name] = self._reg_columns(ent)
        self._create()

    # ------------------------------------------------------------------ schema
    @staticmethod
    def _reg_columns(ent: Entity) -> list[tuple[str, F]]:
        sys_cols: list[tuple[str, F]] = []
        # A recorder's rows (accumulation, and information registers subordinate to a recorder).
        recorded = [
            (name, F(name, kind))
            for name, kind in (
                ("Recorder", "str"),
                ("Recorder_Type", "str"),
                ("LineNumber", "int"),
                ("Period", "date"),
                ("Active", "bool"),
            )
        ]
        if ent.kind == "areg":
            sys_cols = [*recorded, ("RecordType", F("RecordType", "str"))]
        elif ent.kind == "ireg_rec":
            sys_cols = recorded
        elif ent.kind == "ireg" and ent.periodic:
            sys_cols = [("Period", F("Period", "date"))]  # a periodic register's key starts with Period
        return sys_cols + field_columns(ent.dims + ent.resources)

    def _create(self) -> None:
        cur = self.conn.cursor()
        cur.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        cur.execute("CREATE TABLE IF NOT EXISTS seq (name TEXT PRIMARY KEY, value INTEGER)")
        for ent in ENTITIES.values():
            if ent.is_object:
                cur.execute(
                    f"CREATE TABLE IF NOT EXISTS {q(ent.name)} (ref TEXT PRIMARY KEY, data TEXT NOT NULL)"
                )
            else:
                cols = ", ".join(f"{q(c)} {_sqltype(f)}" for c, f in self.reg_cols[ent.name])
                uniq = ""
                if ent.kind == "ireg":
                    key = (["Period"] if ent.periodic else []) + [c for c, _ in field_columns(ent.dims)]
                    uniq = ", UNIQUE(" + ", ".join(q(c) for c in key) + ")"
                cur.execute(f"CREATE TABLE IF NOT EXISTS {q(ent.name)} ({cols}{uniq})")
        self.conn.commit()

    def ensure_indexes(self) -> None:
        """Created after a bulk seed (building an index once is much faster than maintaining it)."""
        cur = self.conn.cursor()
        for ent in ENTITIES.values():
            if ent.is_object:
                for fld in ent.indexed:
                    cur.execute(
                        f"CREATE INDEX IF NOT EXISTS {q('ix_' + ent.name + '_' + fld)} "
                        f"ON {q(ent.name)}({json_expr(fld)})"
                    )
            elif ent.kind in ("areg", "ireg_rec"):
                cur.execute(
                    f"CREATE INDEX IF NOT EXISTS {q('ix_' + ent.name + '_rec')} ON {q(ent.name)}(Recorder)"
                )
                if ent.kind == "ireg_rec":
                    dims = ", ".join(q(c) for c, _ in field_columns(ent.dims))
                    cur.execute(
                        f"CREATE INDEX IF NOT EXISTS {q('ix_' + ent.name + '_slice')} "
                        f"ON {q(ent.name)}({dims}, Period)"
                    )
                else:
                    for f in ent.dims:
                        if f.kind in ("ref", "comp") and f.name not in _NO_INDEX:
                            cur.execute(
                                f"CREATE INDEX IF NOT EXISTS {q('ix_' + ent.name + '_' + f.name)} "
                                f"ON {q(ent.name)}({q(f.name)})"
                            )
        cur.execute("ANALYZE")
        self.conn.commit()

    # ------------------------------------------------------------------ transactions
    @contextlib.contextmanager
    def tx(self) -> Iterator[sqlite3.Cursor]:
        with self.lock:
            cur = self.conn.cursor()
            try:
                yield cur
                self.conn.commit()
            except BaseException:
                self.conn.rollback()
                raise

    # ------------------------------------------------------------------ meta & sequences
    def meta_get(self, key: str) -> Any:
        with self.lock:
            row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def meta_set(self, key: str, value: Any) -> None:
        with self.tx() as cur:
            cur.execute("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", (key, json.dumps(value)))

    def next_seq(self, name: str, step: int = 1, cur: sqlite3.Cursor | None = None) -> int:
        """Returns the first of `step` new values (inside the caller's transaction when `cur` is given)."""
        if cur is None:
            with self.tx() as c:
                return self.next_seq(name, step, c)
        row = cur.execute("SELECT value FROM seq WHERE name=?", (name,)).fetchone()
        start = (row[0] if row else 0) + 1
        cur.execute("INSERT OR REPLACE INTO seq(name, value) VALUES(?, ?)", (name, start + step - 1))
        return start

    def new_data_version(self, cur: sqlite3.Cursor | None = None) -> str:
        # 8 bytes, base64, changes on every write; a large counter like a DBMS rowversion.
        val = 0x24000000 + self.next_seq("DataVersion", 1, cur)
        return base64.b64encode(val.to_bytes(8, "big")).decode()

    # ------------------------------------------------------------------ objects
    def pack(self, ent: Entity, rec: dict[str, Any]) -> str:
        dflt = self.defaults[ent.name]
        out: dict[str, Any] = {}
        for k, v in rec.items():
            if k == "Ref_Key":
                continue
            if k in ent.tables:
                rows = [self._pack_row(ent, k, row) for row in v]
                if rows:
                    out[k] = rows
                continue
            if (
                k in ent.indexed
                or dflt.get(k, _MISSING) != v
                or isinstance(v, bool) != isinstance(dflt.get(k), bool)
            ):
                out[k] = v
        return json.dumps(out, ensure_ascii=False, separators=(",", ":"))

    def _pack_row(self, ent: Entity, table: str, row: dict[str, Any]) -> dict[str, Any]:
        dflt = self.row_defaults[(ent.name, table)]
        return {k: v for k, v in row.items() if k == "LineNumber" or dflt.get(k, _MISSING) != v}

    def unpack(self, ent: Entity, ref: str, data: str) -> dict[str, Any]:
        rec = dict(self.defaults[ent.name])
        stored = json.loads(data)
        for t in ent.tables:
            dflt = self.row_defaults[(ent.name, t)]
            rec[t] = [{**dflt, **row} for row in stored.pop(t, [])]
        rec.update(stored)
        rec["Ref_Key"] = ref
        return rec

    def get(self, set_name: str, ref: str) -> dict[str, Any] | None:
        ent = ENTITIES[set_name]
        with self.lock:
            row = self.conn.execute(f"SELECT data FROM {q(set_name)} WHERE ref=?", (ref.lower(),)).fetchone()
        return None if row is None else self.unpack(ent, ref.lower(), row[0])

    def put(self, set_name: str, rec: dict[str, Any], cur: sqlite3.Cursor | None = None) -> None:
        ent = ENTITIES[set_name]
        sql = f"INSERT OR REPLACE INTO {q(set_name)}(ref, data) VALUES(?, ?)"
        args = (rec["Ref_Key"], self.pack(ent, rec))
        if cur is not None:
            cur.execute(sql, args)
        else:
            with self.tx() as c:
                c.execute(sql, args)

    def put_many(self, set_name: str, recs: Iterable[dict[str, Any]]) -> None:
        ent = ENTITIES[set_name]
        with self.tx() as cur:
            cur.executemany(
                f"INSERT OR REPLACE INTO {q(set_name)}(ref, data) VALUES(?, ?)",
                ((rec["Ref_Key"], self.pack(ent, rec)) for rec in recs),
            )

    def delete(self, set_name: str, ref: str) -> bool:
        with self.tx() as cur:
            cur.execute(f"DELETE FROM {q(set_name)} WHERE ref=?", (ref.lower(),))
            return cur.rowcount > 0

    def select(
        self,
        set_name: str,
        where: str = "1",
        params: list[Any] | None = None,
        order: str = "rowid",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        ent = ENTITIES[set_name]
        sql = f"SELECT ref, data FROM {q(set_name)} WHERE {where} ORDER BY {order}"
        args = list(params or [])
        if limit is not None or offset:
            sql += " LIMIT ? OFFSET ?"
            args += [-1 if limit is None else limit, offset]
        with self.lock:
            rows = self.conn.execute(sql, args).fetchall()
        return [self.unpack(ent, ref, data) for ref, data in rows]

    def count(self, set_name: str, where: str = "1", params: list[Any] | None = None) -> int:
        with self.lock:
            return int(
                self.conn.execute(
                    f"SELECT COUNT(*) FROM {q(set_name)} WHERE {where}", params or []
                ).fetchone()[0]
            )

    # ------------------------------------------------------------------ registers
    def reg_rows(
        self, reg: str, where: str = "1", params: list[Any] | None = None, order: str = "rowid"
    ) -> list[dict[str, Any]]:
        cols = self.reg_cols[reg]
        names = ", ".join(q(c) for c, _ in cols)
        with self.lock:
            rows = self.conn.execute(
                f"SELECT {names} FROM {q(reg)} WHERE {where} ORDER BY {order}", params or []
            ).fetchall()
        return [self.reg_row_to_dict(reg, row) for row in rows]

    def reg_row_to_dict(self, reg: str, row: Iterable[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for (c, f), v in zip(self.reg_cols[reg], row, strict=True):
            out[c] = bool(v) if f.kind == "bool" else v
        return out

    def reg_insert(self, reg: str, rows: Iterable[dict[str, Any]], cur: sqlite3.Cursor | None = None) -> None:
        cols = self.reg_cols[reg]
        sql = (
            f"INSERT INTO {q(reg)}({', '.join(q(c) for c, _ in cols)}) VALUES({', '.join('?' for _ in cols)})"
        )
        data = ([_to_sql(row.get(c), f) for c, f in cols] for row in rows)
        if cur is not None:
            cur.executemany(sql, data)
        else:
            with self.tx() as c:
                c.executemany(sql, data)

    def reg_insert_tuples(self, reg: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
        """Bulk path for seeding: rows already in column order, defaults for the other columns."""
        sql = f"INSERT INTO {q(reg)}({', '.join(q(c) for c in columns)}) VALUES({', '.join('?' for _ in columns)})"  # noqa: E501
        with self.tx() as cur:
            cur.executemany(sql, rows)

    def delete_movements(self, recorder: str, cur: sqlite3.Cursor) -> None:
        for ent in ENTITIES.values():
            if ent.kind in ("areg", "ireg_rec"):
                cur.execute(f"DELETE FROM {q(ent.name)} WHERE Recorder=?", (recorder,))


_MISSING = object()


def _sqltype(f: F) -> str:
    return {"num": "REAL", "int": "INTEGER", "bool": "INTEGER"}.get(f.kind, "TEXT")


def _to_sql(v: Any, f: F) -> Any:
    if v is None:
        return default_of(f)
    if f.kind == "bool":
        return 1 if v else 0
    return v


def json_expr(fld: str) -> str:
    return f"json_extract(data, '$.\"{fld}\"')"
