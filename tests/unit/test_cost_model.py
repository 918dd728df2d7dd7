"""The cost model's arithmetic (bench/cost_prices.py), checked with hand-computed numbers, and what
bench/cost_template.py reads from the real template. No moto, no emulators: the measuring lives in
bench/cost_runs.py."""

from __future__ import annotations

import math
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import cost_prices as cost  # noqa: E402
import cost_template  # noqa: E402


def bill(*uses: tuple[str, float]) -> cost.Bill:
    return cost.compute_bill(cost.Use(item, quantity, "f") for item, quantity in uses)


# --- prices and free tiers ----------------------------------------------------------------------------


def test_a_million_fifo_requests_cost_fifty_cents_and_nothing_within_the_free_tier() -> None:
    b = bill(("sqs_fifo_requests", 1_000_000))
    assert b.total(False) == pytest.approx(0.50)
    assert b.total(True) == pytest.approx(0.0)


def test_fifo_and_standard_requests_share_one_free_million() -> None:
    b = bill(("sqs_fifo_requests", 800_000), ("sqs_standard_requests", 700_000))
    assert b.total(False) == pytest.approx(0.40 + 0.28)
    # 800k FIFO free, then 200k of the standard ones: 500k standard left at 0.40 / M
    assert b.total(True) == pytest.approx(0.20)


def test_lambda_gb_seconds_beyond_the_free_400k() -> None:
    b = bill(("lambda_gbs_arm64", 800_000), ("lambda_requests", 3_000_000))
    assert b.cost_no_free["lambda_gbs_arm64"] == pytest.approx(800_000 * 0.0000133334)
    assert b.cost_free["lambda_gbs_arm64"] == pytest.approx(400_000 * 0.0000133334)  # 5.33 USD
    assert b.cost_free["lambda_requests"] == pytest.approx(2 * 0.20)
    assert b.by_service(True)["Lambda"] == pytest.approx(5.33336 + 0.40)


def test_cloudwatch_fixed_items_and_their_allowances() -> None:
    b = bill(("cw_custom_metrics", 32), ("cw_alarm_metrics", 14), ("cw_dashboards", 4))
    assert b.total(False) == pytest.approx(32 * 0.30 + 14 * 0.10 + 4 * 3.00)
    assert b.total(True) == pytest.approx(22 * 0.30 + 4 * 0.10 + 1 * 3.00)


def test_dynamodb_request_units() -> None:
    b = bill(("ddb_read_request_units", 2_000_000), ("ddb_write_request_units", 1_000_000))
    assert b.total(False) == pytest.approx(2 * 0.1525 + 0.7625)
    assert b.total(True) == pytest.approx(b.total(False))  # on-demand requests have no always-free tier


def test_costs_are_attributed_to_their_owner() -> None:
    b = cost.compute_bill(
        [cost.Use("lambda_requests", 5_000_000, "A"), cost.Use("sqs_fifo_requests", 2_000_000, "B")]
    )
    assert b.by_owner == {"A": {"Lambda": pytest.approx(1.0)}, "B": {"SQS": pytest.approx(1.0)}}


def test_unknown_items_and_negative_usage_are_refused() -> None:
    with pytest.raises(KeyError):
        bill(("lambda_gbs_mips", 1))
    with pytest.raises(ValueError):
        bill(("lambda_requests", -1))


def test_every_price_is_in_usd_per_a_positive_unit_and_every_free_pool_names_known_items() -> None:
    for price in cost.PRICES.values():
        assert price.per > 0 and price.usd >= 0
    for items, allowance in cost.FREE_TIER.values():
        assert allowance > 0 and all(item in cost.PRICES for item in items)


# --- DynamoDB and SQS units ---------------------------------------------------------------------------


def test_item_size_counts_names_and_values() -> None:
    item = {"pk": {"S": "order#1"}, "sk": {"S": "state"}, "n": {"N": "123"}, "ok": {"BOOL": True}}
    # pk 2+7, sk 2+5, n 1+(3 digits → 2 bytes + 1), ok 2+1
    assert cost.item_size(item) == 9 + 7 + 4 + 3
    assert cost.item_size({"m": {"M": {"a": {"S": "xy"}}}}) == 1 + 3 + (1 + 2 + 1)
    assert cost.item_size({"s": {"S": "ї"}}) == 1 + 2  # UTF-8 bytes, not characters
    assert cost.item_size(None) == 0


def test_read_and_write_units_round_up_per_step() -> None:
    assert cost.read_units(0, consistent=True) == 1  # a read of nothing still costs a unit
    assert cost.read_units(4096, consistent=True) == 1
    assert cost.read_units(4097, consistent=True) == 2
    assert cost.read_units(4097, consistent=False) == 1
    assert cost.read_units(100, consistent=False) == 0.5
    assert cost.write_units(1024) == 1
    assert cost.write_units(1025) == 2


def test_sqs_bills_every_64_kb_chunk() -> None:
    assert cost.sqs_billed_requests(10) == 1
    assert cost.sqs_billed_requests(65_536) == 1
    assert cost.sqs_billed_requests(65_537) == 2


# --- schedules and the template -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "runs"),
    [
        ("rate(1 minute)", 43_800),
        ("rate(5 minutes)", 8_760),
        ("rate(2 hours)", 365),
        ("rate(1 day)", 43_800 / 1440),
        ("cron(30 1 * * ? *)", 43_800 / 1440),
        ("cron(0/15 * * * ? *)", 4 * 24 * 43_800 / 1440),
        ("cron(0 9-17 ? * MON-FRI *)", 9 * 5 / 7 * 43_800 / 1440),
    ],
)
def test_schedule_runs_a_month(expression: str, runs: float) -> None:
    assert cost_template.schedule_runs_per_month(expression) == pytest.approx(runs)


def test_a_bad_schedule_is_refused() -> None:
    with pytest.raises(ValueError):
        cost_template.schedule_runs_per_month("every 5 minutes")


def _template(tmp_path: Path, text: str) -> dict[str, Any]:
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return cost_template.load_template(path)


def test_a_template_with_two_alarms_costs_twenty_cents(tmp_path: Path) -> None:
    tpl = _template(
        tmp_path,
        """
        Resources:
          A: {Type: AWS::CloudWatch::Alarm, Properties: {MetricName: X, Namespace: N, Period: 300}}
          B:
            Type: AWS::CloudWatch::Alarm
            Properties: {MetricName: !Ref Name, Namespace: N, Period: 60}
          Q: {Type: AWS::SQS::Queue}
        """,
    )
    alarms = cost_template.alarm_metrics(tpl)
    assert (alarms.alarms, alarms.standard_metrics, alarms.high_res_metrics) == (2, 2, 0)
    assert bill(("cw_alarm_metrics", alarms.standard_metrics)).total(False) == pytest.approx(0.20)


def test_a_metric_math_alarm_is_billed_per_metric_and_short_periods_are_high_resolution(
    tmp_path: Path,
) -> None:
    tpl = _template(
        tmp_path,
        """
        Resources:
          Sum:
            Type: AWS::CloudWatch::Alarm
            Properties:
              Metrics:
                - {Id: e, Expression: "SUM([a, b, c])"}
                - {Id: a, MetricStat: {Metric: {MetricName: Errors}, Period: 900, Stat: Sum}}
                - {Id: b, MetricStat: {Metric: {MetricName: Errors}, Period: 900, Stat: Sum}}
                - {Id: c, MetricStat: {Metric: {MetricName: Errors}, Period: 10, Stat: Sum}}
        """,
    )
    assert cost_template.alarm_metrics(tpl) == cost_template.AlarmCount(1, 2, 1)


def test_the_real_template_functions_memory_and_schedules() -> None:
    tpl = cost_template.load_template(ROOT / "template.yaml")
    infos = cost_template.function_infos(tpl)
    on_disk = {p.parent.name for p in (ROOT / "functions").glob("*/app.py")}
    assert {i.code_uri.strip("/").rsplit("/", 1)[-1] for i in infos.values()} == on_disk
    globals_memory = tpl["Globals"]["Function"]["MemorySize"]
    for lid, info in infos.items():
        own = tpl["Resources"][lid]["Properties"].get("MemorySize")
        assert info.memory_mb == (own if own is not None else globals_memory), lid
        assert info.architecture == "arm64", lid
        # Traces only where a request waits on the answer; scheduled runs are told by their logs.
        assert info.tracing == (not info.schedules), lid
    assert infos["WebhookReceiverFunction"].memory_mb == 512
    assert infos["WebhookReceiverFunction"].http_routes == ("POST /webhook/{token}",)
    assert infos["DealProcessorFunction"].memory_mb == globals_memory == 256
    assert infos["DealProcessorFunction"].schedules == ()
    assert infos["CatalogPushFunction"].memory_mb == 1024
    assert infos["CatalogPushFunction"].schedules == ("rate(1 minute)",)
    assert infos["CatalogPushFunction"].scheduled_runs_per_month == pytest.approx(43_800)
    assert infos["StatusReconcilerFunction"].scheduled_runs_per_month == pytest.approx(8_760)
    assert infos["CatchUpSweepFunction"].schedules == ("rate(4 minutes)",)
    assert infos["PaymentImporterFunction"].schedules == ("rate(5 minutes)",)
    assert infos["ParkedReplayerFunction"].schedules == ("rate(5 minutes)",)
    # Nightly, and every 20 minutes a resume check (it only works while SalesDrive IDs are left to write).
    assert infos["ProductMatcherFunction"].schedules == ("cron(30 1 * * ? *)", "rate(20 minutes)")
    assert infos["ProductMatcherFunction"].scheduled_runs_per_month == pytest.approx(
        43_800 / 1440 + 43_800 / 20
    )
    # The change watcher: every minute at 128 MB, no traces (it runs all the time).
    watcher = infos["CatalogWatchFunction"]
    assert watcher.memory_mb == 128 and watcher.schedules == ("rate(1 minute)",) and not watcher.tracing
    assert watcher.scheduled_runs_per_month == pytest.approx(43_800)
    # Its month at, say, 41 s a run: 43,800 × 41 × 0.125 GB-s, within the free 400k, 2.99 USD beyond it.
    gbs = watcher.scheduled_runs_per_month * 41 * watcher.memory_mb / 1024
    assert gbs == pytest.approx(224_475)
    assert bill(("lambda_gbs_arm64", gbs)).total(False) == pytest.approx(224_475 * 0.0000133334)
    assert bill(("lambda_gbs_arm64", gbs)).total(True) == 0


def test_the_watchers_batches_a_day() -> None:
    # No saves: no batch; a save a day: ≈ one batch; saves far denser than polls: one batch a poll.
    assert cost.watcher_batches_per_day(0, 10, 10) == 0
    assert cost.watcher_batches_per_day(1, 10, 10) == pytest.approx(1, rel=1e-3)
    assert cost.watcher_batches_per_day(1e9, 10, 10) == pytest.approx(3_600)
    # 2,000 saves in 10 h, a poll every 10 s: 3,600 × (1 − e^(−2000/36000 × 10)) ≈ 1,533.
    assert cost.watcher_batches_per_day(2_000, 10, 10) == pytest.approx(3_600 * (1 - math.exp(-5 / 9)))
    assert 1_530 < cost.watcher_batches_per_day(2_000, 10, 10) < 1_536
    with pytest.raises(ValueError):
        cost.watcher_batches_per_day(10, 0, 10)


def test_the_real_template_alarms_dashboards_retention_and_queues() -> None:
    tpl = cost_template.load_template(ROOT / "template.yaml")
    alarms = cost_template.alarm_metrics(tpl)
    # The function-errors alarm sums one Errors metric per function: one alarm metric each.
    functions = len(cost_template.function_infos(tpl))
    assert alarms.standard_metrics == (alarms.alarms - 1) + functions
    assert cost_template.dashboards(tpl) == 1
    assert set(cost_template.log_retention_days(tpl).values()) == {30}
    assert cost_template.noncurrent_version_days(tpl) == {"CatalogBucket": -1}  # not versioned
    deal = [s for s in cost_template.sqs_sources(tpl) if s.function == "DealProcessorFunction"]
    assert [(s.queue, s.fifo, s.batch_size) for s in deal] == [("DealQueue", True, 2)]


# --- custom metrics in the code ---------------------------------------------------------------------------


def test_metric_names_are_expanded_from_the_code(tmp_path: Path) -> None:
    app = tmp_path / "functions" / "one" / "app.py"
    app.parent.mkdir(parents=True)
    app.write_text(
        textwrap.dedent(
            """
            @metrics.log_metrics(capture_cold_start_metric=True)
            def handler(event, context):
                metrics.add_metric(name="Plain", unit="Count", value=1)
                metrics.add_metric(name="Yes" if ok else "No", unit="Count", value=1)
                metrics.add_metric(name=f"Deals_{outcome.action}", unit="Count", value=1)
                metrics.add_metric(name=f"Odd_{mystery}", unit="Count", value=1)
                metrics.add_metric(name="Plain", unit="Count", value=2)
            """
        )
    )
    shared = tmp_path / "deals.py"
    shared.write_text(
        'def f():\n    return DealOutcome(1, "applied") or DealOutcome(2, "stale", reason="x")\n'
    )
    scan = cost_template.scan_metrics(tmp_path / "functions", [shared], assumed_per_placeholder=3)
    assert sorted(set(scan.names)) == sorted(
        {
            "Plain",
            "Yes",
            "No",
            "Deals_applied",
            "Deals_stale",
            "Odd_<mystery#0>",
            "Odd_<mystery#1>",
            "Odd_<mystery#2>",
        }
    )
    assert scan.cold_start_functions == ("one",)
    assert scan.count == 8 + 1
    assert scan.assumed == ("Odd_{mystery}: 3 values assumed",)


def test_the_real_functions_metrics_are_all_resolved() -> None:
    scan = cost_template.scan_metrics(
        ROOT / "functions", sorted((ROOT / "layers/common/bridge/sync").glob("*.py"))
    )
    assert scan.assumed == ()
    names = set(scan.names)
    assert {"Deals_applied", "Deals_parked", "Documents_sales_order", "Documents_return_note"} <= names
    assert not names & {"Deals_stale", "WebhooksAccepted", "SkuMatching_matched"}  # logged, not metrics
    assert scan.count == len(names) == 13  # DEAL_METRICS/DOCUMENT_METRICS tables read from the code
    assert scan.cold_start_functions == ()
