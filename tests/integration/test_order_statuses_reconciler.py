"""UTP → SalesDrive statuses end to end in process: pushes, echo suppression, the precedence policy.

Assertions read UTP's property register and the SalesDrive emulator's order directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pytest

from bridge.salesdrive.client import SalesDriveClient
from bridge.store.status_writes import StatusWritesStore
from bridge.sync.order_statuses import StatusReport, reconcile_statuses
from tests.integration.test_deal_flow import World, new_customer_order

ORDER = "Document_ЗаказПокупателя"
PROP = "SalesDrive: статус"
PROPERTY_VALUES = "InformationRegister_ЗначенияСвойствОбъектов"


@dataclass
class Statuses:
    world: World
    crm: SalesDriveClient
    writes: StatusWritesStore

    @property
    def names(self) -> dict[int, tuple[str, int | None]]:
        return dict(self.world.ctx.statuses())

    def of_type(self, status_type: int, *, other_than: int | None = None) -> int:
        return next(
            sid for sid, (_, t) in sorted(self.names.items()) if t == status_type and sid != other_than
        )

    def run(self, seen: Any = None) -> StatusReport:
        return reconcile_statuses(
            utp=self.world.utp,
            salesdrive=self.crm,
            store=self.world.ctx.store,
            writes=self.writes,
            settings=self.world.ctx.settings,
            statuses=self.names,
            now=self.world.salesdrive.clock.now(),
            seen=seen,
        )

    def utp_status(self, ref: str) -> Any:
        return self.world.utp.get_property(ref, ORDER, PROP)

    def person_sets(self, ref: str, text: str) -> None:
        self.world.utp.set_property(ref, ORDER, PROP, text)  # what an accountant does in 1C

    def salesdrive_status(self, order_id: int) -> int:
        return int(self.world.salesdrive.order(order_id)["statusId"])


@pytest.fixture
def statuses(world: World, dynamodb: Any) -> Iterator[Statuses]:
    writes = StatusWritesStore("bridge-test", dynamodb=dynamodb)
    world.ctx.status_writes = writes
    crm = world.salesdrive_client()
    yield Statuses(world, crm, writes)


def placed(statuses: Statuses) -> tuple[int, str]:
    world = statuses.world
    order_id = world.place_order(**new_customer_order(world))
    [outcome] = world.apply_all()
    return order_id, outcome.utp_order_ref


def test_a_status_the_bridge_wrote_is_not_pushed_back(statuses: Statuses) -> None:
    order_id, _ = placed(statuses)
    report = statuses.run()
    assert report.orders_checked == 1
    assert report.pushed == {}
    assert statuses.salesdrive_status(order_id) == 1


def test_a_status_set_in_utp_reaches_salesdrive_and_its_echo_is_ignored(statuses: Statuses) -> None:
    world = statuses.world
    order_id, ref = placed(statuses)
    target = statuses.of_type(1, other_than=1)
    name = statuses.names[target][0]
    statuses.person_sets(ref, name)  # typed by name, without the bridge's "[id]"
    report = statuses.run()
    assert report.pushed == {order_id: target}
    assert statuses.salesdrive_status(order_id) == target
    # SalesDrive's status_change webhook echoes the push: UTP keeps the person's text untouched.
    [outcome] = world.apply_all()
    assert outcome.action == "applied"
    assert statuses.utp_status(ref) == name
    assert any(e["event"] == "status_echo_ignored" for e in world.ctx.store.audit_trail(order_id))
    # Nothing bounces back: the next run pushes nothing, SalesDrive keeps the status.
    assert statuses.run().pushed == {}
    assert world.deliver() == []
    # A later change in SalesDrive reaches UTP as usual.
    world.set_status(order_id, 1)
    world.apply_all()
    assert str(statuses.utp_status(ref)).startswith("[1] ")
    assert statuses.run().pushed == {}


def test_both_sides_changed_salesdrive_wins_and_the_utp_value_is_recorded(statuses: Statuses) -> None:
    world = statuses.world
    order_id, ref = placed(statuses)
    in_utp = statuses.of_type(1, other_than=1)
    statuses.person_sets(ref, f"{statuses.names[in_utp][0]} [{in_utp}]")
    in_salesdrive = next(s for s, (_, t) in statuses.names.items() if t == 1 and s not in (1, in_utp))
    world.set_status(order_id, in_salesdrive)
    world.apply_all()  # before the reconciler ran
    assert str(statuses.utp_status(ref)).startswith(f"[{in_salesdrive}] ")
    [conflict] = [e for e in world.ctx.store.audit_trail(order_id) if e["event"] == "status_conflict"]
    assert conflict["detail"]["utp_status_lost"].endswith(f"[{in_utp}]")
    assert statuses.run().pushed == {}
    assert statuses.salesdrive_status(order_id) == in_salesdrive


def test_utp_cannot_move_a_shipped_order_back(statuses: Statuses) -> None:
    world = statuses.world
    order_id, ref = placed(statuses)
    completed = statuses.of_type(2)
    world.set_status(order_id, completed)
    world.apply_all()  # the sales invoice is created and posted
    shipped_text = statuses.utp_status(ref)
    statuses.person_sets(ref, f"{statuses.names[1][0]} [1]")
    report = statuses.run()
    assert report.refused == [order_id]
    assert statuses.salesdrive_status(order_id) == completed
    assert statuses.utp_status(ref) == shipped_text  # the last synced status is back in UTP
    assert any(e["event"] == "status_push_refused" for e in world.ctx.store.audit_trail(order_id))


def test_orders_outside_the_window_are_not_read(statuses: Statuses) -> None:
    world = statuses.world
    old_id, old_ref = placed(statuses)
    new_id, new_ref = placed(statuses)
    window = world.ctx.settings.status_window_days
    long_ago = statuses.world.salesdrive.clock.now() - timedelta(days=window + 5)
    moved = world.odata.patch(
        f"{quote(ORDER)}(guid'{old_ref}')?$format=json", json={"Date": long_ago.strftime("%Y-%m-%dT%H:%M:%S")}
    )
    moved.raise_for_status()
    target = statuses.of_type(1, other_than=1)
    for ref in (old_ref, new_ref):
        statuses.person_sets(ref, statuses.names[target][0])
    requests: list[httpx.Request] = []
    hooks = world.utp.odata.http.event_hooks["request"]
    hooks.append(requests.append)
    try:
        report = statuses.run()
    finally:
        hooks.remove(requests.append)
    assert report.orders_checked == 1
    assert report.pushed == {new_id: target}
    assert statuses.salesdrive_status(old_id) == 1  # outside the window: never looked at
    value_reads = [r for r in requests if unquote(r.url.path).endswith(PROPERTY_VALUES)]
    assert value_reads, "the reconciler reads the status values of its window"
    filters = [r.url.params["$filter"] for r in value_reads]
    assert all(new_ref in f and old_ref not in f for f in filters)  # only the window's orders


def test_dynamodb_is_read_only_for_the_orders_whose_status_changed_since_the_last_run(
    statuses: Statuses, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cost benchmark found two DynamoDB reads per order of the window on every run (≈ 60 USD a
    month at 300 orders a day): the reconciler now remembers what it saw and reads only the changes."""
    from bridge.store.bucket import MemoryObjectStore

    first, first_ref = placed(statuses)
    second, _ = placed(statuses)
    seen = MemoryObjectStore()
    reads: list[int] = []
    real = statuses.world.ctx.store.order_state
    monkeypatch.setattr(statuses.world.ctx.store, "order_state", lambda oid: reads.append(oid) or real(oid))

    report = statuses.run(seen)  # the first run: every order is new to it
    assert (report.orders_checked, report.orders_changed, sorted(reads)) == (2, 2, sorted([first, second]))
    reads.clear()
    report = statuses.run(seen)  # nothing changed: no DynamoDB read at all
    assert (report.orders_checked, report.orders_changed, reads) == (2, 0, [])
    target = statuses.of_type(1, other_than=1)
    statuses.person_sets(first_ref, statuses.names[target][0])
    report = statuses.run(seen)
    assert report.orders_changed == 1 and reads == [first] and report.pushed == {first: target}
    assert statuses.salesdrive_status(first) == target
    seen.data = b"not gzip"  # an unreadable memory: every order is checked again, nothing is pushed twice
    reads.clear()
    report = statuses.run(seen)
    assert report.orders_changed == 2 and report.pushed == {}


def test_a_failed_run_leaves_the_memory_as_it_was(
    statuses: Statuses, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bridge.store.bucket import MemoryObjectStore

    order_id, ref = placed(statuses)
    seen = MemoryObjectStore()
    statuses.run(seen)
    saves = seen.saves
    target = statuses.of_type(1, other_than=1)
    statuses.person_sets(ref, statuses.names[target][0])

    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("SalesDrive is down")

    monkeypatch.setattr(statuses.crm, "update_order", down)
    with pytest.raises(ConnectionError):
        statuses.run(seen)
    assert seen.saves == saves  # the change is still "new" for the next run
    monkeypatch.undo()
    assert statuses.run(seen).pushed == {order_id: target}


def test_long_status_names_survive_utps_50_character_property(statuses: Statuses) -> None:
    """UTP keeps 50 characters of a string property and cuts the rest silently: the bridge's text
    keeps the id first and fits, so the reconciler reads back exactly what the bridge wrote."""
    world = statuses.world
    renamed = [  # the shop renamed its statuses at length (copies: the seed's list is shared)
        {
            **status,
            "name": f"Очікує підтвердження оплати від покупця через банківський переказ ({status['id']})",
        }
        for status in world.salesdrive.state.dicts["statuses"]
    ]
    world.salesdrive.state.dicts["statuses"] = renamed
    long_names = {s.id: (s.name or "", s.type) for s in statuses.crm.statuses()}
    world.ctx.statuses = lambda: long_names
    order_id, ref = placed(statuses)
    written = str(statuses.utp_status(ref))
    assert written.startswith("[1] Очікує підтвердження") and len(written) == 50
    assert statuses.run().pushed == {}  # read back as status 1: nothing to push
    target = statuses.of_type(1, other_than=1)
    world.set_status(order_id, target)
    world.apply_all()
    assert str(statuses.utp_status(ref)).startswith(f"[{target}] ")
    assert statuses.run().pushed == {} and statuses.salesdrive_status(order_id) == target
    # A person picks another status in UTP: the id in front is what the reconciler reads.
    other = statuses.of_type(1, other_than=target)
    statuses.person_sets(ref, f"[{other}] {long_names[other][0]}")
    assert statuses.run().pushed == {order_id: other}


def test_a_value_the_deal_flow_replaced_while_the_run_looked_is_not_pushed(
    statuses: Statuses, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run reads the window's values; meanwhile the deal flow applies a newer SalesDrive status (UTP
    and the bridge's state move on). The old value it read must not be pushed back over SalesDrive."""
    world = statuses.world
    order_id, ref = placed(statuses)
    sale = statuses.of_type(2)
    world.set_status(order_id, sale)
    world.apply_all()  # UTP: the sale, with its invoice
    stale_text = statuses.utp_status(ref)
    read_values = world.utp.property_values_of

    def read_then_the_deal_flow_moves_on(*args: Any, **kwargs: Any) -> Any:
        values = read_values(*args, **kwargs)
        refusal = statuses.of_type(3)
        world.set_status(order_id, refusal)  # a manager refuses it; the deal flow applies it at once
        world.apply_all()
        return values

    monkeypatch.setattr(world.utp, "property_values_of", read_then_the_deal_flow_moves_on)
    assert stale_text  # what the run reads: the sale, before the refusal lands
    report = statuses.run()
    assert report.pushed == {}
    assert statuses.salesdrive_status(order_id) == statuses.of_type(3)
    assert str(statuses.utp_status(ref)).startswith(f"[{statuses.of_type(3)}] ")
