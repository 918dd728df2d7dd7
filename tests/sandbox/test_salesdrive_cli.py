"""`python -m sandbox.salesdrive serve` on a free port: writes .sandbox/salesdrive.json, answers, stops."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from sandbox.salesdrive import SalesDriveEmulatorConfig, create_app
from sandbox.salesdrive.server import EmulatorServer

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_cli_serve_writes_endpoint_file_and_answers(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'layers' / 'common'}"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox.salesdrive",
            "serve",
            "--port",
            str(port),
            "--throttle-shape",
            "400",
            "--webhook-url",
            "http://127.0.0.1:9/hook",
            "--seed-products",
            "7",
            "--db",
            str(tmp_path / "sd.sqlite"),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    info_file = tmp_path / ".sandbox" / "salesdrive.json"
    try:
        deadline = time.monotonic() + 20  # start-up wait, not a timing assertion
        while not info_file.exists():
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the emulator did not start"
            time.sleep(0.05)
        info = json.loads(info_file.read_text())
        assert info["url"] == f"http://127.0.0.1:{port}"
        assert (info["api_key"], info["account"]) == ("sandbox-api-key", "sparesshop")
        assert {"form_key", "yml_public_key"} <= set(info)
        with httpx.Client(base_url=info["url"], headers={"X-Api-Key": info["api_key"]}) as client:
            assert client.get("/api/statuses/").json()["data"][0]["name"] == "Новий"
            assert client.get("/__emulator__/config").json()["throttle_shape"] == "400"
            assert [s["url"] for s in client.get("/__emulator__/webhooks").json()["subscriptions"]] == [
                "http://127.0.0.1:9/hook"
            ]
            feed = client.get("/export/yml/export.yml", params={"publicKey": info["yml_public_key"]}).text
            assert feed.count("<offer ") == 7
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert f"http://127.0.0.1:{port}" in out
    assert (tmp_path / "sd.sqlite").exists()


def test_embedded_server_delivers_webhooks_in_the_background(tmp_path: Path) -> None:
    got: list[bytes] = []

    def transport(url: str, body: bytes, headers: dict[str, str]) -> int:
        got.append(body)
        return 200

    emulator = create_app(SalesDriveEmulatorConfig(), webhook_transport=transport)
    emulator.subscribe("http://receiver/hook")
    server = EmulatorServer(emulator, port=0).start()
    try:
        assert server.write_endpoint_file(tmp_path / "sd.json").exists()
        r = httpx.post(
            f"{server.url}/handler/",
            json={"getResultData": 1, "fName": "Live"},
            headers={"X-Api-Key": "sandbox-api-key"},
        )
        assert r.json()["success"] is True
        deadline = time.monotonic() + 10
        while not got and time.monotonic() < deadline:
            time.sleep(0.05)
        assert json.loads(got[0])["data"]["id"] == r.json()["data"]["orderId"]
    finally:
        server.stop()
        emulator.close()
