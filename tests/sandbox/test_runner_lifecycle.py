"""A stopped stack leaves nothing behind: threads, ports, environment, sys.path, moto state."""

from __future__ import annotations

import os
import socket
import sys
import threading
from pathlib import Path

from sandbox.runner.stack import SandboxStack

FIXTURE = Path(__file__).parent / "fixtures" / "runner" / "template.yaml"


def port_is_free(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as s:
        return s.connect_ex((host, int(port))) != 0


def test_stop_leaves_nothing_behind(tmp_path: Path) -> None:
    env_before = dict(os.environ)
    path_before = list(sys.path)
    threads_before = {t.ident for t in threading.enumerate()}
    stack = SandboxStack(FIXTURE, state_dir=tmp_path).start()
    urls = dict(stack.urls)
    assert os.environ["AWS_ENDPOINT_URL"] == urls["aws"]
    stack.stop()
    stack.stop()  # twice is harmless
    assert dict(os.environ) == env_before
    assert sys.path == path_before
    assert not [m for m in sys.modules if m.startswith("sandbox_lambda_")]
    leaked = [t.name for t in threading.enumerate() if t.ident not in threads_before and t.is_alive()]
    assert leaked == []
    assert port_is_free(urls["aws"]) and port_is_free(urls["gateway"])
    # moto was reset: a new stack creates the same resources without "already exists".
    with SandboxStack(FIXTURE, state_dir=tmp_path, pollers=False, schedules=False) as again:
        assert again.client("sqs").list_queues()["QueueUrls"]
