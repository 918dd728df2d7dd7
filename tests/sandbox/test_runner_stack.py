"""The local runner end to end on loopback: moto, the gateway, the poller and the schedules run the
fixture template's handlers as AWS would (tests/sandbox/fixtures/runner)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.runner.stack import Emulator, SandboxStack

FIXTURES = Path(__file__).parent / "fixtures" / "runner"
TOKEN = "s3cret-token"


def records(stack: SandboxStack, pk: str) -> list[dict[str, str]]:
    answer = stack.client("dynamodb").query(
        TableName=stack.table_name("Table"),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
    )
    return [{k: v["S"] for k, v in item.items()} for item in answer["Items"]]  # sorted by sk = arrival


def wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxStack]:
    state_dir = tmp_path_factory.mktemp("sandbox")

    def hello(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("content-type", "text/plain")])
        return [b"emulator"]

    with SandboxStack(
        FIXTURES / "template.yaml",
        secure_parameters=lambda s: {"/runner-test/webhook-token": TOKEN},
        emulators={"fake": Emulator(app=hello)},
        endpoints=lambda s: {"webhook_url": s.url(f"/webhook/{TOKEN}")},
        state_dir=state_dir,
        schedule_speedup=120,  # rate(1 minute) fires every half second
    ) as running:
        yield running


def post(stack: SandboxStack, order: int, n: int, **extra: Any) -> httpx.Response:
    return httpx.post(
        stack.url(f"/webhook/{TOKEN}?x=1&x=2"),
        json={"order": order, "n": n, **extra},
        headers={"X-Custom": "yes"},
        timeout=10,
    )


def test_gateway_gives_the_handler_a_v2_event_and_maps_its_answer(stack: SandboxStack) -> None:
    answer = post(stack, order=1, n=1)
    assert answer.status_code == 202
    assert answer.headers["x-role"] == "receiver"
    assert answer.headers["set-cookie"] == "seen=1"
    assert answer.headers["apigw-requestid"]
    body = answer.json()
    assert body["token"] == TOKEN
    assert body["contentType"] == "application/json"
    assert body["query"] == {"x": "1,2"}  # payload 2.0 joins repeated parameters with commas
    assert body["roleAtImport"] == "receiver"  # the function's own environment, already at import
    assert body["functionName"] == "runner-receiver-test"
    assert body["memory"] == "256"
    assert 0 < body["remainingMs"] <= 10_000
    stack.wait_until_idle(10)


def test_echoed_event_has_the_v2_shape(stack: SandboxStack) -> None:
    answer = httpx.put(
        stack.url("/echo/a/b%20c?q=1"),
        content=b"\x00\x01binary",
        headers={"Content-Type": "application/octet-stream", "Cookie": "a=1; b=2"},
    )
    event = answer.json()
    assert event["version"] == "2.0"
    assert event["routeKey"] == "ANY /echo/{proxy+}"
    assert event["rawPath"] == "/echo/a/b%20c"
    assert event["rawQueryString"] == "q=1"
    assert event["pathParameters"] == {"proxy": "a/b c"}
    assert event["cookies"] == ["a=1", "b=2"] and "cookie" not in event["headers"]
    assert event["isBase64Encoded"] is True
    import base64

    assert base64.b64decode(event["body"]) == b"\x00\x01binary"
    context = event["requestContext"]
    assert context["http"]["method"] == "PUT"
    assert context["http"]["sourceIp"] == "127.0.0.1"
    assert context["stage"] == "$default"
    assert context["routeKey"] == "ANY /echo/{proxy+}"
    assert isinstance(context["timeEpoch"], int)
    assert context["requestId"] == answer.headers["apigw-requestid"]


def test_gateway_answers_like_api_gateway_on_its_own(stack: SandboxStack) -> None:
    assert httpx.get(stack.url("/plain")).json() == {"hello": "world"}  # no statusCode: a 200 JSON body
    missing = httpx.get(stack.url("/nowhere"))
    assert (missing.status_code, missing.json()) == (404, {"message": "Not Found"})
    wrong_method = httpx.get(stack.url(f"/webhook/{TOKEN}"))
    assert wrong_method.status_code == 404
    boom = httpx.get(stack.url("/boom"))
    assert (boom.status_code, boom.json()) == (500, {"message": "Internal Server Error"})
    failed = [c for c in stack.invocations("ReceiverFunction") if not c.ok]
    assert failed[-1].error is not None and failed[-1].error["errorMessage"] == "boom"
    big = httpx.post(stack.url(f"/webhook/{TOKEN}"), content=b"x" * (10 * 1024 * 1024 + 1), timeout=30)
    assert (big.status_code, big.json()) == (413, {"message": "Request Entity Too Large"})


def test_bad_token_is_the_handlers_answer(stack: SandboxStack) -> None:
    answer = httpx.post(stack.url("/webhook/wrong"), json={"order": 9, "n": 1})
    assert answer.status_code == 403


def test_poller_keeps_fifo_order_per_group(stack: SandboxStack) -> None:
    # Two groups sent interleaved from parallel clients; each group's own order must hold.
    def send(order: int) -> None:
        for n in range(1, 8):
            assert post(stack, order=order, n=n).status_code == 202

    threads = [threading.Thread(target=send, args=(order,)) for order in (101, 102)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stack.wait_until_idle(15)
    for order in (101, 102):
        seen = records(stack, f"group#{order}")
        assert [int(r["n"]) for r in seen] == list(range(1, 8))
        assert {r["role"] for r in seen} == {"consumer"}
        assert {r["source"] for r in seen} == {"webhook"}
        assert {r["event_source"] for r in seen} == {"aws:sqs"}
        assert seen[0]["arn"].startswith("arn:aws:sqs:eu-central-1:123456789012:runner-test.fifo")


def test_a_failed_message_is_retried_then_dead_lettered(stack: SandboxStack) -> None:
    assert post(stack, order=201, n=1, fail=True).status_code == 202
    assert post(stack, order=202, n=1).status_code == 202
    stack.wait_until_idle(20)
    attempts = records(stack, "group#201")
    assert [r["receive_count"] for r in attempts] == ["1", "2"]  # maxReceiveCount = 2
    assert len(records(stack, "group#202")) == 1  # its batch neighbour was deleted, not retried
    dlq = stack.client("sqs").receive_message(
        QueueUrl=stack.queue_url("DeadLetterQueue"),
        MaxNumberOfMessages=10,
        MessageSystemAttributeNames=["All"],
    )
    bodies = [json.loads(m["Body"]) for m in dlq.get("Messages", [])]
    assert bodies == [{"order": 201, "n": 1, "fail": True}]


def test_schedules_fire_with_the_eventbridge_payload(stack: SandboxStack) -> None:
    wait_for(lambda: len(records(stack, "schedule")) >= 2)
    tick = json.loads(records(stack, "schedule")[0]["event"])
    assert tick["detail-type"] == "Scheduled Event"
    assert tick["source"] == "aws.events"
    assert tick["detail"] == {}
    assert tick["resources"][0].startswith("arn:aws:events:eu-central-1:123456789012:rule/")
    assert records(stack, "schedule")[0]["role"] == "-"  # ROLE belongs to the other functions only
    nightly = stack.fire_schedule("ScheduledFunction.Nightly")
    assert nightly.ok
    assert nightly.event["job"] == "nightly" and nightly.event["at"].endswith("Z")


def test_endpoints_file_is_written(stack: SandboxStack) -> None:
    assert stack.state_dir is not None
    endpoints = json.loads((stack.state_dir / "endpoints.json").read_text(encoding="utf-8"))
    assert endpoints["webhook_url"] == f"{endpoints['gateway_url']}/webhook/{TOKEN}"
    assert endpoints["aws_endpoint_url"].startswith("http://127.0.0.1:")
    assert httpx.get(endpoints["fake_url"]).text == "emulator"
    assert stack.client("ssm").get_parameter(Name="/runner-test/greeting")["Parameter"]["Value"] == "hello"


def test_wait_until_idle_times_out_while_work_remains(stack: SandboxStack) -> None:
    assert stack.runtime is not None
    with stack.runtime.activity.busy(), pytest.raises(TimeoutError, match="invocation"):
        stack.wait_until_idle(0.3)
    stack.wait_until_idle(5)


def test_stop_releases_everything(tmp_path: Path) -> None:
    # Run last in this module? No: a second stack must refuse while the module's one runs.
    with pytest.raises(RuntimeError, match="already running"):
        SandboxStack(FIXTURES / "template.yaml", state_dir=tmp_path).start()
