"""Catalog push end to end in process: UTP emulator → rules → SalesDrive emulator (+ moto S3 fingerprints).

Assertions read the SalesDrive emulator's product state and counters, and UTP through plain OData.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from bridge.read_budget import UnlimitedReadBudget
from bridge.retries import RetryPolicy
from bridge.salesdrive.client import SalesDriveClient
from bridge.salesdrive.products import ProductUpdate, PushMode
from bridge.settings import BridgeSettings
from bridge.store.bucket import CatalogFingerprintStore
from bridge.store.cursors import CursorStore
from bridge.sync.catalog_diff import Fingerprints
from bridge.sync.catalog_push import CURSOR, is_due, push_catalog
from bridge.sync.catalog_refresh import push_products, refresh_products
from bridge.sync.catalog_trigger import TRIGGER_CURSOR, request_push
from bridge.sync.reference import UtpReference, resolve_reference
from bridge.sync.stock import stock_warehouses
from bridge.utp.client import UtpClient
from sandbox.salesdrive.app import SalesDriveEmulator, SalesDriveEmulatorConfig
from sandbox.salesdrive.app import create_app as create_salesdrive
from sandbox.salesdrive.clock import ManualClock
from sandbox.utp.app import UtpEmulator, UtpEmulatorConfig
from sandbox.utp.app import create_app as create_utp
from sandbox.utp.catalog_bodies import price_row, receipt_body, unit_body
from tests.shop_settings import shop_settings

UTP_ROOT = "http://utp.test/utp/odata/standard.odata/"
BUCKET = "catalog-test"


class FailingProducts(httpx.WSGITransport):
    """The SalesDrive emulator, except that the next ``fail`` product-handler calls answer an error."""

    def __init__(self, app: Any) -> None:
        super().__init__(app=app)
        self.fail = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/product-handler/" and self.fail > 0:
            self.fail -= 1
            return httpx.Response(200, json={"status": "error", "message": "temporary failure"})
        return super().handle_request(request)


@dataclass
class Shop:
    utp_emulator: UtpEmulator
    utp: UtpClient
    odata: httpx.Client
    salesdrive: SalesDriveEmulator
    crm: SalesDriveClient
    transport: FailingProducts
    settings: BridgeSettings
    reference: UtpReference
    store: CatalogFingerprintStore
    cursors: CursorStore

    @property
    def seed(self) -> dict[str, Any]:
        return self.utp_emulator.seed_info

    def collaborators(self, settings: BridgeSettings | None = None) -> dict[str, Any]:
        """What a catalog push takes from the shop (its settings unless ``settings``)."""
        settings = settings or self.settings
        return {
            "utp": self.utp,
            "salesdrive": self.crm,
            "store": self.store,
            "settings": settings,
            "price_type_key": self.reference.price_type_key,
            "warehouses": stock_warehouses(settings, self.reference.warehouse_names),
        }

    def push(self, settings: BridgeSettings | None = None, **kwargs: Any) -> Any:
        return push_catalog(**self.collaborators(settings), cursors=self.cursors, **kwargs)

    def product_calls(self) -> int:
        return int(self.salesdrive.counters["product_handler"]["calls"])

    def sd(self, product_id: str) -> dict[str, Any]:
        return self.salesdrive.product(product_id)

    def create(self, entity: str, body: dict[str, Any], post: bool = True) -> str:
        answer = self.odata.post(f"{quote(entity)}?$format=json", json=body)
        assert answer.status_code == 201, answer.text
        ref = str(answer.json()["Ref_Key"])
        if post:
            posted = self.odata.post(f"{quote(entity)}(guid'{ref}')/Post?$format=json")
            assert posted.status_code == 200, posted.text
        return ref

    def patch(self, entity: str, ref: str, body: dict[str, Any]) -> None:
        answer = self.odata.patch(f"{quote(entity)}(guid'{ref}')?$format=json", json=body)
        assert answer.status_code == 200, answer.text

    def utp_stock(self, warehouse: str, product: str, register: str = "ТоварыНаСкладах") -> Decimal:
        cond = f"Склад_Key eq guid'{warehouse}' and Номенклатура_Key eq guid'{product}'"
        entity = quote("AccumulationRegister_" + register)
        answer = self.odata.get(f"{entity}/Balance?Condition={quote(cond, safe='')}&$format=json")
        return sum((Decimal(str(r["КоличествоBalance"])) for r in answer.json()["value"]), Decimal(0))

    def warehouse(self, name: str) -> str:
        return next(w["ref"] for w in self.seed["warehouses"] if w["description"] == name)

    def goods(self) -> list[dict[str, Any]]:
        return [p for p in self.seed["sample_products"] if not p.get("service")]


@pytest.fixture
def shop(dynamodb: Any) -> Iterator[Shop]:
    import boto3

    s3 = boto3.client("s3", region_name="eu-central-1")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    utp_emulator = create_utp(UtpEmulatorConfig(products=40, warehouses=3))
    http = httpx.Client(
        transport=httpx.WSGITransport(app=utp_emulator), base_url=UTP_ROOT, auth=("bridge", "bridge")
    )
    utp = UtpClient.from_http(http)
    salesdrive = create_salesdrive(SalesDriveEmulatorConfig(random_seed=1), clock=ManualClock())
    transport = FailingProducts(salesdrive)
    crm = SalesDriveClient(
        api_key=salesdrive.config.api_key,
        budget=UnlimitedReadBudget(),
        http=httpx.Client(
            transport=transport,
            base_url=f"https://{salesdrive.config.account}.salesdrive.me",
            headers={"X-Api-Key": salesdrive.config.api_key},
        ),
        retry=RetryPolicy(max_attempts=1),
        sleep=lambda _: None,
    )
    seed = utp_emulator.seed_info
    settings = shop_settings(
        salesdrive.config.account,
        seed["organization"]["description"],
        stock_ids={"Основний склад": 1, "Склад Львів": 2},
    )
    yield Shop(
        utp_emulator,
        utp,
        http,
        salesdrive,
        crm,
        transport,
        settings,
        resolve_reference(settings, utp),
        CatalogFingerprintStore(BUCKET, s3=s3),
        CursorStore("bridge-test", dynamodb=dynamodb),
    )
    http.close()


def test_first_push_sends_every_product_with_price_and_free_stock_in_the_fewest_calls(shop: Shop) -> None:
    report = shop.push()
    products = [p for p in shop.seed["sample_products"]]
    live = len(shop.seed["products"]) if isinstance(shop.seed["products"], list) else shop.seed["products"]
    assert report.complete and report.full == report.changed
    assert shop.product_calls() == -(-report.full // 100)
    assert report.full >= live - 2  # every product with a usable SKU (duplicates and blanks are reported)
    main, lviv = shop.warehouse("Основний склад"), shop.warehouse("Склад Львів")
    for sample in products:
        sd = shop.sd(sample["sku"])
        assert sd["name"] and sd["sku"] == sample["sku"]
        if not sample.get("service"):
            free_main = max(
                shop.utp_stock(main, sample["ref"])
                - shop.utp_stock(main, sample["ref"], "ТоварыВРезервеНаСкладах"),
                0,
            )
            assert Decimal(sd["stockBalanceByStock"]["1"]) == free_main
            assert Decimal(sd["stockBalanceByStock"]["2"]) == shop.utp_stock(lviv, sample["ref"])
    prices = {r: p for r, p in shop.utp.prices(shop.reference.price_type_key).items()}
    first = shop.goods()[0]
    assert Decimal(shop.sd(first["sku"])["costPerItem"]) == prices[first["ref"]]
    assert shop.cursors.get(CURSOR)["status"] == "complete"  # type: ignore[index]
    assert len(Fingerprints.decode(shop.store.load())) == report.full


def test_nothing_changed_means_no_salesdrive_call(shop: Shop) -> None:
    shop.push()
    before = shop.product_calls()
    report = shop.push()
    assert report.changed == 0 and shop.product_calls() == before


def test_price_change_is_a_price_only_push_that_keeps_a_name_edited_in_salesdrive(shop: Shop) -> None:
    shop.push()
    product = shop.goods()[0]
    # a manager renames the product in SalesDrive
    shop.crm.push_products([ProductUpdate(id=product["sku"], name="Назва менеджера")], PushMode.FULL)
    shop.create(
        "Document_УстановкаЦенНоменклатуры",
        {
            "Date": "2030-01-01T00:00:00",
            "Товары": [price_row(shop.seed, product["ref"], product["unit"], 987.5)],
        },
    )
    before = shop.product_calls()
    report = shop.push()
    assert (report.price_only, report.stock_only, report.full) == (1, 0, 0)
    assert shop.product_calls() == before + 1
    sd = shop.sd(product["sku"])
    assert Decimal(sd["costPerItem"]) == Decimal("987.5")
    assert sd["name"] == "Назва менеджера"


def test_goods_receipt_and_reservation_push_free_stock_only(shop: Shop) -> None:
    shop.push()
    product = shop.goods()[1]
    main = shop.warehouse("Основний склад")
    seed = shop.seed
    shop.create(
        "Document_ПоступлениеТоваровУслуг",
        receipt_body(seed, main, [(product["ref"], product["unit"], 10, 100)]),
    )
    customer = seed["counterparties"][0]
    shop.create(
        "Document_ЗаказПокупателя",
        {
            "Date": "2030-01-01T10:00:00",
            "Организация_Key": seed["organization"]["ref"],
            "Контрагент_Key": customer["ref"],
            "ДоговорКонтрагента_Key": customer["contract"],
            "ВалютаДокумента_Key": seed["currency_uah"],
            "КурсВзаиморасчетов": 1,
            "КратностьВзаиморасчетов": "1",
            "ТипЦен_Key": seed["price_type"],
            "СкладГруппа": main,
            "СкладГруппа_Type": "StandardODATA.Catalog_Склады",
            "Товары": [
                {
                    "LineNumber": "1",
                    "Номенклатура_Key": product["ref"],
                    "ЕдиницаИзмерения_Key": product["unit"],
                    "Коэффициент": 1,
                    "Количество": 3,
                    "Цена": 100,
                    "Сумма": 300,
                    "Размещение": main,
                    "Размещение_Type": "StandardODATA.Catalog_Склады",
                }
            ],
        },
    )
    price_before = shop.sd(product["sku"])["costPerItem"]
    report = shop.push()
    assert (report.stock_only, report.price_only, report.full) == (1, 0, 0)
    physical = shop.utp_stock(main, product["ref"])
    reserved = shop.utp_stock(main, product["ref"], "ТоварыВРезервеНаСкладах")
    assert reserved == 3
    sd = shop.sd(product["sku"])
    assert Decimal(sd["stockBalanceByStock"]["1"]) == physical - reserved
    assert sd["costPerItem"] == price_before


def test_a_failed_batch_is_retried_alone_and_only_successes_advance(shop: Shop) -> None:
    shop.transport.fail = 2  # the first batch fails twice: it is not recorded
    report = shop.push()
    assert report.failed_batches == 1 and report.retried_batches == 1 and not report.complete
    assert report.unsent_products == report.changed
    assert len(Fingerprints.decode(shop.store.load())) == 0
    assert shop.cursors.get(CURSOR)["status"] == "partial"  # type: ignore[index]
    from datetime import datetime

    assert is_due(shop.cursors, shop.settings, datetime.now())
    shop.transport.fail = 1  # fails once, the retry succeeds
    report = shop.push()
    assert report.complete and report.retried_batches == 1 and report.full == report.changed
    assert shop.sd(shop.goods()[0]["sku"])["name"]


def test_time_running_out_stops_between_batches_and_the_next_run_resumes(shop: Shop) -> None:
    report = shop.push(time_left=lambda: 1.0)
    assert report.stopped == "time" and shop.product_calls() == 0 and not report.complete
    report = shop.push()
    assert report.complete and report.full == report.changed > 0


def test_deletion_mark_zeroes_stock_or_deletes_by_setting(shop: Shop) -> None:
    shop.push()
    marked, gone = shop.goods()[2], shop.goods()[3]
    shop.patch("Catalog_Номенклатура", marked["ref"], {"DeletionMark": True})
    report = shop.push()
    assert report.zero_stock == 1
    assert all(Decimal(q) == 0 for q in shop.sd(marked["sku"])["stockBalanceByStock"].values())
    shop.patch("Catalog_Номенклатура", gone["ref"], {"DeletionMark": True})
    report = shop.push(shop.settings.model_copy(update={"deleted_product_policy": "delete"}))
    assert report.deleted == 2
    for sample in (marked, gone):
        with pytest.raises(KeyError):
            shop.sd(sample["sku"])


def test_switches_and_linked_ids(shop: Shop) -> None:
    settings = shop.settings.model_copy(update={"transfer_products": False, "transfer_stock": False})
    product = shop.goods()[4]
    shop.utp.set_property(product["ref"], "Catalog_Номенклатура", settings.product_id_property, "1001")
    report = shop.push(settings)
    # only the linked product exists in SalesDrive: it alone gets its price, under its SalesDrive id
    assert (report.full, report.price_only, report.stock_only) == (0, 1, 0)
    with pytest.raises(KeyError):
        shop.sd(shop.goods()[5]["sku"])
    sd = shop.sd("1001")
    prices = shop.utp.prices(shop.reference.price_type_key)
    assert Decimal(sd["costPerItem"]) == prices[product["ref"]]
    assert sd["name"] != product.get("description")  # the SalesDrive name was kept


# -- targeted push (the on-save trigger's path) ---------------------------------------------------------


def refresh(shop: Shop, *keys: str, settings: BridgeSettings | None = None) -> Any:
    return push_products(list(keys), **shop.collaborators(settings))


def set_price(shop: Shop, product_ref: str, price: float) -> None:
    """A price set in UTP; a product created without a unit gets one first (a price row needs it)."""
    unit = next((p["unit"] for p in shop.seed["sample_products"] if p["ref"] == product_ref), None)
    if unit is None:
        unit = shop.create("Catalog_ЕдиницыИзмерения", unit_body(shop.seed, product_ref), post=False)
        shop.patch("Catalog_Номенклатура", product_ref, {"ЕдиницаХраненияОстатков_Key": unit})
    shop.create(
        "Document_УстановкаЦенНоменклатуры",
        {"Date": "2030-01-01T00:00:00", "Товары": [price_row(shop.seed, product_ref, unit, price)]},
    )


def test_targeted_push_sends_a_price_change_in_one_call_and_few_utp_reads(shop: Shop) -> None:
    shop.push()
    product, other = shop.goods()[0], shop.goods()[1]
    set_price(shop, product["ref"], 1234.5)
    set_price(shop, other["ref"], 55.0)  # saved too, but not named: left to the full push
    shop.utp_emulator.reset_counters()
    before = shop.product_calls()
    report = refresh(shop, product["ref"])
    assert (report.price_only, report.stock_only, report.full, report.changed) == (1, 0, 0, 1)
    assert shop.product_calls() == before + 1
    assert Decimal(shop.sd(product["sku"])["costPerItem"]) == Decimal("1234.5")
    assert Decimal(shop.sd(other["sku"])["costPerItem"]) != Decimal("55")
    utp_reads = sum(shop.utp_emulator.counters.values())
    # by key, by SKU, folders, IDs, prices; the free-stock formula of wholesale warehouses: stock,
    # reserves, goods to transfer (UTP 1.2: CommonModules/ПроцедурыОбменаССайтом)
    assert utp_reads == report.utp_calls == 8
    # The fingerprints were merged: the next full push sends only the product that was not named.
    report = shop.push()
    assert (report.changed, report.price_only) == (1, 1)


def test_targeted_push_of_a_goods_receipt_and_a_reservation_sends_free_stock_per_warehouse(
    shop: Shop,
) -> None:
    shop.push()
    product = shop.goods()[1]
    main, lviv = shop.warehouse("Основний склад"), shop.warehouse("Склад Львів")
    seed = shop.seed
    shop.create(
        "Document_ПоступлениеТоваровУслуг",
        receipt_body(seed, lviv, [(product["ref"], product["unit"], 7, 70)]),
    )
    report = refresh(shop, product["ref"])
    assert (report.stock_only, report.price_only, report.full) == (1, 0, 0)
    stock = shop.sd(product["sku"])["stockBalanceByStock"]
    free_main = shop.utp_stock(main, product["ref"]) - shop.utp_stock(
        main, product["ref"], "ТоварыВРезервеНаСкладах"
    )
    assert Decimal(stock["1"]) == max(free_main, 0)
    assert Decimal(stock["2"]) == shop.utp_stock(lviv, product["ref"])
    assert shop.push().changed == 0  # the full push agrees with what the targeted push sent


def test_a_new_product_in_utp_reaches_salesdrive_by_the_targeted_push(shop: Shop) -> None:
    shop.push()
    ref = shop.create(
        "Catalog_Номенклатура",
        {"Description": "Ущільнювач дверцят Bosch", "Артикул": "BSH-NEW-1", "IsFolder": False},
        post=False,
    )
    set_price(shop, ref, 410.0)
    report = refresh(shop, ref)
    assert report.full == 1 and report.changed == 1
    sd = shop.sd("BSH-NEW-1")
    assert sd["name"] == "Ущільнювач дверцят Bosch" and Decimal(sd["costPerItem"]) == Decimal("410")
    assert shop.push().changed == 0


def test_targeted_push_leaves_products_outside_its_slice_alone(shop: Shop) -> None:
    shop.push()
    marked, named = shop.goods()[2], shop.goods()[3]
    shop.patch("Catalog_Номенклатура", marked["ref"], {"DeletionMark": True})
    set_price(shop, named["ref"], 77.0)
    for policy in ("zero_stock", "delete"):
        report = refresh(
            shop, named["ref"], settings=shop.settings.model_copy(update={"deleted_product_policy": policy})
        )
        assert (report.zero_stock, report.deleted, report.categories) == (0, 0, 0)
    assert shop.sd(marked["sku"])  # still there: only the full push handles what was not named
    assert shop.push().zero_stock == 1


def test_targeted_push_never_guesses_a_sku_shared_with_a_product_outside_the_slice(shop: Shop) -> None:
    shop.push()
    existing = shop.goods()[5]
    twin = shop.create(
        "Catalog_Номенклатура",
        {"Description": "Дубль", "Артикул": existing["sku"], "IsFolder": False},
        post=False,
    )
    before = shop.product_calls()
    report = refresh(shop, twin)
    assert report.changed == 0 and shop.product_calls() == before
    # The first push wrote the existing product's SalesDrive ID on its card, so it stays the SalesDrive
    # product of that SKU; the twin alone is skipped, never guessed.
    assert shop.utp.get_property(existing["ref"], "Catalog_Номенклатура", "SalesDrive ID") == existing["sku"]
    assert {s["ref"] for s in report.skipped} == {twin}


def test_the_on_save_trigger_routes_products_to_the_queue_and_the_rest_to_a_full_push(shop: Shop) -> None:
    from datetime import UTC, datetime

    sent: list[tuple[list[str], str]] = []

    class Queue:
        def send(self, keys: Any, *, requested_at: datetime, source: str) -> int:
            sent.append((list(keys), source))
            return 1

    now = datetime(2030, 1, 1, 10, 0, tzinfo=UTC)
    ref = shop.goods()[0]["ref"]

    def call(body: str | None, token: str = "t0k") -> tuple[int, dict[str, Any]]:
        return request_push(
            token=token, accepted_tokens=["t0k"], cursors=shop.cursors, now=now, body=body, changes=Queue()
        )

    assert call(f'{{"type": "Catalog_Номенклатура", "ref": "{ref}"}}') == (
        202,
        {"accepted": True, "products": 1},
    )
    receipt = {"type": "Document_ПоступлениеТоваровУслуг", "ref": ref, "products": [ref, ref.upper()]}
    assert call(json.dumps(receipt, ensure_ascii=False))[0] == 202
    assert sent == [([ref], "Catalog_Номенклатура"), ([ref], "Document_ПоступлениеТоваровУслуг")]
    assert shop.cursors.get(TRIGGER_CURSOR) is None  # no full push asked for
    for bad in (
        "not json",
        '{"products": ["x\' or 1 eq 1"]}',
        '{"products": "' + ref + '"}',
        "[1]",
        json.dumps({"products": [ref] * 1001}),
    ):
        status, answer = call(bad)
        assert status == 400 and answer["accepted"] is False and answer["reason"], bad
    assert call('{"products": []}', token="wrong")[0] == 403
    assert len(sent) == 2 and shop.cursors.get(TRIGGER_CURSOR) is None  # nothing recorded for refusals
    assert call(None)[0] == 202 and call('{"type": "Document_ОприходованиеТоваров", "ref": ""}')[0] == 202
    assert shop.cursors.get(TRIGGER_CURSOR)["detail"] == "Document_ОприходованиеТоваров"  # type: ignore[index]
    assert len(sent) == 2


def test_refresh_hands_what_it_cannot_send_to_the_full_push(shop: Shop) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2030, 1, 1, 10, 0, 30, tzinfo=UTC)
    ref = shop.goods()[0]["ref"]
    message = json.dumps({"products": [ref], "requested_at": (now - timedelta(seconds=12)).isoformat()})
    pushed: list[list[str]] = []

    def push(keys: list[str]) -> Any:
        pushed.append(keys)
        return refresh(shop, *keys)

    result = refresh_products([message, message], push=push, cursors=shop.cursors, now=lambda: now)
    assert pushed == [[ref]] and result["lag_s"] == 12.0 and result["handed_to_full_push"] is None
    assert shop.cursors.get(TRIGGER_CURSOR) is None

    def broken(keys: list[str]) -> Any:
        raise ConnectionError("UTP is down")

    result = refresh_products([message], push=broken, cursors=shop.cursors, now=lambda: now)
    assert "UTP is down" in result["handed_to_full_push"]
    assert "ConnectionError" in shop.cursors.get(TRIGGER_CURSOR)["detail"]  # type: ignore[index]
    shop.cursors.put(TRIGGER_CURSOR, {})
    result = refresh_products(["{not json"], push=push, cursors=shop.cursors, now=lambda: now)
    assert result["unreadable"] == 1 and "unreadable" in shop.cursors.get(TRIGGER_CURSOR)["detail"]  # type: ignore[index]
    flood = [
        json.dumps({"products": [str(uuid.uuid4()) for _ in range(600)], "requested_at": now.isoformat()})
        for _ in range(2)
    ]
    result = refresh_products(flood, push=push, cursors=shop.cursors, now=lambda: now)
    assert result["handed_to_full_push"] == "too many products" and result["products"] == 1200
    assert len(pushed) == 1  # neither the failure nor the flood reached a targeted push


def test_a_product_that_paging_returns_twice_is_read_once(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``$skip`` paging while staff create products shifts the rows: the same product ends one page and
    starts the next. Found by the freshness benchmark at 200,000 products (the run crashed)."""
    real = shop.utp.iter_products

    def shifted(page_size: int = 500, *, include_folders: bool = False) -> Any:
        items = list(real(page_size, include_folders=include_folders))
        return iter(items[:10] + items[9:])  # the 10th row comes again at the top of the next page

    monkeypatch.setattr(shop.utp, "iter_products", shifted)
    report = shop.push()
    assert report.complete and report.full == report.changed
    assert report.products == len({p.ref for p in real(500)})


def test_after_a_complete_push_the_next_ticks_wait_for_the_interval(shop: Shop) -> None:
    """The Lambda passes an aware UTC time; a naive one recorded by an older run counts as UTC. (A
    mismatch once made every minute's tick a full push: found by the cost benchmark.)"""
    from datetime import UTC, datetime, timedelta

    from bridge.sync.catalog_push import scheduled_push

    start = datetime(2030, 1, 1, 10, 0, tzinfo=UTC)
    first = scheduled_push(
        cursors=shop.cursors, settings=shop.settings, now=start, push=lambda: shop.push(now=start)
    )
    assert first["ran"] and first["complete"]
    interval = timedelta(minutes=shop.settings.catalog_interval_minutes)
    assert not is_due(shop.cursors, shop.settings, start + timedelta(minutes=1))
    assert is_due(shop.cursors, shop.settings, start + interval)
    state = shop.cursors.get(CURSOR) or {}
    shop.cursors.put(
        CURSOR, {**state, "last_complete_at": "2030-01-01T10:00:00"}
    )  # an older run's naive time
    assert not is_due(shop.cursors, shop.settings, start + timedelta(minutes=1))
    assert is_due(shop.cursors, shop.settings, start + interval)
