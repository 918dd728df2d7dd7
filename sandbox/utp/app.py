"""The UTP emulator: a WSGI app that answers like 1C:Enterprise's standard OData interface of a UTP
base (docs/utp-odata.md). Never imports the product package. This module holds the emulator object
(state, Python-level control, WSGI entry); the answers are built in routes.py and the modules it calls."""

from __future__ import annotations

import base64
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from . import metadata as md
from .config import RUNTIME_KEYS, UtpEmulatorConfig
from .control import control
from .engine import Engine
from .errors import ODataError, bad_query
from .faults import JSON_CT, Faults, drop_connection
from .filters import FilterError, Fn, Scope, compile_filter
from .model import EMPTY_REF
from .objects import PRODUCTS
from .odata_path import plus_outside_literals, target_of, wants_json
from .on_save import OnSaveListener, OnSaveNotifier, check_on_save_url
from .posting_sales import SalesOptions
from .query_rules import check_comparisons
from .routes import route
from .store import Store

__all__ = ["OBSERVE_PREFIX", "UtpEmulator", "UtpEmulatorConfig", "create_app"]

OBSERVE_PREFIX = "/__emulator__/observe"  # + the OData root: reads that no fault or latency touches
TEXT = "text/plain;charset=utf-8"


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
        self._faults = Faults(lambda: self.config, self._lock, config.random_seed)
        self.metadata_xml = md.build_metadata()
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
        self._faults.add(kind, count, match, method, phase)

    def clear_faults(self) -> None:
        self._faults.clear()

    def reset_counters(self) -> None:
        with self._lock:
            self.counters.clear()
        self._on_save.reset()

    def counters_snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counters)

    @property
    def on_save_stats(self) -> dict[str, int]:
        """``emitted``, ``queued``, ``sent``, ``failed``, ``listener_errors``, ``pending`` of "on save"."""
        return self._on_save.snapshot()

    def wait_on_save(self, timeout: float = 10.0) -> bool:
        """Wait until every queued "on save" POST has been sent or has failed (False on timeout)."""
        return self._on_save.wait_idle(timeout)

    def saved(self, set_name: str, rec: dict[str, Any]) -> None:
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
            drop_connection(environ)
            raise
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith(OBSERVE_PREFIX + "/"):
            return self._observe(request, path[len(OBSERVE_PREFIX) :])
        if path.startswith("/__emulator__/"):
            return control(self, request, path[len("/__emulator__/") :])
        if not (path == self.root or path.startswith(self.root + "/")):
            return Response("Not Found", status=404, content_type=TEXT)
        rest = path[len(self.root) :].lstrip("/")
        method = request.method.upper()
        target = target_of(rest)
        with self._lock:
            self.counters[f"{method} {target}"] += 1
        self._faults.delay()
        fault = self._faults.take(method, target)
        if fault is not None and fault.phase == "before":
            return self._faults.response(fault.kind)
        want_json = wants_json(request)
        try:
            if not self._authorised(request):
                return Response(
                    "401 Unauthorized",
                    status=401,
                    headers={"WWW-Authenticate": 'Basic realm="1C:Enterprise"'},
                    content_type=TEXT,
                )
            response = route(self, request, method, rest, want_json)
        except ODataError as err:
            response = self._error(err, want_json)
        if fault is not None:
            return self._faults.response(fault.kind)
        return response

    def _observe(self, request: Request, inner: str) -> Response:
        """A test's fault-free read path (``/__emulator__/observe`` + the OData root): GET only, with the
        same answers and credentials, but no latency, no injected fault and not counted, so a checker
        can read what 1C holds while faults hit the client under test. Not part of 1C."""
        if request.method.upper() != "GET" or not (inner == self.root or inner.startswith(self.root + "/")):
            return Response("Not Found", status=404, content_type=TEXT)
        want_json = wants_json(request)
        if not self._authorised(request):
            return Response("401 Unauthorized", status=401, content_type=TEXT)
        try:
            return route(self, request, "GET", inner[len(self.root) :].lstrip("/"), want_json)
        except ODataError as err:
            return self._error(err, want_json)

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            raw = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")  # UTF-8 credentials
        except (ValueError, UnicodeDecodeError):
            return False
        user, _, password = raw.partition(":")
        return user == self.config.user and password == self.config.password

    def _error(self, err: ODataError, want_json: bool) -> Response:
        if not want_json:
            return Response(
                md.xml_error(err.code, err.message),
                status=err.status,
                content_type="application/xml;charset=utf-8",
            )
        body = {"odata.error": {"code": err.code, "message": {"lang": "ru", "value": err.message}}}
        return Response(json.dumps(body, ensure_ascii=False), status=err.status, content_type=JSON_CT)

    # ================================================================== shared by the answer modules
    def root_url(self, request: Request) -> str:
        return request.host_url.rstrip("/") + self.root

    def answer(
        self, request: Request, payload: Any, set_name: str, want_json: bool, status: int = 200
    ) -> Response:
        if want_json:
            return Response(json.dumps(payload, ensure_ascii=False), status=status, content_type=JSON_CT)
        return Response(
            md.atom(self.root_url(request), set_name, payload),
            status=status,
            content_type="application/atom+xml;charset=utf-8",
        )

    def compile_filter(self, text: str | None, scope: Scope) -> tuple[Any, Fn] | None:
        """A `$filter` (or a virtual table's Condition) compiled against `scope`; None when empty."""
        if text is None or text.strip() == "":
            return None
        if plus_outside_literals(text):
            # '+' is not a space; a live base answered 500 with this text
            raise ODataError(500, "-1", "Операция не разрешена в предложении ГДЕ")
        try:
            compiled = compile_filter(text, scope, self._loader)
        except FilterError as exc:
            raise bad_query(str(exc)) from None
        if self.config.refuse_unlimited_string_comparison:
            check_comparisons(compiled[0], scope)
        return compiled

    def _loader(self, set_name: str, ref: str) -> dict[str, Any] | None:
        return self.store.get(set_name, ref) if ref and ref != EMPTY_REF else None


def create_app(config: UtpEmulatorConfig | None = None) -> UtpEmulator:
    return UtpEmulator(config or UtpEmulatorConfig())
