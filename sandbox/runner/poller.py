"""SQS event source mapping: long-polls a queue on moto and feeds batches to the function.

As Lambda's poller does: a batch of up to ``BatchSize`` messages becomes one SQS event; on success the
messages are deleted, on an exception none is, and with ``ReportBatchItemFailures`` only the ones not
listed in ``batchItemFailures`` are. What is not deleted becomes visible again after the queue's
visibility timeout and, after ``maxReceiveCount`` receives, moto moves it to the dead-letter queue
(moto applies the queue's RedrivePolicy itself when the message is next received, as SQS does).
FIFO order: moto hands out no message of a group while an earlier one of that group is in flight, and
each poller processes its batches one at a time, so a group's messages reach the handler in order.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sandbox.runner.lambdas import FunctionRuntime, Invocation
from sandbox.runner.template import FunctionSpec, QueueSpec, SqsSource

log = logging.getLogger("sandbox.runner.poller")


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    """A message attribute as the SQS event spells it (camelCase, binary as base64)."""
    out: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    return out


def sqs_event(messages: list[dict[str, Any]], queue: QueueSpec, region: str) -> dict[str, Any]:
    records = []
    for message in messages:
        record: dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": dict(message.get("Attributes", {})),
            "messageAttributes": {k: _attribute(v) for k, v in message.get("MessageAttributes", {}).items()},
            "md5OfBody": message["MD5OfBody"],
        }
        if "MD5OfMessageAttributes" in message:
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        record.update({"eventSource": "aws:sqs", "eventSourceARN": queue.arn, "awsRegion": region})
        records.append(record)
    return {"Records": records}


def failed_ids(call: Invocation, message_ids: list[str], report_failures: bool) -> set[str]:
    """Which messages Lambda leaves on the queue after this invocation (AWS's documented rules)."""
    everything = set(message_ids)
    if not call.ok:
        return everything
    if not report_failures:
        return set()
    result = call.result
    if not isinstance(result, dict):  # null or another shape: treated as a complete success
        return set()
    failures = result.get("batchItemFailures")
    if not failures:  # missing, null or empty: complete success
        return set()
    ids = set()
    for failure in failures:
        item = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not item or item not in everything:
            # An empty, null or unknown identifier makes Lambda treat the whole batch as failed.
            return everything
        ids.add(item)
    return ids


class SqsPoller:
    """One event source mapping: a thread polling ``queue`` for ``function``."""

    def __init__(
        self,
        runtime: FunctionRuntime,
        sqs: Any,
        function: FunctionSpec,
        source: SqsSource,
        queue: QueueSpec,
        *,
        wait_seconds: int = 1,
    ) -> None:
        self.runtime = runtime
        self.sqs = sqs
        self.function = function
        self.source = source
        self.queue = queue
        self.wait_seconds = wait_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return f"{self.function.logical_id}.{self.source.event}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"sandbox-poller-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float = 10.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                if self._stop.is_set():
                    return  # moto is going away under us
                log.exception("%s: polling %s failed", self.name, self.queue.name)
                self._stop.wait(1.0)

    @contextmanager
    def _kept_invisible(self, messages: list[dict[str, Any]]) -> Iterator[None]:
        """AWS refuses an SQS event source whose queue's visibility timeout is shorter than the function's
        timeout, so no message is handed out again while an invocation still works on it. The sandbox
        may shorten the visibility timeout (retries in seconds) but cannot kill a handler's thread: it
        keeps the batch invisible while the invocation runs, and the guarantee holds here too."""
        period = max(self.queue.visibility_timeout_s / 2, 0.5)
        done = threading.Event()

        def heartbeat() -> None:
            while not done.wait(period):
                for start in range(0, len(messages), 10):
                    with contextlib.suppress(Exception):  # a message deleted meanwhile, moto stopping
                        self.sqs.change_message_visibility_batch(
                            QueueUrl=self.queue.url,
                            Entries=[
                                {
                                    "Id": str(i),
                                    "ReceiptHandle": m["ReceiptHandle"],
                                    "VisibilityTimeout": self.queue.visibility_timeout_s,
                                }
                                for i, m in enumerate(messages[start : start + 10])
                            ],
                        )

        thread = threading.Thread(target=heartbeat, name=f"sandbox-visibility-{self.name}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join(timeout=5)

    def _gather(self, have: int) -> list[dict[str, Any]]:
        """Lambda's batching window: keep receiving until the batch is full or the window has passed."""
        more: list[dict[str, Any]] = []
        deadline = time.monotonic() + self.source.batching_window_s
        while have + len(more) < self.source.batch_size and not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            answer = self.sqs.receive_message(
                QueueUrl=self.queue.url,
                MaxNumberOfMessages=min(self.source.batch_size - have - len(more), 10),
                WaitTimeSeconds=max(0, min(int(left), 1)),
                AttributeNames=["All"],
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            received = answer.get("Messages", [])
            more += received
            if not received and left < 1:
                time.sleep(min(left, 0.05))
        return more

    def poll_once(self) -> int:
        """Receive one batch and process it; the number of messages it had."""
        answer = self.sqs.receive_message(
            QueueUrl=self.queue.url,
            MaxNumberOfMessages=min(self.source.batch_size, 10),
            WaitTimeSeconds=self.wait_seconds,
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = answer.get("Messages", [])
        if not messages:
            return 0
        messages += self._gather(len(messages))
        with self.runtime.activity.busy():
            event = sqs_event(messages, self.queue, self.runtime.model.region)
            with self._kept_invisible(messages):
                call = self.runtime.invoke(self.function.logical_id, event, source="sqs")
            ids = [m["MessageId"] for m in messages]
            failed = failed_ids(call, ids, self.source.report_batch_item_failures)
            done = [m for m in messages if m["MessageId"] not in failed]
            if failed:
                log.info("%s: %d of %d messages left for retry", self.name, len(failed), len(messages))
            for start in range(0, len(done), 10):
                chunk = done[start : start + 10]
                self.sqs.delete_message_batch(
                    QueueUrl=self.queue.url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
                    ],
                )
        return len(messages)
