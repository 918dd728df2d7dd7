"""Payments in (capability 11) end to end in process: SalesDrive emulator payments → rules → UTP emulator.

Assertions read UTP's cash receipts through plain OData queries, not through the bridge's records.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from bridge.read_budget import ReadConsumer
from bridge.settings import SettingsError
from bridge.store.cursors import CursorStore
from bridge.sync.deals import apply_deal_event
from bridge.sync.payments import JOB, PaymentCollaborators, import_payments
from bridge.sync.read_budget_rules import BudgetLimits, InMemoryReadBudget
from tests.integration.test_deal_flow import World, new_customer_order

RECEIPT = "Document_ПриходныйКассовыйОрдер"


@dataclass
class Payments:
    world: World
    ctx: PaymentCollaborators

    def run(self) -> Any:
        self.world.salesdrive.clock.advance(300)  # one schedule interval: the emulator's limits refill
        return import_payments(self.ctx, now=self.world.salesdrive.clock.now(), overlap_minutes=10)

    def receipts(self, marker: str) -> list[dict[str, Any]]:
        rows = self.world.utp_rows(RECEIPT, f"substringof('{marker}', Комментарий)")
        return [r for r in rows if marker in r["Комментарий"].split() and not r["DeletionMark"]]

    def order_in_utp(self, **extra: Any) -> tuple[int, str]:
        order_id = self.world.place_order(**new_customer_order(self.world, **extra))
        [outcome] = self.world.apply_all()
        assert outcome.action == "applied"
        return order_id, outcome.utp_order_ref


@pytest.fixture
def payments(world: World, dynamodb: Any) -> Iterator[Payments]:
    crm = world.salesdrive_client()
    ctx = PaymentCollaborators(
        salesdrive=crm,
        utp=world.utp,
        store=world.ctx.store,
        cursors=CursorStore("bridge-test", dynamodb=dynamodb),
        settings=world.ctx.settings,
        reference=world.ctx.reference,
    )
    yield Payments(world, ctx)


def test_a_payment_becomes_one_posted_cash_receipt_against_the_order(payments: Payments) -> None:
    world = payments.world
    order_id, order_ref = payments.order_in_utp()
    payment = world.salesdrive.add_payment("1335.00", [(order_id, "1335.00")])
    report = payments.run()
    marker = f"SDP-{payment['id']}-{order_id}"
    assert report.created == [marker]
    [receipt] = payments.receipts(marker)
    assert receipt["Posted"] is True
    assert receipt["ВидОперации"] == "ОплатаПокупателя"
    assert Decimal(str(receipt["СуммаДокумента"])) == Decimal("1335.00")
    [order] = world.orders_with_marker(order_id)
    assert receipt["Контрагент"] == order["Контрагент_Key"]
    assert receipt["ДоговорКонтрагента_Key"] == order["ДоговорКонтрагента_Key"]
    assert receipt["ДокументОснование"] == order_ref
    assert receipt["ДокументОснование_Type"].endswith(ORDER_ENTITY)
    assert receipt["Касса_Key"] == world.ctx.reference.cash_desk_key
    assert receipt["Организация_Key"] == world.ctx.reference.organisation_key
    [line] = receipt["РасшифровкаПлатежа"]
    assert line["Сделка"] == order_ref
    # Filled as UTP's fill-from-order fills it: the bridge's user responsible, paid, management accounting.
    assert receipt["Ответственный_Key"] == world.ctx.reference.responsible_key
    assert (receipt["Оплачено"], receipt["ОтражатьВУправленческомУчете"]) == (True, True)
    # The next run re-reads the overlap and creates nothing.
    again = payments.run()
    assert again.created == []
    assert len(payments.receipts(marker)) == 1


ORDER_ENTITY = "Document_ЗаказПокупателя"


def test_partial_payments_and_a_split_payment_each_get_their_receipt(payments: Payments) -> None:
    world = payments.world
    first, _ = payments.order_in_utp()
    second, _ = payments.order_in_utp(phone="+380671112233", email="other@example.com", fName="Іван")
    part_one = world.salesdrive.add_payment("500", [(first, "500")])
    part_two = world.salesdrive.add_payment("835", [(first, "835")])
    split = world.salesdrive.add_payment("1000", [(first, "100"), (second, "900")])
    report = payments.run()
    assert len(report.created) == 4
    sums = {
        marker: [Decimal(str(r["СуммаДокумента"])) for r in payments.receipts(marker)]
        for marker in (
            f"SDP-{part_one['id']}-{first}",
            f"SDP-{part_two['id']}-{first}",
            f"SDP-{split['id']}-{first}",
            f"SDP-{split['id']}-{second}",
        )
    }
    assert list(sums.values()) == [[Decimal(500)], [Decimal(835)], [Decimal(100)], [Decimal(900)]]


def test_a_crash_after_1c_saved_the_receipt_creates_no_duplicate(payments: Payments) -> None:
    world = payments.world
    order_id, _ = payments.order_in_utp()
    other_id, _ = payments.order_in_utp()
    payment = world.salesdrive.add_payment("700", [(order_id, "700")])
    other = world.salesdrive.add_payment("300", [(other_id, "300")])
    markers = {f"SDP-{payment['id']}-{order_id}", f"SDP-{other['id']}-{other_id}"}
    # 1C saves the first receipt and the connection drops before the answer.
    world.utp_emulator.inject_fault("drop", match=RECEIPT, method="POST", phase="after")
    first = payments.run()
    [crashed] = [m for m, reason in first.waiting.items() if "UTP unavailable" in reason]  # it waits ...
    assert first.created == sorted(markers - {crashed})  # ... and the other payment went on
    assert [r["Posted"] for r in payments.receipts(crashed)] == [False]  # it exists, unposted
    report = payments.run()  # the next run retries the waiting part (no list call needed)
    assert report.created == []
    for marker in markers:
        assert [r["Posted"] for r in payments.receipts(marker)] == [True]


def test_a_payment_for_an_order_not_yet_in_utp_waits_and_is_imported_later(payments: Payments) -> None:
    world = payments.world
    order_id = world.place_order(**new_customer_order(world))
    webhooks = world.deliver()  # not applied yet: the order is not in UTP
    payment = world.salesdrive.add_payment("300", [(order_id, "300")])
    marker = f"SDP-{payment['id']}-{order_id}"
    report = payments.run()
    assert marker in report.waiting
    assert payments.receipts(marker) == []
    assert payments.ctx.cursors.get(JOB)["pending"]  # kept although the watermark moved on
    later = payments.run()  # still waiting: nothing lost, nothing guessed
    assert marker in later.waiting
    for body in webhooks:
        apply_deal_event(body, world.ctx)
    done = payments.run()
    assert done.created == [marker]
    assert len(payments.receipts(marker)) == 1
    assert payments.ctx.cursors.get(JOB)["pending"] == {}


def test_a_payment_allocated_to_no_order_is_reported_never_guessed(payments: Payments) -> None:
    world = payments.world
    payments.order_in_utp()
    stray = world.salesdrive.add_payment("1335", [])
    report = payments.run()
    assert report.unallocated == [stray["id"]]
    assert report.created == []
    assert world.utp_rows(RECEIPT, "Posted eq true") == []
    assert str(stray["id"]) in payments.ctx.cursors.get(JOB)["unallocated"]


def test_an_exhausted_read_budget_stops_the_run_and_keeps_the_watermark(payments: Payments) -> None:
    world = payments.world
    order_id, _ = payments.order_in_utp()
    payments.run()
    watermark = payments.ctx.cursors.get(JOB)["updated_at"]
    world.salesdrive.add_payment("10", [(order_id, "10")])
    clock = world.salesdrive.clock
    budget = InMemoryReadBudget(
        limits=BudgetLimits(per_minute=3, per_hour=3, per_day=3),
        shares={ReadConsumer.PAYMENTS: 0.34, ReadConsumer.CATCH_UP: 0.33, ReadConsumer.OPERATOR: 0.33},
        now=lambda: clock.now().replace(tzinfo=UTC),
    )
    budget.take(ReadConsumer.PAYMENTS)  # somebody spent today's only token
    payments.ctx.salesdrive = world.salesdrive_client(budget)
    report = payments.run()
    assert report.budget_exhausted_until is not None
    assert isinstance(report.budget_exhausted_until, datetime)
    assert payments.ctx.cursors.get(JOB)["updated_at"] == watermark
    assert report.created == []


def test_without_a_responsible_user_the_importer_stops_naming_the_setting(payments: Payments) -> None:
    payments.ctx.reference = payments.ctx.reference.model_copy(update={"responsible_key": None})
    with pytest.raises(SettingsError, match="responsible_user"):
        payments.run()
