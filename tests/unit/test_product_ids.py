"""The SalesDrive ID on every UTP card: paced, stopped by time, resumed until nothing is left."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.settings import BridgeSettings
from bridge.sync.product_ids import CURSOR, first_run_minutes, write_product_ids, writes_pending
from tests.shop_settings import shop_settings


class Clock:
    """Lambda's remaining time and the pacing's sleeps on one fake clock."""

    def __init__(self, budget_s: float = 900.0, write_s: float = 0.1) -> None:
        self.now = 0.0
        self.budget_s = budget_s
        self.write_s = write_s
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += seconds

    def time_left(self) -> float:
        return self.budget_s - self.now


class Utp:
    def __init__(self, clock: Clock, refuse: frozenset[str] = frozenset()) -> None:
        self.clock = clock
        self.refuse = refuse
        self.cards: dict[str, list[str]] = {}

    def set_property(self, ref: str, entity: str, prop: str, value: str) -> None:
        self.clock.now += self.clock.write_s  # a write takes time too
        if ref in self.refuse:
            raise RuntimeError("1C refused the record")
        assert entity == "Catalog_Номенклатура" and prop == "SalesDrive ID"
        self.cards.setdefault(ref, []).append(value)


class Cursors:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def get(self, job: str) -> dict[str, Any] | None:
        return self.items.get(job)

    def put(self, job: str, value: dict[str, Any]) -> None:
        self.items[job] = value


def settings(pace: int) -> BridgeSettings:
    return shop_settings("shop", "Org", product_id_writes_per_minute=pace)


def test_writes_are_paced_to_the_setting() -> None:
    clock = Clock()
    utp = Utp(clock)
    wanted = {f"ref-{i:03}": f"SD-{i}" for i in range(30)}
    report = write_product_ids(
        wanted,
        utp=utp,
        settings=settings(60),
        sleep=clock.sleep,
        monotonic=clock.monotonic,  # type: ignore[arg-type]
    )
    assert report.written == 30 and report.left == 0 and report.stopped is None
    assert {ref: values for ref, values in utp.cards.items()} == {ref: [sd] for ref, sd in wanted.items()}
    # 60 a minute: one a second, so 30 writes span 29 s (each write's own 0.1 s is inside its second).
    assert clock.now == pytest.approx(29.1)


def test_a_run_stopped_by_time_is_resumed_until_every_card_has_its_id_once() -> None:
    cursors = Cursors()
    wanted = {f"ref-{i:04}": f"SD-{i}" for i in range(500)}
    utp_cards: dict[str, list[str]] = {}
    runs = 0
    written: list[int] = []
    while True:
        runs += 1
        clock = Clock(budget_s=60.0)  # each Lambda run has a minute: 30 s of writes before the margin
        utp = Utp(clock)
        utp.cards = utp_cards
        # The matcher recomputes what is still missing on every run.
        missing = {ref: sd for ref, sd in wanted.items() if ref not in utp_cards}
        report = write_product_ids(
            missing,
            utp=utp,  # type: ignore[arg-type]
            settings=settings(600),
            cursors=cursors,  # type: ignore[arg-type]
            time_left=clock.time_left,
            sleep=clock.sleep,
            monotonic=clock.monotonic,
        )
        written.append(report.written)
        if not writes_pending(cursors):  # type: ignore[arg-type]
            break
        assert report.stopped == "time" and report.left == len(missing) - report.written > 0
        assert runs < 50
    assert written == [300, 200]  # 600 a minute for 30 s (then the margin): 300, then the other 200
    assert utp_cards == {ref: [sd] for ref, sd in wanted.items()}
    assert cursors.items[CURSOR]["left"] == 0 and cursors.items[CURSOR]["after"] == ""


def test_a_resumed_run_starts_after_the_cursor_and_wraps_round() -> None:
    cursors = Cursors()
    cursors.put(CURSOR, {"after": "ref-5", "left": 3})
    clock = Clock()
    utp = Utp(clock)
    order: list[str] = []
    original = utp.set_property

    def record(ref: str, entity: str, prop: str, value: str) -> None:
        order.append(ref)
        original(ref, entity, prop, value)

    utp.set_property = record  # type: ignore[method-assign]
    wanted = {"ref-2": "a", "ref-7": "b", "ref-9": "c", "ref-4": "d"}
    write_product_ids(
        wanted,
        utp=utp,
        settings=settings(6000),
        cursors=cursors,
        sleep=clock.sleep,
        monotonic=clock.monotonic,  # type: ignore[arg-type]
    )
    assert order == ["ref-7", "ref-9", "ref-2", "ref-4"]
    assert not writes_pending(cursors)  # type: ignore[arg-type]


def test_a_refused_card_does_not_stop_the_run_and_is_left_to_the_nightly_run() -> None:
    cursors = Cursors()
    clock = Clock()
    utp = Utp(clock, refuse=frozenset({"ref-1"}))
    report = write_product_ids(
        {"ref-0": "a", "ref-1": "b", "ref-2": "c"},
        utp=utp,  # type: ignore[arg-type]
        settings=settings(6000),
        cursors=cursors,  # type: ignore[arg-type]
        sleep=clock.sleep,
        monotonic=clock.monotonic,
    )
    assert report.written == 2 and report.failed == 1 and report.left == 1
    assert "ref-1: RuntimeError: 1C refused the record" in report.errors[0]
    assert set(utp.cards) == {"ref-0", "ref-2"}
    # Not pending for the resume schedule: a refusal would otherwise rerun the matching every 20 minutes.
    assert not writes_pending(cursors)  # type: ignore[arg-type]


def test_a_run_with_nothing_left_clears_a_pending_cursor() -> None:
    cursors = Cursors()
    cursors.put(CURSOR, {"after": "ref-5", "left": 10})
    assert writes_pending(cursors)  # type: ignore[arg-type]
    clock = Clock()
    write_product_ids({}, utp=Utp(clock), settings=settings(300), cursors=cursors)  # type: ignore[arg-type]
    assert not writes_pending(cursors)  # type: ignore[arg-type]
    assert not writes_pending(Cursors())  # type: ignore[arg-type]


def test_first_run_minutes_at_the_default_pace() -> None:
    assert first_run_minutes(200_000, settings(300)) == pytest.approx(666.7, abs=0.1)
