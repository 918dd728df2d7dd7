"""Property-based fuzzing of every HTTP endpoint of the product, in process against moto.

Endpoints: ``POST /webhook/{token}`` (webhook receiver) and ``POST /catalog-trigger/{token}`` (catalog
push's on-save trigger). Whatever arrives — arbitrary bytes, JSON of any shape, webhook envelopes with
one field mutated, huge or deeply nested bodies, odd content types, base64 bodies, wrong tokens — the
answer is a 2xx or a 4xx with a reason, never a 5xx; a 4xx stores nothing (no SQS message, no DynamoDB
item, no S3 object), and a 2xx stores only what that endpoint is for.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.integration.http_endpoints import (
    ACCOUNT,
    OLD_WEBHOOK_TOKEN,
    SAMPLE_BODY,
    TRIGGER_TOKEN,
    WEBHOOK_TOKEN,
    Endpoints,
    Stored,
    call_trigger,
    call_webhook,
    open_endpoints,
)

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure prints its example as is
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def endpoints(monkeypatch: pytest.MonkeyPatch) -> Iterator[Endpoints]:
    yield from open_endpoints(monkeypatch)


# --- strategies ------------------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**18, max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["", " ", "0", "-1", "1e5", "1e400", "NaN", "\ud800", "\u0000", "\ufffe", "\u202e"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)

ENVELOPE_FIELDS = [
    ("info",),
    ("info", "webhookType"),
    ("info", "webhookEvent"),
    ("info", "account"),
    ("data",),
    ("data", "id"),
    ("data", "version"),
    ("data", "statusId"),
    ("data", "updateAt"),
    ("data", "formId"),
    ("data", "contacts"),
    ("data", "products"),
    ("data", "comment"),
]


@st.composite
def near_valid_envelopes(draw: st.DrawFn) -> str:
    """The sample webhook with one or two fields replaced by a value of any type, or removed."""
    body = copy.deepcopy(SAMPLE_BODY)
    for _ in range(draw(st.integers(min_value=1, max_value=2))):
        path = draw(st.sampled_from(ENVELOPE_FIELDS))
        parent = body
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None  # type: ignore[assignment]
        if not isinstance(parent, dict):
            continue
        if draw(st.booleans()) and path[-1] in parent:
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
    compact = draw(st.booleans())
    return json.dumps(body, ensure_ascii=draw(st.booleans()), separators=(",", ":") if compact else None)


@st.composite
def trigger_bodies(draw: st.DrawFn) -> str:
    """What UTP's subscription sends, with GUIDs, near-GUIDs and injection attempts mixed in."""
    key = st.uuids().map(str) | st.sampled_from(["", "x' or 1 eq 1", "00000000-0000-0000-0000-00000000000g"])
    body: dict[str, object] = {}
    if draw(st.booleans()):
        body["type"] = draw(
            st.sampled_from(["Catalog_Номенклатура", "Document_УстановкаЦенНоменклатуры", ""])
        )
    if draw(st.booleans()):
        body["ref"] = draw(key | json_values)
    if draw(st.booleans()):
        body["products"] = draw(st.lists(key, max_size=5) | json_values)
    return json.dumps(body, ensure_ascii=draw(st.booleans()))


def huge_bodies() -> st.SearchStrategy[str]:
    big_comment = copy.deepcopy(SAMPLE_BODY)
    big_comment["data"]["comment"] = "ї" * (110 * 1024)  # 220 KiB of UTF-8, over the limit
    near_limit = copy.deepcopy(SAMPLE_BODY)
    # Under the byte limit as sent compactly, but numbers re-serialised at twice their length.
    near_limit["data"]["noise"] = "[" + ",".join(["1E5"] * 45_000) + "]"
    compact_numbers = (
        json.dumps(near_limit, separators=(",", ":")).replace('"[1E5', "[1E5").replace('1E5]"', "1E5]")
    )
    return st.sampled_from(
        [
            "x" * (300 * 1024),
            json.dumps(big_comment, ensure_ascii=False),
            compact_numbers,
            "[" * 150_000,
            '{"a":' * 60_000 + "1" + "}" * 60_000,
            json.dumps({"info": {"webhookType": "order"}, "data": [[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]}),
            "9" * 5000,
            json.dumps({**SAMPLE_BODY, "data": {**SAMPLE_BODY["data"], "id": "1e1000000"}}),
        ]
    )


bodies = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400),
    json_values.map(json.dumps),
    near_valid_envelopes(),
    huge_bodies(),
)

content_types = st.sampled_from(
    [
        None,
        "application/json",
        "application/json; charset=windows-1251",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "",
        "application/json\r\nX-Injected: 1",
    ]
)


def bad_tokens(real: str, other: str) -> st.SearchStrategy[str]:
    near = [real[:-1], real + "x", real.upper(), " " + real, real + " ", real[1:], other, f"{real},{other}"]
    return st.sampled_from(near) | st.text(min_size=1, max_size=80).filter(lambda t: t not in (real, other))


# --- invariants ------------------------------------------------------------------------------------


def check(answer: dict[str, Any], before: Stored, after: Stored, *, allowed: Stored) -> int:
    """2xx or 4xx only; a 4xx changes nothing; a 2xx changes at most ``allowed``."""
    status = int(answer["statusCode"])
    assert 200 <= status < 500, answer
    if status >= 400:
        assert after == before, (answer, before, after)
        if status != 404:  # 404 is the resolver's "no such route", whose body says so itself
            assert json.loads(answer["body"])["reason"]
    else:
        assert before.queued <= after.queued <= before.queued + allowed.queued, (answer, before, after)
        assert before.items <= after.items <= before.items + allowed.items, (answer, before, after)
        assert after.objects == before.objects + 0 * allowed.objects, (answer, before, after)
    return status


@FUZZ
@given(body=bodies, content_type=content_types, base64_body=st.booleans())
def test_webhook_with_the_right_token_answers_2xx_or_4xx_and_enqueues_only_an_accepted_order(
    endpoints: Endpoints, body: str | bytes, content_type: str | None, base64_body: bool
) -> None:
    before = endpoints.snapshot()
    answer = call_webhook(endpoints, WEBHOOK_TOKEN, body, content_type=content_type, base64_body=base64_body)
    after = endpoints.snapshot()
    status = check(answer, before, after, allowed=Stored(queued=1, items=0, objects=0))
    if status < 300 and json.loads(answer["body"]).get("accepted") is not True:
        assert after == before  # "ignored" events are acknowledged, not enqueued
    if after.queued > before.queued:
        assert json.loads(answer["body"])["accepted"] is True


@FUZZ
@given(
    token=bad_tokens(WEBHOOK_TOKEN, TRIGGER_TOKEN), body=st.sampled_from([json.dumps(SAMPLE_BODY)]) | bodies
)
def test_webhook_with_a_wrong_token_is_refused_whatever_the_body(
    endpoints: Endpoints, token: str, body: str | bytes
) -> None:
    before = endpoints.snapshot()
    answer = call_webhook(endpoints, token, body)
    assert answer["statusCode"] in (403, 404), answer
    assert endpoints.snapshot() == before


@FUZZ
@given(body=bodies | trigger_bodies() | st.none(), content_type=content_types, base64_body=st.booleans())
def test_catalog_trigger_with_the_right_token_queues_products_or_requests_one_full_push(
    endpoints: Endpoints, body: str | bytes | None, content_type: str | None, base64_body: bool
) -> None:
    before = endpoints.snapshot()
    answer = call_trigger(endpoints, TRIGGER_TOKEN, body, content_type=content_type, base64_body=base64_body)
    after = endpoints.snapshot()
    status = check(answer, before, after, allowed=Stored(queued=1, items=1, objects=0))
    if status < 300:
        answered = json.loads(answer["body"])
        assert status == 202 and answered["accepted"] is True
        if "products" in answered:  # products: one message on the change queue, nothing else
            assert (after.queued, after.items) == (before.queued + 1, before.items)
            [message] = endpoints.change_messages()
            assert len(message["products"]) == answered["products"] >= 1
        else:  # nothing named: one full-push request
            assert after.queued == before.queued  # (the request is one item, rewritten by later examples)
            [request] = endpoints.dynamodb.scan(TableName="bridge-test")["Items"]
            stored = json.dumps(request)
            assert "catalog-trigger" in stored and answered["requested_at"] in stored
            assert len(json.dumps(request, ensure_ascii=False)) < 1000  # the detail is cut to 200 chars


@FUZZ
@given(token=bad_tokens(TRIGGER_TOKEN, WEBHOOK_TOKEN), body=bodies | st.none())
def test_catalog_trigger_with_a_wrong_token_is_refused_and_records_nothing(
    endpoints: Endpoints, token: str, body: str | bytes | None
) -> None:
    before = endpoints.snapshot()
    answer = call_trigger(endpoints, token, body)
    assert answer["statusCode"] in (403, 404), answer
    assert endpoints.snapshot() == before


def test_a_valid_webhook_is_enqueued_once_with_its_body_intact(endpoints: Endpoints) -> None:
    """The positive control of the properties above: the harness does enqueue what it should."""
    answer = call_webhook(endpoints, WEBHOOK_TOKEN, json.dumps(SAMPLE_BODY, ensure_ascii=False))
    assert answer["statusCode"] == 200 and json.loads(answer["body"]) == {"accepted": True, "orderId": 10452}
    assert endpoints.queued_bodies() == [SAMPLE_BODY]
    assert call_webhook(endpoints, OLD_WEBHOOK_TOKEN, json.dumps(SAMPLE_BODY))["statusCode"] == 200
    assert endpoints.snapshot().items == 0 and endpoints.snapshot().objects == 0


def test_the_webhook_token_does_not_open_the_catalog_trigger_nor_the_reverse(endpoints: Endpoints) -> None:
    assert call_trigger(endpoints, WEBHOOK_TOKEN, "{}")["statusCode"] == 403
    assert call_webhook(endpoints, TRIGGER_TOKEN, json.dumps(SAMPLE_BODY))["statusCode"] == 403
    assert endpoints.snapshot() == Stored(0, 0, 0)
    assert call_trigger(endpoints, TRIGGER_TOKEN, '{"ref": "x"}')["statusCode"] == 202  # names no product
    assert endpoints.snapshot() == Stored(0, 1, 0)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("[" * 150_000, 400),  # nesting deeper than the JSON parser's recursion limit
        ('{"a":' * 30_000 + "1" + "}" * 30_000, 400),
        (json.dumps({**SAMPLE_BODY, "data": {**SAMPLE_BODY["data"], "id": 10**200}}), 422),
        (json.dumps({**SAMPLE_BODY, "data": {**SAMPLE_BODY["data"], "id": "1e1000000"}}), 422),
        (json.dumps({**SAMPLE_BODY, "data": {**SAMPLE_BODY["data"], "comment": "\ud800"}}), 200),
        (json.dumps({**SAMPLE_BODY, "data": {**SAMPLE_BODY["data"], "comment": "a\ufffeb"}}), 200),
    ],
)
def test_pathological_webhooks_found_by_fuzzing(endpoints: Endpoints, body: str, status: int) -> None:
    answer = call_webhook(endpoints, WEBHOOK_TOKEN, body)
    assert answer["statusCode"] == status, answer
    if status == 200:
        [queued] = endpoints.queued_bodies()
        assert queued == json.loads(body)  # the odd characters reach the deal processor unchanged
    else:
        assert endpoints.snapshot() == Stored(0, 0, 0)


@pytest.mark.parametrize("raw", [b"\xff\xfe not utf-8", b'{"info": "\xc3\x28"}'])
def test_a_base64_body_that_is_not_utf8_is_refused_by_both_endpoints(
    endpoints: Endpoints, raw: bytes
) -> None:
    assert call_webhook(endpoints, WEBHOOK_TOKEN, raw)["statusCode"] == 400
    assert call_webhook(endpoints, "wrong", raw)["statusCode"] == 403  # the token is still checked first
    answer = call_trigger(endpoints, TRIGGER_TOKEN, raw)
    assert answer["statusCode"] == 400 and "UTF-8" in json.loads(answer["body"])["reason"]
    assert call_trigger(endpoints, "wrong", raw)["statusCode"] == 403
    assert endpoints.snapshot() == Stored(0, 0, 0)


def test_a_body_flagged_base64_that_is_not_base64_is_never_a_5xx(endpoints: Endpoints) -> None:
    from tests.integration.http_endpoints import TRIGGER_EVENT, WEBHOOK_EVENT, Context, http_event

    answers = []
    for module, template, route, token in (
        (endpoints.receiver, WEBHOOK_EVENT, "webhook", WEBHOOK_TOKEN),
        (endpoints.catalog, TRIGGER_EVENT, "catalog-trigger", TRIGGER_TOKEN),
    ):
        event = http_event(template, route, token, "{}")
        event["body"], event["isBase64Encoded"] = "%%% not base64 %%%", True
        answers.append(module.lambda_handler(event, Context())["statusCode"])
    assert answers == [400, 400]
    assert endpoints.snapshot() == Stored(0, 0, 0)


def test_the_sample_trigger_event_queues_its_product(endpoints: Endpoints) -> None:
    from tests.integration.http_endpoints import TRIGGER_EVENT, Context, http_event

    event = http_event(TRIGGER_EVENT, "catalog-trigger", TRIGGER_TOKEN, TRIGGER_EVENT["body"])
    answer = endpoints.catalog.lambda_handler(event, Context())
    assert answer["statusCode"] == 202 and json.loads(answer["body"]) == {"accepted": True, "products": 1}
    [message] = endpoints.change_messages()
    assert message["products"] == ["5f0c3b1e-8a4d-4c1e-9b7a-2d6e1f3a9c01"]
    assert endpoints.snapshot() == Stored(1, 0, 0)


def test_account_mismatch_never_enqueues(endpoints: Endpoints) -> None:
    body = copy.deepcopy(SAMPLE_BODY)
    body["info"]["account"] = ACCOUNT.upper()
    assert call_webhook(endpoints, WEBHOOK_TOKEN, json.dumps(body))["statusCode"] == 403
    assert endpoints.snapshot() == Stored(0, 0, 0)
