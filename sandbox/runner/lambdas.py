"""Runs the template's handlers in this process, the way the Lambda Python runtime calls them.

A handler is loaded from its file (``CodeUri`` + ``Handler``) with importlib, with the template's layers
and its own code directory on ``sys.path``, exactly what ``sam local`` gives it; the sandbox never imports
the product by name. Each function is loaded once and stays warm, as a Lambda instance does.

All functions share one process, hence one ``os.environ``. Variables with one value across the
functions (and the local AWS endpoint and credentials) are set once. A variable whose value differs
between functions is set per invocation: invocations of different functions with such variables then
take turns (invocations of the same function still run concurrently).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.runner.template import FunctionSpec, LocalTemplate

log = logging.getLogger("sandbox.runner")

Handler = Callable[[Any, Any], Any]


class LambdaContext:
    """The context object of the Python runtime (awslambdaric), same attribute names and types."""

    def __init__(self, spec: FunctionSpec, *, region: str, account: str, request_id: str) -> None:
        now = time.time()
        self._deadline_ms = int(now * 1000) + spec.timeout_s * 1000
        self.aws_request_id = request_id
        self.function_name = spec.function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account}:function:{spec.function_name}"
        # The runtime reads it from AWS_LAMBDA_FUNCTION_MEMORY_SIZE: a string, not an int.
        self.memory_limit_in_mb = str(spec.memory_mb)
        self.log_group_name = f"/aws/lambda/{spec.function_name}"
        day = datetime.fromtimestamp(now, UTC).strftime("%Y/%m/%d")
        self.log_stream_name = f"{day}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self.tenant_id = None

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, message: str) -> None:
        sys.stdout.write(message)


@dataclass
class Invocation:
    """One call of a handler: what it got, what it returned or raised."""

    function: str
    source: str  # "http", "sqs", "schedule", "direct"
    request_id: str
    event: Any
    started_at: float
    result: Any = None
    error: dict[str, Any] | None = None
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Activity:
    """Counts invocations in flight, so the stack can tell when it is idle."""

    _in_flight: int = 0
    _cond: threading.Condition = field(default_factory=threading.Condition)

    @contextmanager
    def busy(self) -> Iterator[None]:
        with self._cond:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    @property
    def in_flight(self) -> int:
        with self._cond:
            return self._in_flight


class _EnvironmentTurns:
    """Applies a function's conflicting variables for the span of its invocations (see module doc)."""

    def __init__(self, per_function: Mapping[str, Mapping[str, str | None]]) -> None:
        self._per_function = per_function
        self._cond = threading.Condition()
        self._owner: str | None = None
        self._active = 0

    @contextmanager
    def turn(self, logical_id: str) -> Iterator[None]:
        if not self._per_function:
            yield
            return
        with self._cond:
            while self._active and self._owner != logical_id:
                self._cond.wait()
            if not self._active and self._owner != logical_id:
                for key, value in self._per_function[logical_id].items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
                self._owner = logical_id
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                if not self._active:
                    self._cond.notify_all()


def split_environment(
    functions: Mapping[str, Mapping[str, str]],
) -> tuple[dict[str, str], dict[str, dict[str, str | None]]]:
    """(variables set once, per-function values of the variables whose value differs between functions)."""
    values: dict[str, set[str]] = {}
    for env in functions.values():
        for key, value in env.items():
            values.setdefault(key, set()).add(value)
    conflicting = {key for key, seen in values.items() if len(seen) > 1}
    shared = {key: next(iter(seen)) for key, seen in values.items() if key not in conflicting}
    per_function: dict[str, dict[str, str | None]] = {}
    if conflicting:
        for logical_id, env in functions.items():
            per_function[logical_id] = {key: env.get(key) for key in sorted(conflicting)}
    return shared, per_function


class FunctionRuntime:
    """Loads and invokes the template's functions."""

    def __init__(
        self,
        model: LocalTemplate,
        *,
        environment: Mapping[str, str],
        enforce_timeouts: bool = True,
        history: int = 2000,
    ) -> None:
        """``environment``: what every function gets on top of its template variables (and wins over them)."""
        self.model = model
        self.activity = Activity()
        self.invocations: deque[Invocation] = deque(maxlen=history)
        self._enforce_timeouts = enforce_timeouts
        self._handlers: dict[str, Handler] = {}
        self._load_lock = threading.RLock()
        self._saved_env: dict[str, str | None] = {}
        self._saved_path: list[str] | None = None
        runtime_env = {
            # What Lambda sets for every function that the functions may read; per-function ones
            # (AWS_LAMBDA_FUNCTION_NAME…) are on the context instead, so they never force turns.
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{next(iter(model.functions.values())).runtime}"
            if model.functions
            else "AWS_Lambda_python3.12",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            # As under `sam local`: Powertools' Tracer stays off (there is no X-Ray daemon here).
            "AWS_SAM_LOCAL": "true",
            **environment,
        }
        per_function = {lid: {**spec.environment, **runtime_env} for lid, spec in model.functions.items()}
        self.shared_env, conflicting = split_environment(per_function)
        if not model.functions:
            self.shared_env = dict(runtime_env)
        self.turn_env = conflicting
        self._turns = _EnvironmentTurns(conflicting)

    # -- process set-up ------------------------------------------------------------------------------
    def install(self) -> None:
        """Put the shared environment, code and layer directories in place (``uninstall`` undoes it)."""
        for key, value in self.shared_env.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value
        for values in self.turn_env.values():
            for key in values:
                self._saved_env.setdefault(key, os.environ.get(key))
        self._saved_path = list(sys.path)
        # Lambda's order: the function's own code first, then the layers (/opt/python).
        code = [str(s.code_uri) for s in self.model.functions.values()]
        layers = [str(p) for s in self.model.functions.values() for p in s.layers]
        for entry in reversed(list(dict.fromkeys(code + layers))):
            if entry in sys.path:
                sys.path.remove(entry)
            sys.path.insert(0, entry)

    def uninstall(self) -> None:
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()
        if self._saved_path is not None:
            sys.path[:] = self._saved_path
            self._saved_path = None
        for name in [n for n in sys.modules if n.startswith("sandbox_lambda_")]:
            del sys.modules[name]
        self._handlers.clear()

    # -- loading -------------------------------------------------------------------------------------
    def handler(self, logical_id: str) -> Handler:
        """The function's handler, loading its module on first use (the cold start)."""
        if logical_id in self._handlers:
            return self._handlers[logical_id]
        with self._load_lock:
            if logical_id not in self._handlers:
                spec = self.model.functions[logical_id]
                with self._turns.turn(logical_id):
                    self._handlers[logical_id] = _load_handler(spec)
        return self._handlers[logical_id]

    def preload(self) -> None:
        """Load every handler now, so an import error shows at start-up rather than at the first event."""
        for logical_id in self.model.functions:
            self.handler(logical_id)

    # -- invoking ------------------------------------------------------------------------------------
    def invoke(
        self, logical_id: str, event: Any, *, source: str = "direct", background: bool = False
    ) -> Invocation:
        """Call the handler with a fresh copy of ``event``; never raises for the handler's own errors.
        ``background``: not counted as work in progress (``activity``); see
        ``Scheduler.fire_in_background``."""
        spec = self.model.functions[logical_id]
        request_id = str(uuid.uuid4())
        # The runtime hands the handler a freshly parsed JSON document, and serialises what it returns.
        payload = json.loads(json.dumps(event))
        call = Invocation(logical_id, source, request_id, payload, time.time())
        with contextlib.nullcontext() if background else self.activity.busy():
            try:
                handler = self.handler(logical_id)
            except Exception as exc:
                call.error = _error(exc, request_id, "Runtime.ImportModuleError")
                log.exception("%s: cannot load handler %s", logical_id, spec.handler)
                self.invocations.append(call)
                return call
            context = LambdaContext(
                spec, region=self.model.region, account=self.model.account, request_id=request_id
            )
            started = time.monotonic()
            with self._turns.turn(logical_id):
                try:
                    result = handler(json.loads(json.dumps(event)), context)
                except Exception as exc:
                    call.error = _error(exc, request_id)
                    log.exception("%s (%s) failed", logical_id, request_id)
                else:
                    try:
                        call.result = json.loads(json.dumps(result))
                    except (TypeError, ValueError) as exc:
                        call.error = _error(exc, request_id, "Runtime.MarshalError")
            call.duration_ms = (time.monotonic() - started) * 1000
            if self._enforce_timeouts and call.duration_ms > spec.timeout_s * 1000 and call.error is None:
                # Lambda would have stopped it: the caller sees a failure, whatever it returned.
                call.result = None
                call.error = {
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": f"Task timed out after {spec.timeout_s:.2f} seconds",
                    "requestId": request_id,
                }
        self.invocations.append(call)
        return call


def _error(exc: BaseException, request_id: str, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def _load_handler(spec: FunctionSpec) -> Handler:
    module_path = spec.code_uri.joinpath(*spec.handler_module.split(".")).with_suffix(".py")
    if not module_path.is_file():
        raise ImportError(f"{spec.logical_id}: handler module {module_path} does not exist")
    # A unique name: every function's module is called `app` in its own container.
    name = f"sandbox_lambda_{spec.logical_id}"
    module_spec = importlib.util.spec_from_file_location(name, module_path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"{spec.logical_id}: cannot load {module_path}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    handler = getattr(module, spec.handler_function, None)
    if not callable(handler):
        raise ImportError(f"{spec.logical_id}: {module_path} has no function {spec.handler_function}")
    return handler
