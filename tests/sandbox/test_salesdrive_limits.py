"""List endpoints enforce 10/min, 100/h, 1000/day, in both throttle shapes and both window kinds."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from sandbox.salesdrive import ManualClock, SalesDriveEmulatorConfig, create_app
from sandbox.salesdrive.app import SalesDriveEmulator
from sandbox.salesdrive.testing import api_client

LIST = "/api/order/list/"
PAYMENTS = "/api/payment/list/"


def make(clock: ManualClock, **cfg: object) -> tuple[SalesDriveEmulator, httpx.Client]:
    emu = create_app(SalesDriveEmulatorConfig.model_validate(cfg), clock=clock)
    return emu, api_client(emu)


def burn(api: httpx.Client, n: int, path: str = LIST) -> list[int]:
    return [api.get(path).status_code for _ in range(n)]


@pytest.mark.parametrize("window", ["sliding", "fixed"])
def test_eleventh_call_in_a_minute_gets_429_with_retry_after(window: str) -> None:
    clock = ManualClock(datetime(2025, 10, 1, 9, 0, 30))
    emu, api = make(clock, limit_window=window)
    assert burn(api, 10) == [200] * 10
    r = api.get(LIST)
    assert r.status_code == 429
    assert r.json() == {"status": "error", "message": "Перевищено ліміт запитів: 10 на хвилину"}
    # sliding: the first call leaves the window 60 s after it; fixed: the minute ends at 09:01:00.
    assert int(r.headers["Retry-After"]) == (60 if window == "sliding" else 30)
    assert emu.counters["throttled"] == {LIST: 1}
    assert emu.counters["requests"][LIST] == {"200": 10, "429": 1}
    clock.advance(int(r.headers["Retry-After"]))
    assert api.get(LIST).status_code == 200


def test_throttle_shape_400_mentions_the_limit() -> None:
    clock = ManualClock()
    emu, api = make(clock, throttle_shape="400")
    burn(api, 10)
    r = api.get(LIST)
    assert r.status_code == 400 and "Retry-After" not in r.headers
    assert "ліміт" in r.json()["message"] and "10" in r.json()["message"]
    assert emu.counters["throttled"] == {LIST: 1}


def test_sliding_and_fixed_windows_differ_across_a_minute_boundary() -> None:
    for window, expected in (("sliding", 429), ("fixed", 200)):
        clock = ManualClock(datetime(2025, 10, 1, 9, 0, 50))
        _, api = make(clock, limit_window=window)
        burn(api, 10)
        clock.advance(15)  # 09:01:05: a new fixed minute, but all 10 calls are within the last 60 s
        assert api.get(LIST).status_code == expected, window


@pytest.mark.parametrize("window", ["sliding", "fixed"])
def test_hourly_limit(window: str) -> None:
    clock = ManualClock(datetime(2025, 10, 1, 9, 0, 0))
    _, api = make(clock, limit_window=window)
    for _ in range(10):
        assert burn(api, 10) == [200] * 10
        clock.advance(60)
    r = api.get(LIST)  # 09:10: the minute is fresh, the hour is spent
    assert r.status_code == 429 and "100 на годину" in r.json()["message"]
    assert int(r.headers["Retry-After"]) == 50 * 60
    clock.advance(50 * 60)
    assert api.get(LIST).status_code == 200


@pytest.mark.parametrize("window", ["sliding", "fixed"])
def test_daily_limit(window: str) -> None:
    clock = ManualClock(datetime(2025, 10, 1, 0, 0, 0))
    _, api = make(clock, limit_window=window)
    for _ in range(10):
        for _ in range(10):
            assert burn(api, 10) == [200] * 10
            clock.advance(60)
        clock.advance(3600)
    r = api.get(LIST)
    assert r.status_code == 429 and "1000 на добу" in r.json()["message"]
    clock.set(datetime(2025, 10, 2, 0, 0, 0) if window == "fixed" else datetime(2025, 10, 2, 0, 0, 1))
    assert api.get(LIST).status_code == 200


def test_throttled_calls_do_not_use_the_quota() -> None:
    clock = ManualClock()
    _, api = make(clock)
    burn(api, 10)
    assert burn(api, 50) == [429] * 50
    clock.advance(60)
    assert burn(api, 10) == [200] * 10


def test_scope_account_shares_one_budget_endpoint_scope_does_not() -> None:
    clock = ManualClock()
    _, api = make(clock)
    burn(api, 6)
    assert burn(api, 5, PAYMENTS) == [200] * 4 + [429]
    _, api = make(ManualClock(), limit_scope="endpoint")
    burn(api, 10)
    assert burn(api, 10, PAYMENTS) == [200] * 10


def test_other_endpoints_are_unlimited_and_bad_keys_do_not_count() -> None:
    clock = ManualClock()
    emu, api = make(clock)
    assert {api.get("/api/statuses/").status_code for _ in range(30)} == {200}
    assert {api.post("/handler/", json={"fName": "A"}).status_code for _ in range(30)} == {200}
    bad = api_client(emu, api_key="bad")
    assert {bad.get(LIST).status_code for _ in range(30)} == {401}
    assert burn(api, 10) == [200] * 10


def test_limits_are_configurable_at_runtime() -> None:
    emu, api = make(ManualClock())
    emu.configure(limits=(2, 100, 1000))
    assert burn(api, 3) == [200, 200, 429]
