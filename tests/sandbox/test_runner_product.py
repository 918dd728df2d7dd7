"""The product's own sandbox: the real template, both emulators, a SalesDrive order reaching the
webhook receiver through the local gateway (the first link of `make sandbox`)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from sandbox.runner.product import BridgeSandboxConfig, build_stack
from sandbox.utp.app import UtpEmulatorConfig

KEYS = {"webhook_url", "salesdrive_url", "salesdrive_api_key", "utp_odata_url", "utp_user", "utp_password"}


def test_salesdrive_order_reaches_the_webhook_receiver(tmp_path: Path) -> None:
    config = BridgeSandboxConfig(state_dir=tmp_path, utp_config=UtpEmulatorConfig(products=20))
    with build_stack(config) as stack:
        endpoints = json.loads((tmp_path / "endpoints.json").read_text(encoding="utf-8"))
        assert KEYS | {"aws_endpoint_url"} <= set(endpoints)
        odata = httpx.get(
            endpoints["utp_odata_url"] + "/Catalog_Склады?$format=json",
            auth=(endpoints["utp_user"], endpoints["utp_password"]),
        )
        assert odata.status_code == 200
        order = httpx.post(
            endpoints["salesdrive_url"] + "/handler/",
            json={"form": "sandbox-form-key", "fName": "Іван", "phone": "+380501234567"},
        )
        assert order.status_code == 200, order.text
        deadline = time.monotonic() + 10
        while not [c for c in stack.invocations() if c.source == "http"]:
            assert time.monotonic() < deadline, "no webhook reached the gateway"
            time.sleep(0.05)
        webhook = next(c for c in stack.invocations() if c.source == "http")
        assert webhook.ok and webhook.result["statusCode"] == 200, webhook.result
        assert webhook.event["rawPath"] == "/webhook/sandbox-webhook-token"
