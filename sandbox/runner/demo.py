"""``make demo``: a scripted day of the shop against the running sandbox, then a reconciliation.

Orders are placed and moved in SalesDrive (webhooks duplicated, reordered, one lost on purpose), the
scheduled jobs are fired once each (catch-up sweep, payment importer, status reconciler), then the
accounting field managers see and the catalog's steps. UTP is read by OData, never the bridge's records.
The day: ``demo_day``; the report (printed, and ``<state dir>/report.json``): ``demo_report``. Exit 0 only
if everything reconciles.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console

from sandbox.runner import demo_accounting, demo_day, demo_report
from sandbox.runner.catalog_steps import run_catalog_steps
from sandbox.runner.demo_day import DAY, PLANS, OrderFacts
from sandbox.runner.driver import (
    CLOSURE,
    COUNTERPARTIES,
    INVOICE,
    RETURN,
    STATUS_PROPERTY,
    SalesDrive,
    Utp,
    expected_documents,
    wait_for,
)

ACCOUNTING_LABELS = {INVOICE: "invoice", CLOSURE: "closed by", RETURN: "return note"}  # SalesDrive's field
JOB_NAMES = {
    "catch_up_sweep": "catch-up sweep",
    "payment_importer": "payment importer",
    "status_reconciler": "reconciler",
}


@dataclass
class DemoRun:
    """The stack, both sides' clients, and what the day has learned so far."""

    stack: Any
    utp: Utp
    crm: SalesDrive
    console: Console
    started: float
    deadline: float
    facts: list[OrderFacts] = field(default_factory=list)
    log_before: int = 0
    status_names: dict[int, str] = field(default_factory=dict)
    returning_ref: str | None = None
    counterparties_before: int = 0
    status_property: str = ""
    jobs: dict[str, Any] = field(default_factory=dict)

    def time_left(self, floor: float = 1.0) -> float:
        return max(floor, self.deadline - time.monotonic())

    def webhook_log(self) -> list[dict[str, Any]]:
        return self.crm.webhook_log()[self.log_before :]

    def settled(self, *, day_only: bool = False) -> bool:
        """Every order reconciled (``day_only``: the orders the webhooks carried, before the jobs)."""
        for f in self.facts:
            demo_day.observe(self.utp, f)
            demo_day.observe_jobs(self.utp, f, self.status_property)
        demo_day.check(self.facts, self.returning_ref, with_jobs=not day_only)
        return all(not f.problems for f in self.facts if not (day_only and PLANS[f.key].lose_webhook))


def run_demo(stack: Any, *, timeout_s: float = 45.0, console: Console | None = None) -> int:
    """Play the day against a started sandbox stack; 0 if UTP reconciles with SalesDrive, else 1."""
    if console is None:
        console = Console()
        if not console.is_terminal:  # piped or captured: rich would fold the tables into 80 columns
            console = Console(width=demo_report.WIDTH)
    started = time.monotonic()
    endpoints = stack.endpoints
    utp = Utp(endpoints["utp_odata_url"], (endpoints["utp_user"], endpoints["utp_password"]))
    crm = SalesDrive(endpoints["salesdrive_url"], endpoints["salesdrive_api_key"])
    run = DemoRun(stack, utp, crm, console, started, started + timeout_s)
    try:
        return _play(run)
    finally:
        utp.close()
        crm.close()


def _play(run: DemoRun) -> int:
    parked_id = _prepare(run)
    pending = _place_the_day(run)
    _ship_then_refuse(run, pending)
    run.console.print("[bold]Statuses changed[/]; waiting for the bridge to settle")
    wait_for(lambda: run.settled(day_only=True), run.time_left())
    _catch_up_sweep(run)
    _payments(run)
    _status_set_in_utp(run)
    idle = _final_look(run)
    accounting = demo_accounting.observe(
        run.crm, run.facts, parked_id, ACCOUNTING_LABELS, timeout_s=run.time_left(5.0)
    )
    # The watcher polls every 10 s and the queue gathers 5 s: a change usually shows within ≈ 20 s, up to
    # ≈ 40 s when the save falls between two watcher runs. Each step is held to the product's ≤ 60 s.
    catalog = run_catalog_steps(run.stack, run.console, timeout_s=60.0)
    report = _report(run, idle, catalog, accounting)
    demo_report.print_report(run.console, report)
    demo_accounting.print_table(run.console, accounting)
    return 0 if report["reconciled"] else 1


def _prepare(run: DemoRun) -> int:
    """Webhook faults on; what both sides hold before the day. Returns the parked order's id."""
    crm, utp = run.crm, run.utp
    crm.configure(**demo_day.WEBHOOK_FAULTS, webhook_loss_rate=0.0)
    run.log_before = len(crm.webhook_log())
    run.status_names = crm.statuses()
    returning = utp.rows(COUNTERPARTIES, f"Description eq '{demo_day.RETURNING_NAME}'")
    run.returning_ref = str(returning[0]["Ref_Key"]) if returning else None
    run.counterparties_before = utp.count(COUNTERPARTIES)
    status_property = utp.property_key(STATUS_PROPERTY)
    if status_property is None:
        raise RuntimeError(f"UTP has no additional property {STATUS_PROPERTY!r}")
    run.status_property = status_property
    return demo_accounting.start(crm)  # an order UTP cannot take, and SalesDrive's echo webhooks


def _place_the_day(run: DemoRun) -> list[tuple[OrderFacts, list[int]]]:
    """Orders come in and the managers move them at once (without waiting for the bridge), so a held-back
    webhook of an order can reach the bridge after that order's next one. Returns the later statuses."""
    crm = run.crm
    run.console.print(
        f"[bold]Placing {len(DAY)} orders through SalesDrive[/] (webhooks duplicated and reordered,"
        " one lost on purpose)"
    )
    wanted = sum(p.lines for p in DAY)
    available = run.utp.skus(20)
    skus = [available[i % len(available)] for i in range(wanted)]
    pending: list[tuple[OrderFacts, list[int]]] = []
    offset = 0
    for plan in DAY:
        if plan.lose_webhook:
            crm.configure(webhook_loss_rate=1.0)  # this order's webhook only
        try:
            order_id = crm.place(demo_day.order_body(plan, skus[offset : offset + plan.lines]))
        finally:
            if plan.lose_webhook:
                crm.configure(webhook_loss_rate=0.0)
        offset += plan.lines
        f = OrderFacts(
            key=plan.key,
            salesdrive_id=order_id,
            customer=" ".join(p for p in (plan.last_name, plan.first_name) if p),
            phone=plan.phone,
            customer_kind=plan.customer,
            statuses=list(plan.statuses),
            expected=expected_documents(plan.statuses),
        )
        run.facts.append(f)
        if plan.statuses:
            crm.set_status(order_id, plan.statuses[0])
        if len(plan.statuses) > 1:
            pending.append((f, plan.statuses[1:]))
    log = run.webhook_log()
    for f in run.facts:
        f.webhook_lost = any(e["order_id"] == f.salesdrive_id and e["outcome"] == "lost" for e in log)
    return pending


def _ship_then_refuse(run: DemoRun, pending: list[tuple[OrderFacts, list[int]]]) -> None:
    """After shipment a customer brings the goods back: the invoice must exist first."""
    for f, later in pending:

        def shipped(f: OrderFacts = f) -> bool:
            demo_day.observe(run.utp, f)
            return f.documents.get(INVOICE, 0) > 0

        if not wait_for(shipped, run.time_left()):
            f.problems.append("never shipped in UTP, so the refusal was not sent")
            break
        for status in later:
            run.crm.set_status(f.salesdrive_id, status)


def _catch_up_sweep(run: DemoRun) -> None:
    """The order whose webhook was lost is not in UTP; the catch-up sweep finds it."""
    lost = [f for f in run.facts if f.webhook_lost]
    for f in lost:
        demo_day.observe(run.utp, f)
        f.in_utp_before_sweep = f.utp_orders
    run.console.print(f"[bold]Catch-up sweep[/] (orders whose webhook was lost: {[f.key for f in lost]})")
    sweep = run.jobs["catch_up_sweep"] = run.stack.fire_schedule("CatchUpSweepFunction")
    swept = set(sweep.result.get("sent") or []) if sweep.ok and isinstance(sweep.result, dict) else set()
    for f in lost:
        f.recovered_by_sweep = f.salesdrive_id in swept


def _payments(run: DemoRun) -> None:
    """Payments in SalesDrive, partial and full; the payment importer makes cash receipts."""
    for plan, f in zip(DAY, run.facts, strict=True):
        for amount in plan.payments:
            if amount == "rest":
                total = Decimal(str(run.crm.order(f.salesdrive_id)["totals"]["paymentAmount"]))
                paid = sum((Decimal(a) for a in f.paid), Decimal(0))
                amount = str((total - paid).quantize(Decimal("0.01")))
            run.crm.pay(f.salesdrive_id, amount)
            f.paid.append(amount)
    run.console.print("[bold]Payment importer[/] (a full payment for A, a partial one and the rest for F)")
    run.jobs["payment_importer"] = run.stack.fire_schedule("PaymentImporterFunction")


def _status_set_in_utp(run: DemoRun) -> None:
    """A person sets a status in UTP; the status reconciler pushes it to SalesDrive."""
    for plan, f in zip(DAY, run.facts, strict=True):
        if plan.status_in_utp is not None and f.utp_ref:
            f.utp_status_set = run.status_names[plan.status_in_utp]
            run.utp.set_order_property(f.utp_ref, run.status_property, f.utp_status_set)
    run.console.print("[bold]Status reconciler[/] (a status a person set in UTP)")
    reconcile = run.jobs["status_reconciler"] = run.stack.fire_schedule("StatusReconcilerFunction")
    pushed = reconcile.result.get("pushed") if reconcile.ok and isinstance(reconcile.result, dict) else None
    for f in run.facts:
        value = (pushed or {}).get(str(f.salesdrive_id))
        f.pushed_status = int(value) if value is not None else None


def _echoed(run: DemoRun) -> bool:
    log = run.webhook_log()
    for f in run.facts:
        if f.pushed_status is not None:
            f.echoes_delivered = demo_day.echoes(log, f)
    return all(f.echoes_delivered for f in run.facts if f.pushed_status is not None)


def _final_look(run: DemoRun) -> bool:
    """Wait until everything settles and the stack is idle, then read both sides once more (a late
    duplicate or a bounced echo would show up now). Returns whether the stack became idle."""
    wait_for(lambda: _echoed(run) and run.settled(), run.time_left())
    try:
        run.stack.wait_until_idle(timeout=run.time_left(5.0))
        idle = True
    except TimeoutError:
        idle = False
    _echoed(run)
    run.settled()
    for f in run.facts:
        _read_salesdrive(run, f)
    return idle


def _read_salesdrive(run: DemoRun, f: OrderFacts) -> None:
    """The status SalesDrive shows for the order (and the counterparty's name in UTP), checked."""
    f.status_id = run.crm.status_of(f.salesdrive_id)
    f.status_name = run.status_names.get(f.status_id or -1, "?")
    if f.counterparty_ref:
        row = run.utp.counterparty(f.counterparty_ref)
        f.counterparty = str(row["Description"]) if row else f"? {f.counterparty_ref}"
    if f.status_id != (f.statuses[-1] if f.statuses else f.status_id):
        f.problems.append(f"SalesDrive shows status {f.status_id}, the day set {f.statuses[-1]}")
    if f.pushed_status is not None:
        if f.status_id != f.pushed_status:
            f.problems.append(f"SalesDrive shows status {f.status_id}, UTP's {f.pushed_status} was pushed")
        if not f.echoes_delivered:
            f.problems.append("the echo webhook of the pushed status never reached the bridge")


def _problems(run: DemoRun, idle: bool, counterparties_created: int, *found: dict[str, Any]) -> list[str]:
    problems = [f"order {f.key} (SalesDrive {f.salesdrive_id}): {p}" for f in run.facts for p in f.problems]
    for name, job in run.jobs.items():
        if not job.ok:
            problems.append(f"the {JOB_NAMES[name]} failed: {job.error}")
    for part in found:
        problems.extend(part["problems"])
    if run.returning_ref is None:
        problems.append("UTP has no seeded counterparty for the returning customer")
    expected = demo_report.new_customers(run.facts)
    if counterparties_created != expected:
        problems.append(f"{counterparties_created} counterparties created, expected {expected}")
    if not idle:
        problems.append("the sandbox did not become idle")
    return problems


def _report(run: DemoRun, idle: bool, catalog: dict[str, Any], accounting: dict[str, Any]) -> dict[str, Any]:
    """The report, written to ``<state dir>/report.json``."""
    counterparties_created = run.utp.count(COUNTERPARTIES) - run.counterparties_before
    problems = _problems(run, idle, counterparties_created, catalog, accounting)
    invocations = run.stack.invocations()
    failed = [c for c in invocations if not c.ok]
    totals = demo_report.totals(run.facts, run.webhook_log(), counterparties_created)
    totals.update({"handler_invocations": len(invocations), "handler_failures": len(failed)})
    state_dir = Path(run.stack.state_dir) if getattr(run.stack, "state_dir", None) else Path(".sandbox")
    report_path = state_dir / "report.json"
    report: dict[str, Any] = {
        "reconciled": not problems,
        "elapsed_s": round(time.monotonic() - run.started, 1),
        "report_path": str(report_path),
        "totals": totals,
        "problems": problems,
        "orders": [demo_report.order_json(f) for f in run.facts],
        "scheduled_jobs": {
            name: {"ok": job.ok, "result": job.result, "error": job.error} for name, job in run.jobs.items()
        },
        "catalog": catalog,
        "accounting_state": accounting,
        "handler_failures": [
            {"function": c.function, "source": c.source, "error": c.error} for c in failed[:20]
        ],
    }
    state_dir.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    return report
