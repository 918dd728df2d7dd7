"""The local runner's pieces on their own: template model, routing, response mapping, batch failure
rules, environment split, schedule arithmetic."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sandbox.runner.gateway import _compile, response_v2
from sandbox.runner.lambdas import Invocation, split_environment
from sandbox.runner.poller import failed_ids, sqs_event
from sandbox.runner.schedules import Cron, rate_seconds, scheduled_event
from sandbox.runner.template import HttpRoute, TemplateError, load

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "runner" / "template.yaml"
ENDPOINT = "http://127.0.0.1:4566"


def test_fixture_template_model() -> None:
    model = load(FIXTURE, endpoint_url=ENDPOINT)
    queue = model.queues["Queue"]
    assert queue.name == "runner-test.fifo" and queue.fifo
    assert queue.url == f"{ENDPOINT}/123456789012/runner-test.fifo"
    assert queue.dead_letter_queue == "DeadLetterQueue" and queue.max_receive_count == 2
    assert model.queues["DeadLetterQueue"].name == "sandbox-DeadLetterQueue.fifo"  # generated, still FIFO
    assert model.tables["Table"].ttl_attribute == "expires_at"
    assert model.ssm_parameters["Greeting"].value == "hello"  # !If on a condition
    receiver = model.functions["ReceiverFunction"]
    assert receiver.environment == {
        "TABLE": "runner-test",
        "PREFIX": "/runner-test",
        "QUEUE_URL": queue.url,
        "ROLE": "receiver",
    }
    assert receiver.memory_mb == 256 and receiver.timeout_s == 10
    assert receiver.layers == [FIXTURE.parent / "layer"]
    assert receiver.routes[0].route_key == "POST /webhook/{token}"
    consumer = model.functions["ConsumerFunction"]
    assert consumer.sqs[0].queue == "Queue" and consumer.sqs[0].report_batch_item_failures
    assert consumer.function_name == "sandbox-ConsumerFunction"
    nightly = model.functions["ScheduledFunction"].schedules[1]
    assert (nightly.kind, nightly.expression) == ("ScheduleV2", "cron(0 2 * * ? *)")


def test_parameter_overrides_and_unknown_ones() -> None:
    model = load(FIXTURE, endpoint_url=ENDPOINT, parameter_overrides={"Stage": "dev"})
    assert model.tables["Table"].name == "runner-dev"
    assert model.ssm_parameters["Greeting"].value == "bonjour"
    with pytest.raises(TemplateError, match="undeclared"):
        load(FIXTURE, endpoint_url=ENDPOINT, parameter_overrides={"Nope": "x"})


def test_the_products_template_loads() -> None:
    model = load(ROOT / "template.yaml", endpoint_url=ENDPOINT)
    assert model.queues and model.tables
    for function in model.functions.values():
        assert (function.code_uri / (function.handler_module.replace(".", "/") + ".py")).is_file()


def routes(*specs: tuple[str, str]) -> list[Any]:
    compiled = [_compile(HttpRoute("e", "HttpApi", m, p, "2.0"), None) for m, p in specs]  # type: ignore[arg-type]
    return sorted(compiled, key=lambda c: c.rank)


def match(table: list[Any], method: str, path: str) -> str | None:
    for c in table:
        if c.route.method in ("ANY", method) and (c.pattern is None or c.pattern.fullmatch(path)):
            return str(c.route.route_key)
    return None


def test_most_specific_route_wins() -> None:
    table = routes(
        ("ANY", "$default"),
        ("ANY", "/{proxy+}"),
        ("GET", "/pets/{id}"),
        ("GET", "/pets/dog"),
        ("ANY", "/pets/{id}"),
    )
    assert match(table, "GET", "/pets/dog") == "GET /pets/dog"
    assert match(table, "GET", "/pets/7") == "GET /pets/{id}"
    assert match(table, "POST", "/pets/7") == "ANY /pets/{id}"
    assert match(table, "POST", "/a/b/c") == "ANY /{proxy+}"
    assert match(table, "GET", "/") == "$default"


def test_v2_response_rules() -> None:
    plain = response_v2({"ok": True})
    assert (plain.status_code, plain.headers["content-type"], plain.get_data()) == (
        200,
        "application/json",
        b'{"ok": true}',
    )
    assert response_v2("hello").get_data() == b"hello"
    binary = response_v2(
        {"statusCode": 201, "body": "AAE=", "isBase64Encoded": True, "cookies": ["a=1", "b=2"]}
    )
    assert binary.status_code == 201 and binary.get_data() == b"\x00\x01"
    assert binary.headers.getlist("set-cookie") == ["a=1", "b=2"]


def call(result: Any = None, error: bool = False) -> Invocation:
    return Invocation("f", "sqs", "r", {}, 0.0, result=result, error={"errorType": "X"} if error else None)


@pytest.mark.parametrize(
    ("result", "error", "failed"),
    [
        (None, False, set()),
        ({"batchItemFailures": []}, False, set()),
        ({"batchItemFailures": None}, False, set()),
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, False, {"b"}),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, False, {"a", "b"}),
        ({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, False, {"a", "b"}),
        ({"batchItemFailures": [{"id": "b"}]}, False, {"a", "b"}),
        (None, True, {"a", "b"}),
    ],
)
def test_batch_item_failure_rules(result: Any, error: bool, failed: set[str]) -> None:
    assert failed_ids(call(result, error), ["a", "b"], report_failures=True) == failed


def test_without_report_batch_item_failures_a_returned_list_is_ignored() -> None:
    assert (
        failed_ids(call({"batchItemFailures": [{"itemIdentifier": "a"}]}), ["a"], report_failures=False)
        == set()
    )


def test_sqs_record_shape() -> None:
    model = load(FIXTURE, endpoint_url=ENDPOINT)
    message = {
        "MessageId": "m1",
        "ReceiptHandle": "rh",
        "Body": "{}",
        "MD5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
        "Attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": "7"},
        "MessageAttributes": {"bin": {"DataType": "Binary", "BinaryValue": b"\x01"}},
    }
    record = sqs_event([message], model.queues["Queue"], "eu-central-1")["Records"][0]
    assert record["eventSource"] == "aws:sqs" and record["awsRegion"] == "eu-central-1"
    assert record["eventSourceARN"] == "arn:aws:sqs:eu-central-1:123456789012:runner-test.fifo"
    assert record["messageAttributes"]["bin"] == {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "Binary",
        "binaryValue": "AQ==",
    }


def test_environment_split() -> None:
    shared, turns = split_environment({"A": {"X": "1", "R": "a"}, "B": {"X": "1", "R": "b"}, "C": {"X": "1"}})
    assert shared == {"X": "1"}
    assert turns == {"A": {"R": "a"}, "B": {"R": "b"}, "C": {"R": None}}
    assert split_environment({"A": {"X": "1"}, "B": {"Y": "2"}}) == ({"X": "1", "Y": "2"}, {})


def test_rates_and_crons() -> None:
    assert rate_seconds("rate(5 minutes)") == 300
    assert rate_seconds("rate(1 day)") == 86400
    assert rate_seconds("cron(0 2 * * ? *)") is None
    start = datetime(2025, 10, 2, 14, 5, tzinfo=UTC)  # a Thursday
    assert Cron.parse("cron(0 2 * * ? *)").next_after(start) == datetime(2025, 10, 3, 2, 0, tzinfo=UTC)
    assert Cron.parse("cron(0/15 * * * ? *)").next_after(start) == datetime(2025, 10, 2, 14, 15, tzinfo=UTC)
    weekdays = Cron.parse("cron(30 9 ? * MON-FRI *)")
    assert weekdays.next_after(datetime(2025, 10, 3, 10, 0, tzinfo=UTC)) == datetime(
        2025, 10, 6, 9, 30, tzinfo=UTC
    )
    kyiv = Cron.parse("cron(0 8 * * ? *)", "Europe/Kyiv")
    assert kyiv.next_after(start) == datetime(2025, 10, 3, 5, 0, tzinfo=UTC)  # 08:00 EEST


def test_scheduled_event_shapes() -> None:
    model = load(FIXTURE, endpoint_url=ENDPOINT)
    function = model.functions["ScheduledFunction"]
    when = datetime(2025, 10, 2, 14, 5, tzinfo=UTC)
    rule = scheduled_event(function, function.schedules[0], region="eu-central-1", account="1", when=when)
    assert rule["time"] == "2025-10-02T14:05:00Z" and rule["source"] == "aws.events"
    assert rule["resources"] == ["arn:aws:events:eu-central-1:1:rule/sandbox-ScheduledFunction-Tick"]
    given = scheduled_event(function, function.schedules[1], region="eu-central-1", account="1", when=when)
    assert given == {"job": "nightly", "at": "2025-10-02T14:05:00Z"}
    assert json.dumps(given)


def test_the_batching_window_gathers_messages_into_one_invocation() -> None:
    """``MaximumBatchingWindowInSeconds``: messages sent within the window reach one invocation."""
    import threading
    import time

    import boto3
    from moto import mock_aws

    from sandbox.runner.poller import SqsPoller
    from sandbox.runner.template import SqsSource

    model = load(ROOT / "template.yaml", endpoint_url=ENDPOINT)
    [source] = model.functions["CatalogRefreshFunction"].sqs
    assert source.batching_window_s == 5 and source.batch_size == 100

    class Runtime:
        def __init__(self) -> None:
            self.events: list[Any] = []
            self.model = type("M", (), {"region": "eu-central-1"})()

        class activity:
            @staticmethod
            def busy() -> Any:
                import contextlib

                return contextlib.nullcontext()

        def invoke(self, logical_id: str, event: Any, source: str) -> Invocation:
            self.events.append(event)
            return Invocation(logical_id, source, "r", event, time.time())

    with mock_aws():
        sqs = boto3.client("sqs", region_name="eu-central-1")
        url = sqs.create_queue(QueueName="changes")["QueueUrl"]
        queue = type(
            "Q",
            (),
            {"url": url, "arn": "arn:aws:sqs:eu-central-1:123456789012:changes", "visibility_timeout_s": 30},
        )()
        runtime = Runtime()
        for window, expected_batches in ((1, 1), (0, 3)):
            source_now = SqsSource("Changes", "Queue", 100, False, batching_window_s=window)
            poller = SqsPoller(runtime, sqs, None, source_now, queue, wait_seconds=1)  # type: ignore[arg-type]
            poller.function = type("F", (), {"logical_id": "CatalogRefreshFunction"})()  # type: ignore[assignment]
            runtime.events.clear()
            sender = threading.Thread(
                target=lambda: [
                    (sqs.send_message(QueueUrl=url, MessageBody=str(i)), time.sleep(0.2)) for i in range(3)
                ]
            )
            sender.start()
            handled = 0
            while handled < 3:
                handled += poller.poll_once()
            sender.join()
            assert len(runtime.events) == expected_batches, window
            assert sorted(r["body"] for e in runtime.events for r in e["Records"]) == ["0", "1", "2"]


def test_a_message_stays_invisible_while_its_invocation_runs_past_the_visibility_timeout() -> None:
    """As in AWS (visibility ≥ function timeout), a slow invocation's message is not handed out again."""
    import time

    import boto3
    from moto import mock_aws

    from sandbox.runner.poller import SqsPoller
    from sandbox.runner.template import SqsSource

    with mock_aws():
        sqs = boto3.client("sqs", region_name="eu-central-1")
        url = sqs.create_queue(QueueName="slow", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
        queue = type(
            "Q", (), {"url": url, "arn": "arn:aws:sqs:eu-central-1:1:slow", "visibility_timeout_s": 1}
        )()
        seen_meanwhile: list[int] = []

        class Runtime:
            model = type("M", (), {"region": "eu-central-1"})()

            class activity:
                @staticmethod
                def busy() -> Any:
                    import contextlib

                    return contextlib.nullcontext()

            def invoke(self, logical_id: str, event: Any, source: str) -> Invocation:
                time.sleep(2.5)  # longer than the visibility timeout
                again = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", [])
                seen_meanwhile.append(len(again))
                return Invocation(logical_id, source, "r", event, time.time())

        poller = SqsPoller(Runtime(), sqs, None, SqsSource("E", "Q", 1, False), queue)  # type: ignore[arg-type]
        poller.function = type("F", (), {"logical_id": "Slow"})()  # type: ignore[assignment]
        sqs.send_message(QueueUrl=url, MessageBody="deal")
        assert poller.poll_once() == 1
        assert seen_meanwhile == [0]
