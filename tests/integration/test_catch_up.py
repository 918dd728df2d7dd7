"""Catch-up sweep end to end in process: a webhook SalesDrive never delivered still yields the UTP order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import pytest

from bridge.read_budget import ReadConsumer
from bridge.salesdrive.client import SalesDriveClient
from bridge.store.cursors import CursorStore
from bridge.sync.catch_up import JOB, SweepReport, sweep_orders
from bridge.sync.deals import apply_deal_message
from bridge.sync.read_budget_rules import BudgetLimits, InMemoryReadBudget
from tests.integration.test_deal_flow import World, new_customer_order


@dataclass
class FifoQueue:
    """The deal queue's contract in memory: de-duplication ids dropped like SQS does."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def send(self, *, order_id: int, deduplication_id: str, body: str, source: str) -> str:
        if deduplication_id not in self.seen:
            self.seen.add(deduplication_id)
            self.messages.append({"order_id": order_id, "body": body, "source": source})
        return deduplication_id

    def drain(self) -> list[dict[str, Any]]:
        out, self.messages = self.messages, []
        return out


@dataclass
class Sweep:
    world: World
    crm: SalesDriveClient
    cursors: CursorStore
    queue: FifoQueue

    def run(self, advance: float = 240) -> SweepReport:
        self.world.salesdrive.clock.advance(advance)  # one schedule interval
        return sweep_orders(
            salesdrive=self.crm,
            store=self.world.ctx.store,
            queue=self.queue,
            cursors=self.cursors,
            now=self.world.salesdrive.clock.now(),
            overlap_minutes=10,
        )

    def process_queue(self) -> list[Any]:
        return [apply_deal_message(m["body"], self.world.ctx) for m in self.queue.drain()]


@pytest.fixture
def sweep(world: World, dynamodb: Any) -> Iterator[Sweep]:
    crm = world.salesdrive_client()
    yield Sweep(world, crm, CursorStore("bridge-test", dynamodb=dynamodb), FifoQueue())


def test_a_lost_webhook_still_yields_the_posted_utp_order_after_one_sweep(sweep: Sweep) -> None:
    world = sweep.world
    sweep.run()  # the sweep's first run: nothing of ours yet
    world.salesdrive.configure(webhook_loss_rate=1.0)
    order_id = world.place_order(**new_customer_order(world))
    assert world.deliver() == []  # SalesDrive dropped the webhook
    assert world.orders_with_marker(order_id) == []
    report = sweep.run()
    assert order_id in report.sent
    [outcome] = [o for o in sweep.process_queue() if o.order_id == order_id]
    assert outcome.action == "applied"
    [order] = world.orders_with_marker(order_id)
    assert order["Posted"] is True
    status = world.utp.get_property(order["Ref_Key"], "Document_ЗаказПокупателя", "SalesDrive: статус")
    assert status is not None and str(status).startswith("[1] ")
    # A status change whose webhook is lost too reaches UTP with the next sweep.
    world.set_status(order_id, 2)
    again = sweep.run()
    assert again.sent == [order_id]
    sweep.process_queue()
    status = world.utp.get_property(order["Ref_Key"], "Document_ЗаказПокупателя", "SalesDrive: статус")
    assert str(status).startswith("[2] ")


def test_orders_the_bridge_already_applied_are_not_sent_again(sweep: Sweep) -> None:
    world = sweep.world
    sweep.run()
    order_id = world.place_order(**new_customer_order(world))
    world.apply_all()  # the webhook arrived
    report = sweep.run()
    assert order_id not in report.sent
    assert report.up_to_date >= 1
    assert len(world.orders_with_marker(order_id)) == 1


def test_an_exhausted_budget_stops_the_sweep_and_keeps_the_watermark(sweep: Sweep) -> None:
    world = sweep.world
    sweep.run()
    watermark = sweep.cursors.get(JOB)["updated_at"]
    world.salesdrive.configure(webhook_loss_rate=1.0)
    order_id = world.place_order(**new_customer_order(world))
    clock = world.salesdrive.clock
    budget = InMemoryReadBudget(
        limits=BudgetLimits(per_minute=3, per_hour=30, per_day=300),
        shares={ReadConsumer.PAYMENTS: 0.33, ReadConsumer.CATCH_UP: 0.34, ReadConsumer.OPERATOR: 0.33},
        now=lambda: clock.now().replace(tzinfo=UTC),
    )
    clock.advance(240)
    budget.take(ReadConsumer.CATCH_UP)  # this minute's catch-up token is spent
    sweep.crm = world.salesdrive_client(budget)
    stopped = sweep.run(advance=0)
    assert stopped.budget_exhausted_until is not None
    assert sweep.cursors.get(JOB)["updated_at"] == watermark
    assert world.orders_with_marker(order_id) == []
    # A minute later the budget is back: the same window is read again.
    recovered = sweep.run()
    assert order_id in recovered.sent
    sweep.process_queue()
    assert len(world.orders_with_marker(order_id)) == 1


@pytest.mark.parametrize("shape", ["429", "400"])
def test_salesdrive_throttling_stops_the_sweep_cleanly_and_keeps_the_watermark(
    sweep: Sweep, shape: str
) -> None:
    world = sweep.world
    sweep.run()
    kept = sweep.cursors.get(JOB)
    # Another integration on the account spent the minute's quota: SalesDrive itself throttles.
    world.salesdrive.configure(throttle_shape=shape, limits=(1, 100, 1000))
    world.place_order(**new_customer_order(world))
    stopped = sweep.run(advance=0)
    assert stopped.budget_exhausted_until is not None
    assert stopped.sent == []
    assert sweep.cursors.get(JOB) == kept
