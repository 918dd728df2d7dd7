"""The whole local system: moto, the template's resources, the handlers behind a gateway, pollers,
schedules and the emulators; started and stopped as one (``SandboxStack``), from tests or the CLI."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from werkzeug.serving import BaseWSGIServer, make_server

from sandbox.runner import template as template_module
from sandbox.runner.aws import LocalAws
from sandbox.runner.gateway import Gateway
from sandbox.runner.lambdas import FunctionRuntime, Invocation
from sandbox.runner.poller import SqsPoller
from sandbox.runner.schedules import Scheduler
from sandbox.runner.template import DEFAULT_REGION, LocalTemplate

log = logging.getLogger("sandbox.runner")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# A value the stack computes once the emulators and moto are up (their URLs are only known then).
Deferred = Mapping[str, str] | Callable[["SandboxStack"], Mapping[str, str]]


@dataclass
class Emulator:
    """A service next to the product: a WSGI app the stack serves, or one already running at ``url``."""

    app: WsgiApp | None = None
    url: str | None = None
    on_start: Callable[[str], None] | None = None  # called with the URL once it is served
    on_stop: Callable[[], None] | None = None
    is_idle: Callable[[], bool] | None = None  # e.g. "no webhook waiting to go out"
    probe_path: str = "/"  # any HTTP answer at this path means "it answers"


class _Served:
    def __init__(self, app: WsgiApp, name: str, port: int = 0) -> None:
        self.server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name=f"sandbox-{name}", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class SandboxStack:
    """Start with ``start()`` (or ``with SandboxStack(...) as stack:``), stop with ``stop()``.

    One stack per process at a time: moto's state is process-wide.
    """

    _running: SandboxStack | None = None
    _running_lock = threading.Lock()

    def __init__(
        self,
        template: Path | str = "template.yaml",
        *,
        parameter_overrides: Deferred | None = None,
        secure_parameters: Deferred | None = None,
        environment: Deferred | None = None,
        emulators: Mapping[str, Emulator | WsgiApp | str] | None = None,
        endpoints: Deferred | None = None,
        state_dir: Path | str | None = ".sandbox",
        queue_attribute_overrides: Mapping[str, Mapping[str, str]] | None = None,
        region: str = DEFAULT_REGION,
        stack_name: str = "sandbox",
        gateway_port: int = 0,
        aws_port: int = 0,
        pollers: bool = True,
        schedules: bool = True,
        schedule_speedup: float = 1.0,
        cron_fallback_s: float = 300.0,
        enforce_timeouts: bool = True,
        preload: bool = True,
    ) -> None:
        """Long because: one keyword per thing a test or the demo may change; the body only stores them.
        ``parameter_overrides``: template parameters. ``secure_parameters``: SSM SecureStrings by full
        name (secrets, the settings JSON). ``environment``: variables every function gets on top of the
        template's (e.g. an emulator's URL the template has no parameter for). ``endpoints``: extra keys
        of ``endpoints.json``. Each may be a mapping or a function of the started stack.
        ``queue_attribute_overrides``: SQS attributes by queue logical id (e.g. a shorter
        ``VisibilityTimeout`` so that retries happen within a demo).
        """
        self.template_path = Path(template)
        self._parameter_overrides = parameter_overrides
        self._secure_parameters = secure_parameters
        self._environment = environment
        self._endpoints = endpoints
        self.emulators: dict[str, Emulator] = {
            name: e if isinstance(e, Emulator) else Emulator(url=e) if isinstance(e, str) else Emulator(app=e)
            for name, e in (emulators or {}).items()
        }
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self._queue_overrides = queue_attribute_overrides
        self.region = region
        self.stack_name = stack_name
        self._gateway_port = gateway_port
        self._use_pollers = pollers
        self._use_schedules = schedules
        self._speedup = schedule_speedup
        self._cron_fallback_s = cron_fallback_s
        self._enforce_timeouts = enforce_timeouts
        self._preload = preload

        self.aws = LocalAws(port=aws_port, region=region)
        self.urls: dict[str, str] = {}
        self.model: LocalTemplate | None = None
        self.runtime: FunctionRuntime | None = None
        self.gateway: Gateway | None = None
        self.pollers: list[SqsPoller] = []
        self.scheduler: Scheduler | None = None
        self._served: list[_Served] = []
        self._started_emulators: list[Emulator] = []
        self.endpoints: dict[str, Any] = {}

    # -- life cycle ----------------------------------------------------------------------------------
    def __enter__(self) -> SandboxStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> SandboxStack:
        with SandboxStack._running_lock:
            if SandboxStack._running is not None:
                raise RuntimeError("a SandboxStack is already running in this process (moto state is shared)")
            SandboxStack._running = self
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self._serve_emulators()
        self.urls["aws"] = self.aws.start()
        self.model = template_module.load(
            self.template_path,
            endpoint_url=self.urls["aws"],
            parameter_overrides=self._resolve(self._parameter_overrides),
            region=self.region,
            stack_name=self.stack_name,
        )
        self.aws.create_resources(self.model, queue_attribute_overrides=self._queue_overrides)
        self.aws.put_secure_parameters(self._resolve(self._secure_parameters))

        env = {**self.aws.environment(), **self._resolve(self._environment)}
        self.runtime = FunctionRuntime(self.model, environment=env, enforce_timeouts=self._enforce_timeouts)
        self.runtime.install()
        if self._preload:
            self.runtime.preload()
        self.gateway = Gateway(self.runtime, region=self.region, account=self.model.account)
        self.urls["gateway"] = self.gateway.serve(port=self._gateway_port)

        for name, emulator in self.emulators.items():
            if emulator.on_start is not None:
                emulator.on_start(self.urls[name])
            self._started_emulators.append(emulator)
        if self._use_pollers:
            self._start_pollers(self.runtime, self.model)
        self.scheduler = Scheduler(self.runtime, speedup=self._speedup, cron_fallback_s=self._cron_fallback_s)
        if self._use_schedules:
            self.scheduler.start()
        self._wait_answering()
        self._write_endpoints()

    def _serve_emulators(self) -> None:
        for name, emulator in self.emulators.items():
            if emulator.app is not None:
                served = _Served(emulator.app, name)
                self._served.append(served)
                emulator.url = served.url
            if emulator.url is None:
                raise ValueError(f"emulator {name}: neither an app nor a URL")
            self.urls[name] = emulator.url.rstrip("/")

    def _start_pollers(self, runtime: FunctionRuntime, model: LocalTemplate) -> None:
        sqs = self.aws.client("sqs")
        for function in model.functions.values():
            for source in function.sqs:
                if not source.enabled:
                    continue
                # One poller per concurrent batch; FIFO order holds because moto, like SQS, hands out
                # no message of a group while an earlier one of that group is in flight.
                for _ in range(max(source.maximum_concurrency, 1)):
                    poller = SqsPoller(runtime, sqs, function, source, model.queues[source.queue])
                    self.pollers.append(poller)
                    poller.start()

    def _write_endpoints(self) -> None:
        self.endpoints = {
            "aws_endpoint_url": self.urls["aws"],
            "aws_region": self.region,
            "gateway_url": self.urls["gateway"],
            **{f"{name}_url": self.urls[name] for name in self.emulators},
            **self._resolve(self._endpoints),
        }
        if self.state_dir is not None:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            target = self.state_dir / "endpoints.json"
            tmp = target.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.endpoints, indent=2, ensure_ascii=False), encoding="utf-8")
            tmp.replace(target)  # a reader never sees half a file

    def _resolve(self, value: Deferred | None) -> dict[str, str]:
        if value is None:
            return {}
        return dict(value(self) if callable(value) else value)

    def _wait_answering(self, timeout: float = 10.0) -> None:
        """Every HTTP service answers (any status) before endpoints.json tells anyone about it."""
        probes = {"gateway": self.urls["gateway"] + "/", "aws": self.urls["aws"] + "/moto-api/"}
        probes.update({n: self.urls[n] + e.probe_path for n, e in self.emulators.items()})
        deadline = time.monotonic() + timeout
        for name, url in probes.items():
            while True:
                try:
                    httpx.get(url, timeout=2.0)
                    break
                except httpx.HTTPError as exc:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{name} at {url} does not answer: {exc}") from exc
                    time.sleep(0.05)

    def stop(self) -> None:
        """Stop everything this stack started, in reverse order; safe to call twice."""
        if self.scheduler is not None:
            self.scheduler.stop()
        for poller in self.pollers:
            poller.stop()
        for poller in self.pollers:
            poller.join()
        self.pollers.clear()
        if self.gateway is not None:
            self.gateway.stop()
            self.gateway = None
        for emulator in reversed(self._started_emulators):
            if emulator.on_stop is not None:
                try:
                    emulator.on_stop()
                except Exception:
                    log.exception("an emulator failed to stop")
        self._started_emulators.clear()
        for served in reversed(self._served):
            served.stop()
        self._served.clear()
        if self.runtime is not None:
            self.runtime.uninstall()
        self.aws.stop()
        with SandboxStack._running_lock:
            if SandboxStack._running is self:
                SandboxStack._running = None

    # -- waiting -------------------------------------------------------------------------------------
    def busy(self) -> list[str]:
        """What is still going on (empty = idle): handlers running, messages on consumed queues, emulators."""
        reasons = []
        if self.runtime is not None and self.runtime.activity.in_flight:
            reasons.append(f"{self.runtime.activity.in_flight} invocation(s) running")
        for queue_id in dict.fromkeys(p.source.queue for p in self.pollers):
            depth = self.aws.queue_depth(self.queue_url(queue_id))
            if depth:
                reasons.append(f"{depth} message(s) on {queue_id}")
        for name, emulator in self.emulators.items():
            if emulator.is_idle is not None and not emulator.is_idle():
                reasons.append(f"{name} is busy")
        return reasons

    def wait_until_idle(self, timeout: float = 30.0, *, settle: float = 0.1) -> None:
        """Return once nothing is running and the consumed queues are empty, twice in a row ``settle``
        apart (a webhook can be between its sender and the gateway); else raise ``TimeoutError``."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while True:
            reasons = self.busy()
            quiet = 0 if reasons else quiet + 1
            if quiet >= 2:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"not idle after {timeout} s: {'; '.join(reasons) or 'settling'}")
            time.sleep(settle)

    # -- conveniences --------------------------------------------------------------------------------
    def _require_model(self) -> LocalTemplate:
        if self.model is None:
            raise RuntimeError("the stack is not started")
        return self.model

    def queue_url(self, logical_id: str) -> str:
        return self._require_model().queues[logical_id].url

    def table_name(self, logical_id: str) -> str:
        return self._require_model().tables[logical_id].name

    def client(self, service: str) -> Any:
        """A boto3 client of the local AWS."""
        return self.aws.client(service)

    def url(self, path: str = "/") -> str:
        """A URL of the local API (the gateway)."""
        return self.urls["gateway"] + "/" + path.lstrip("/")

    def invoke(self, logical_id: str, event: Any) -> Invocation:
        """Invoke a function directly (``aws lambda invoke``)."""
        if self.runtime is None:
            raise RuntimeError("the stack is not started")
        return self.runtime.invoke(logical_id, event)

    def fire_schedule(self, key: str) -> Invocation:
        """Fire a schedule (``Function.Event`` or a function's logical id) now, whatever its timing."""
        if self.scheduler is None:
            raise RuntimeError("the stack is not started")
        return self.scheduler.fire_now(key)

    def invocations(self, function: str | None = None) -> list[Invocation]:
        if self.runtime is None:
            return []
        return [c for c in list(self.runtime.invocations) if function is None or c.function == function]
