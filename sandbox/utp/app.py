"""The UTP emulator: a WSGI app that answers like 1C:Enterprise's standard OData interface of a UTP
base (reference: shared/reference/utp-odata.md). Never imports the product package."""

from __future__ import annotations

import base64
import contextlib
import json
import random
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from pydantic import BaseModel, Field, field_validator
from werkzeug.wrappers import Request, Response

from . import metadata as md
from .catalog_rules import register_write
from .engine import GUID_RE, Engine, reg_scope
from .errors import ODataError, bad_query, bad_segment, not_found
from .filters import (
    FilterError,
    Fn,
    Scope,
    Typed,
    compile_filter,
    literal_value,
    norm_date,
    parse,
    scope_of,
    sql_prefilter,
)
from .model import EMPTY_REF, ENTITIES, UNDEFINED, Entity, F, row_fields, table_sets
from .on_save import OnSaveListener, OnSaveNotifier, check_on_save_url
from .posting_sales import SalesOptions
from .query_rules import check_comparisons
from .store import Store, defaults_for, field_columns, json_expr, q

OBSERVE_PREFIX = "/__emulator__/observe"  # + the OData root: reads that no fault or latency touches

JSON_CT = "application/json;charset=utf-8"


class UtpEmulatorConfig(BaseModel):
    base_name: str = "utp"
    user: str = "bridge"
    password: str = "bridge"
    db_path: str = ":memory:"
    products: int = 2000
    warehouses: int = 3
    random_seed: int = 42
    latency_ms: int = 0
    idle_after_s: float | None = None  # a request after this much idle time is slow (1C session start)
    cold_start_ms: int = 0
    fault_rate: float = 0.0
    fault_kinds: list[str] = Field(default_factory=lambda: ["500", "503", "timeout"])
    timeout_sleep_s: float = 0.0
    seed: bool = True
    on_save_url: str | None = None  # the admin's "on save" subscription POSTs here (off when None)
    # 1C's query language refuses `eq`/`ne`/`gt`… on strings of unlimited length (query_rules.py)
    refuse_unlimited_string_comparison: bool = True
    # Base settings the sales documents depend on (see posting_sales.SalesOptions); vat_payer also
    # decides whether cash receipts reflected in accounting need VAT accounts (posting_cash.py)
    orders_in_rows: bool = True
    warehouses_in_rows: bool = True
    vat_payer: bool = True

    @field_validator("on_save_url")
    @classmethod
    def _check_on_save_url(cls, v: str | None) -> str | None:
        return check_on_save_url(v)


RUNTIME_KEYS = {
    "latency_ms",
    "idle_after_s",
    "cold_start_ms",
    "fault_rate",
    "fault_kinds",
    "timeout_sleep_s",
    "on_save_url",
    "refuse_unlimited_string_comparison",
    "vat_payer",
}
PRODUCTS = "Catalog_Номенклатура"
FAULT_KINDS = {"500", "503", "timeout", "html", "drop"}


@dataclass
class FaultRule:
    kind: str
    count: int
    match: str | None
    method: str | None
    phase: str  # "before": the request is not applied; "after": applied, then the answer is lost


class Query:
    """Query options parsed from the raw query string: `+` is NOT a space in 1C (§1.6)."""

    def __init__(self, raw: str):
        self.params: dict[str, str] = {}
        for part in raw.split("&"):
            if not part:
                continue
            k, _, v = part.partition("=")
            self.params[unquote(k)] = unquote(v)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.params.get(key, default)


def split_outside(text: str, sep: str) -> list[str]:
    """Split on `sep` outside quotes and parentheses (paths carry keys and function arguments)."""
    out: list[str] = []
    buf: list[str] = []
    depth, quoted = 0, False
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        if ch == sep and depth == 0 and not quoted:
            out.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    out.append("".join(buf))
    return out


SEG_RE = re.compile(r"^([^(]+)(?:\((.*)\))?$", re.S)
VT_SPLIT = re.compile(r",\s*(?=(?:Period|Condition|Dimensions|StartPeriod|EndPeriod)\s*=)")


def _plus_outside_literals(text: str) -> bool:
    quoted = False
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif ch == "+" and not quoted:
            return True
    return False


class UtpEmulator:
    def __init__(self, config: UtpEmulatorConfig):
        self.config = config
        self.store = Store(config.db_path)
        self.engine = Engine(
            self.store,
            SalesOptions(
                orders_in_rows=config.orders_in_rows,
                warehouses_in_rows=config.warehouses_in_rows,
                vat_payer=config.vat_payer,
            ),
        )
        self.counters: Counter[str] = Counter()
        self._on_save = OnSaveNotifier()
        # Python-level "on save" hook for in-process tests: called synchronously after each commit
        self.on_save_listeners: list[OnSaveListener] = []
        self._lock = threading.Lock()
        self._faults: list[FaultRule] = []
        self._rng = random.Random(config.random_seed)
        self._last_request = time.monotonic()
        self._metadata_xml = md.build_metadata()
        self.root = f"/{config.base_name}/odata/standard.odata"
        if config.seed and not self.store.meta_get("seed"):
            from .seed import seed_base

            if config.db_path != ":memory:":
                self.store.conn.execute("PRAGMA journal_mode=OFF")  # bulk seed: no journal
            seed_base(self.store, config.products, config.warehouses, config.random_seed)
        self.store.ensure_indexes()
        if config.db_path != ":memory:":
            self.store.conn.execute("PRAGMA journal_mode=WAL")

    # ================================================================== Python-level control
    @property
    def seed_info(self) -> dict[str, Any]:
        return self.store.meta_get("seed") or {}

    def configure(self, **kw: Any) -> UtpEmulatorConfig:
        unknown = set(kw) - RUNTIME_KEYS - {"user", "password"}
        if unknown:
            raise ValueError(f"not configurable at runtime: {sorted(unknown)}")
        if "on_save_url" in kw:
            kw["on_save_url"] = check_on_save_url(kw["on_save_url"])
        self.config = self.config.model_copy(update=kw)
        self.engine.options.vat_payer = self.config.vat_payer
        return self.config

    def inject_fault(
        self,
        kind: str,
        count: int = 1,
        match: str | None = None,
        method: str | None = None,
        phase: str = "before",
    ) -> None:
        """One-shot faults: e.g. ``inject_fault("500", match="Document_ЗаказПокупателя", method="POST")``.
        `match` is an entity set or ``Set/Action`` (``Document_ЗаказПокупателя/Post``); ``phase="after"``
        applies the request and then loses the answer (the write happened, the client saw an error)."""
        if str(kind) not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {sorted(FAULT_KINDS)}")
        with self._lock:
            self._faults.append(FaultRule(str(kind), count, match, method.upper() if method else None, phase))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def reset_counters(self) -> None:
        with self._lock:
            self.counters.clear()
        self._on_save.reset()

    @property
    def on_save_stats(self) -> dict[str, int]:
        """``emitted``, ``queued``, ``sent``, ``failed``, ``listener_errors``, ``pending`` of "on save"."""
        return self._on_save.snapshot()

    def wait_on_save(self, timeout: float = 10.0) -> bool:
        """Wait until every queued "on save" POST has been sent or has failed (False on timeout)."""
        return self._on_save.wait_idle(timeout)

    def _saved(self, set_name: str, rec: dict[str, Any]) -> None:
        """The admin's subscription handler, run after a committed write that changes the catalog."""
        ref = str(rec["Ref_Key"])
        if set_name == PRODUCTS:
            products = [ref]
        else:
            keys = (str(row.get("Номенклатура_Key") or "") for row in rec.get("Товары", []))
            products = list(dict.fromkeys(k for k in keys if k and k != EMPTY_REF))
        event = {"type": set_name, "ref": ref, "products": products}
        self._on_save.emit(event, self.config.on_save_url, self.on_save_listeners)

    def count(self, method: str, target: str) -> int:
        return self.counters[f"{method.upper()} {target}"]

    # ================================================================== WSGI
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        try:
            path.encode("latin-1")
        except UnicodeEncodeError:
            # httpx's WSGITransport passes an already-decoded path; PEP 3333 wants latin-1 bytes
            environ["PATH_INFO"] = path.encode("utf-8").decode("latin-1")
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except ConnectionResetError:
            self._drop_connection(environ)
            raise
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith(OBSERVE_PREFIX + "/"):
            return self._observe(request, path[len(OBSERVE_PREFIX) :])
        if path.startswith("/__emulator__/"):
            return self.control(request, path[len("/__emulator__/") :])
        if not (path == self.root or path.startswith(self.root + "/")):
            return Response("Not Found", status=404, content_type="text/plain;charset=utf-8")
        rest = path[len(self.root) :].lstrip("/")
        method = request.method.upper()
        target = self._target(rest)
        with self._lock:
            self.counters[f"{method} {target}"] += 1
        self._delay()
        fault = self._take_fault(method, target)
        if fault is not None and fault.phase == "before":
            return self._fault_response(fault.kind)
        want_json = self._wants_json(request)
        try:
            if not self._authorised(request):
                return Response(
                    "401 Unauthorized",
                    status=401,
                    headers={"WWW-Authenticate": 'Basic realm="1C:Enterprise"'},
                    content_type="text/plain;charset=utf-8",
                )
            response = self.route(request, method, rest, want_json)
        except ODataError as err:
            response = self._error(err, want_json)
        if fault is not None:
            return self._fault_response(fault.kind)
        return response

    def _observe(self, request: Request, inner: str) -> Response:
        """A test's fault-free read path (``/__emulator__/observe`` + the OData root): GET only, with the
        same answers and credentials, but no latency, no injected fault and not counted, so a checker
        can read what 1C holds while faults hit the client under test. Not part of 1C."""
        if request.method.upper() != "GET" or not (inner == self.root or inner.startswith(self.root + "/")):
            return Response("Not Found", status=404, content_type="text/plain;charset=utf-8")
        want_json = self._wants_json(request)
        if not self._authorised(request):
            return Response("401 Unauthorized", status=401, content_type="text/plain;charset=utf-8")
        try:
            return self.route(request, "GET", inner[len(self.root) :].lstrip("/"), want_json)
        except ODataError as err:
            return self._error(err, want_json)

    # ----- operation -----
    @staticmethod
    def _target(rest: str) -> str:
        segs = split_outside(rest, "/") if rest else []
        if not segs or segs == [""]:
            return "/"
        first = SEG_RE.match(segs[0])
        name = first.group(1) if first else segs[0]
        if len(segs) > 1:
            second = SEG_RE.match(segs[1])
            action = second.group(1) if second else segs[1]
            return f"{name}/{action}"
        return name

    def _delay(self) -> None:
        cfg = self.config
        now = time.monotonic()
        idle = now - self._last_request
        self._last_request = now
        total = cfg.latency_ms / 1000
        if cfg.idle_after_s is not None and idle >= cfg.idle_after_s:
            total += cfg.cold_start_ms / 1000
        if total > 0:
            time.sleep(total)

    def _take_fault(self, method: str, target: str) -> FaultRule | None:
        with self._lock:
            for rule in self._faults:
                if rule.method and rule.method != method:
                    continue
                if rule.match and rule.match != target:
                    continue
                rule.count -= 1
                if rule.count <= 0:
                    self._faults.remove(rule)
                return rule
            cfg = self.config
            if cfg.fault_rate > 0 and cfg.fault_kinds and self._rng.random() < cfg.fault_rate:
                return FaultRule(self._rng.choice(cfg.fault_kinds), 1, None, None, "before")
        return None

    def _fault_response(self, kind: str) -> Response:
        if kind == "500":
            body = {
                "odata.error": {
                    "code": "-1",
                    "message": {"lang": "ru", "value": "Произошла внутренняя ошибка OData сервиса"},
                }
            }
            return Response(json.dumps(body, ensure_ascii=False), status=500, content_type=JSON_CT)
        if kind == "503":
            return Response("Service Unavailable", status=503, content_type="text/html")
        if kind == "timeout":
            if self.config.timeout_sleep_s:
                time.sleep(self.config.timeout_sleep_s)
            return Response(
                "<html><body>504 Gateway Timeout</body></html>", status=504, content_type="text/html"
            )
        if kind == "html":
            # §1.12: a misconfigured publication answers an HTML page with status 200
            return Response(
                "<html><body>IIS: please log in</body></html>", status=200, content_type="text/html"
            )
        raise ConnectionResetError("emulated connection drop")

    @staticmethod
    def _drop_connection(environ: dict[str, Any]) -> None:
        """Served on a socket, a dropped connection must reach the client as one: close the socket (a
        reset by a proxy), or the server would only log the error and leave the client waiting for its
        read timeout. In process (WSGITransport) the raised error reaches the client by itself."""
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            raw = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")  # §1.11: UTF-8
        except (ValueError, UnicodeDecodeError):
            return False
        user, _, password = raw.partition(":")
        return user == self.config.user and password == self.config.password

    @staticmethod
    def _wants_json(request: Request) -> bool:
        fmt = Query(request.environ.get("QUERY_STRING", "")).get("$format")
        if fmt is not None:
            return "json" in fmt.lower()
        return "json" in request.headers.get("Accept", "").lower()

    def _error(self, err: ODataError, want_json: bool) -> Response:
        if not want_json:
            return Response(
                md.xml_error(err.code, err.message),
                status=err.status,
                content_type="application/xml;charset=utf-8",
            )
        body = {"odata.error": {"code": err.code, "message": {"lang": "ru", "value": err.message}}}
        return Response(json.dumps(body, ensure_ascii=False), status=err.status, content_type=JSON_CT)

    def _root_url(self, request: Request) -> str:
        return request.host_url.rstrip("/") + self.root

    def _answer(
        self, request: Request, payload: Any, set_name: str, want_json: bool, status: int = 200
    ) -> Response:
        if want_json:
            return Response(json.dumps(payload, ensure_ascii=False), status=status, content_type=JSON_CT)
        return Response(
            md.atom(self._root_url(request), set_name, payload),
            status=status,
            content_type="application/atom+xml;charset=utf-8",
        )

    # ================================================================== control endpoints
    def control(self, request: Request, what: str) -> Response:
        def js(obj: Any, status: int = 200) -> Response:
            return Response(
                json.dumps(obj, ensure_ascii=False, indent=1), status=status, content_type=JSON_CT
            )

        if what == "counters" and request.method == "GET":
            with self._lock:
                snap = dict(self.counters)
            return js({"total": sum(snap.values()), "counters": snap, "on_save": self.on_save_stats})
        if what == "counters/reset" and request.method == "POST":
            self.reset_counters()
            return js({"ok": True})
        if what == "config":
            if request.method == "POST":
                try:
                    self.configure(**json.loads(request.get_data() or b"{}"))
                except (ValueError, TypeError) as exc:
                    return js({"error": str(exc)}, 400)
            return js({k: v for k, v in self.config.model_dump().items() if k != "password"})
        if what == "faults" and request.method == "POST":
            try:
                self.inject_fault(**json.loads(request.get_data() or b"{}"))
            except (ValueError, TypeError) as exc:
                return js({"error": str(exc)}, 400)
            return js({"ok": True})
        if what == "seed":
            return js(self.seed_info)
        return js({"error": "unknown control endpoint"}, 404)

    # ================================================================== OData routing
    def route(self, request: Request, method: str, rest: str, want_json: bool) -> Response:
        root_url = self._root_url(request)
        qs = Query(request.environ.get("QUERY_STRING", ""))
        if rest in ("", "/"):
            return self._answer(request, md.service_document(root_url), "", True)
        if rest == "$metadata":
            return Response(self._metadata_xml, content_type="application/xml;charset=utf-8")
        segs = split_outside(rest, "/")
        m = SEG_RE.match(segs[0])
        if not m:
            raise bad_segment(segs[0])
        name, key_text = m.group(1), m.group(2)
        tsets = table_sets()
        ent = ENTITIES.get(name)
        rec_type = name.endswith("_RecordType") and ENTITIES.get(name[: -len("_RecordType")])
        if ent is None and not rec_type and name not in tsets:
            raise bad_segment(name)
        if len(segs) > 3:
            raise bad_segment(segs[3])

        if name in tsets:
            parent, table = tsets[name]
            if method == "POST":
                raise ODataError(400, "13", "Создание строк табличной части напрямую не поддерживается")
            if method != "GET" or key_text is not None:
                raise ODataError(400, "19", "Метод HTTP не допускается для этого ресурса")
            return self._list(
                request,
                qs,
                name,
                self._table_rows(parent, table, qs),
                want_json,
                count_only=segs[1:] == ["$count"],
            )

        if rec_type:
            reg = rec_type
            if len(segs) == 2:
                fn_m = SEG_RE.match(segs[1])
                fn = fn_m.group(1) if fn_m else segs[1]
                if fn in ("SliceLast", "SliceFirst") and reg.kind == "ireg_rec" and method == "GET":
                    return self._slice(request, qs, reg, fn, fn_m.group(2) if fn_m else None, want_json)
                if fn == "$count":
                    return self._list(request, qs, name, self._reg_source(reg), want_json, count_only=True)
                raise bad_segment(segs[1])
            if method != "GET":
                raise ODataError(400, "19", "Метод HTTP не допускается для этого ресурса")
            return self._list(request, qs, name, self._reg_source(reg), want_json)

        assert ent is not None
        if ent.kind in ("areg", "ireg_rec"):
            if len(segs) == 2:
                fn_m = SEG_RE.match(segs[1])
                fn = fn_m.group(1) if fn_m else segs[1]
                args = fn_m.group(2) if fn_m else None
                if method == "GET" and ent.kind == "areg" and fn in ("Balance", "Turnovers"):
                    return self._virtual(request, qs, ent, fn, args, want_json)
                if fn == "$count":
                    return self._list(request, qs, name, self._record_sets(ent), want_json, count_only=True)
                raise bad_segment(segs[1])
            if method != "GET":
                raise ODataError(
                    400, "19", "Запись наборов записей регистра через эмулятор не поддерживается"
                )
            return self._list(request, qs, name, self._record_sets(ent), want_json)

        if ent.kind == "ireg":
            return self._independent(request, method, qs, ent, key_text, segs, want_json)

        # ---- reference objects ----
        if key_text is None:
            if len(segs) == 2 and segs[1] == "$count" and method == "GET":
                return self._list(request, qs, name, None, want_json, count_only=True, ent=ent)
            if len(segs) > 1:
                raise bad_segment(segs[1])
            if method == "GET":
                return self._list(request, qs, name, None, want_json, ent=ent)
            if method == "POST":
                body = self._body(request)
                rec = self.engine.create(name, body, load_mode=self._load_mode(request))
                if name == PRODUCTS:
                    self._saved(name, rec)
                resp = self._answer(
                    request, self._element(request, ent, rec, qs), name, want_json, status=201
                )
                location = f"{root_url}/{name}(guid'{rec['Ref_Key']}')"
                # 1C puts raw UTF-8 bytes into Location (odata1c-gate M2): WSGI headers are latin-1 strings.
                resp.headers["Location"] = location.encode("utf-8").decode("latin-1")
                return resp
            raise ODataError(400, "19", "Метод HTTP не допускается для этого ресурса")
        ref = self._ref_key(key_text)
        if len(segs) == 2:
            action_m = SEG_RE.match(segs[1])
            action = action_m.group(1) if action_m else segs[1]
            if method == "POST" and ent.kind == "document" and action in ("Post", "Unpost"):
                if action == "Post":
                    op = (qs.get("PostingModeOperational") or "false").lower() == "true"
                    args = action_m.group(2) if action_m else None
                    if args and "PostingModeOperational" in args:
                        op = "true" in args.lower()
                    doc = self.engine.post(name, ref, op)
                else:
                    doc = self.engine.unpost(name, ref)
                if "Товары" in ent.tables:
                    self._saved(name, doc)
                return Response(status=200)
            if method == "GET":
                return self._navigate(request, qs, ent, ref, segs[1:], want_json)
            raise bad_segment(segs[1])
        if len(segs) == 3:
            if method == "GET":
                return self._navigate(request, qs, ent, ref, segs[1:], want_json)
            raise bad_segment(segs[2])
        if method == "GET":
            found = self.store.get(name, ref)
            if found is None:
                raise not_found(f"{name}(guid'{ref}')")
            return self._answer(request, self._element(request, ent, found, qs), name, want_json)
        if method in ("PATCH", "MERGE", "PUT"):
            # If-Match is ignored, as two live tests found (§1.13)
            rec = self.engine.patch(name, ref, self._body(request), load_mode=self._load_mode(request))
            if name == PRODUCTS:
                self._saved(name, rec)
            return self._answer(request, self._element(request, ent, rec, qs), name, want_json)
        if method == "DELETE":
            # physical delete, no reference checks (§1.7)
            if not self.store.delete(name, ref):
                raise not_found(f"{name}(guid'{ref}')")
            return Response(status=204)
        raise ODataError(400, "19", "Метод HTTP не допускается для этого ресурса")

    # ----- helpers -----
    @staticmethod
    def _load_mode(request: Request) -> bool:
        return request.headers.get("1C_OData-DataLoadMode", "").lower() == "true"

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            raise ODataError(400, "2", "Неверный формат запроса: тело не является JSON") from None
        if not isinstance(body, dict):
            raise ODataError(400, "2", "Неверный формат запроса")
        return body

    @staticmethod
    def _ref_key(key_text: str) -> str:
        text = key_text.strip()
        if text.startswith("Ref_Key="):
            text = text[len("Ref_Key=") :]
        m = re.fullmatch(r"guid'([0-9a-fA-F-]{36})'", text)
        if not m or not GUID_RE.match(m.group(1)):
            raise ODataError(400, "7", f"Неверно задан ключ: {key_text}")
        return m.group(1).lower()

    def _loader(self, set_name: str, ref: str) -> dict[str, Any] | None:
        return self.store.get(set_name, ref) if ref and ref != EMPTY_REF else None

    def _compile(self, text: str | None, scope: Scope) -> tuple[Any, Fn] | None:
        if text is None or text.strip() == "":
            return None
        if _plus_outside_literals(text):
            # §1.6: '+' is not a space; a live base answered 500 with this text
            raise ODataError(500, "-1", "Операция не разрешена в предложении ГДЕ")
        try:
            compiled = compile_filter(text, scope, self._loader)
        except FilterError as exc:
            raise bad_query(str(exc)) from None
        if self.config.refuse_unlimited_string_comparison:
            check_comparisons(compiled[0], scope)
        return compiled

    # ================================================================== rendering
    def _render_value(self, f: F, v: Any) -> Any:
        if f.kind == "int":
            # a JSON string whatever the Edm width: the recording has "КлючСтроки": "0" (Число(5, 0))
            return str(int(v or 0))  # Int64 as a JSON string (§1.4)
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

    def _render_fields(self, fields: list[F], rec: dict[str, Any], sel: set[str] | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields:
            if f.kind == "comp":
                if sel is None or f.name in sel:
                    out[f.name] = rec.get(f.name, "")
                if sel is None or f.name in sel or f.name + "_Type" in sel:
                    out[f.name + "_Type"] = rec.get(f.name + "_Type", UNDEFINED)
                continue
            if sel is None or f.name in sel:
                out[f.name] = self._render_value(f, rec.get(f.name))
        return out

    def _render_object(
        self,
        ent: Entity,
        rec: dict[str, Any],
        select: tuple[set[str] | None, bool, dict[str, set[str] | None], set[str]],
    ) -> dict[str, Any]:
        sel, with_tables, table_sel, presentations = select
        out = self._render_fields(ent.fields(), rec, sel)
        for t, cols in ent.tables.items():
            if t in table_sel or (with_tables and sel is None):
                tsel = table_sel.get(t)
                rows = []
                for row in rec.get(t, []):
                    rr = {
                        "Ref_Key": rec["Ref_Key"],
                        **self._render_fields(
                            row_fields(cols)[1:], row, tsel | {"LineNumber"} if tsel else None
                        ),
                    }
                    rows.append(rr)
                out[t] = rows
        for p in presentations:
            out[p + "____Presentation"] = self._presentation(ent, rec, p)
        for f in ent.fields():
            if f.nav and f.target in ENTITIES and f.name != "Ref_Key" and (sel is None or f.name in sel):  # noqa: SIM102
                if rec.get(f.name, EMPTY_REF) != EMPTY_REF:
                    out[f"{f.nav}@navigationLinkUrl"] = f"{ent.name}(guid'{rec['Ref_Key']}')/{f.nav}"
        return out

    def _presentation(self, ent: Entity, rec: dict[str, Any], name: str) -> str:
        if name == "":
            return self.engine.presentation(ent, rec)
        f = ent.field_map().get(name + "_Key")
        if f is not None and f.target:
            return self.engine.describe(f.target, rec.get(f.name, ""))
        f = ent.field_map().get(name)
        if f is not None and f.kind == "comp":
            t = str(rec.get(name + "_Type", ""))
            return self.engine.describe(t.split(".", 1)[-1], str(rec.get(name, "")))
        return "" if f is None else str(rec.get(name, ""))

    def _parse_select(
        self, ent: Entity | None, fields: list[F], tables: dict[str, list[F]], text: str | None
    ) -> tuple[set[str] | None, bool, dict[str, set[str] | None], set[str]]:
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
                raise bad_segment(item)  # unknown field in $select → 400 code 6 (GATE-P4)
            names.add(item)
        if everything:
            if with_tables:
                for t in tables:
                    table_sel.setdefault(t, None)
            return None, False, table_sel, presentations
        names.add("Ref_Key") if "Ref_Key" in fmap and ent is not None and ent.is_object else None
        return names, False, table_sel, presentations

    def _element(self, request: Request, ent: Entity, rec: dict[str, Any], qs: Query) -> dict[str, Any]:
        sel = self._parse_select(ent, ent.fields(), ent.tables, qs.get("$select"))
        body = self._render_object(ent, rec, sel)
        return {"odata.metadata": f"{self._root_url(request)}/$metadata#{ent.name}/@Element", **body}

    # ================================================================== collections
    def _obj_resolver(self, ent: Entity) -> Callable[[str], tuple[str, F] | None]:
        fmap = ent.field_map()
        dflt = self.store.defaults[ent.name]

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

    def _order(self, text: str | None, known: set[str]) -> list[tuple[str, bool]]:
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

    @staticmethod
    def _int_opt(qs: Query, name: str) -> int | None:
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

    def _list(
        self,
        request: Request,
        qs: Query,
        set_name: str,
        source: tuple[
            list[F],
            dict[str, list[F]],
            Callable[[str, list[Any], str | None], list[dict[str, Any]]],
            Callable[[str], tuple[str, F] | None] | None,
            Scope,
        ]
        | None,
        want_json: bool,
        count_only: bool = False,
        ent: Entity | None = None,
    ) -> Response:
        top, skip = self._int_opt(qs, "$top"), self._int_opt(qs, "$skip") or 0
        inline = (qs.get("$inlinecount") or "").lower() == "allpages"
        if ent is not None:
            fields, tables = ent.fields(), ent.tables
            scope = scope_of(ent.name)
            resolver: Callable[[str], tuple[str, F] | None] | None = self._obj_resolver(ent)
        else:
            assert source is not None
            fields, tables, _, resolver, scope = source
        known = {f.name for f in fields} | {f.name + "_Type" for f in fields if f.kind == "comp"}
        cond = self._compile(qs.get("$filter"), scope)
        order = self._order(qs.get("$orderby"), known)
        sel = self._parse_select(ent, fields, tables, qs.get("$select"))
        where, params, exact = (
            sql_prefilter(cond[0] if cond else None, resolver) if resolver else ("1", [], cond is None)
        )
        order_sql = None
        if resolver is not None:
            parts: list[str] = []
            for fname, desc in order:
                got = resolver(fname)
                if got is None:
                    parts = []
                    order_sql = None
                    break
                parts.append(f"{got[0]} {'DESC' if desc else 'ASC'}")
            else:
                order_sql = ", ".join(parts) if parts else "rowid"
        rows: list[dict[str, Any]]
        total: int
        if ent is not None and exact and order_sql is not None:
            # everything in SQL: large catalogs page in milliseconds
            if count_only or inline:
                total = self.store.count(ent.name, where, params)
            if count_only:
                return Response(str(total), content_type="text/plain;charset=utf-8")
            if inline:
                rows = self.store.select(ent.name, where, params, order_sql)  # $top/$skip ignored (§1.5)
            else:
                rows = self.store.select(ent.name, where, params, order_sql, top, skip)
        else:
            if ent is not None:
                rows = self.store.select(ent.name, where, params)
            else:
                assert source is not None
                rows = source[2](where, params, None)
            if cond is not None:
                fn = cond[1]
                try:
                    rows = [rw for rw in rows if fn(rw, {})]
                except RecursionError:
                    raise bad_query("слишком сложное выражение") from None
            for fname, desc in reversed(order):
                rows.sort(key=_field_key(fname), reverse=desc)
            total = len(rows)
            if count_only:
                return Response(str(total), content_type="text/plain;charset=utf-8")
            if not inline:
                rows = rows[skip:] if top is None else rows[skip : skip + top]
        if ent is not None:
            values = [self._render_object(ent, rw, sel) for rw in rows]
        else:
            values = [self._render_plain(fields, tables, rw, sel) for rw in rows]
        payload: dict[str, Any] = {"odata.metadata": f"{self._root_url(request)}/$metadata#{set_name}"}
        if inline:
            payload["odata.count"] = str(total)  # a string, like Int64 (GATE-P4)
        payload["value"] = values
        return self._answer(request, payload, set_name, want_json)

    def _render_plain(
        self,
        fields: list[F],
        tables: dict[str, list[F]],
        rec: dict[str, Any],
        select: tuple[set[str] | None, bool, dict[str, set[str] | None], set[str]],
    ) -> dict[str, Any]:
        sel, with_tables, table_sel, _ = select
        out = self._render_fields(fields, rec, sel)
        for t, cols in tables.items():
            if t in table_sel or (with_tables and sel is None):
                tsel = table_sel.get(t)
                out[t] = [self._render_fields(cols, row, tsel) for row in rec.get(t, [])]
        return out

    # ----- sources for non-object collections -----
    def _table_rows(
        self, parent: Entity, table: str, qs: Query
    ) -> tuple[
        list[F], dict[str, list[F]], Callable[[str, list[Any], str | None], list[dict[str, Any]]], None, Scope
    ]:
        fields = row_fields(parent.tables[table])
        scope = Scope({f.name: f for f in fields}, {})
        flt = qs.get("$filter") or ""
        refs = re.findall(r"Ref_Key\s+eq\s+guid'([0-9a-fA-F-]{36})'", flt)

        def load(where: str, params: list[Any], _: str | None) -> list[dict[str, Any]]:
            if len(refs) == 1 and " or " not in flt:
                parents = [p for p in [self.store.get(parent.name, refs[0])] if p]
            else:
                parents = self.store.select(parent.name)
            return [{**row, "Ref_Key": p["Ref_Key"]} for p in parents for row in p.get(table, [])]

        return fields, {}, load, None, scope

    def _reg_source(
        self, reg: Entity
    ) -> tuple[
        list[F],
        dict[str, list[F]],
        Callable[[str, list[Any], str | None], list[dict[str, Any]]],
        Callable[[str], tuple[str, F] | None],
        Scope,
    ]:
        cols = self.store.reg_cols[reg.name]
        comp_names = {c for c, f in cols if f.kind == "comp"}
        fields = [f for c, f in cols if not (c.endswith("_Type") and c[:-5] in comp_names)]
        if reg.turnover:
            fields = [f for f in fields if f.name != "RecordType"]
        colmap = dict(cols)

        def resolve(name: str) -> tuple[str, F] | None:
            f = colmap.get(name)
            return None if f is None else (q(name), f)

        def load(where: str, params: list[Any], _: str | None) -> list[dict[str, Any]]:
            return self.store.reg_rows(reg.name, where, params)

        return fields, {}, load, resolve, Scope({f.name: f for f in fields}, {})

    def _record_sets(
        self, reg: Entity
    ) -> tuple[
        list[F], dict[str, list[F]], Callable[[str, list[Any], str | None], list[dict[str, Any]]], None, Scope
    ]:
        fields, _, load_rows, _, _row_scope = self._reg_source(reg)
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

    # ================================================================== independent registers
    def _parse_reg_key(self, ent: Entity, key_text: str) -> dict[str, Any]:
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
        for c, f in field_columns(_key_fields(ent)):
            if c not in vals:
                if f.kind == "str" and c.endswith("_Type"):
                    continue
                raise ODataError(400, "7", f"Не задана часть ключа: {c}")
            out[c] = vals[c].lower() if isinstance(vals[c], str) and GUID_RE.match(vals[c]) else vals[c]
        return out

    def _find_record(self, ent: Entity, key: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        cols = [c for c, _ in field_columns(_key_fields(ent))]
        where = " AND ".join(f"{q(c)} = ?" for c in cols if c in key)
        names = ", ".join(q(c) for c, _ in self.store.reg_cols[ent.name])
        with self.store.lock:
            row = self.store.conn.execute(
                f"SELECT rowid, {names} FROM {q(ent.name)} WHERE {where}", [key[c] for c in cols if c in key]
            ).fetchone()
        if row is None:
            return None
        return int(row[0]), self.store.reg_row_to_dict(ent.name, row[1:])

    def _independent(
        self,
        request: Request,
        method: str,
        qs: Query,
        ent: Entity,
        key_text: str | None,
        segs: list[str],
        want_json: bool,
    ) -> Response:
        from .engine import apply_fields

        fields = ([F("Period", "date")] if ent.periodic else []) + ent.dims + ent.resources
        if len(segs) == 2 and ent.periodic and key_text is None and method == "GET":
            # A periodic independent register binds SliceLast/SliceFirst to its own set (§1.2).
            fn_m = SEG_RE.match(segs[1])
            fn = fn_m.group(1) if fn_m else segs[1]
            if fn in ("SliceLast", "SliceFirst"):
                return self._slice(request, qs, ent, fn, fn_m.group(2) if fn_m else None, want_json)
        if len(segs) == 2 and segs[1] == "$count" and key_text is None:
            return self._list(request, qs, ent.name, self._reg_source(ent), want_json, count_only=True)
        if len(segs) > 1:
            raise bad_segment(segs[1])
        element = f"{self._root_url(request)}/$metadata#{ent.name}/@Element"
        sel = self._parse_select(None, fields, {}, qs.get("$select"))
        if key_text is None:
            if method == "GET":
                return self._list(request, qs, ent.name, self._reg_source(ent), want_json)
            if method != "POST":
                raise ODataError(400, "19", "Метод HTTP не допускается для этого ресурса")
            rec = defaults_for(fields)
            apply_fields(fields, rec, self._body(request))
            register_write(ent.name, rec)
            key = {c: rec[c] for c, _ in field_columns(fields[: len(fields) - len(ent.resources)])}
            with self.store.tx() as cur:
                if self._find_record(ent, key) is not None:
                    raise ODataError(400, "15", "Запись с такими ключевыми полями уже существует")
                self.store.reg_insert(ent.name, [rec], cur)
            return self._answer(
                request,
                {"odata.metadata": element, **self._render_plain(fields, {}, rec, sel)},
                ent.name,
                want_json,
                201,
            )
        key = self._parse_reg_key(ent, key_text)
        with self.store.tx() as cur:
            found = self._find_record(ent, key)
            if found is None:
                raise not_found(f"{ent.name}({key_text})")
            rowid, rec = found
            if method == "GET":
                pass
            elif method in ("PATCH", "MERGE", "PUT"):
                apply_fields(fields, rec, self._body(request))
                register_write(ent.name, rec)
                new_key = {c: rec[c] for c, _ in field_columns(fields[: len(fields) - len(ent.resources)])}
                other = self._find_record(ent, new_key)
                if other is not None and other[0] != rowid:
                    raise ODataError(400, "15", "Запись с такими ключевыми полями уже существует")
                cur.execute(f"DELETE FROM {q(ent.name)} WHERE rowid = ?", (rowid,))
                self.store.reg_insert(ent.name, [rec], cur)
            elif method == "DELETE":
                cur.execute(f"DELETE FROM {q(ent.name)} WHERE rowid = ?", (rowid,))
                return Response(status=204)
            else:
                raise ODataError(400, "19", "Метод HTTP не допускается для этого ресурса")
        return self._answer(
            request,
            {"odata.metadata": element, **self._render_plain(fields, {}, rec, sel)},
            ent.name,
            want_json,
        )

    # ================================================================== navigation on one entity
    def _navigate(
        self, request: Request, qs: Query, ent: Entity, ref: str, segs: list[str], want_json: bool
    ) -> Response:
        rec = self.store.get(ent.name, ref)
        if rec is None:
            raise not_found(f"{ent.name}(guid'{ref}')")
        prop = segs[0]
        fmap = ent.field_map()
        ref_f = fmap.get(prop + "_Key")
        if ref_f is not None and ref_f.target in ENTITIES:
            target = ENTITIES[ref_f.target]
            obj = self.store.get(target.name, rec.get(ref_f.name, EMPTY_REF))
            if obj is None:
                raise not_found(f"{ent.name}(guid'{ref}')/{prop}")
            if len(segs) == 2:
                return self._property(request, target, obj, segs[1], want_json)
            return self._answer(request, self._element(request, target, obj, qs), target.name, want_json)
        if len(segs) == 1:
            return self._property(request, ent, rec, prop, want_json)
        raise bad_segment(segs[1])

    def _property(
        self, request: Request, ent: Entity, rec: dict[str, Any], prop: str, want_json: bool
    ) -> Response:
        f = ent.field_map().get(prop)
        if f is None:
            raise bad_segment(prop)
        value = self._render_value(f, rec.get(prop))
        payload = {"odata.metadata": f"{self._root_url(request)}/$metadata#{md.edm_of(f)}", "value": value}
        return self._answer(request, payload, ent.name, want_json)

    # ================================================================== virtual tables
    def _vt_args(self, args: str | None, qs: Query) -> dict[str, str]:
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

    def _vt_condition(self, text: str | None, scope: Scope) -> tuple[Any, Fn] | None:
        if text is None:
            return None
        t = text.strip()
        if len(t) >= 2 and t[0] == "'" and t[-1] == "'":
            inner = t[1:-1]
            # Condition as a quoted string: inner quotes doubled (HCB) or, as in the DOC example, not.
            for candidate in (inner.replace("''", "'"), inner):
                try:
                    return self._compile(candidate, scope)
                except ODataError:
                    continue
            raise bad_query(f"Condition: {text}")
        return self._compile(t, scope)

    @staticmethod
    def _vt_date(text: str | None) -> str | None:
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

    def _virtual(
        self, request: Request, qs: Query, ent: Entity, fn: str, args: str | None, want_json: bool
    ) -> Response:
        a = self._vt_args(args, qs)
        scope = reg_scope(ent.name)
        cond = self._vt_condition(a.get("Condition"), scope)
        dims = [d.strip() for d in a.get("Dimensions", "").strip("'").split(",") if d.strip()] or None
        if fn == "Balance":
            rows = self.engine.balance(ent.name, self._vt_date(a.get("Period")), cond, dims)
            suffixes: tuple[str, ...] = ("Balance",)
            result_name = f"{ent.name}_Balance"
        else:
            rows = self.engine.turnovers(
                ent.name, self._vt_date(a.get("StartPeriod")), self._vt_date(a.get("EndPeriod")), cond, dims
            )
            suffixes = ("Turnover",) if ent.turnover else ("Receipt", "Expense", "Turnover")
            result_name = f"{ent.name}_Turnover"
        dim_fields = [f for f in ent.dims if dims is None or f.name in dims or f.name[:-4] in dims]
        fields = dim_fields + [F(r.name + sfx, "num") for r in ent.resources for sfx in suffixes]
        return self._vt_answer(request, qs, result_name, fields, rows, want_json)

    def _slice(
        self, request: Request, qs: Query, ent: Entity, fn: str, args: str | None, want_json: bool
    ) -> Response:
        a = self._vt_args(args, qs)
        cond = self._vt_condition(a.get("Condition"), reg_scope(ent.name))
        rows = self.engine.slice(ent.name, self._vt_date(a.get("Period")), cond, last=fn == "SliceLast")
        fields = [F("Period", "date"), *ent.dims, *ent.resources]
        return self._vt_answer(request, qs, f"{ent.name}_{fn}", fields, rows, want_json)

    def _vt_answer(
        self,
        request: Request,
        qs: Query,
        result_name: str,
        fields: list[F],
        rows: list[dict[str, Any]],
        want_json: bool,
    ) -> Response:
        if not any(qs.get(k) for k in ("$filter", "$orderby", "$select", "$top", "$skip", "$inlinecount")):
            # fast path for whole-register reads (200k rows): convert only what JSON needs
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
            payload = {"odata.metadata": f"{self._root_url(request)}/$metadata#{result_name}", "value": out}
            return self._answer(request, payload, result_name, want_json)

        def load(where: str, params: list[Any], _: str | None) -> list[dict[str, Any]]:
            return rows

        source: Any = (fields, {}, load, None, Scope({f.name: f for f in fields}, {}))
        return self._list(request, qs, result_name, source, want_json)


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


def create_app(config: UtpEmulatorConfig | None = None) -> UtpEmulator:
    return UtpEmulator(config or UtpEmulatorConfig())


def _key_fields(ent: Entity) -> list[F]:
    """An independent register's record key: Period (when periodic by day) and the dimensions."""
    return ([F("Period", "date")] if ent.periodic else []) + ent.dims
