"""``make demo`` in a test: the scripted day against the whole sandbox reconciles with UTP."""

from __future__ import annotations

import json
import time
from pathlib import Path

from sandbox.runner.demo import run_demo
from sandbox.runner.product import BridgeSandboxConfig, build_stack
from sandbox.utp.app import UtpEmulatorConfig


def test_the_demo_day_reconciles(tmp_path: Path) -> None:
    config = BridgeSandboxConfig(
        state_dir=tmp_path, utp_config=UtpEmulatorConfig(products=20), deal_visibility_timeout_s=2
    )
    started = time.monotonic()
    with build_stack(config) as stack:
        code = run_demo(stack)
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert code == 0, report["problems"]
    assert report["reconciled"] is True
    assert report["problems"] == []
    totals = report["totals"]
    assert totals["orders"] == totals["utp_sales_orders"] == totals["posted"] == 8
    assert (totals["invoices"], totals["closures"], totals["return_notes"]) == (5, 1, 1)
    assert totals["counterparties_created"] == totals["new_customers"] == 5
    assert totals["webhooks_duplicated"] > 0 and totals["webhooks_reordered"] > 0
    by_key = {o["key"]: o for o in report["orders"]}
    assert (by_key["D"]["closure"], by_key["D"]["invoice"]) == (1, 0)  # refused before shipment
    assert (by_key["E"]["invoice"], by_key["E"]["return_note"], by_key["E"]["closure"]) == (1, 1, 0)
    assert by_key["E"]["counterparty_ref"] == by_key["A"]["counterparty_ref"]  # the same new customer
    assert by_key["C"]["counterparty_ref"] == by_key["G"]["counterparty_ref"]  # the returning one
    assert all(o["posted"] and o["utp_orders"] == 1 for o in report["orders"])
    assert time.monotonic() - started < 90
