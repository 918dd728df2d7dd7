"""A local API Gateway: HTTP requests → the template's ``HttpApi``/``Api`` routes → handler events.

``HttpApi`` routes get the HTTP API payload format 2.0 (or 1.0 when the event asks for it), ``Api``
routes the REST API proxy format 1.0. The handler's answer is mapped back with API Gateway's rules,
including its own error answers (404 for no route, 413 above 10 MB, 500 when the function fails).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.datastructures import Headers
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from sandbox.runner.lambdas import FunctionRuntime
from sandbox.runner.template import FunctionSpec, HttpRoute

log = logging.getLogger("sandbox.runner.gateway")

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
MAX_INVOKE_BYTES = 6 * 1024 * 1024  # Lambda's synchronous invocation payload limit
HTTP_API_TIMEOUT_MS = 30_000  # HTTP API's integration timeout
API_ID = "sandbox"

_TEXT_TYPES = re.compile(
    r"^(text/.*|application/(json|.*\+json|xml|.*\+xml|javascript|ecmascript|graphql|x-ndjson)|.*/.*\+xml)$"
)


@dataclass(frozen=True)
class _CompiledRoute:
    route: HttpRoute
    function: FunctionSpec
    pattern: re.Pattern[str] | None  # None: the $default route
    names: tuple[str, ...]
    rank: tuple[int, int, int]  # smaller wins


def _compile(route: HttpRoute, function: FunctionSpec) -> _CompiledRoute:
    if route.path == "$default":
        return _CompiledRoute(route, function, None, (), (3, 0, 0))
    names: list[str] = []
    parts = []
    greedy = False
    literal = 0
    for segment in route.path.strip("/").split("/"):
        m = re.fullmatch(r"\{([^}]+?)(\+?)\}", segment)
        if m:
            names.append(m.group(1))
            greedy = greedy or bool(m.group(2))
            parts.append(f"(?P<g{len(names) - 1}>{'.+' if m.group(2) else '[^/]+'})")
        else:
            literal += 1
            parts.append(re.escape(segment))
    pattern = re.compile("/" + "/".join(parts))
    # API Gateway: an exact route beats one with variables, which beats a greedy one; a method beats ANY.
    kind = 2 if greedy else (1 if names else 0)
    return _CompiledRoute(route, function, pattern, tuple(names), (kind, -literal, route.method == "ANY"))


def _json_response(status: int, message: str, request_id: str) -> Response:
    return Response(
        json.dumps({"message": message}),
        status=status,
        headers={"content-type": "application/json", "apigw-requestid": request_id},
    )


class Gateway:
    """WSGI app of the local API; ``serve()`` runs it threaded on loopback."""

    def __init__(self, runtime: FunctionRuntime, *, region: str, account: str) -> None:
        self.runtime = runtime
        self.region = region
        self.account = account
        self.routes = sorted(
            (_compile(r, f) for r, f in runtime.model.routes),
            key=lambda c: c.rank,
        )
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # -- routing -------------------------------------------------------------------------------------
    def match(self, method: str, path: str) -> tuple[_CompiledRoute, dict[str, str]] | None:
        for compiled in self.routes:
            if compiled.route.method not in ("ANY", method):
                continue
            if compiled.pattern is None:
                return compiled, {}
            m = compiled.pattern.fullmatch(path)
            if m:
                return compiled, {name: m.group(f"g{i}") for i, name in enumerate(compiled.names)}
        return None

    # -- WSGI ----------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        with self.runtime.activity.busy():  # the whole request counts, not just the handler
            response = self.handle(request)
        log.info("%s %s -> %s", request.method, request.path, response.status_code)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        request_id = base64.b32encode(uuid.uuid4().bytes[:10]).decode().rstrip("=")
        body = request.stream.read(MAX_REQUEST_BYTES + 1)
        if len(body) > MAX_REQUEST_BYTES:
            while request.stream.read(1 << 20):  # drain, so the client reads the answer, not a reset
                pass
            return _json_response(413, "Request Entity Too Large", request_id)
        found = self.match(request.method.upper(), request.path)
        if found is None:
            return _json_response(404, "Not Found", request_id)
        compiled, params = found
        route = compiled.route
        if route.api == "HttpApi" and route.payload_version == "2.0":
            event = self.event_v2(request, body, route, params, request_id)
        else:
            event = self.event_v1(request, body, route, params, request_id)
        if len(json.dumps(event)) > MAX_INVOKE_BYTES:
            # Lambda refuses the invocation (RequestEntityTooLarge); the client sees a 413.
            return _json_response(413, "Request Entity Too Large", request_id)
        call = self.runtime.invoke(compiled.function.logical_id, event, source="http")
        if route.api == "HttpApi" and call.duration_ms > HTTP_API_TIMEOUT_MS:
            return _json_response(503, "Service Unavailable", request_id)
        if not call.ok:
            if route.api == "Api":
                return _json_response(502, "Internal server error", request_id)
            return _json_response(500, "Internal Server Error", request_id)
        try:
            if route.api == "HttpApi" and route.payload_version == "2.0":
                response = response_v2(call.result)
            else:
                response = response_v1(call.result)
        except (TypeError, ValueError, KeyError):
            if route.api == "Api":
                return _json_response(502, "Internal server error", request_id)
            return _json_response(500, "Internal Server Error", request_id)
        response.headers["apigw-requestid"] = request_id
        return response

    # -- events --------------------------------------------------------------------------------------
    @staticmethod
    def _body(request: Request, body: bytes) -> tuple[str | None, bool]:
        if not body:
            return None, False
        mimetype = (request.mimetype or "").lower()
        if mimetype and _TEXT_TYPES.match(mimetype):
            try:
                return body.decode("utf-8"), False
            except UnicodeDecodeError:
                pass
        return base64.b64encode(body).decode("ascii"), True

    @staticmethod
    def _raw_path(request: Request) -> str:
        raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
        return str(raw).split("?", 1)[0] if raw else request.path

    def event_v2(
        self, request: Request, body: bytes, route: HttpRoute, params: dict[str, str], request_id: str
    ) -> dict[str, Any]:
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for name, value in request.headers.items():
            key = name.lower()
            if key == "cookie":
                # Payload 2.0 moves cookies out of the headers into their own list.
                cookies.extend(c.strip() for c in value.split(";") if c.strip())
                continue
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        query: dict[str, str] = {}
        for key, value in parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True):
            query[key] = f"{query[key]},{value}" if key in query else value
        now = datetime.now(UTC)
        raw_path = self._raw_path(request)
        host = headers.get("host", "")
        text, is_base64 = self._body(request, body)
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route.route_key,
            "rawPath": raw_path,
            "rawQueryString": request.query_string.decode("latin-1"),
        }
        if cookies:
            event["cookies"] = cookies
        event["headers"] = headers
        if query:
            event["queryStringParameters"] = query
        event["requestContext"] = {
            "accountId": self.account,
            "apiId": API_ID,
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0].split(":", 1)[0],
            "http": {
                "method": request.method.upper(),
                "path": raw_path,
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route.route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        }
        if params:
            event["pathParameters"] = params
        if text is not None:
            event["body"] = text
        event["isBase64Encoded"] = is_base64
        return event

    def event_v1(
        self, request: Request, body: bytes, route: HttpRoute, params: dict[str, str], request_id: str
    ) -> dict[str, Any]:
        headers: dict[str, str] = {}
        multi_headers: dict[str, list[str]] = {}
        for name, value in request.headers.items():
            headers[name] = value
            multi_headers.setdefault(name, []).append(value)
        pairs = parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True)
        multi_query: dict[str, list[str]] = {}
        for key, value in pairs:
            multi_query.setdefault(key, []).append(value)
        now = datetime.now(UTC)
        stage = "$default" if route.api == "HttpApi" else "Prod"
        text, is_base64 = self._body(request, body)
        resource = "$default" if route.path == "$default" else route.path
        event: dict[str, Any] = {
            "resource": resource,
            "path": request.path,
            "httpMethod": request.method.upper(),
            "headers": headers,
            "multiValueHeaders": multi_headers,
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": params or None,
            "stageVariables": None,
            "requestContext": {
                "accountId": self.account,
                "apiId": API_ID,
                "resourceId": "sandbox",
                "resourcePath": resource,
                "httpMethod": request.method.upper(),
                "path": f"/{stage}{request.path}" if route.api == "Api" else request.path,
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "stage": stage,
                "requestId": request_id,
                "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "requestTimeEpoch": int(now.timestamp() * 1000),
                "domainName": request.host,
                "identity": {
                    "sourceIp": request.remote_addr or "127.0.0.1",
                    "userAgent": request.user_agent.string,
                },
            },
            "body": text,
            "isBase64Encoded": is_base64,
        }
        if route.api == "HttpApi":
            event["version"] = "1.0"
            event["routeKey"] = route.route_key
        return event

    # -- serving -------------------------------------------------------------------------------------
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._server = make_server(host, port, self, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sandbox-gateway", daemon=True
        )
        self._thread.start()
        self.url = f"http://{host}:{self._server.server_port}"
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


def _headers(result: dict[str, Any]) -> Headers:
    headers = Headers()
    for name, value in (result.get("headers") or {}).items():
        headers.add(str(name), str(value))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            if (name, str(value)) not in headers.items():
                headers.add(str(name), str(value))
    return headers


def _body_bytes(result: dict[str, Any]) -> bytes:
    body = result.get("body")
    if body is None:
        return b""
    if result.get("isBase64Encoded"):
        return base64.b64decode(str(body))
    return str(body).encode("utf-8")


def response_v2(result: Any) -> Response:
    """Payload 2.0: a dict with ``statusCode`` is a response; anything else is a 200 JSON body."""
    if isinstance(result, dict) and "statusCode" in result:
        headers = _headers(result)
        for cookie in result.get("cookies") or []:
            headers.add("set-cookie", str(cookie))
        response = Response(_body_bytes(result), status=int(result["statusCode"]), headers=headers)
        if "content-type" not in {k.lower() for k in headers.keys()}:  # noqa: SIM118 - Headers is multi-valued
            del response.headers["Content-Type"]  # API Gateway adds none; Werkzeug would add text/plain
        return response
    body = result if isinstance(result, str) else json.dumps(result)
    return Response(body, status=200, headers={"content-type": "application/json"})


def response_v1(result: Any) -> Response:
    """Payload 1.0 (REST proxy): ``statusCode`` is required, else API Gateway answers 502."""
    if not isinstance(result, dict) or "statusCode" not in result:
        raise ValueError("malformed Lambda proxy response")
    response = Response(_body_bytes(result), status=int(result["statusCode"]), headers=_headers(result))
    if "content-type" not in {k.lower() for k in _headers(result).keys()}:  # noqa: SIM118
        response.headers["Content-Type"] = "application/json"
    return response
