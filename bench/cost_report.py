"""The cost bench's printed report: per-function rows, the bill by owner, service and item, what was
measured and what assumed, the levers priced alone, and the verdict against the target."""

from __future__ import annotations

from typing import Any

import cost_prices as cost
import cost_template
from cost_ledger import AWS_CALL_MS, COLD_STARTS_PER_DAY, FULL_VCPU_MB, PLATFORM_LOG_BYTES, Ledger
from cost_runs import WATCHER
from cost_usage import BUSINESS_HOURS, ESM_POLLERS, ESM_POLLS_PER_MIN, Inputs

SHORT = {"API Gateway": "APIGW", "CloudWatch": "CWatch", "DynamoDB": "DynamoDB", "EventBridge": "EvBridge"}
Levers = list[tuple[str, cost.Bill, Ledger]]


def _price_text(price: cost.Price) -> str:
    per = "" if price.per == 1 else f"{price.per:,.0f} "
    return f"{format(price.usd, 'f').rstrip('0').rstrip('.')} / {per}{price.unit}"


def report(
    inp: Inputs,
    led: Ledger,
    facts: dict[str, Any],
    bill: cost.Bill,
    levers: Levers,
    took: float,
) -> bool:
    """Print the report; True when the month's total meets the target."""
    a = inp.args
    out = _header(inp) + _function_rows(led) + _bill_tables(bill)
    out += _measured(inp, led, facts) + _assumed(inp, led, facts)
    out += _levers(bill, levers) + _watcher_comparison(inp, bill, levers)
    # The always-free tiers (Lambda, CloudWatch, DynamoDB storage …) are permanent features of every AWS
    # account, not a trial: the bill a shop pays in its own account. --no-free-tier prices a busy account.
    target_total = bill.total(a.free_tier)
    ok = target_total <= a.target_usd
    which = "with the always-free tiers" if a.free_tier else "without any free tier (--no-free-tier)"
    verdict = "PASS" if ok else "FAIL"
    out.append(f"{verdict}: {target_total:.2f} USD a month {which}; target ≤ {a.target_usd:.2f} USD")
    other = bill.total(not a.free_tier)
    other_label = "without any free tier" if a.free_tier else "with the always-free tiers"
    out.append(f"  ({other_label}: {other:.2f} USD a month)")
    out.append(f"(bench took {took:.0f} s)")
    print("\n".join(out))
    return ok


def _header(inp: Inputs) -> list[str]:
    """The shop's size, the prices' source and the assumed latencies."""
    out: list[str] = []
    p = out.append
    a = inp.args
    p(
        f"AWS cost a month — {a.orders_per_day:,} orders/day, {a.skus:,} SKUs × {a.warehouses} warehouses, "
        f"{a.catalog_triggers_per_day:,} catalog saves/day"
    )
    p(f"prices: {cost.REGION}, {cost.PRICES_AS_OF} (bench/cost_prices.py)")
    aws = ", ".join(f"{k} {v:.0f}" for k, v in AWS_CALL_MS.items())
    p(
        f"assumed: UTP {a.utp_latency_ms:.0f} ms a call (real 1C is slow), SalesDrive "
        f"{a.salesdrive_latency_ms:.0f} ms, AWS round trips ms: {aws}; CPU × {FULL_VCPU_MB}/MB below "
        f"{FULL_VCPU_MB} MB"
    )
    p("")
    return out


def _function_rows(led: Ledger) -> list[str]:
    """One row per function and what it does, a month."""
    out: list[str] = []
    p = out.append
    head = (
        f"{'calls/month':>12}{'s each':>8}{'MB':>6}{'GB-s/month':>12}{'UTP':>6}{'SD':>5}{'RRU':>8}{'WRU':>6}"
    )
    p(f"{'per function: what it does':<48}{head}")
    for row in led.rows:
        name = f"{row.owner.replace('Function', '')}: {row.label}"
        flag = "  TIMES OUT" if row.timed_out else ""
        p(
            f"  {name[:46]:<46}{row.invocations:>12,.0f}{row.duration_s:>8.2f}{row.memory_mb:>6}"
            f"{row.gbs:>12,.0f}{row.per.utp:>6.0f}{row.per.sd:>5.0f}{row.per.rru:>8,.0f}{row.per.wru:>6.1f}{flag}"
        )
    p("")
    return out


def _bill_tables(bill: cost.Bill) -> list[str]:
    """USD by owner × service, by service, and by usage item."""
    out: list[str] = []
    p = out.append
    services = sorted(s for s, v in bill.by_service(False).items() if v >= 0.005)
    owners = sorted(bill.by_owner, key=lambda o: -sum(bill.by_owner[o].values()))
    p(
        f"{'USD a month, no free tier':<28}"
        + "".join(f"{SHORT.get(s, s):>9}" for s in services)
        + f"{'total':>9}"
    )
    for owner in owners:
        costs = bill.by_owner[owner]
        cells = "".join(f"{costs.get(s, 0.0):>9.2f}" for s in services)
        p(f"  {owner.replace('Function', '')[:26]:<26}{cells}{sum(costs.values()):>9.2f}")
    p("")
    p(f"{'USD a month per service':<26}{'no free tier':>14}{'always-free tiers':>19}")
    free, nofree = bill.by_service(True), bill.by_service(False)
    for service in sorted(nofree, key=lambda s: -nofree[s]):
        p(f"  {service:<24}{nofree[service]:>14.2f}{free.get(service, 0.0):>19.2f}")
    p(f"  {'TOTAL':<24}{bill.total(False):>14.2f}{bill.total(True):>19.2f}")
    p("")
    p(f"{'usage a month':<32}{'quantity':>16}  {'USD per':<24}{'no free':>9}{'free tier':>10}")
    for item in sorted(bill.items, key=lambda i: -bill.cost_no_free[i]):
        price = cost.PRICES[item]
        p(
            f"  {item:<30}{bill.items[item]:>16,.2f}  {_price_text(price):<24}"
            f"{bill.cost_no_free[item]:>9.2f}{bill.cost_free[item]:>10.2f}"
        )
    p("")
    return out


def _measured(inp: Inputs, led: Ledger, facts: dict[str, Any]) -> list[str]:
    """What was measured in process, with the figures derived from it."""
    out: list[str] = []
    p = out.append
    a, m = inp.args, inp.m
    recon, kinds, lat = facts["recon"], facts["deal_kinds"], led.latency
    deal_mb = inp.infos["DealProcessorFunction"].memory_mb
    p("measured (in process: the real handlers on moto and the emulators):")
    p(
        f"  {m.webhooks_per_order:.1f} webhooks per order (new, then statuses {a.status_path}); "
        f"{m.deal_orders} orders measured, every second one a returning customer:"
    )
    for kind, smp in kinds.items():
        calls = ", ".join(f"{k.split('.', 1)[1]} {v:.1f}" for k, v in sorted(smp.calls.items()))
        p(
            f"    {kind:<30} UTP {smp.utp:4.1f}  SD {smp.sd:3.1f}  {lat.duration_s(smp, deal_mb):5.2f} s  "
            f"RRU {smp.rru:4.1f}  WRU {smp.wru:4.1f}  log {smp.log_bytes:4.0f} B  [{calls}]"
        )
    p(
        f"  status reconciler: UTP calls {recon['utp_measured'][0]:.0f}/{recon['utp_measured'][1]:.0f} at "
        f"{recon['k'][0]}/{recon['k'][1]} orders (⌈n/1000⌉+⌈n/{inp.defaults['utp_chunk_size']}⌉ = "
        f"{recon['utp_formula'][0]}/{recon['utp_formula'][1]}); {recon['rru_per_order']:.1f} RRU per "
        f"order of the window; at {recon['window']:,} orders a run needs {recon['utp']} UTP calls, "
        f"{recon['needed_s']:.0f} s (timeout {recon['timeout']} s)"
    )
    pts = inp.catalog["points"]
    reads = ", ".join(f"{pt['read'].utp:.0f} at {pt['n']:,}" for pt in pts)
    last = pts[-1]["push"]
    p(
        f"  catalog full read: UTP calls {reads} products → {facts['read_utp']:,.0f} at {a.skus:,}; "
        f"a run with changes: {last.s3_get:.0f} S3 GET + {last.s3_put:.0f} PUT of the fingerprint blob"
    )
    times = a.skus / inp.diff["products"]
    p(
        f"  catalog diff (bench_catalog's synthetic snapshot, {inp.diff['products']:,} products × "
        f"{times:.0f}): {facts['diff_cpu']:.1f} s CPU, blob {facts['blob'] / 1e6:.1f} MB; a full run ≈ "
        f"{facts['full_s']:.0f} s; {facts['full_runs']:,.0f} runs/month: {facts['how']}"
    )
    p(f"  catalog tick right after a complete full push is due: {m.tick_due_after_full_run}; {m.targeted}")
    inits = ", ".join(f"{k.replace('Function', '')} {v:.2f}" for k, v in inp.imports.items())
    p(f"  DynamoDB bytes stored per order {m.table_bytes_per_order:,.0f}; INIT (module import) s: {inits}")
    day = inp.day
    p(
        f"  a day of {day['orders']} orders (bench_day_of_orders): SalesDrive list calls "
        f"{day['list_calls_orders']} (sweep) + {day['list_calls_payments']} (payments), orders read "
        f"{day['orders_read']}, re-sent by the sweep {day['sent_by_sweep']}, payments read "
        f"{day['payments_read']}, cash receipts {day['receipts']}"
    )
    metrics, alarms = facts["metrics"], facts["alarms"]
    assumed = f"; assumed {'; '.join(metrics.assumed)}" if metrics.assumed else ""
    p(
        f"  code + template: {metrics.count} custom metrics ({len(set(metrics.names))} names with the "
        f"service dimension + ColdStart of {', '.join(metrics.cold_start_functions) or 'none'}{assumed}); "
        f"{alarms.alarms} alarms = {alarms.standard_metrics + alarms.high_res_metrics} alarm metrics; "
        f"{cost_template.dashboards(inp.template)} dashboard; logs kept {facts['retention']} days; "
        f"old blob versions kept {facts['keep_days']} days"
    )
    p("  (call and request counts are exact; times vary by ±15 % between runs on a busy machine)")
    return out


def _assumed(inp: Inputs, led: Ledger, facts: dict[str, Any]) -> list[str]:
    """The assumptions, then notes on timeouts and on defects found."""
    out: list[str] = []
    p = out.append
    a, m = inp.args, inp.m
    p("assumed:")
    p(
        f"  SQS event sources: {ESM_POLLERS} pollers × {ESM_POLLS_PER_MIN} long polls a minute each, busy or "
        f"idle ({facts['idle_polls']:,.0f} requests/month per queue); one message per deal invocation"
    )
    p(
        f"  ≤ {COLD_STARTS_PER_DAY} cold starts a day per function (INIT billed at the measured import time, "
        f"unscaled); {PLATFORM_LOG_BYTES} B of platform log lines per invocation; logs stored uncompressed"
    )
    p("  X-Ray: every invocation is a trace (1 a second + 5 % are sampled: all of them at these rates)")
    p("  free: SSM standard parameters (API calls at standard throughput; their KMS decrypts are billed),")
    p("    EventBridge scheduled rules, SNS alarm e-mails (1,000 free); the 12-month free tiers")
    p("    (API Gateway, S3) are not counted")
    p(
        f"  catalog: {a.catalog_change_share:.1%} of the SKUs change between full runs; each save is its own "
        f"targeted batch; the product matcher = the catalog's product read + 1 YML download"
    )
    p(
        f"  storage: DynamoDB after a year ({facts['ddb_gb']:.2f} GB, audit TTL 400 days, PITR on); S3: the "
        f"blob + {facts['puts_per_day']:,.0f} new versions a day × {facts['keep_days'] + 1} days "
        f"({facts['s3_gb']:.1f} GB)"
    )
    for row in led.rows:
        if row.timed_out:
            p(
                f"NOTE: {row.owner} needs {row.needed_s:.0f} s a run, more than its "
                f"{inp.infos[row.owner].timeout_s} s timeout: as deployed it would time out every run and "
                f"never finish; billed here for the {row.needed_s:.0f} s it needs"
            )
    for note in m.notes:
        p(f"NOTE: {note}")
    return out


def _levers(bill: cost.Bill, levers: Levers) -> list[str]:
    """What dominates the bill, and each lever priced alone."""
    out: list[str] = []
    p = out.append
    owners = sorted(bill.by_owner, key=lambda o: -sum(bill.by_owner[o].values()))
    p("")
    ranked = sorted(bill.cost_no_free.items(), key=lambda kv: -kv[1])
    total = bill.total(False)
    top = "; ".join(f"{item} {value:.2f} ({value / total:.0%})" for item, value in ranked[:4] if total)
    p(f"what dominates (no free tier): {top}")
    top_owner = owners[0]
    p(f"  costliest function: {top_owner} {sum(bill.by_owner[top_owner].values()):.2f} USD a month")
    p("what if (each alone; USD a month: no free tier, always-free tiers):")
    p(f"  {'as deployed':<76}{bill.total(False):>9.2f}{bill.total(True):>9.2f}")
    for label, lever_bill, _ in levers:
        p(f"  {label:<76}{lever_bill.total(False):>9.2f}{lever_bill.total(True):>9.2f}")
    p("")
    return out


def _watcher_comparison(inp: Inputs, bill: cost.Bill, levers: Levers) -> list[str]:
    """The on-save subscription beside the change watcher, when the watcher was priced."""
    out: list[str] = []
    p = out.append
    a = inp.args
    watched = next(((b, led_) for label, b, led_ in levers if label.startswith("the change watcher")), None)
    if watched:
        w_bill, w_led = watched
        p("the two ways of carrying catalog saves (USD a month: no free tier, always-free tiers):")
        p(f"  {'1C on-save subscription (as above)':<76}{bill.total(False):>9.2f}{bill.total(True):>9.2f}")
        p(
            f"  {'change watcher instead (no 1C change)':<76}"
            f"{w_bill.total(False):>9.2f}{w_bill.total(True):>9.2f}"
        )
        for row in w_led.rows:
            if row.owner == WATCHER or row.label.startswith("targeted push"):
                own = sum(w_bill.by_owner.get(row.owner, {}).values())
                p(
                    f"    {row.owner}: {row.label}: {row.invocations:,.0f} a month × "
                    f"{row.duration_s:.1f} s at {row.memory_mb} MB = {row.gbs:,.0f} GB-s; "
                    f"UTP {row.per.utp:.0f} requests a run; "
                    f"{own:.2f} USD a month (no free tier)"
                )
        p(
            f"    the watcher's batches: 1 − e^(−rate × poll interval) of the polls of {BUSINESS_HOURS} "
            f"business hours find a save ({a.catalog_triggers_per_day:,} saves a day)"
        )
        p("")
    return out
