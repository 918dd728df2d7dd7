"""What the bridge costs on AWS a month, for a shop of a given size, from the requests it really makes.

    .venv/bin/python bench/bench_cost.py [--orders-per-day 300] [--skus 200000] [--warehouses 10]
        [--utp-latency-ms 300] [--catalog-triggers-per-day 2000] [--free-tier/--no-free-tier]

Target: 300 orders a day and 200,000 SKUs run for ≤ 10 USD a month of AWS, with the always-free tiers
(permanent in every AWS account) unless ``--no-free-tier`` is given; exits 1 when it is missed. The real
handlers run in process on moto and the two emulators; how each figure is measured or assumed:
``bench/README.md``. Takes about half a minute; the report goes to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
import time
import warnings
from typing import Any

import harness  # noqa: F401 - puts the repository on sys.path

os.environ["AWS_DEFAULT_REGION"] = "eu-central-1"
os.environ["AWS_REGION"] = "eu-central-1"
os.environ["AWS_ACCESS_KEY_ID"] = "bench"  # moto only: nothing here may reach AWS
os.environ["AWS_SECRET_ACCESS_KEY"] = "bench"  # noqa: S105
for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)

import cost_prices as cost  # noqa: E402
import cost_template  # noqa: E402
from cost_meter import CAPTURE, install_aws_hook  # noqa: E402
from cost_report import report  # noqa: E402
from cost_runs import Measured, cold_imports, run_catalog_read, run_diff, run_world  # noqa: E402
from cost_usage import Inputs, build, lever_steps  # noqa: E402
from cost_world import World  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders-per-day", type=int, default=300)
    parser.add_argument("--skus", type=int, default=200_000)
    parser.add_argument("--warehouses", type=int, default=10)
    parser.add_argument("--utp-latency-ms", type=float, default=300.0)
    parser.add_argument("--salesdrive-latency-ms", type=float, default=150.0)
    parser.add_argument("--catalog-triggers-per-day", type=int, default=2000)
    parser.add_argument("--catalog-change-share", type=float, default=0.001, help="SKUs changed per full run")
    parser.add_argument("--free-tier", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--target-usd", type=float, default=10.0)
    parser.add_argument("--deal-orders", type=int, default=10, help="orders in the measured deal run")
    parser.add_argument("--status-path", default="2,5", help="statuses each order moves through (last: sale)")
    parser.add_argument(
        "--catalog-sizes", default="1000,3000", help="two small catalogs the read is measured at"
    )
    parser.add_argument("--diff-products", type=int, default=20_000)
    args = parser.parse_args()
    args.status_path = [int(s) for s in args.status_path.split(",") if s.strip()]
    return args


def defaults() -> dict[str, Any]:
    """The settings' and the UTP client's defaults the model scales with."""
    from bridge.settings import BridgeSettings
    from bridge.utp.client import UtpClient

    fields = BridgeSettings.model_fields
    names = ("catalog_interval_minutes", "catalog_watch_poll_seconds", "catalog_watch_run_seconds")
    return {
        **{name: fields[name].default for name in names},
        "status_window_days": fields["status_window_days"].default,
        "utp_chunk_size": inspect.signature(UtpClient.__init__).parameters["chunk_size"].default,
    }


def progress(text: str) -> None:
    print(f"measuring: {text} …", file=sys.stderr, flush=True)


def measure(args: argparse.Namespace) -> Inputs:
    """Every measurement, the handlers' runs on moto with their log lines captured, not shown."""
    template = cost_template.load_template(cost_template.TEMPLATE)
    infos = cost_template.function_infos(template)
    progress("cold imports")
    imports = cold_imports(infos)
    progress("a day of orders (bench_day_of_orders)")
    import bench_day_of_orders

    day = bench_day_of_orders.run_day(args.orders_per_day, "429", 0.03, 6)
    progress("catalog diff (bench_catalog synthetic)")
    diff = run_diff(args.diff_products)

    from moto import mock_aws

    known = defaults()
    install_aws_hook()
    m = Measured()
    # Powertools warns on stderr when a run adds no metric; the runs are measured, not shown.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    shown, sys.stdout = sys.stdout, CAPTURE  # the handlers' log lines are measured, not shown
    try:
        with mock_aws():
            progress("deals, scheduled functions, catalog ticks and triggers (handlers on moto)")
            world = World(infos, template)
            run_world(world, args.deal_orders, args.status_path, m)
            progress("catalog full read at two sizes")
            sizes = tuple(int(s) for s in args.catalog_sizes.split(","))
            catalog = run_catalog_read(args.warehouses, (sizes[0], sizes[1]))
    finally:
        sys.stdout = shown
    return Inputs(args, template, infos, world, m, catalog, diff, imports, day, known)


def main() -> int:
    args = parse_args()
    started = time.perf_counter()
    inp = measure(args)
    led, facts = build(inp)
    bill = cost.compute_bill(led.uses)
    levers = []
    for label, what in lever_steps(inp):
        lever_led, _ = build(inp, what)
        levers.append((label, cost.compute_bill(lever_led.uses), lever_led))
    ok = report(inp, led, facts, bill, levers, time.perf_counter() - started)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
