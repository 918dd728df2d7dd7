"""The chaos suite's check: what UTP and SalesDrive hold for every deal (read directly), what the
operator's tool says is parked or dead-lettered (run in a child process: the sandbox never imports the
product), the problems found and the run's figures."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from sandbox.runner.chaos_deals import NO_LINES, SAME_CUSTOMER, ChaosRun, Deal, Utp
from sandbox.runner.driver import (
    CLOSURE,
    COUNTERPARTIES,
    FOLLOW_UPS,
    INVOICE,
    MARKER,
    ORDER,
    RECEIPT,
    RETURN,
    money,
    read_utp_side,
    receipts_sum,
)


def observe(utp: Utp, deal: Deal, *, receipts: bool) -> None:
    """Refresh what UTP holds for a deal; a document present but not posted counts negative."""
    side = read_utp_side(utp, deal.salesdrive_id)
    deal.utp_orders = side.orders
    if not side.orders or side.ref is None:
        return
    deal.utp_ref = side.ref
    deal.posted = side.posted
    deal.counterparty_ref = side.counterparty_ref
    for entity in FOLLOW_UPS:
        docs = side.documents[entity]
        deal.documents[entity] = len(docs)
        if docs and not all(d.get("Posted") for d in docs):
            deal.documents[entity] = -len(docs)  # present but not posted
    if receipts and deal.payments:
        rows = utp.documents_of(RECEIPT, deal.utp_ref)
        deal.receipts = len(rows) if all(r.get("Posted") for r in rows) else -len(rows)
        deal.receipts_sum = receipts_sum(rows)


def deal_problems(deal: Deal) -> list[str]:
    problems: list[str] = []
    if deal.kind == NO_LINES:  # nothing to put in UTP: parked with a reason (checked with the parked list)
        if deal.utp_orders and deal.posted:
            problems.append("an order without lines was posted in UTP")
        return problems
    if deal.utp_orders != 1:
        problems.append(f"{deal.utp_orders} sales orders in UTP (expected 1)")
        return problems
    if not deal.posted:
        problems.append("the sales order is not posted")
    for entity, want in deal.expected.items():
        have = deal.documents.get(entity, 0)
        if have < 0:
            problems.append(f"{-have} × {entity}, not posted")
        elif have != want:
            problems.append(f"{have} × {entity} (expected {want})")
    if deal.payments:
        paid = money(sum((Decimal(a) for a in deal.payments), Decimal(0)))
        if deal.receipts != len(deal.payments):
            problems.append(f"{deal.receipts} posted cash receipts for {len(deal.payments)} payments")
        elif deal.receipts_sum != paid:
            problems.append(f"cash receipts sum to {deal.receipts_sum}, SalesDrive has {paid} paid")
    return problems


def bridge_ops(state_dir: Path, *args: str) -> Any:
    """Run the operator's tool against this sandbox in a child process; its JSON answer."""
    done = subprocess.run(  # noqa: S603 (our own interpreter and tool)
        [
            sys.executable,
            "-m",
            "bridge_ops",
            "--endpoints",
            str(state_dir / "endpoints.json"),
            *args,
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(Path(__file__).resolve().parents[2]),
    )
    if done.returncode != 0:
        raise RuntimeError(f"bridge_ops {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def read_both_sides(run: ChaosRun) -> None:
    """Each deal's final state in UTP and SalesDrive, and its problems (statuses included)."""
    for deal in run.deals:
        observe(run.utp, deal, receipts=True)
        deal.salesdrive_status = run.crm.status_of(deal.salesdrive_id)
        if deal.utp_ref and run.status_property:
            deal.utp_status = run.utp.order_property(deal.utp_ref, run.status_property)
        deal.problems = deal_problems(deal)
        want = deal.statuses[-1] if deal.statuses else deal.salesdrive_status
        if deal.salesdrive_status != want:
            deal.problems.append(f"SalesDrive shows status {deal.salesdrive_status}, the scenario set {want}")
        name = run.status_names.get(deal.salesdrive_status or -1)
        shown = (name, f"{name} [{deal.salesdrive_status}]", f"[{deal.salesdrive_status}] {name}"[:50])
        if deal.utp_orders == 1 and name and deal.utp_status not in shown:
            deal.problems.append(f"UTP's status is {deal.utp_status!r}, SalesDrive's {name!r}")


def strays(utp: Utp, deals: list[Deal]) -> list[str]:
    """Markers of live UTP sales orders that belong to no deal of this run."""
    marked = utp.rows(ORDER, f"substringof('SD-', {MARKER})", f"&$select=Ref_Key,{MARKER},DeletionMark")
    return sorted(
        {str(r[MARKER]) for r in marked if not r.get("DeletionMark")}
        - {f"SD-{d.salesdrive_id}" for d in deals}
    )


def operator_view(run: ChaosRun) -> dict[str, Any]:
    """Parked orders of this run and dead letters, as the operator's tool lists them; an order without
    lines must be parked with a reason, not dead-lettered."""
    by_id = {d.salesdrive_id for d in run.deals}
    parked = bridge_ops(run.state_dir, "parked")
    dead = bridge_ops(run.state_dir, "dlq", "list")
    parked_list = parked if isinstance(parked, list) else parked.get("parked", parked.get("orders", []))
    dead_list = dead if isinstance(dead, list) else dead.get("messages", dead.get("letters", []))
    parked_ours = [p for p in parked_list if int(p.get("order_id", 0)) in by_id]
    reasons = {int(p["order_id"]): str(p.get("reason") or "") for p in parked_ours}
    dead_ids = {int(m.get("order_id") or 0) for m in dead_list}
    for deal in run.deals:
        if deal.kind != NO_LINES:
            continue
        if deal.salesdrive_id in dead_ids:
            deal.problems.append("an order without lines went to the dead-letter queue")
        elif not reasons.get(deal.salesdrive_id):
            deal.problems.append("an order without lines is neither parked with a reason nor anywhere else")
    return {"parked": parked_ours, "dead": dead_list, "reasons": reasons}


def duplicates(deals: list[Deal]) -> int:
    return (
        sum(max(d.utp_orders - 1, 0) for d in deals)
        + sum(max(abs(d.documents.get(e, 0)) - 1, 0) for d in deals for e in (INVOICE, CLOSURE, RETURN))
        + sum(max(abs(d.receipts) - len(d.payments), 0) for d in deals)
    )


def missing(deals: list[Deal], parked_reasons: dict[int, str]) -> int:
    without_lines = [d for d in deals if d.kind == NO_LINES]
    return (
        sum(1 for d in deals if d.utp_orders == 0 and d.kind != NO_LINES)
        + sum(1 for d in without_lines if not parked_reasons.get(d.salesdrive_id))
        + sum(max(want - abs(d.documents.get(e, 0)), 0) for d in deals for e, want in d.expected.items())
        + sum(max(len(d.payments) - abs(d.receipts), 0) for d in deals)
    )


def problems(run: ChaosRun, view: dict[str, Any], stray: list[str], counterparties_created: int) -> list[str]:
    found = [f"order {d.salesdrive_id}: {p}" for d in run.deals for p in d.problems]
    if stray:
        found.append(f"UTP holds sales orders of no deal of this run: {stray[:10]}")
    # Every new customer once: more counterparties than customers is a duplicate; fewer is a problem only
    # when every order reached UTP (an order parked before its customer was created explains one less).
    customers = len({d.phone for d in run.deals})
    if counterparties_created > customers or (
        counterparties_created < customers and all(d.utp_orders == 1 for d in run.deals)
    ):
        found.append(f"{counterparties_created} counterparties created for {customers} new customers")
    found += [f"dead letter without a reason: {m}" for m in view["dead"] if not m.get("reason")]
    if not run.settled:
        found.append(f"did not settle within {run.cfg.settle_timeout_s + run.cfg.wait_for_parked_s:.0f} s")
    return found


def figures(run: ChaosRun, view: dict[str, Any], counterparties_created: int) -> dict[str, Any]:
    """The run's figures: the faults that really happened, what UTP holds, how long it took."""
    deals, cfg, pump = run.deals, run.cfg, run.pump
    wh = run.crm.webhook_log()[run.log_before :]
    sd_counters = run.crm.counters()
    utp_after = run.utp.counters()
    without_lines = [d for d in deals if d.kind == NO_LINES]
    reasons = view["reasons"]
    injected = pump.injected if pump is not None else {}
    return {
        "webhooks_sent": sum(1 for e in wh if e.get("outcome") != "lost"),
        "webhooks_duplicated": sum(1 for e in wh if e.get("duplicate")),
        "webhooks_reordered": sum(1 for e in wh if e.get("reordered")),
        "webhooks_delayed": sum(1 for e in wh if float(e.get("delay_s") or 0) > 0),
        "webhooks_lost": sum(1 for e in wh if e.get("outcome") == "lost"),
        "webhook_shapes": ["numbers as strings", *cfg.odd_shapes],
        "utp_faults_injected": sum(injected.values()),
        "utp_faults_by_kind": dict(sorted(injected.items())),
        "utp_outage_s": cfg.outage_s,
        "utp_requests_failed_in_outage": run.outage_requests,
        "crashes_injected": len(run.crashes),
        "crashes_hit": sum(
            1 for method, target, n in run.crashes if utp_after.get(f"{method} {target}", 0) > n
        ),
        "throttled_answers": run.throttled
        + sum(int(v) for v in (sd_counters.get("throttled") or {}).values()),
        "payments": sum(len(d.payments) for d in deals),
        "cash_receipts": sum(max(d.receipts, 0) for d in deals),
        "utp_sales_orders": sum(d.utp_orders for d in deals),
        "invoices": sum(abs(d.documents.get(INVOICE, 0)) for d in deals),
        "closures": sum(abs(d.documents.get(CLOSURE, 0)) for d in deals),
        "return_notes": sum(abs(d.documents.get(RETURN, 0)) for d in deals),
        "counterparties_created": counterparties_created,
        "counterparty_duplicates": max(counterparties_created - len({d.phone for d in deals}), 0),
        "same_customer_orders_at_once": sum(1 for d in deals if d.kind == SAME_CUSTOMER),
        "orders_without_lines": len(without_lines),
        "orders_without_lines_parked": sum(1 for d in without_lines if reasons.get(d.salesdrive_id)),
        "parked": len(view["parked"]) - sum(1 for d in without_lines if d.salesdrive_id in reasons),
        "dead_letters": len(view["dead"]),
        "settle_rounds": run.rounds,
        "time_to_reconcile_s": round(run.time_to_reconcile, 1),
        "elapsed_s": round(time.monotonic() - run.started, 1),
        "duplicates": duplicates(deals),
        "missing": missing(deals, reasons),
    }


def audit_of_problems(run: ChaosRun) -> dict[str, Any]:
    """What the bridge recorded about each order that did not reconcile (its audit trail, state, ledger),
    read with the operator's tool: the report then explains itself without a rerun."""
    trails: dict[str, Any] = {}
    for deal in run.deals:
        if deal.problems and deal.salesdrive_id:
            try:
                trails[str(deal.salesdrive_id)] = bridge_ops(run.state_dir, "audit", str(deal.salesdrive_id))
            except (RuntimeError, ValueError, subprocess.TimeoutExpired) as exc:
                trails[str(deal.salesdrive_id)] = {"error": str(exc)[-500:]}
    return trails


def report(run: ChaosRun) -> dict[str, Any]:
    """Read both sides, check, and write ``<state dir>/chaos-report.json``; the report."""
    read_both_sides(run)
    stray = strays(run.utp, run.deals)
    counterparties_created = run.utp.count(COUNTERPARTIES) - run.counterparties_before
    view = operator_view(run)
    found = problems(run, view, stray, counterparties_created)
    run.figures.update(figures(run, view, counterparties_created))
    result = {
        "reconciled": not found and run.figures["duplicates"] == 0 and run.figures["missing"] == 0,
        "figures": run.figures,
        "problems": found,
        "known_bugs": [],
        "parked": [{k: p.get(k) for k in ("order_id", "reason", "attempts")} for p in view["parked"]],
        "dead_letters": [
            {k: m.get(k) for k in ("order_id", "receive_count", "reason")} for m in view["dead"]
        ],
        "throttle_runs": run.throttle_runs,
        "last_settle_jobs": run.last_jobs,
        "last_busy": run.busy,
        "deals": [asdict(d) for d in run.deals],
        "audit_of_problems": audit_of_problems(run),
    }
    (Path(run.state_dir) / "chaos-report.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return result


def format_figures(report: dict[str, Any]) -> str:
    lines = [f"{name.replace('_', ' '):32} {value}" for name, value in report["figures"].items()]
    lines.append(f"{'reconciled':32} {report['reconciled']}")
    lines += [f"parked: {p}" for p in report["parked"]]
    lines += [f"dead letter: {m}" for m in report["dead_letters"]]
    lines += [f"PROBLEM: {p}" for p in report["problems"][:50]]
    lines += [f"KNOWN BUG: {p}" for p in report["known_bugs"]]
    return "\n".join(lines)
