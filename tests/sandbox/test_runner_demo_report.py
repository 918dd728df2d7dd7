"""The demo's printed report: readable in a 120-column terminal, one block per order, and its headings
name what they show."""

from __future__ import annotations

import io
import re

from rich.console import Console

from sandbox.runner import demo_report
from sandbox.runner.demo_day import DAY, OrderFacts
from sandbox.runner.driver import CLOSURE, INVOICE, RETURN, expected_documents


def _sample_report() -> dict[str, object]:
    facts = []
    for n, plan in enumerate(DAY):
        f = OrderFacts(
            key=plan.key,
            salesdrive_id=10_001 + n,
            customer=f"{plan.last_name} {plan.first_name}",
            phone=plan.phone,
            customer_kind=plan.customer,
            statuses=list(plan.statuses),
            expected=expected_documents(plan.statuses),
            status_id=plan.statuses[-1] if plan.statuses else 1,
            status_name="Продаж (відвантажено зі складу Одеса, оплата при отриманні)",
            utp_orders=1,
            utp_number=f"ЦБ-{n:08d}",
            posted=True,
            counterparty='ТОВ "Дуже довга назва контрагента для перевірки ширини звіту в терміналі"',
        )
        f.documents = {INVOICE: f.expected[INVOICE], CLOSURE: f.expected[CLOSURE], RETURN: 2}
        f.paid = list(plan.payments and ["100.00", "1234.50"])
        f.receipts, f.receipts_sum = len(f.paid), "1334.50"
        f.webhook_lost = f.recovered_by_sweep = plan.lose_webhook
        if plan.status_in_utp is not None:
            f.utp_status_set = f.utp_status_now = "Підтверджено менеджером після дзвінка клієнту"
            f.pushed_status, f.echoes_delivered = plan.status_in_utp, 2
        if n % 2:
            f.problems = [
                f"2 × {RETURN} (expected 0)",
                "the echo webhook of the pushed status never reached it",
            ]
        facts.append(f)
    problems = [f"order {f.key} (SalesDrive {f.salesdrive_id}): {p}" for f in facts for p in f.problems]
    totals = demo_report.totals(facts, [{"outcome": "delivered", "order_id": 1, "version": 1}], 6)
    return {
        "reconciled": False,
        "elapsed_s": 98.7,
        "report_path": "/tmp/a/rather/long/state/directory/of/the/sandbox/for/this/run/report.json",
        "totals": totals,
        "problems": problems,
        "orders": [demo_report.order_json(f) for f in facts],
    }


def test_every_line_of_the_report_fits_120_columns_and_no_heading_names_an_issue() -> None:
    out = io.StringIO()
    console = Console(file=out, width=400, color_system=None)  # wider than the report: no folding by rich
    demo_report.print_report(console, _sample_report())
    text = out.getvalue()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= demo_report.WIDTH, max(lines, key=len)
    assert not re.search(r"\bissue\b", text, re.IGNORECASE)
    # One block per order, headed by its key and SalesDrive id; whole words (wrapped, never cut).
    for key, order_id in (("A", 10_001), ("I", 10_009)):
        assert any(line.startswith(f"{key}  SalesDrive order {order_id}: ") for line in lines)
    words = " ".join(text.split())
    assert "webhook lost on purpose → recovered by the catch-up sweep" in words
    assert "echo webhook ×2 ignored" in words
    assert "NOT reconciled in 98.7 s" in words
