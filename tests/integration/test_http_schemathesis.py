"""Schema-driven fuzzing: schemathesis generates requests from ``http_endpoints.openapi.yaml`` (valid
and invalid bodies, tokens, media types) and sends them, in process, to the real handlers behind a tiny WSGI
adapter that builds the API Gateway v2 event as the HTTP API does. Every answer is a 2xx or a 4xx
(schemathesis' own ``not_a_server_error`` check plus ours), and a 4xx stores nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from werkzeug.wrappers import Request, Response

from tests.integration.http_endpoints import (
    TRIGGER_TOKEN,
    WEBHOOK_TOKEN,
    Endpoints,
    call_trigger,
    call_webhook,
    open_endpoints,
)

SCHEMA_PATH = Path(__file__).resolve().with_name("http_endpoints.openapi.yaml")
SCHEMA = schemathesis.openapi.from_path(SCHEMA_PATH)
OPERATIONS: dict[str, Any] = {op.ok().path: op.ok() for op in SCHEMA.get_all_operations()}  # type: ignore[union-attr]


@pytest.fixture
def endpoints(monkeypatch: pytest.MonkeyPatch) -> Iterator[Endpoints]:
    yield from open_endpoints(monkeypatch)


def gateway(endpoints: Endpoints) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """WSGI app: request → API Gateway v2 event → the handler owning the route → response."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        route, _, token = request.path.strip("/").partition("/")
        call = {"webhook": call_webhook, "catalog-trigger": call_trigger}.get(route)
        if call is None or request.method != "POST":
            return Response(status=404)(environ, start_response)
        raw = request.get_data()
        try:
            body: str | bytes = raw.decode("utf-8")  # what API Gateway passes as text
        except UnicodeDecodeError:
            body = raw  # and as base64 otherwise
        answer = call(
            endpoints, token, body, content_type=request.content_type, headers=dict(request.headers)
        )
        response = Response(
            answer.get("body") or "", status=answer["statusCode"], headers=answer.get("headers")
        )
        return response(environ, start_response)

    return app


ST_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def check_case(endpoints: Endpoints, case: Any, token: str | None) -> int:
    if token is not None:
        case.path_parameters = {"token": token}
    before = endpoints.snapshot()
    response = case.call(app=gateway(endpoints))
    after = endpoints.snapshot()
    case.validate_response(response, checks=[not_a_server_error])
    assert 200 <= response.status_code < 500, (response.status_code, response.text)
    if response.status_code >= 400:
        assert after == before, (response.status_code, response.text)
        if response.status_code != 404:  # no such route (a token with "/"): nothing ran to give a reason
            assert json.loads(response.text)["reason"]
    return int(response.status_code)


@ST_SETTINGS
@given(
    case=OPERATIONS["/webhook/{token}"].as_strategy()
    | OPERATIONS["/webhook/{token}"].as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
    token=st.sampled_from([WEBHOOK_TOKEN, None]),
)
def test_webhook_schema_fuzzing(endpoints: Endpoints, case: Any, token: str | None) -> None:
    status = check_case(endpoints, case, token)
    if token is None:
        assert status in (403, 404)


@ST_SETTINGS
@given(
    case=OPERATIONS["/catalog-trigger/{token}"].as_strategy()
    | OPERATIONS["/catalog-trigger/{token}"].as_strategy(
        generation_mode=schemathesis.GenerationMode.NEGATIVE
    ),
    token=st.sampled_from([TRIGGER_TOKEN, None]),
)
def test_catalog_trigger_schema_fuzzing(endpoints: Endpoints, case: Any, token: str | None) -> None:
    status = check_case(endpoints, case, token)
    assert status in ((202, 400, 403) if token else (403, 404))
