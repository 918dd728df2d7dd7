"""The chaos suite at full size (1,000 deals by default): prints its figures; exit 0 only if nothing was
lost and nothing duplicated. It takes several minutes (an outage longer than the deal queue's five
deliveries parks orders, which the parked-order replayer retries after its 5-minute pause).

Run: .venv/bin/python bench/bench_chaos.py [--deals 1000] [--outage-s 20] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sandbox.runner.chaos import ChaosConfig, format_figures, run_chaos  # noqa: E402
from sandbox.runner.product import DEFAULT_SETTINGS, BridgeSandboxConfig, build_stack  # noqa: E402
from sandbox.utp.app import UtpEmulatorConfig  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=1000)
    parser.add_argument("--outage-s", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--crash-rounds", type=int, default=3)
    # On a 2-core machine the sandbox works through 1,000 deals' events ≈ 15 minutes behind the webhooks.
    parser.add_argument("--settle-s", type=float, default=2400.0)
    parser.add_argument("--wait-for-parked-s", type=float, default=600.0)
    parser.add_argument("--state-dir", type=Path, default=None)
    parser.add_argument("--parked-retry-minutes", type=int, default=1)
    args = parser.parse_args()
    state_dir = args.state_dir or Path(tempfile.mkdtemp(prefix="chaos-"))
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
        seed=args.seed,
        outage_s=args.outage_s,
        crash_rounds=args.crash_rounds,
        settle_timeout_s=args.settle_s,
        wait_for_parked_s=args.wait_for_parked_s,
    )
    with build_stack(config) as stack:
        report = run_chaos(stack, chaos)
    print(format_figures(report))
    print(f"report: {state_dir / 'chaos-report.json'}")
    print(json.dumps(report["figures"], ensure_ascii=False))
    ok = report["reconciled"] and report["figures"]["duplicates"] == 0 and report["figures"]["missing"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
