"""The chaos suite at a small size: deals through the whole sandbox under duplicated, reordered, delayed
and lost webhooks, UTP faults, a UTP outage, crashes between a UTP write and its record and SalesDrive
throttling in both shapes; then UTP and SalesDrive are read directly (``sandbox.runner.chaos``)."""

from __future__ import annotations

from pathlib import Path

from sandbox.runner.chaos import run_chaos
from sandbox.runner.chaos_check import format_figures
from sandbox.runner.chaos_deals import ChaosConfig
from sandbox.runner.product import BridgeSandboxConfig, build_stack
from sandbox.utp.app import UtpEmulatorConfig

DEALS = 30


def test_chaos_small_nothing_lost_nothing_duplicated(tmp_path: Path) -> None:
    config = BridgeSandboxConfig(
        state_dir=tmp_path, utp_config=UtpEmulatorConfig(products=40), deal_visibility_timeout_s=2
    )
    # UTP's 500 (odata.error -1) is also how 1C refuses a document, so the bridge parks on it and retries
    # after the replayer's 5-minute pause: the small suite injects the transient kinds (503, timeout,
    # dropped connection); the benchmark adds 500 and waits for the replayer.
    chaos = ChaosConfig(
        deals=DEALS,
        seed=7,
        outage_s=3.0,
        utp_fault_kinds=("503", "timeout"),
        # Crashes between a UTP write and its record, on every kind of document at once: 1C saved it and
        # the answer was lost (a timeout, or a dropped connection). The 500 (-1) kind parks and waits for
        # the replayer's pause: the benchmark covers it.
        crash_rounds=1,
        crash_kinds=("timeout", "drop"),
        settle_timeout_s=60.0,
        # The mix: a customer's two orders at once, orders without lines.
        same_customer_share=0.15,
        no_lines_share=0.1,
    )
    with build_stack(config) as stack:
        report = run_chaos(stack, chaos)
    print(format_figures(report))
    figures = report["figures"]
    assert report["problems"] == [], format_figures(report)
    assert figures["duplicates"] == 0 and figures["missing"] == 0
    assert report["reconciled"] is True
    # Every deal is in UTP once; every document its status calls for and every payment is there once.
    deals = report["deals"]
    without_lines = {d["salesdrive_id"] for d in deals if d["kind"] == "no lines"}
    assert without_lines and figures["same_customer_orders_at_once"] > 0
    assert figures["utp_sales_orders"] == DEALS - len(without_lines) and len(deals) == DEALS
    assert figures["invoices"] == sum(d["expected"]["Document_РеализацияТоваровУслуг"] for d in deals)
    assert figures["closures"] == sum(d["expected"]["Document_ЗакрытиеЗаказовПокупателей"] for d in deals)
    assert figures["return_notes"] == sum(d["expected"]["Document_ВозвратТоваровОтПокупателя"] for d in deals)
    assert figures["cash_receipts"] == figures["payments"] > 0
    # The faults really happened.
    assert figures["webhooks_duplicated"] > 0 and figures["webhooks_reordered"] > 0
    assert figures["webhooks_delayed"] > 0 and figures["webhooks_lost"] > 0
    assert figures["utp_faults_injected"] > 0 and figures["utp_requests_failed_in_outage"] >= 0
    assert figures["crashes_injected"] > 0 and figures["crashes_hit"] > 0
    assert figures["throttled_answers"] >= 2  # one in each answer shape at least
    # Transient faults only: nothing stays parked, the dead-letter queue holds only explained messages.
    # An order without lines ends parked with its reason: not lost, not dead-lettered.
    assert {p["order_id"] for p in report["parked"]} == without_lines
    assert all(p["reason"] for p in report["parked"])
    assert figures["orders_without_lines_parked"] == figures["orders_without_lines"] == len(without_lines)
    assert figures["counterparty_duplicates"] == 0
    assert all(m["reason"] for m in report["dead_letters"])
