"""Webhook receiver figures: cold import of its module and in-process answer latency.

Targets: cold import ≤ 250 ms; answer ≤ 50 ms p99 in process. The queue is an in-memory
stand-in so the figure is the receiver's own work (token, validation, envelope, dedup id, handler
wiring); the SQS call itself is AWS's latency, not ours. Run: .venv/bin/python bench/bench_webhook_receiver.py
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from harness import ROOT

IMPORT_RUNS = 15
CALLS = 3000


def cold_imports() -> list[float]:
    code = (
        "import time; t = time.perf_counter(); import functions.webhook_receiver.app; "
        "print((time.perf_counter() - t) * 1000)"
    )
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers/common'}:{ROOT}"}
    return [
        float(
            subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(IMPORT_RUNS)
    ]


class MemoryQueue:
    def __init__(self) -> None:
        self.sent = 0

    def send(self, *, order_id: int, deduplication_id: str, body: str, source: str) -> str:
        self.sent += 1
        return str(self.sent)


class Context:
    function_name = "webhook-receiver"
    memory_limit_in_mb = "512"
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:webhook-receiver"
    aws_request_id = "bench"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def latencies() -> tuple[list[float], int]:
    os.environ.update(
        BRIDGE_TABLE="bench",
        BRIDGE_SECRETS_PREFIX="/bench",
        SALESDRIVE_ACCOUNT="sparesshop",
        POWERTOOLS_METRICS_NAMESPACE="Bench",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    from bridge import runtime

    queue = MemoryQueue()
    runtime.webhook_tokens = lambda: ["sandbox-webhook-token"]  # type: ignore[assignment]
    runtime.deal_queue = lambda: queue  # type: ignore[assignment]
    from functions.webhook_receiver import app

    event: dict[str, Any] = json.loads(
        (ROOT / "events/webhook_receiver/new_order.json").read_text(encoding="utf-8")
    )
    body = json.loads(event["body"])
    timings = []
    for i in range(CALLS):
        body["data"]["version"] = i + 1
        event["body"] = json.dumps(body, ensure_ascii=False)
        with contextlib.redirect_stdout(io.StringIO()):  # the metrics' EMF lines
            started = time.perf_counter()
            answer = app.lambda_handler(event, Context())
            timings.append((time.perf_counter() - started) * 1000)
        assert answer["statusCode"] == 200, answer
    return timings, queue.sent


def main() -> int:
    imports = cold_imports()
    timings, sent = latencies()
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[int(len(timings) * 0.99) - 1]
    print("Webhook receiver")
    print(
        f"  cold import of functions/webhook_receiver/app.py  median {statistics.median(imports):6.1f} ms"
        f"   max {max(imports):6.1f} ms   (target ≤ 250 ms, {IMPORT_RUNS} fresh interpreters)"
    )
    print(
        f"  answer in process ({CALLS} webhooks, {sent} enqueued)  p50 {p50:6.2f} ms   p99 {p99:6.2f} ms"
        f"   max {timings[-1]:6.2f} ms   (target p99 ≤ 50 ms)"
    )
    ok = statistics.median(imports) <= 250 and p99 <= 50
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
