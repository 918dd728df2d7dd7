"""The doctor (bridge.sync.preflight.run_preflight) against both emulators in process: a sound setup has no
blocker; an unknown warehouse, price type, cash desk, user, status id, an НТТ warehouse for orders, a
missing or numeric property, a wrong SalesDrive key are blockers with a fix; a computed price type and a
short property string are warnings. Nothing is written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bridge.read_budget import UnlimitedReadBudget
from bridge.salesdrive.client import SalesDriveClient
from bridge.settings import BridgeSettings, StatusRule
from bridge.sync.preflight import run_preflight
from bridge.sync.preflight_findings import Finding, Report, Severity
from bridge.utp import names as n
from bridge.utp.client import UtpClient
from sandbox.salesdrive.app import SalesDriveEmulatorConfig
from sandbox.salesdrive.app import create_app as create_salesdrive
from sandbox.salesdrive.clock import ManualClock
from sandbox.salesdrive.testing import api_client
from sandbox.utp.app import UtpEmulator, UtpEmulatorConfig
from sandbox.utp.app import create_app as create_utp
from tests.shop_settings import shop_settings

UTP_ROOT = "http://utp.test/utp/odata/standard.odata/"


@dataclass
class Bases:
    utp_emulator: UtpEmulator
    utp: UtpClient
    salesdrive_emulator: Any
    salesdrive: SalesDriveClient
    settings: BridgeSettings

    def run(self, **changes: Any) -> Report:
        settings = self.settings.model_copy(update=changes)
        return run_preflight(settings, self.utp, self.salesdrive)

    def edit(self, entity: str, ref: str, **values: Any) -> None:
        record = self.utp_emulator.store.get(entity, ref)
        assert record is not None
        self.utp_emulator.store.put(entity, {**record, **values})


def finding(report: Report, check: str) -> Finding:
    found = [f for f in report.findings if f.check == check]
    assert found, f"no finding {check!r} in {[f.check for f in report.findings]}"
    return found[0]


@pytest.fixture
def bases() -> Iterator[Bases]:
    utp_emulator = create_utp(UtpEmulatorConfig(products=10, warehouses=3))
    http = httpx.Client(
        transport=httpx.WSGITransport(app=utp_emulator), base_url=UTP_ROOT, auth=("bridge", "bridge")
    )
    salesdrive_emulator = create_salesdrive(SalesDriveEmulatorConfig(random_seed=1), clock=ManualClock())
    salesdrive = SalesDriveClient(
        api_key=salesdrive_emulator.config.api_key,
        budget=UnlimitedReadBudget(),
        http=api_client(salesdrive_emulator),
    )
    settings = shop_settings(
        salesdrive_emulator.config.account,
        utp_emulator.seed_info["organization"]["description"],
        warehouses={2: "Склад Львів"},
        stock_ids={"Основний склад": 1, "Магазин на Подолі": 2},
    )
    yield Bases(utp_emulator, UtpClient.from_http(http), salesdrive_emulator, salesdrive, settings)
    http.close()


def test_a_sound_setup_has_no_blocker_and_reads_only(bases: Bases) -> None:
    writes_before = bases.utp_emulator.store.count(n.ORDER) + bases.utp_emulator.store.count(n.PROPERTIES)
    report = bases.run()
    assert report.blockers == [], report.blockers
    assert finding(report, "setting stock_ids.Магазин на Подолі").detail.endswith("retail")
    assert finding(report, "setting responsible_user").severity is Severity.OK
    assert finding(report, "property 'SalesDrive: статус'").severity is Severity.OK
    assert finding(report, "salesdrive api key").severity is Severity.OK
    # A retail warehouse feeds a stock: its register is needed, and the emulator publishes it.
    assert finding(report, f"odata {n.RETAIL_STOCK}").severity is Severity.OK
    assert report.as_dict()["ok"] is True and report.unchecked
    after = bases.utp_emulator.store.count(n.ORDER) + bases.utp_emulator.store.count(n.PROPERTIES)
    assert after == writes_before


@pytest.mark.parametrize(
    ("changes", "check", "words"),
    [
        ({"default_warehouse": "Склад Одеса"}, "setting default_warehouse", "no warehouse 'Склад Одеса'"),
        ({"warehouses": {2: "Нема"}}, "setting warehouses.2", "no warehouse 'Нема'"),
        ({"stock_ids": {"Нема": 1}}, "setting stock_ids.Нема", "no warehouse 'Нема'"),
        ({"price_type": "Дилерська"}, "setting price_type", "no price type 'Дилерська'"),
        ({"cash_desk": "Каса 2"}, "setting cash_desk", "no cash desk 'Каса 2'"),
        ({"closure_reason": "Нема"}, "setting closure_reason", "no order-closure reason 'Нема'"),
        ({"organisation": "ТОВ Інша"}, "setting organisation", "no organisation 'ТОВ Інша'"),
        ({"currency_code": "999"}, "setting currency_code", "no currency with code '999'"),
        ({"responsible_user": "Нема такого"}, "setting responsible_user", "no user 'Нема такого'"),
        ({"product_id_property": "SalesDrive код"}, "property 'SalesDrive код'", "no such property"),
        (
            {"completed": StatusRule(status_ids=frozenset({999}))},
            "setting completed",
            "status id(s) [999] do not exist",
        ),
        (
            {"cancelled": StatusRule(status_ids=frozenset({998}))},
            "setting cancelled",
            "status id(s) [998] do not exist",
        ),
    ],
)
def test_an_unknown_setting_is_a_blocker_with_a_fix(
    bases: Bases, changes: dict[str, Any], check: str, words: str
) -> None:
    report = bases.run(**changes)
    found = finding(report, check)
    assert found.severity is Severity.BLOCKER and words in found.detail, found
    assert found.fix
    assert report.as_dict()["ok"] is False


def test_a_cash_desk_of_another_organisation_is_named_so(bases: Bases) -> None:
    other = dict(
        bases.utp_emulator.store.get(n.ORGANISATIONS, bases.utp_emulator.seed_info["organization"]["ref"])
        or {}
    )
    other.update(Ref_Key="11111111-2222-3333-4444-555555555555", Description="ТОВ Інша", Code="000000002")
    bases.utp_emulator.store.put(n.ORGANISATIONS, other)
    desk = dict(bases.utp_emulator.store.get(n.CASH_DESKS, bases.utp_emulator.seed_info["cash_desk"]) or {})
    desk.update(
        Ref_Key="11111111-2222-3333-4444-666666666666", Description="Каса Іншої", Owner_Key=other["Ref_Key"]
    )
    bases.utp_emulator.store.put(n.CASH_DESKS, desk)
    found = finding(bases.run(cash_desk="Каса Іншої"), "setting cash_desk")
    assert found.severity is Severity.BLOCKER and "belongs to another organisation" in found.detail


def test_an_ntt_warehouse_cannot_take_orders_but_may_feed_stock(bases: Bases) -> None:
    lviv = next(w for w in bases.utp_emulator.seed_info["warehouses"] if w["description"] == "Склад Львів")
    bases.edit(n.WAREHOUSES, lviv["ref"], ВидСклада="НТТ")
    report = bases.run(stock_ids={"Склад Львів": 3})
    found = finding(report, "setting warehouses.2")
    assert found.severity is Severity.BLOCKER and "non-automated outlet" in found.detail
    assert finding(report, "setting stock_ids.Склад Львів").severity is Severity.OK
    # An НТТ warehouse feeding a stock needs ТоварыВНТТ: the emulator does not publish it (yet).
    ntt = finding(report, f"odata {n.NTT_STOCK}")
    published = n.NTT_STOCK in bases.utp.odata.request("GET", "$metadata", expect="text")
    assert ntt.severity is (Severity.OK if published else Severity.BLOCKER)


def test_a_computed_price_type_is_reported(bases: Bases) -> None:
    wholesale = bases.utp_emulator.seed_info["price_types"]["Оптова"]
    retail = bases.utp_emulator.seed_info["price_types"]["Роздрібна"]
    bases.edit(n.PRICE_TYPES, wholesale, Рассчитывается=True, БазовыйТипЦен_Key=retail)
    found = finding(bases.run(price_type="Оптова"), "setting price_type")
    assert found.severity is Severity.WARNING and "computed" in found.detail and found.fix


def test_a_property_of_another_value_type_is_a_blocker_and_a_short_string_a_warning(bases: Bases) -> None:
    status = bases.utp_emulator.seed_info["properties"]["SalesDrive: статус"]
    record = bases.utp_emulator.store.get(n.PROPERTIES, status)
    assert record is not None
    number = {**record["ValueType"], "Types": ["Edm.Double"]}
    bases.edit(n.PROPERTIES, status, ValueType=number)
    found = finding(bases.run(), "property 'SalesDrive: статус'")
    assert found.severity is Severity.BLOCKER and "Edm.Double" in found.detail
    assert "Строка" in found.fix and "Свойства объектов" in found.fix
    short = {**record["ValueType"], "StringQualifiers": {"AllowedLength": "Variable", "Length": 10}}
    bases.edit(n.PROPERTIES, status, ValueType=short)
    found = finding(bases.run(), "property 'SalesDrive: статус'")
    assert found.severity is Severity.WARNING and "string of 10" in found.detail


def test_a_status_attribute_instead_of_the_property_is_checked_in_metadata(bases: Bases) -> None:
    report = bases.run(order_status_attribute="СтатусЗамовленняCRM")
    assert not [f for f in report.findings if f.check == "property 'SalesDrive: статус'"]
    assert finding(report, f"odata {n.ORDER}").severity is Severity.OK
    report = bases.run(order_status_attribute="СтатусЯкогоНема")
    found = finding(report, f"odata {n.ORDER}")
    assert found.severity is Severity.BLOCKER and "СтатусЯкогоНема missing" in found.detail


def test_a_wrong_salesdrive_key_is_a_blocker(bases: Bases) -> None:
    wrong = SalesDriveClient(
        api_key="wrong-key",
        budget=UnlimitedReadBudget(),
        http=api_client(bases.salesdrive_emulator, api_key="x"),
    )
    report = run_preflight(bases.settings, bases.utp, wrong)
    found = finding(report, "salesdrive api key")
    assert found.severity is Severity.BLOCKER and "refuses the key" in found.detail


def test_a_utp_that_refuses_the_credentials_is_one_blocker(bases: Bases) -> None:
    http = httpx.Client(
        transport=httpx.WSGITransport(app=bases.utp_emulator), base_url=UTP_ROOT, auth=("bridge", "wrong")
    )
    report = run_preflight(bases.settings, UtpClient.from_http(http), bases.salesdrive)
    found = finding(report, "utp $metadata")
    assert found.severity is Severity.BLOCKER and "cannot read $metadata" in found.detail
    assert not [f for f in report.findings if f.check.startswith("setting price_type")]
