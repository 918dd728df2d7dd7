"""The product matcher's resume schedule, through the sandbox stack: the same handler as in AWS.

It costs one DynamoDB read while nothing is pending, and goes on writing SalesDrive IDs into UTP while a
run stopped by time left some."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import httpx

from bridge.store.cursors import CursorStore
from bridge.sync.product_ids import CURSOR, writes_pending
from sandbox.runner.product import BridgeSandboxConfig, build_stack
from sandbox.utp.app import UtpEmulatorConfig


def test_the_resume_schedule_writes_ids_only_while_a_run_left_some(tmp_path: Path) -> None:
    config = BridgeSandboxConfig(state_dir=tmp_path, utp_config=UtpEmulatorConfig(products=12))
    with build_stack(config) as stack:
        endpoints = json.loads((tmp_path / "endpoints.json").read_text(encoding="utf-8"))
        auth = (endpoints["utp_user"], endpoints["utp_password"])
        register = f"{endpoints['utp_odata_url']}/{quote('InformationRegister_ЗначенияСвойствОбъектов')}"

        def property_rows() -> int:
            return len(httpx.get(f"{register}?$format=json", auth=auth).json()["value"])

        before = property_rows()
        idle = stack.fire_schedule("ProductMatcherFunction.ResumeProductIds")
        assert idle.ok, idle.error
        assert idle.result["resumed"] is False and idle.result["summary"] == {}
        assert property_rows() == before  # nothing read from the feed, nothing written to UTP

        # As if the first run had stopped by time after one card: the resume run goes on from there.
        cursors = CursorStore(stack.table_name("BridgeTable"))
        cursors.put(CURSOR, {"after": "0", "written": 1, "failed": 0, "left": 11})
        resumed = stack.fire_schedule("ProductMatcherFunction.ResumeProductIds")
        assert resumed.ok, resumed.error
        assert resumed.result["resumed"] is True and resumed.result["summary"]["exported"] > 0
        report = json.loads(resumed.result["report"])
        exported = [row for row in report["rows"] if row["status"] == "exported"]
        assert property_rows() >= before + len(exported)
        assert not writes_pending(cursors)  # and the schedule goes quiet again
        quiet = stack.fire_schedule("ProductMatcherFunction.ResumeProductIds")
        assert quiet.ok and quiet.result["resumed"] is False
