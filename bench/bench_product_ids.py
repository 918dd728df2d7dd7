"""The first run of "SalesDrive ID on every UTP card" at 200,000 products, on a simulated clock.

    .venv/bin/python bench/bench_product_ids.py [--products 200000] [--pace 300] [--read-s 180]

Every product needs one single 1C write. The product matcher runs nightly and, while a run has stopped by
time with IDs left (``writes_pending``), every 20 minutes (the template's resume schedule). Each run has
Lambda's 900 s: it first reads the feed, UTP's products and the property values (``--read-s``, an
assumption: the full catalog push reads the same products in about two minutes at this size), then calls
the real ``write_product_ids`` at ``product_id_writes_per_minute`` until 30 s are left. The clock is
simulated (each 1C write takes ``--write-ms``), so the bench takes seconds. It prints the wall time until
every card has its ID and checks that each card was written exactly once; exits 1 otherwise.
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from harness import shop_settings

from bridge.sync.product_ids import first_run_minutes, write_product_ids, writes_pending

LAMBDA_TIMEOUT_S = 900.0
RESUME_EVERY_S = 20 * 60.0


class SimulatedUtp:
    """Counts the property writes; each takes ``write_s`` on the simulated clock."""

    def __init__(self, write_s: float) -> None:
        self.write_s = write_s
        self.now = 0.0
        self.writes: Counter[str] = Counter()

    def set_property(self, ref: str, entity: str, prop: str, value: str) -> None:
        self.now += self.write_s
        self.writes[ref] += 1

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def clock(self) -> float:
        return self.now


class CursorTable(dict[str, dict[str, Any]]):
    def put(self, job: str, value: dict[str, Any]) -> None:
        self[job] = value


def simulate(products: int, pace: int, read_s: float, write_s: float) -> dict[str, float]:
    settings = shop_settings("shop", "Org", product_id_writes_per_minute=pace)
    ids = {f"{n:08x}-0000-0000-0000-000000000000": f"SKU-{n}" for n in range(products)}
    utp, cursors = SimulatedUtp(write_s), CursorTable()
    runs, wall_s = 0, 0.0
    while True:
        runs += 1
        started = utp.now = wall_s + read_s  # the run reads first, then writes what is still missing
        missing = {ref: sd for ref, sd in ids.items() if ref not in utp.writes}
        write_product_ids(
            missing,
            utp=utp,  # type: ignore[arg-type]
            settings=settings,
            cursors=cursors,  # type: ignore[arg-type]
            time_left=lambda started=started: LAMBDA_TIMEOUT_S - read_s - (utp.now - started),
            sleep=utp.sleep,
            monotonic=utp.clock,
        )
        if not writes_pending(cursors):  # type: ignore[arg-type]
            break
        wall_s += RESUME_EVERY_S
    once = all(n == 1 for n in utp.writes.values()) and len(utp.writes) == products
    return {
        "runs": runs,
        "hours": utp.now / 3600,
        "write_hours": first_run_minutes(products, settings) / 60,
        "exactly_once": float(once),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=200_000)
    parser.add_argument("--pace", type=int, default=300, help="product_id_writes_per_minute")
    parser.add_argument("--read-s", type=float, default=180.0, help="each run's reads before it writes")
    parser.add_argument("--write-ms", type=float, default=100.0, help="one 1C property write")
    args = parser.parse_args()
    print(f"first SalesDrive ID run: {args.products:,} products, read {args.read_s:.0f} s a run")
    ok = True
    for pace in dict.fromkeys((args.pace, 1000, 3000)):
        r = simulate(args.products, pace, args.read_s, args.write_ms / 1000)
        ok = ok and r["exactly_once"] == 1.0
        print(
            f"  {pace:>5} writes/min: {r['write_hours']:5.1f} h of writes, done after {r['hours']:5.1f} h "
            f"in {r['runs']:.0f} matcher runs (every 20 min while pending); "
            f"each card written exactly once: {'yes' if r['exactly_once'] else 'NO'}"
        )
    cap = 60_000 / args.write_ms
    print(f"  (one writer at {args.write_ms:.0f} ms a 1C write cannot exceed {cap:,.0f} a minute)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
