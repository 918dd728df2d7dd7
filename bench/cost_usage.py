"""A month's usage from the measured samples: per function, invocations a month × what one does, scaled
to the shop's size (orders a day, SKUs, saves a day), as deployed or with a ``WhatIf`` lever."""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import Any

import cost_prices as cost
import cost_template
from cost_ledger import Latency, Ledger
from cost_meter import Sample, fastest, mean, positive
from cost_runs import WATCHER, Measured
from cost_template import FunctionInfo
from cost_world import World
from harness import ROOT

S3_MB_PER_S = 80.0  # S3 ↔ Lambda transfer of the fingerprint blob (assumed)
ESM_POLLERS, ESM_POLLS_PER_MIN = 5, 3  # event-source pollers per SQS queue, 20-s long polls (assumed)
BUSINESS_HOURS = 10  # the catalog saves of a day fall within these hours (the watcher's batches)
DEAL_KINDS = (
    "new order, new customer",
    "new order, returning customer",
    "status change",
    "status change → sale",
)


@dataclass
class Inputs:
    args: argparse.Namespace
    template: dict[str, Any]
    infos: dict[str, FunctionInfo]
    world: World
    m: Measured
    catalog: dict[str, Any]
    diff: dict[str, float]
    imports: dict[str, float]
    day: dict[str, Any]
    defaults: dict[str, Any]


@dataclass(frozen=True)
class WhatIf:
    """A change to the deployment, to price a lever (the defaults: the code and template as they are)."""

    fixed_tick: bool = False  # a tick right after a complete full push is not due
    catalog_interval: int | None = None  # minutes between full pushes (catalog_interval_minutes)
    recon_every: int | None = None  # minutes between status reconciler runs
    recon_window_days: int | None = None  # status_window_days
    recon_changed_only: bool = False  # DynamoDB read only for orders whose UTP status text changed
    custom_metrics: int | None = None
    scheduled_tracing: bool = True
    noncurrent_days: int | None = None
    dashboards: int | None = None
    watcher: bool = False  # the change watcher instead of the 1C on-save subscription


def watcher_run(
    idle: Sample, found: Sample, lat: Latency, memory_mb: int, *, poll_s: int, run_s: int, batches: float
) -> tuple[Sample, int]:
    """One watcher run from the measured one-poll runs: ``polls`` polls (the first over the whole window,
    as measured; the others priced as the same UTP reads and CPU), ``batches`` of them finding a change
    (the measured difference: lines read, the queue message, the state saved), the waits between
    polls billed (a run lasts (polls − 1) × poll interval + its last poll)."""
    polls = max(math.ceil(run_s / poll_s), 1)
    hot = Sample(wall_s=idle.wall_s - idle.aws_s, emulator_s=idle.emulator_s, utp=idle.utp)
    per = idle + hot.scaled(polls - 1) + positive(found - idle).scaled(batches)
    busy = lat.duration_s(hot, memory_mb)
    return per.with_(io_s=per.io_s + max((polls - 1) * (poll_s - busy), 0.0)), polls


# A SalesDrive list call beyond a run's first: the read budget's DynamoDB read and write.
LIST_CALL = Sample(sd=1, rru=1, wru=1, calls={"dynamodb.GetItem": 1, "dynamodb.PutItem": 1})


def build(inp: Inputs, what: WhatIf = WhatIf()) -> tuple[Ledger, dict[str, Any]]:
    """The month's usage, as measured (or with the changes of ``what``), and the facts the report
    prints beside it. The steps run in this order: the ledger's rows are printed in it."""
    month = _Month(inp, what)
    events = month.deals()
    month.replayer()
    month.sweep()
    month.payments()
    month.reconciler()
    full_runs, read_at, blob, transfer = month.catalog_full()
    triggers = month.catalog_saves(transfer)
    month.matcher(read_at)
    month.pollers(events)
    month.storage(full_runs, triggers, blob)
    return month.led, month.facts


class _Month:
    """One month being built: the inputs, the lever, the ledger being filled and the facts found."""

    def __init__(self, inp: Inputs, what: WhatIf) -> None:
        self.inp, self.what = inp, what
        self.a, self.w, self.m, self.infos = inp.args, inp.world, inp.m, inp.infos
        self.lat = Latency(self.a.utp_latency_ms, self.a.salesdrive_latency_ms)
        self.led = Ledger(self.lat, self.infos, scheduled_tracing=what.scheduled_tracing)
        self.facts: dict[str, Any] = {}
        self.scale = self.a.orders_per_day / inp.day["orders"]  # the shop's day ÷ the measured day

    def cold(self, lid: str, warm: Sample) -> tuple[Sample, float]:
        """What a cold start adds to a warm invocation, and the module's import time."""
        first = self.w.of(lid, "cold")
        return ((first[0] - warm) if first else Sample(), self.inp.imports.get(lid, 0.0))

    def runs(self, lid: str) -> float:
        """Scheduled runs a month (the template's schedules, or the lever's reconciler interval)."""
        if lid == "StatusReconcilerFunction" and self.what.recon_every:
            return cost.MINUTES_PER_MONTH / self.what.recon_every
        return self.infos[lid].scheduled_runs_per_month

    def deals(self) -> float:
        """Webhooks through the receiver and deal events through the processor; returns the events."""
        a, w, m, d = self.a, self.w, self.m, cost.DAYS_PER_MONTH
        webhooks = a.orders_per_day * d * m.webhooks_per_order
        receiver = mean(w.of("WebhookReceiverFunction", "webhook"))
        self.led.invocations(
            "WebhookReceiverFunction",
            "webhook",
            webhooks,
            receiver,
            http=True,
            cold=self.cold("WebhookReceiverFunction", receiver),
            secret_refresh=m.refresh_ssm.get("WebhookReceiverFunction", 0.0),
        )
        per_deal = mean(w.of("DealProcessorFunction", *DEAL_KINDS))
        swept = self.inp.day["sent_by_sweep"] / self.inp.day["orders"] * a.orders_per_day * d
        events = webhooks + swept
        self.led.invocations(
            "DealProcessorFunction",
            "deal event",
            events,
            per_deal,
            cold=self.cold("DealProcessorFunction", per_deal),
        )
        self.facts["deal_events"] = events
        self.facts["deal_kinds"] = {
            k: mean(w.of("DealProcessorFunction", k)) for k in DEAL_KINDS if w.of("DealProcessorFunction", k)
        }
        return events

    def replayer(self) -> None:
        replay = fastest(self.w.of("ParkedReplayerFunction", "run"))
        self.led.invocations(
            "ParkedReplayerFunction",
            "run (nothing parked)",
            self.runs("ParkedReplayerFunction"),
            replay,
            scheduled=True,
            cold=self.cold("ParkedReplayerFunction", replay),
        )

    def sweep(self) -> None:
        """A sweep run: empty + orders read × per order + the sweep's re-sends + extra list calls."""
        w, day = self.w, self.inp.day
        day_runs = self.runs("CatchUpSweepFunction") / cost.DAYS_PER_MONTH
        empty = fastest(w.of("CatchUpSweepFunction", "empty"))
        orders = fastest(w.of("CatchUpSweepFunction", "orders"))
        per_order = (orders - empty).scaled(1 / max(self.m.sweep_orders, 1))
        sends = Sample(sqs_fifo=1, wru=1, calls={"sqs.SendMessage": 1, "dynamodb.PutItem": 1})
        read_per_run = day["orders_read"] * self.scale / day_runs
        sweep = (
            empty
            + per_order.scaled(read_per_run)
            + sends.scaled(day["sent_by_sweep"] * self.scale / day_runs)
            + LIST_CALL.scaled(max(day["list_calls_orders"] * self.scale / day_runs - 1, 0))
        )
        self.led.invocations(
            "CatchUpSweepFunction",
            f"run ({read_per_run:.1f} orders read)",
            self.runs("CatchUpSweepFunction"),
            sweep,
            scheduled=True,
            cold=self.cold("CatchUpSweepFunction", empty),
        )

    def payments(self) -> None:
        """An import run: empty + receipts × per payment + overlap re-reads + extra list calls."""
        w, day = self.w, self.inp.day
        day_runs = self.runs("PaymentImporterFunction") / cost.DAYS_PER_MONTH
        empty = fastest(w.of("PaymentImporterFunction", "empty"))
        paid = mean(w.of("PaymentImporterFunction", "payments"))
        per_payment = (paid - empty).scaled(1 / max(self.m.payments, 1))
        receipts_per_run = day["receipts"] * self.scale / day_runs
        rereads = max(day["payments_read"] - day["receipts"], 0) * self.scale / day_runs
        payments = (
            empty
            + per_payment.scaled(receipts_per_run)
            + Sample(rru=1, calls={"dynamodb.GetItem": 1}).scaled(rereads)
            + LIST_CALL.scaled(max(day["list_calls_payments"] * self.scale / day_runs - 1, 0))
        )
        self.led.invocations(
            "PaymentImporterFunction",
            f"run ({receipts_per_run:.2f} receipts)",
            self.runs("PaymentImporterFunction"),
            payments,
            scheduled=True,
            cold=self.cold("PaymentImporterFunction", empty),
        )

    def reconciler(self) -> None:
        """A reconciler run over the window: measured at two sizes, extrapolated linearly; its UTP
        calls by the documented count (⌈n/1000⌉ + ⌈n/chunk⌉)."""
        w, what = self.w, self.what
        k1, k2 = self.m.recon_orders
        s1 = fastest(w.of("StatusReconcilerFunction", "orders 1"))
        s2 = fastest(w.of("StatusReconcilerFunction", "orders 2"))
        slope = (s2 - s1).scaled(1 / (k2 - k1))
        if what.recon_changed_only:  # the per-order DynamoDB reads (and their round trips) are gone
            calls = {k: v for k, v in slope.calls.items() if not k.startswith("dynamodb.")}
            slope = slope.with_(rru=0.0, calls=calls, aws_s=0.0, wall_s=slope.emulator_s)
        window = self.a.orders_per_day * (what.recon_window_days or self.inp.defaults["status_window_days"])
        chunk = self.inp.defaults["utp_chunk_size"]

        def formula(n: int) -> int:
            return math.ceil(n / 1000) + math.ceil(n / chunk)

        recon = (s1 + slope.scaled(window - k1)).with_(utp=float(formula(window)))
        row = self.led.invocations(
            "StatusReconcilerFunction",
            f"run ({window:,} orders in the window)",
            self.runs("StatusReconcilerFunction"),
            recon,
            scheduled=True,
            cold=self.cold("StatusReconcilerFunction", s1),
        )
        self.facts["recon"] = {
            "window": window,
            "k": (k1, k2),
            "utp_measured": (s1.utp, s2.utp),
            "utp_formula": (formula(k1), formula(k2)),
            "utp": formula(window),
            "rru_per_order": slope.rru,
            "needed_s": row.needed_s,
            "timeout": self.infos["StatusReconcilerFunction"].timeout_s,
        }

    def catalog_full(self) -> tuple[float, Sample, float, float]:
        """Full catalog runs at ``--skus`` and the ticks that are not due. Returns the full runs a
        month, the read at scale, the fingerprint blob's bytes and its transfer time."""
        a, w, m, cat, diff = self.a, self.w, self.m, self.inp.catalog, self.inp.diff
        n = a.skus
        read_at = cat["base"] + cat["slope"].scaled(n)
        blob = diff["blob_per_product"] * n
        transfer = blob / (S3_MB_PER_S * 1e6)
        diff_cpu = (diff["decode_per_product"] + diff["plan_per_product"] + diff["encode_per_product"]) * n
        push = cat["points"][-1]["push"]
        warm_full = mean(
            w.of("CatalogPushFunction", "full run")
            + w.of("CatalogPushFunction", "tick after a complete run")[:1]
            if m.tick_due_after_full_run
            else w.of("CatalogPushFunction", "full run")
        )
        calls = {k: v for k, v in warm_full.calls.items() if not k.startswith("s3.")}
        calls.update({k: v for k, v in push.calls.items() if k.startswith("s3.")})
        full = warm_full.with_(
            utp=read_at.utp,
            sd=float(math.ceil(n * a.catalog_change_share / 100)),
            s3_get=push.s3_get,
            s3_put=push.s3_put,
            calls=calls,
            extra_s=max(read_at.own_s, 0.0) + diff_cpu,
            io_s=(push.s3_get + push.s3_put) * transfer,
        )
        full_s = self.lat.duration_s(full, self.infos["CatalogPushFunction"].memory_mb)
        full_runs, not_due, how = self._full_runs(full_s)
        self.facts.update(
            full_s=full_s, full_runs=full_runs, blob=blob, diff_cpu=diff_cpu, read_utp=read_at.utp, how=how
        )
        self.led.invocations(
            "CatalogPushFunction",
            "full run",
            full_runs,
            full,
            scheduled=True,
            cold=self.cold("CatalogPushFunction", warm_full),
        )
        if not_due:
            self.led.invocations(
                "CatalogPushFunction",
                "tick, not due",
                not_due,
                fastest(w.of("CatalogPushFunction", "tick not due")),
                scheduled=True,
            )
        return full_runs, read_at, blob, transfer

    def _full_runs(self, full_s: float) -> tuple[float, float, str]:
        """Full runs a month, ticks that are not due, and how the runs are spaced."""
        ticks = self.runs("CatalogPushFunction")
        interval = self.what.catalog_interval or self.inp.defaults["catalog_interval_minutes"]
        if self.m.tick_due_after_full_run and not self.what.fixed_tick:
            full_runs = min(ticks, cost.MINUTES_PER_MONTH * 60 / full_s)  # back to back, one at a time
            return full_runs, 0.0, "every tick is due (measured): back to back, reserved concurrency 1"
        full_runs = cost.MINUTES_PER_MONTH / interval
        return full_runs, ticks - full_runs, f"every {interval} min (catalog_interval_minutes default)"

    def catalog_saves(self, transfer: float) -> float:
        """The saves: on-save triggers (or the watcher's runs) and a targeted push each (or per batch).
        Returns the targeted pushes a month."""
        triggers = self.a.catalog_triggers_per_day * cost.DAYS_PER_MONTH
        if self.what.watcher:
            triggers = self._watcher()  # each batch is one targeted push
        else:
            self.led.invocations(
                "CatalogPushFunction",
                "on-save trigger (HTTP)",
                triggers,
                mean(self.w.of("CatalogPushFunction", "trigger")),
                http=True,
                secret_refresh=self.m.refresh_ssm.get("CatalogPushFunction", 0.0),
            )
        self.facts["targeted_lid"] = self._targeted(triggers, transfer)
        return triggers

    def _watcher(self) -> float:
        """The watcher carries the saves: a run every minute; returns the batches (polls finding any)."""
        w, d, defaults = self.w, cost.DAYS_PER_MONTH, self.inp.defaults
        poll_s, run_s = defaults["catalog_watch_poll_seconds"], defaults["catalog_watch_run_seconds"]
        batches = cost.watcher_batches_per_day(self.a.catalog_triggers_per_day, poll_s, BUSINESS_HOURS) * d
        idle = fastest(w.of(WATCHER, "poll, nothing changed"))
        found = mean(w.of(WATCHER, "poll, one price set"))
        watch_runs = self.runs(WATCHER)
        memory = self.infos[WATCHER].memory_mb
        per_run, polls = watcher_run(
            idle, found, self.lat, memory, poll_s=poll_s, run_s=run_s, batches=batches / watch_runs
        )
        self.led.invocations(
            WATCHER,
            f"run ({polls} polls, {run_s} s)",
            watch_runs,
            per_run,
            scheduled=True,
            cold=self.cold(WATCHER, idle),
            secret_refresh=self.m.refresh_ssm.get(WATCHER, 0.0),
        )
        self.facts["watcher"] = {"batches_per_day": batches / d, "polls": polls, "runs": watch_runs}
        return batches

    def _targeted(self, triggers: float, transfer: float) -> str:
        """``triggers`` targeted pushes: measured when the code has them, else modelled."""
        w, diff, n = self.w, self.inp.diff, self.a.skus
        blob_cpu = (diff["decode_per_product"] + diff["encode_per_product"]) * n
        targeted_lid = next((lid for lid in self.infos if w.of(lid, "targeted push")), None)
        if not targeted_lid:
            per = Sample(
                utp=5,
                sd=1,
                s3_get=1,
                s3_put=1,
                rru=1,
                wru=1,
                calls={"s3.GetObject": 1, "s3.PutObject": 1, "dynamodb.GetItem": 1, "dynamodb.PutItem": 1},
                extra_s=0.05 + blob_cpu,
                io_s=2 * transfer,
                log_bytes=1500,
                log_events=3,
            )
            self.led.invocations("CatalogPushFunction", "targeted push (modelled)", triggers, per)
            return "CatalogPushFunction"
        per = mean(w.of(targeted_lid, "targeted push"))
        per = per.with_(extra_s=per.extra_s + blob_cpu, io_s=(per.s3_get + per.s3_put) * transfer)
        label = "targeted push (watcher batch)" if self.what.watcher else "targeted push (1 save a batch)"
        self.led.invocations(targeted_lid, label, triggers, per, cold=self.cold(targeted_lid, per))
        queue_sample = w.esm.get(w.change_queue or "", Sample())
        per_message = queue_sample.scaled(1 / max(w.esm_messages.get(w.change_queue or "", 1), 1))
        self.led.use("sqs_standard_requests", per_message.sqs_standard * triggers, "event-source pollers")
        return targeted_lid

    def matcher(self, read_at: Sample) -> None:
        """The product matcher (modelled): a nightly catalog read, and resume checks that find nothing."""
        matcher_lid = next((lid for lid in self.infos if "Matcher" in lid), None)
        if not matcher_lid:
            return
        per = Sample(
            utp=max(read_at.utp - 1 - 2 * self.a.warehouses, 1),
            sd=1,
            extra_s=max(read_at.own_s, 0.0),
            log_bytes=8000,
            log_events=30,
        )
        schedules = self.infos[matcher_lid].schedules
        nightly = sum(cost_template.schedule_runs_per_month(e) for e in schedules if e.startswith("cron("))
        self.led.invocations(matcher_lid, "nightly run (modelled)", nightly, per, scheduled=True)
        # The resume schedule: one cursor read and out, unless a first run stopped with IDs left to write.
        check = Sample(calls={"dynamodb.GetItem": 1}, rru=1, log_bytes=400, log_events=2)
        resumes = self.runs(matcher_lid) - nightly
        self.led.invocations(matcher_lid, "resume check (no IDs pending)", resumes, check, scheduled=True)

    def pollers(self, events: float) -> None:
        """Event-source pollers: the deal messages' receives and deletes, and the idle long polls."""
        w = self.w
        deal_esm = w.esm.get(w.deal_queue, Sample()).scaled(1 / max(w.esm_messages.get(w.deal_queue, 1), 1))
        self.led.use("sqs_fifo_requests", deal_esm.sqs_fifo * events, "event-source pollers")
        idle = ESM_POLLERS * ESM_POLLS_PER_MIN * cost.MINUTES_PER_MONTH
        for src in cost_template.sqs_sources(self.inp.template):
            kind = "sqs_fifo_requests" if src.fifo else "sqs_standard_requests"
            self.led.use(kind, idle, "event-source pollers")
        self.facts["idle_polls"] = idle

    def storage(self, full_runs: float, triggers: float, blob: float) -> None:
        """Storage and the fixed monthly items (metrics, alarms, dashboards)."""
        a, what, led, template, d = self.a, self.what, self.led, self.inp.template, cost.DAYS_PER_MONTH
        ddb_gb = self.m.table_bytes_per_order * a.orders_per_day * 365 / 1e9
        led.use("ddb_storage_gb_month", ddb_gb)
        led.use("ddb_pitr_gb_month", ddb_gb)
        puts_per_day = (full_runs + triggers) / d  # every full run and targeted push saves the blob
        keep = next(iter(cost_template.noncurrent_version_days(template).values()), 0)
        keep = 365 if keep is None else keep  # versions kept forever: a year of them
        if what.noncurrent_days is not None:
            keep = what.noncurrent_days
        s3_gb = blob * (1 + (puts_per_day * (keep + 1) if keep >= 0 else 0)) / 1e9
        led.use("s3_storage_gb_month", s3_gb)
        self.facts.update(ddb_gb=ddb_gb, s3_gb=s3_gb, puts_per_day=puts_per_day, keep_days=keep)
        retention = cost_template.log_retention_days(template)
        days = max(retention.values()) if retention else 30
        led.use("cw_log_storage_gb_month", sum(led.log_gb.values()) * days / d)
        shared = sorted((ROOT / "layers/common/bridge/sync").glob("*.py"))
        metrics = cost_template.scan_metrics(ROOT / "functions", shared)
        alarms = cost_template.alarm_metrics(template)
        led.use("cw_custom_metrics", metrics.count if what.custom_metrics is None else what.custom_metrics)
        led.use("cw_alarm_metrics", alarms.standard_metrics)
        led.use("cw_alarm_metrics_high_res", alarms.high_res_metrics)
        dashboards = cost_template.dashboards(template) if what.dashboards is None else what.dashboards
        led.use("cw_dashboards", dashboards)
        self.facts.update(metrics=metrics, alarms=alarms, retention=days)


def lever_steps(inp: Inputs) -> list[tuple[str, WhatIf]]:
    """Settings a shop may choose, each priced alone against the deployment as it is."""
    steps: list[tuple[str, dict[str, Any]]] = []
    if inp.m.tick_due_after_full_run:
        interval = inp.defaults["catalog_interval_minutes"]
        steps.append(
            (f"catalog tick fixed (a full push every {interval} min, as designed)", {"fixed_tick": True})
        )
    steps += [
        ("without the 1C on-save subscription: a full push every 15 min", {"catalog_interval": 15}),
        ("the change watcher instead of the 1C on-save subscription", {"watcher": True}),
        (
            "the change watcher instead of the subscription, a full push every 15 min",
            {"watcher": True, "catalog_interval": 15},
        ),
        ("status reconciler every 2 min instead of 5", {"recon_every": 2}),
        ("status window of 30 days instead of 14", {"recon_window_days": 30}),
        ("no dashboard (the alarms stay)", {"dashboards": 0}),
    ]
    return [(label, WhatIf(fixed_tick=True, **change)) for label, change in steps]
