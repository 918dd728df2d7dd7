"""The chaos suite at full size (1,000 deals by default): prints its figures; exit 0 only if nothing was
lost and nothing duplicated. It takes several minutes (an outage longer than the deal queue's five
deliveries parks orders, which the parked-order replayer retries after its 5-minute pause).

The mix: besides ordinary deals, a customer's second order right after her first (the same new
customer twice at once) and orders without lines (they must end parked with a reason). With --seeds the
run is repeated on a fresh sandbox for each seed and a summary line per seed is printed at the end.

Run: .venv/bin/python bench/bench_chaos.py [--deals 1000] [--outage-s 20] [--seed 7 | --seeds 7,11,13,17,19]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from sandbox.runner.chaos import run_chaos
from sandbox.runner.chaos_check import format_figures
from sandbox.runner.chaos_deals import ChaosConfig
from sandbox.runner.product import DEFAULT_SETTINGS, BridgeSandboxConfig, build_stack
from sandbox.utp.app import UtpEmulatorConfig

FIGURES = "figures: "


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=1000)
    parser.add_argument("--outage-s", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seeds", type=str, default=None, help="comma-separated seeds, one run each")
    parser.add_argument("--crash-rounds", type=int, default=3)
    # On a 2-core machine the sandbox works through 1,000 deals' events ≈ 15 minutes behind the webhooks.
    parser.add_argument("--settle-s", type=float, default=2400.0)
    parser.add_argument("--wait-for-parked-s", type=float, default=600.0)
    parser.add_argument("--state-dir", type=Path, default=None)
    parser.add_argument("--parked-retry-minutes", type=int, default=1)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()] if args.seeds else [args.seed]
    summary: list[str] = []
    ok = True
    for seed in seeds:
        # One process per seed: the handlers cache their AWS clients and settings per process (as a Lambda
        # instance does), so a second sandbox in the same process would talk to the first one's moto.
        figures, reconciled = run_once(args, seed) if len(seeds) == 1 else run_in_child(seed)
        ok = ok and reconciled
        f = figures.get
        summary.append(
            f"seed {seed:>3}: reconciled {reconciled}, missing {f('missing')}, duplicates {f('duplicates')}, "
            f"sales orders {f('utp_sales_orders')}, invoices {f('invoices')}, closures {f('closures')}, "
            f"return notes {f('return_notes')}, receipts {f('cash_receipts')}/{f('payments')} payments, "
            f"counterparties {f('counterparties_created')} (duplicates {f('counterparty_duplicates')}), "
            f"same customer at once {f('same_customer_orders_at_once')}, without lines "
            f"{f('orders_without_lines')} (parked {f('orders_without_lines_parked')}), other parked "
            f"{f('parked')}, dead letters {f('dead_letters')}, reconciled {f('time_to_reconcile_s')} s "
            "after the faults stopped"
        )
    if len(seeds) > 1:
        print("\n".join(["", f"chaos, {args.deals} deals, {len(seeds)} seeds:", *summary]))
    return 0 if ok else 1


def run_in_child(seed: int) -> tuple[dict[str, object], bool]:
    argv = [a for a in sys.argv[1:]]
    if "--seeds" in argv:
        at = argv.index("--seeds")
        del argv[at : at + 2]
    argv = [a for a in argv if not a.startswith("--seeds=")]
    done = subprocess.run(
        [sys.executable, __file__, *argv, "--seed", str(seed)], capture_output=True, text=True
    )
    sys.stdout.write("\n".join(line for line in done.stdout.splitlines() if not line.startswith(FIGURES)))
    sys.stdout.write("\n")
    sys.stdout.flush()
    figures = next(
        (json.loads(line[len(FIGURES) :]) for line in done.stdout.splitlines() if line.startswith(FIGURES)),
        {},
    )
    if not figures:
        print(f"chaos: seed {seed}: the run itself failed (exit {done.returncode}): {done.stderr[-1500:]}")
    return figures, done.returncode == 0 and bool(figures)


def run_once(args: argparse.Namespace, seed: int) -> tuple[dict[str, object], bool]:
    """One chaos run on a fresh sandbox; its figures and whether nothing was lost or doubled. A run that
    fails in its own driver or checker prints why and counts as not reconciled (the next seed still
    runs)."""
    state_dir = args.state_dir / f"seed-{seed}" if args.state_dir else Path(tempfile.mkdtemp(prefix="chaos-"))
    config = BridgeSandboxConfig(
        state_dir=state_dir,
        utp_config=UtpEmulatorConfig(products=200),
        deal_visibility_timeout_s=2,
        # 1C's 500/-1 after a write parks the order (never retried blindly); the replayer's first pause is
        # one minute here instead of five, so the run waits minutes, not an hour, for the retries.
        settings={**DEFAULT_SETTINGS, "parked_retry_minutes": args.parked_retry_minutes},
    )
    chaos = ChaosConfig(
        deals=args.deals,
        seed=seed,
        outage_s=args.outage_s,
        crash_rounds=args.crash_rounds,
        settle_timeout_s=args.settle_s,
        wait_for_parked_s=args.wait_for_parked_s,
    )
    print(f"chaos: seed {seed}, {args.deals} deals", flush=True)
    try:
        with build_stack(config) as stack:
            report = run_chaos(stack, chaos)
    except Exception as exc:  # report it and go on with the next seed
        print(f"chaos: seed {seed}: the run itself failed: {type(exc).__name__}: {exc}", flush=True)
        return {}, False
    print(format_figures(report))
    print(f"report: {state_dir / 'chaos-report.json'}")
    print(FIGURES + json.dumps(report["figures"], ensure_ascii=False), flush=True)
    figures = report["figures"]
    return figures, bool(report["reconciled"] and figures["duplicates"] == 0 and figures["missing"] == 0)


if __name__ == "__main__":
    sys.exit(main())
