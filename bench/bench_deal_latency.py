"""Deal → posted UTP sales order, in the sandbox, at 100 ms per UTP request (target: ≤ 2 s p95).

The whole product runs as in AWS (gateway → webhook receiver → FIFO queue on moto → deal processor →
UTP emulator with 100 ms latency on every request). Latency = from the moment the webhook reaches the
gateway to the end of the deal-processor invocation that posted the order.
The case "same new customer, two orders at once": a new customer places two orders half a second apart;
the second deal finds the first's claim on her and waits for it in process (no queue redelivery), so
both reach UTP within the target, under one counterparty.
Run: .venv/bin/python bench/bench_deal_latency.py [orders] [pairs]
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import harness  # noqa: F401 - puts the repository on sys.path
import httpx

from sandbox.runner.product import BridgeSandboxConfig, build_stack
from sandbox.utp.app import UtpEmulatorConfig

ORDERS = int(sys.argv[1]) if len(sys.argv) > 1 else 40
PAIRS = int(sys.argv[2]) if len(sys.argv) > 2 else 6
CUSTOMERS = 8
TWICE = "same new customer, two orders at once"
UTP_LATENCY_MS = 100
ARRIVAL_S = 0.5  # 7,200 orders an hour: far busier than the 300-a-day shop


def order_id_of(body: str | None) -> int | None:
    try:
        return int(json.loads(body or "{}")["data"]["id"])
    except (KeyError, TypeError, ValueError):
        return None


def percentile(values: list[float], share: float) -> float:
    """The value at rank round(share × n) (not ``harness.percentile``'s nearest rank: this benchmark's
    figures have always used this rank, and stay comparable with earlier runs)."""
    ordered = sorted(values)
    return ordered[max(round(share * len(ordered)) - 1, 0)]


def _place(endpoints: dict[str, Any], order: dict[str, Any]) -> int:
    """An order created in the SalesDrive emulator through its API; returns its id."""
    answer = httpx.post(
        endpoints["salesdrive_url"] + "/handler/",
        headers={"X-Api-Key": endpoints["salesdrive_api_key"]},
        json={"getResultData": 1, **order},
        timeout=30,
    )
    return int(answer.json()["data"]["orderId"])


def _utp_rows(endpoints: dict[str, Any], entity: str, query: str) -> list[dict[str, Any]]:
    auth = (endpoints["utp_user"], endpoints["utp_password"])
    answer = httpx.get(
        f"{endpoints['utp_odata_url']}/{quote(entity)}?$format=json&{query}", auth=auth, timeout=30
    )
    rows: list[dict[str, Any]] = answer.json()["value"]
    return rows


def main() -> int:
    state = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    config = BridgeSandboxConfig(
        state_dir=state,
        utp_config=UtpEmulatorConfig(products=200, latency_ms=UTP_LATENCY_MS),
        deal_visibility_timeout_s=10,
    )
    with build_stack(config) as stack:
        endpoints = stack.endpoints
        flt = quote("Услуга eq false and IsFolder eq false", safe="")
        products = _utp_rows(endpoints, "Catalog_Номенклатура", f"$top=40&$filter={flt}")
        skus = [p["Артикул"] for p in products if p["Артикул"]]
        placed: dict[int, str] = {}
        _warm_up(stack, endpoints, skus)
        _orders(endpoints, skus, placed)
        stack.wait_until_idle(timeout=300)
        _pairs(endpoints, skus, placed)
        stack.wait_until_idle(timeout=300)
        twice_counterparties = []
        for pair in range(PAIRS):
            flt = quote(f"Description eq 'Покупець Двічі {pair}'", safe="")
            twice_counterparties.append(len(_utp_rows(endpoints, "Catalog_Контрагенты", f"$filter={flt}")))
        received, posted, failed_deal_calls = _timings(stack)
        utp_calls = sum(stack.emulators["utp"].app.counters.values()) if hasattr(stack, "emulators") else None
    kinds = ("new customer", "known customer", TWICE)
    latencies: dict[str, list[float]] = {kind: [] for kind in kinds}
    missing = [o for o in placed if o not in posted or o not in received]
    for order_id, kind in placed.items():
        if order_id in posted and order_id in received:
            latencies[kind].append(posted[order_id] - received[order_id])
    return _report(latencies, missing, utp_calls, failed_deal_calls, twice_counterparties)


def _warm_up(stack: Any, endpoints: dict[str, Any], skus: list[str]) -> None:
    """Not measured: the first deal after a cold start resolves the settings' UTP names, the property
    keys and SalesDrive's statuses once per Lambda instance."""
    httpx.post(
        endpoints["salesdrive_url"] + "/handler/",
        headers={"X-Api-Key": endpoints["salesdrive_api_key"]},
        json={
            "fName": "Прогрів",
            "phone": "+380679999999",
            "products": [{"id": skus[0], "sku": skus[0], "amount": 1}],
        },
        timeout=30,
    )
    stack.wait_until_idle(timeout=120)


def _orders(endpoints: dict[str, Any], skus: list[str], placed: dict[int, str]) -> None:
    """``ORDERS`` orders one after another from ``CUSTOMERS`` customers (new first, then known)."""
    for n in range(ORDERS):
        customer = n % CUSTOMERS
        kind = "new customer" if n < CUSTOMERS else "known customer"
        lines = [
            {"id": sku, "sku": sku, "name": sku, "costPerItem": 100 + i, "amount": 1 + i}
            for i, sku in enumerate(skus[n % 10 : n % 10 + 3])
        ]
        order = {"fName": f"Клієнт {customer}", "phone": f"+38067900{customer:04d}", "products": lines}
        placed[_place(endpoints, order)] = kind
        time.sleep(ARRIVAL_S)  # orders arrive one after another, as in a busy shop


def _pairs(endpoints: dict[str, Any], skus: list[str], placed: dict[int, str]) -> None:
    """``PAIRS`` new customers, each placing two orders half a second apart."""
    for pair in range(PAIRS):
        for n in range(2):
            sku = skus[(pair + n) % len(skus)]
            order = {
                "fName": f"Двічі {pair}",
                "lName": "Покупець",
                "phone": f"+38050700{pair:04d}",
                "products": [{"id": sku, "sku": sku, "name": sku, "costPerItem": 250, "amount": 1}],
            }
            placed[_place(endpoints, order)] = TWICE
            time.sleep(ARRIVAL_S)
        time.sleep(3.0)  # the next pair after this one has settled


def _timings(stack: Any) -> tuple[dict[int, float], dict[int, float], int]:
    """When each order's webhook reached the gateway, when its order was posted, failed deal calls."""
    received: dict[int, float] = {}
    posted: dict[int, float] = {}
    failed_deal_calls = sum(1 for c in stack.invocations() if c.source == "sqs" and not c.ok)
    for call in stack.invocations():
        if call.source == "http":
            order_id = order_id_of((call.event or {}).get("body"))
            if order_id is not None:
                received.setdefault(order_id, call.started_at)
        elif call.source == "sqs" and call.ok:
            for record in call.event["Records"]:
                order_id = order_id_of(record["body"])
                if order_id is not None and order_id not in posted:
                    posted[order_id] = call.started_at + call.duration_ms / 1000
    return received, posted, failed_deal_calls


def _report(
    latencies: dict[str, list[float]],
    missing: list[int],
    utp_calls: int | None,
    failed_deal_calls: int,
    twice_counterparties: list[int],
) -> int:
    everything = [v for kind, values in latencies.items() if kind != TWICE for v in values]
    print(f"Deal → posted UTP sales order in the sandbox, UTP latency {UTP_LATENCY_MS} ms per request")
    for kind, values in [*latencies.items(), ("all", everything)]:
        if values:
            print(
                f"  {kind:<15} n={len(values):>3}   p50 {statistics.median(values):5.2f} s   "
                f"p95 {percentile(values, 0.95):5.2f} s   max {max(values):5.2f} s"
            )
    if utp_calls is not None:
        print(f"  UTP requests in the run: {utp_calls}")
    print(f"  orders not posted: {missing}")
    print(f"  deal invocations that failed (their messages wait for redelivery): {failed_deal_calls}")
    print(f"  {TWICE}: counterparties per customer in UTP {twice_counterparties} (want 1 each)")
    twice = latencies[TWICE]
    ok = (
        not missing
        and percentile(everything, 0.95) <= 2.0
        and bool(twice)
        and percentile(twice, 0.95) <= 2.0
        and twice_counterparties == [1] * PAIRS
        and failed_deal_calls == 0
    )
    print("OK (target p95 ≤ 2 s)" if ok else "TARGET MISSED (p95 ≤ 2 s)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
