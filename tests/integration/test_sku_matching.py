"""SKU matching end to end in process: SalesDrive YML feed + UTP emulator → links, exports, report.

Assertions read UTP's property register, the SalesDrive emulator's products and the ID map.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from bridge.read_budget import UnlimitedReadBudget
from bridge.salesdrive.client import SalesDriveClient
from bridge.salesdrive.products import ProductUpdate, PushMode
from bridge.settings import BridgeSettings, SkuNormalisation
from bridge.store.cursors import CursorStore
from bridge.store.deals import DealStore
from bridge.sync.parked_orders import replay_parked_orders
from bridge.sync.product_ids import writes_pending
from bridge.sync.sku_matching import match_skus
from bridge.utp.client import UtpClient
from sandbox.salesdrive.app import SalesDriveEmulator, SalesDriveEmulatorConfig
from sandbox.salesdrive.app import create_app as create_salesdrive
from sandbox.salesdrive.clock import ManualClock
from sandbox.salesdrive.testing import api_client
from sandbox.utp.app import UtpEmulatorConfig
from sandbox.utp.app import create_app as create_utp
from tests.shop_settings import shop_settings

UTP_ROOT = "http://utp.test/utp/odata/standard.odata/"


class RecordingQueue:
    def __init__(self) -> None:
        self.sent: list[int] = []

    def send(self, *, order_id: int, deduplication_id: str, body: str, source: str) -> None:
        self.sent.append(order_id)


@dataclass
class Setup:
    utp: UtpClient
    odata: httpx.Client
    salesdrive: SalesDriveEmulator
    crm: SalesDriveClient
    store: DealStore
    settings: BridgeSettings
    goods: list[dict[str, Any]]
    duplicate_ref: str
    queue: RecordingQueue

    def run(
        self,
        *,
        dry_run: bool,
        cursors: CursorStore | None = None,
        time_left: Callable[[], float] | None = None,
    ) -> Any:
        return match_skus(
            offers=self.crm.yml_products(self.salesdrive.config.yml_public_key),
            utp=self.utp,
            salesdrive=self.crm,
            store=self.store,
            settings=self.settings,
            dry_run=dry_run,
            cursors=cursors,
            time_left=time_left,
            replay=lambda: (
                replay_parked_orders(
                    store=self.store, utp=self.utp, queue=self.queue, now=datetime.now(UTC)
                ).replayed
            ),
        )

    def sd_id_of(self, product_ref: str) -> str | None:
        flt = f"Объект eq cast(guid'{product_ref}','Catalog_Номенклатура')"
        entity = quote("InformationRegister_ЗначенияСвойствОбъектов")
        rows = self.odata.get(f"{entity}?$format=json&$filter={quote(flt, safe='')}").json()["value"]
        return rows[0]["Значение"] if rows else None


@pytest.fixture
def setup(dynamodb: Any) -> Iterator[Setup]:
    utp_emulator = create_utp(UtpEmulatorConfig(products=14, warehouses=2))
    http = httpx.Client(
        transport=httpx.WSGITransport(app=utp_emulator), base_url=UTP_ROOT, auth=("bridge", "bridge")
    )
    utp = UtpClient.from_http(http)
    salesdrive = create_salesdrive(SalesDriveEmulatorConfig(random_seed=1), clock=ManualClock())
    crm = SalesDriveClient(
        api_key=salesdrive.config.api_key, budget=UnlimitedReadBudget(), http=api_client(salesdrive)
    )
    seed = utp_emulator.seed_info
    goods = [
        p
        for p in seed["sample_products"]
        if not p.get("service") and p["sku"].isascii() and "'" not in p["sku"]
    ]
    settings = shop_settings(
        salesdrive.config.account,
        seed["organization"]["description"],
        sku_normalisation=SkuNormalisation(separators=" "),
    )
    # SalesDrive: goods[0] spelled differently, goods[1] twice, goods[2] once (but duplicated in UTP),
    # goods[3] already linked by its SalesDrive ID.
    crm.push_products(
        [
            ProductUpdate(id="SD-A", name="A", sku=" " + goods[0]["sku"].lower().replace("-", "-") + " "),
            ProductUpdate(id="SD-B", name="B", sku=goods[1]["sku"]),
            ProductUpdate(id="SD-C", name="C", sku=goods[1]["sku"]),
            ProductUpdate(id="SD-D", name="D", sku=goods[2]["sku"]),
            ProductUpdate(id="SD-E", name="E", sku=goods[3]["sku"]),
        ],
        PushMode.FULL,
    )
    answer = http.post(
        f"{quote('Catalog_Номенклатура')}?$format=json",
        json={
            "Description": "Дублікат",
            "Артикул": goods[2]["sku"],
            "Parent_Key": seed["product_folders"][0],
        },
    )
    assert answer.status_code == 201
    utp.set_property(goods[3]["ref"], "Catalog_Номенклатура", settings.product_id_property, "SD-E")
    store = DealStore("bridge-test", dynamodb=dynamodb)
    sd_spelling = " " + goods[0]["sku"].lower() + " "
    store.park(777, "unknown SKU", skus=[sd_spelling.strip()], payload='{"data": {"id": 777}}')
    yield Setup(
        utp, http, salesdrive, crm, store, settings, goods, answer.json()["Ref_Key"], RecordingQueue()
    )
    http.close()


def test_dry_run_reports_and_changes_nothing(setup: Setup) -> None:
    products_before = len(setup.salesdrive.state.products)
    report = setup.run(dry_run=True)
    assert [r.salesdrive_ids for r in report.of("linked")] == [("SD-A",)]
    assert report.count("exported") > 0 and report.count("ambiguous") == 2
    assert setup.sd_id_of(setup.goods[0]["ref"]) is None
    assert setup.store.product_for(setup.goods[0]["sku"]) is None
    assert len(setup.salesdrive.state.products) == products_before
    assert setup.queue.sent == [] and report.replayed_orders == []
    assert "would be written" in report.to_table()


def test_matching_links_exports_reports_and_replays_parked_orders(setup: Setup) -> None:
    report = setup.run(dry_run=False)
    goods = setup.goods
    # linked: the SalesDrive ID is in UTP and in the ID map under every spelling
    assert setup.sd_id_of(goods[0]["ref"]) == "SD-A"
    link = setup.store.product_for(goods[0]["sku"].lower())
    assert link is not None and link.product_ref == goods[0]["ref"] and link.salesdrive_id == "SD-A"
    assert setup.store.product_for("SD-A") == link
    # already linked: matched, untouched
    assert [r.salesdrive_ids for r in report.of("matched")] == [("SD-E",)]
    assert setup.sd_id_of(goods[3]["ref"]) == "SD-E"
    # ambiguous on either side: nothing written
    ambiguous = {r.sku: r for r in report.of("ambiguous")}
    assert set(ambiguous) == {goods[1]["sku"], goods[2]["sku"]}
    assert set(ambiguous[goods[2]["sku"]].utp_refs) == {goods[2]["ref"], setup.duplicate_ref}
    assert ambiguous[goods[1]["sku"]].salesdrive_ids == ("SD-B", "SD-C")
    assert setup.sd_id_of(goods[1]["ref"]) is None and setup.sd_id_of(goods[2]["ref"]) is None
    # UTP-only products now exist in SalesDrive, under their SKU
    exported = report.of("exported")
    assert exported and all(setup.salesdrive.product(r.sku)["sku"] == r.sku for r in exported)
    assert report.salesdrive_calls == -(-len(exported) // 100)
    # only in SalesDrive: the emulator's own seed products
    assert "1001" in {i for r in report.of("only_in_salesdrive") for i in r.salesdrive_ids}
    # the parked order waiting for SalesDrive's spelling of the SKU went back to the queue
    assert setup.queue.sent == [777] and report.replayed_orders == [777]
    # the three report formats agree
    data = json.loads(report.to_json())
    assert data["summary"]["linked"] == 1 and data["summary"]["exported"] == len(exported)
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert len(rows) == len(report.rows) and {r["status"] for r in rows} >= {
        "linked",
        "exported",
        "ambiguous",
    }
    assert "ambiguous: fix the SKUs" in report.to_table()


def test_second_run_only_confirms(setup: Setup) -> None:
    setup.run(dry_run=False)
    again = setup.run(dry_run=False)
    assert again.count("linked") == 0 and again.count("exported") == 0 and again.utp_writes == 0
    assert again.count("matched") >= 2


def test_ids_a_run_left_for_lack_of_time_are_written_by_the_next_run_once(
    setup: Setup, dynamodb: Any
) -> None:
    cursors = CursorStore("bridge-test", dynamodb=dynamodb)
    calls = 0

    def two_writes_then_out_of_time() -> float:  # asked before each write: Lambda's remaining seconds
        nonlocal calls
        calls += 1
        return 600.0 if calls <= 2 else 10.0

    setup.settings = setup.settings.model_copy(update={"product_id_writes_per_minute": 6000})
    first = setup.run(dry_run=False, cursors=cursors, time_left=two_writes_then_out_of_time)
    assert first.id_pending > 2 and first.id_left == first.id_pending - 2
    assert writes_pending(cursors)  # the resume schedule will run the matcher again
    second = setup.run(dry_run=False, cursors=cursors)  # what the resume run does
    assert second.id_pending == first.id_left and second.id_left == 0
    assert not writes_pending(cursors)  # and the resume schedule goes quiet
    cards = [r.utp_refs[0] for r in first.of("linked") + first.of("exported")]
    ids = {ref: setup.sd_id_of(ref) for ref in cards}
    assert None not in ids.values() and ids[setup.goods[0]["ref"]] == "SD-A"
    # each card has one record of the property: nothing was written twice
    entity = quote("InformationRegister_ЗначенияСвойствОбъектов")
    rows = setup.odata.get(f"{entity}?$format=json").json()["value"]
    objects = [r["Объект"] for r in rows if r["Объект"] in ids]
    assert sorted(objects) == sorted(ids)
    third = setup.run(dry_run=False, cursors=cursors)
    assert third.id_pending == 0 and third.utp_writes == 0
