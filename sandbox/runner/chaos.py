"""The chaos suite: many deals through the whole product under faults (webhooks duplicated, reordered,
delayed and lost; UTP errors, timeouts, an outage and crashes between a write and its record; SalesDrive
throttling in both answer shapes), then settle rounds (the sweep, the parked-order replayer and the
payment importer fired until nothing changes) and a check that reads UTP and SalesDrive directly.
Deals and faults: ``sandbox.runner.chaos_deals``; the check and figures: ``sandbox.runner.chaos_check``.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from sandbox.runner import chaos_check
from sandbox.runner.chaos_deals import (
    ADVANCE_UNDER_FAULTS_S,
    CRASH_TARGETS,
    SCHEDULES,
    ChaosConfig,
    ChaosRun,
    FaultPump,
    SalesDrive,
    Utp,
    order_body,
    plan_deals,
)
from sandbox.runner.driver import COMPLETED, COUNTERPARTIES, INVOICE, STATUS_PROPERTY, money, wait_for


def run_chaos(
    stack: Any, cfg: ChaosConfig | None = None, *, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Play the chaos scenario against a started bridge sandbox; the report (figures, problems)."""
    cfg = cfg or ChaosConfig()
    ep = stack.endpoints
    utp = Utp(ep["utp_odata_url"], (ep["utp_user"], ep["utp_password"]), stack.urls["utp"])
    crm = SalesDrive(ep["salesdrive_url"], ep["salesdrive_api_key"])
    run = ChaosRun(
        stack, cfg, utp, crm, Path(stack.state_dir), log, random.Random(cfg.seed), time.monotonic()
    )
    try:
        _prepare(run)
        _faults_on(run)
        _place_deals(run)
        _throttle(run)
        _pay(run)
        # Faults stay on while the second steps go out, but not for long: an order 1C refused (500/-1)
        # waits parked for the replayer, and the settle rounds take its second step when its invoice exists.
        wait_for(
            lambda: _advance(run), max(5.0, min(cfg.settle_timeout_s / 3, ADVANCE_UNDER_FAULTS_S)), pause=1.0
        )
        _faults_off(run)
        _settle(run)
        return chaos_check.report(run)
    finally:
        utp.close()
        crm.close()


def _prepare(run: ChaosRun) -> None:
    run.status_names = run.crm.statuses()
    run.status_property = run.utp.property_key(STATUS_PROPERTY)
    run.skus = run.utp.skus(40)
    run.counterparties_before = run.utp.count(COUNTERPARTIES)
    run.log_before = len(run.crm.webhook_log())
    run.deals = plan_deals(run.cfg, run.rng)
    run.figures = {"deals": run.cfg.deals}


def _faults_on(run: ChaosRun) -> None:
    cfg = run.cfg
    run.crm.configure(
        webhook_duplicate_rate=cfg.webhook_duplicate_rate,
        webhook_reorder_rate=cfg.webhook_reorder_rate,
        webhook_reorder_max_hold_s=cfg.webhook_reorder_max_hold_s,
        webhook_delay_s=cfg.webhook_delay_s,
        webhook_loss_rate=cfg.webhook_loss_rate,
        random_seed=cfg.seed,
        throttle_shape="429",
        numbers_as_strings=True,
        odd_shapes=list(cfg.odd_shapes),
    )
    run.utp.configure(timeout_sleep_s=cfg.utp_timeout_sleep_s)
    run.pump = FaultPump(run.utp, cfg.utp_fault_interval_s, cfg.utp_fault_kinds, random.Random(cfg.seed + 1))
    run.pump.start()


def _inject_crashes(run: ChaosRun) -> None:
    now = run.utp.counters()
    for method, target in CRASH_TARGETS:
        kind = run.rng.choice(run.cfg.crash_kinds)
        run.utp.inject(kind, match=target, method=method, phase="after")
        run.crashes.append((method, target, now.get(f"{method} {target}", 0)))


def _outage(run: ChaosRun) -> None:
    """UTP answers nothing but faults for a while; counts the requests that failed meanwhile."""
    before = sum(run.utp.counters().values())
    run.utp.configure(fault_rate=1.0, fault_kinds=list(run.cfg.utp_fault_kinds))
    time.sleep(run.cfg.outage_s)
    run.utp.configure(fault_rate=0.0)
    run.outage_requests = sum(run.utp.counters().values()) - before - 1  # minus the counters read itself


def _place_deals(run: ChaosRun) -> None:
    cfg = run.cfg
    crash_at = {int(cfg.deals * (r + 1) / (cfg.crash_rounds + 1)) for r in range(cfg.crash_rounds)}
    outage_at = cfg.deals // 2 if cfg.outage_s > 0 else -1
    run.log(f"chaos: placing {cfg.deals} deals under webhook, UTP and throttling faults")
    for deal in run.deals:
        if deal.index in crash_at:
            _inject_crashes(run)
        if deal.index == outage_at:
            _outage(run)
        deal.salesdrive_id = run.crm.place(order_body(deal, run.skus, run.rng))
        if deal.statuses:
            run.crm.set_status(deal.salesdrive_id, deal.statuses[0])
            deal.applied.append(deal.statuses[0])
        if len(deal.statuses) > 1:
            run.pending.append(deal)
        time.sleep(cfg.pace_s)


def _throttle(run: ChaosRun) -> None:
    """Both answer shapes: another user of the account spends the list quota, then the bridge reads."""
    if not run.cfg.throttle:
        return
    crm = run.crm
    for shape, job in (("429", "CatchUpSweepFunction"), ("400", "PaymentImporterFunction")):
        crm.configure(throttle_shape=shape)
        crm.spend_quota()
        fired = run.stack.fire_schedule(job)
        error = fired.error.get("errorMessage") if isinstance(fired.error, dict) else fired.error
        run.throttle_runs[f"{job} ({shape})"] = {"ok": fired.ok, "result": fired.result, "error": error}
        run.throttled += sum(int(v) for v in (crm.counters().get("throttled") or {}).values())
        crm.give_quota_back()  # (it clears the throttle counters too)
    crm.configure(throttle_shape="429")


def _advance(run: ChaosRun) -> bool:
    """Second steps (a sale that follows a confirmation; a refusal after shipment: the invoice first)."""
    for deal in list(run.pending):
        if deal.statuses[0] == COMPLETED:
            chaos_check.observe(run.utp, deal, receipts=False)
            if deal.documents.get(INVOICE, 0) <= 0:
                continue
        for status in deal.statuses[len(deal.applied) :]:
            run.crm.set_status(deal.salesdrive_id, status)
            deal.applied.append(status)
        run.pending.remove(deal)
    return not run.pending


def _pay(run: ChaosRun) -> None:
    """Some completed deals paid in full, a third of those in two parts."""
    for deal in run.deals:
        if deal.statuses and deal.statuses[-1] == COMPLETED and run.rng.random() < run.cfg.pay_share:
            total = Decimal(str(run.crm.order(deal.salesdrive_id)["totals"]["paymentAmount"]))
            parts = [money(total / 3), None] if run.rng.random() < 1 / 3 else [None]
            paid = Decimal(0)
            for part in parts:
                amount = part or money(total - paid)
                run.crm.pay(deal.salesdrive_id, amount)
                deal.payments.append(amount)
                paid += Decimal(amount)


def _faults_off(run: ChaosRun) -> None:
    if run.pump is not None:
        run.pump.stop()
    run.faults_stopped_at = time.monotonic()
    run.log(f"chaos: faults stop after {run.faults_stopped_at - run.started:.1f} s; settling")
    run.crm.configure(
        webhook_duplicate_rate=0.0,
        webhook_reorder_rate=0.0,
        webhook_delay_s=0.0,
        webhook_loss_rate=0.0,
        odd_shapes=[],
    )
    run.utp.configure(fault_rate=0.0)
    for _ in range(60):  # one-shot faults nobody took yet (a crash rule whose write never came is dropped)
        try:
            run.utp.http.get(f"{run.utp.odata_root}/$metadata").raise_for_status()
            break
        except httpx.HTTPError:
            continue


def _settle_round(run: ChaosRun, deadline: float) -> tuple[bool, Any] | None:
    """Fire the schedules, wait for idle, read UTP. ``None`` if the stack stayed busy; else whether
    every deal is reconciled, and a snapshot to tell whether anything still moves."""
    _advance(run)
    for job in SCHEDULES:
        fired = run.stack.fire_schedule(job)
        run.last_jobs[job] = {
            "ok": fired.ok,
            "result": fired.result,
            "error": fired.error and str(fired.error)[:500],
        }
    try:
        run.stack.wait_until_idle(timeout=max(1.0, min(20.0, deadline - time.monotonic())))
    except TimeoutError as exc:
        run.busy = str(exc)
        return None
    for deal in run.deals:
        chaos_check.observe(run.utp, deal, receipts=True)
    snapshot = [(d.utp_orders, d.posted, sorted(d.documents.items()), d.receipts) for d in run.deals]
    unsettled = [(d.salesdrive_id, p) for d in run.deals if (p := chaos_check.deal_problems(d))]
    if unsettled:
        run.log(
            f"chaos: settle round {run.rounds}: {len(unsettled)} deal(s) not reconciled yet: {unsettled[:3]}"
        )
    return not run.pending and not unsettled, snapshot


def _settle(run: ChaosRun) -> None:
    """Settle rounds until every deal reconciles (and nothing moved for a round), or nothing moves any
    more after the settle timeout, or the deadline passes."""
    cfg = run.cfg
    deadline = run.faults_stopped_at + cfg.settle_timeout_s + cfg.wait_for_parked_s
    previous: Any = None
    quiet = 0
    while time.monotonic() < deadline:
        run.rounds += 1
        outcome = _settle_round(run, deadline)
        if outcome is None:
            continue
        complete, snapshot = outcome
        quiet = quiet + 1 if snapshot == previous else 0
        previous = snapshot
        if complete and quiet >= 1:
            run.settled = True
            break
        if quiet >= 2 and time.monotonic() > run.faults_stopped_at + cfg.settle_timeout_s:
            break  # nothing moves any more; only parked orders' back-off could still change it
        time.sleep(0.5 if not complete else 0)
    run.time_to_reconcile = time.monotonic() - run.faults_stopped_at
    with contextlib.suppress(TimeoutError):
        run.stack.wait_until_idle(timeout=30)
