"""The deal rules end to end in process: SalesDrive emulator webhooks → rules → UTP emulator (+ moto).

Assertions read UTP through plain OData queries, not through the bridge's own records.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from bridge.read_budget import ReadBudget, UnlimitedReadBudget
from bridge.salesdrive.client import SalesDriveClient
from bridge.store.deals import DealStore, DocumentKind
from bridge.sync import counterparties
from bridge.sync.deals import PARK_AFTER_DELIVERIES, DealCollaborators, apply_deal_event, apply_deal_message
from bridge.sync.exactly_once import Delivery, DocumentInProgress, working_on
from bridge.sync.parked_orders import replay_parked_orders
from bridge.sync.reference import resolve_reference
from bridge.utp.client import UtpClient
from bridge.utp.errors import UtpOutcomeUnknownError
from sandbox.salesdrive.app import SalesDriveEmulatorConfig
from sandbox.salesdrive.app import create_app as create_salesdrive
from sandbox.salesdrive.clock import ManualClock
from sandbox.salesdrive.testing import RecordingTransport, api_client
from sandbox.utp.app import UtpEmulator, UtpEmulatorConfig
from sandbox.utp.app import create_app as create_utp
from tests.shop_settings import shop_settings


def lit(text: str) -> str:
    """An OData string literal: apostrophes doubled (a SKU like WPRO-AB'12 is data, not syntax)."""
    return "'" + text.replace("'", "''") + "'"


UTP_ROOT = "http://utp.test/utp/odata/standard.odata/"
ORDER = "Document_ЗаказПокупателя"


@dataclass
class World:
    utp_emulator: UtpEmulator
    utp: UtpClient
    odata: httpx.Client
    salesdrive: Any
    webhooks: RecordingTransport
    ctx: DealCollaborators
    skus: list[str]

    def salesdrive_client(self, budget: ReadBudget | None = None) -> SalesDriveClient:
        """A SalesDrive client of the world's account, in process (reads unlimited unless ``budget``)."""
        return SalesDriveClient(
            api_key=self.salesdrive.config.api_key,
            budget=budget if budget is not None else UnlimitedReadBudget(),
            http=api_client(self.salesdrive),
        )

    def place_order(self, **body: Any) -> int:
        answer = self.salesdrive.create_order({"getResultData": 1, **body})
        return int(answer["id"] if "id" in answer else answer["orderId"])

    def set_status(self, order_id: int, status_id: int) -> None:
        self.salesdrive.update_order({"id": order_id, "data": {"statusId": status_id}})

    def deliver(self) -> list[dict[str, Any]]:
        """Every webhook SalesDrive sends now, in the order it sends them."""
        before = len(self.webhooks.calls)
        self.salesdrive.deliver_due_webhooks()
        return self.webhooks.bodies[before:]

    def apply_all(self) -> list[Any]:
        return [apply_deal_event(body, self.ctx) for body in self.deliver()]

    def utp_rows(self, entity: str, flt: str) -> list[dict[str, Any]]:
        # Spaces as %20: 1C refuses "+" (and so does the emulator).
        answer = self.odata.get(f"{quote(entity)}?$format=json&$filter={quote(flt, safe='')}")
        answer.raise_for_status()
        return list(answer.json()["value"])

    def orders_with_marker(self, order_id: int) -> list[dict[str, Any]]:
        return self.utp_rows(ORDER, f"НомерВходящегоДокументаЭлектронногоОбмена eq 'SD-{order_id}'")

    def documents_of(self, entity: str, order_ref: str) -> list[dict[str, Any]]:
        the_order = f"cast(guid'{order_ref}','{ORDER}')"
        flt = {
            "Document_РеализацияТоваровУслуг": f"Сделка eq {the_order}",
            "Document_ЗакрытиеЗаказовПокупателей": f"Заказы/any(z: z/ЗаказПокупателя eq {the_order})",
            "Document_ВозвратТоваровОтПокупателя": f"Сделка eq {the_order}",
        }[entity]
        return [row for row in self.utp_rows(entity, flt) if not row["DeletionMark"]]


class SocketLikeTransport(httpx.WSGITransport):
    """In process, but a dropped connection surfaces as httpx reports it on a real socket."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return super().handle_request(request)
        except ConnectionResetError as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc


@pytest.fixture
def world(dynamodb: Any) -> Iterator[World]:
    utp_emulator = create_utp(UtpEmulatorConfig(products=40, warehouses=3))
    seed = utp_emulator.seed_info
    http = httpx.Client(
        transport=SocketLikeTransport(app=utp_emulator), base_url=UTP_ROOT, auth=("bridge", "bridge")
    )
    odata = httpx.Client(
        transport=httpx.WSGITransport(app=utp_emulator), base_url=UTP_ROOT, auth=("bridge", "bridge")
    )
    utp = UtpClient.from_http(http)
    webhooks = RecordingTransport()
    salesdrive = create_salesdrive(
        SalesDriveEmulatorConfig(random_seed=1), clock=ManualClock(), webhook_transport=webhooks
    )
    salesdrive.subscribe("https://bridge.test/webhook/token")
    crm = SalesDriveClient(
        api_key=salesdrive.config.api_key, budget=UnlimitedReadBudget(), http=api_client(salesdrive)
    )
    settings = shop_settings(
        salesdrive.config.account, seed["organization"]["description"], warehouses={2: "Склад Львів"}
    )
    statuses = {s.id: (s.name or "", int(s.type) if s.type is not None else None) for s in crm.statuses()}
    ctx = DealCollaborators(
        utp=utp,
        store=DealStore("bridge-test", dynamodb=dynamodb),
        settings=settings,
        reference=resolve_reference(settings, utp),
        statuses=lambda: statuses,
    )
    skus = [p["sku"] for p in seed["sample_products"] if not p.get("service")]
    yield World(utp_emulator, utp, odata, salesdrive, webhooks, ctx, skus)
    http.close()
    odata.close()


def new_customer_order(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "fName": "Олена",
        "lName": "Коваленко",
        "phone": "+38 (097) 555-44-33",
        "email": "Olena.K@example.com",
        "products": [
            {
                "id": world.skus[0],
                "sku": world.skus[0],
                "name": "Запчастина",
                "costPerItem": 600,
                "amount": 2,
            },
            {
                "id": world.skus[1],
                "sku": world.skus[1],
                "name": "Деталь",
                "costPerItem": 150,
                "amount": 1,
                "discount": "10%",
            },
        ],
        "sajt": "spares.example",
        "utmSource": "google",
        **extra,
    }


def test_a_new_deal_becomes_one_posted_sales_order_with_a_new_counterparty(world: World) -> None:
    order_id = world.place_order(**new_customer_order(world))
    [outcome] = world.apply_all()
    assert outcome.action == "applied"
    [order] = world.orders_with_marker(order_id)
    assert order["Posted"] is True
    assert len(order["Товары"]) == 2
    assert order["Товары"][0]["LineNumber"] == "1"
    amounts = sorted(float(line["Сумма"]) for line in order["Товары"])
    assert amounts == [135.0, 1200.0]  # 10 % off 150; 2 × 600
    counterparty = world.utp_rows("Catalog_Контрагенты", f"Ref_Key eq guid'{order['Контрагент_Key']}'")[0]
    assert counterparty["Description"] == "Коваленко Олена"
    contract = world.utp_rows(
        "Catalog_ДоговорыКонтрагентов", f"Ref_Key eq guid'{order['ДоговорКонтрагента_Key']}'"
    )[0]
    assert contract["ВидДоговора"] == "СПокупателем"
    assert contract["Owner_Key"] == counterparty["Ref_Key"]
    status = world.utp.get_property(order["Ref_Key"], ORDER, "SalesDrive: статус")
    assert status is not None and str(status).startswith("[1] ")
    assert world.utp.get_property(order["Ref_Key"], ORDER, "SalesDrive: источник")


def test_a_duplicate_webhook_changes_nothing(world: World) -> None:
    world.place_order(**new_customer_order(world))
    [body] = world.deliver()
    first = apply_deal_event(body, world.ctx)
    again = apply_deal_event(json.dumps(body), world.ctx)
    assert (first.action, again.action) == ("applied", "stale")
    assert len(world.orders_with_marker(first.order_id)) == 1


def test_a_returning_customer_is_recognised_in_any_phone_spelling(world: World) -> None:
    seeded = world.utp_emulator.seed_info["counterparties"][0]  # phone typed as "067 111-22-33" in UTP
    order_id = world.place_order(**new_customer_order(world, phone="+380671112233", email="", fName="Гарант"))
    world.apply_all()
    [order] = world.orders_with_marker(order_id)
    assert order["Контрагент_Key"] == seeded["ref"]
    second = world.place_order(**new_customer_order(world, phone="0671112233", email=""))
    world.apply_all()
    assert world.orders_with_marker(second)[0]["Контрагент_Key"] == seeded["ref"]
    assert world.utp_rows("Catalog_Контрагенты", "Description eq 'Гарант'") == []


def test_a_supplier_placing_an_order_becomes_a_buyer_not_a_parked_order(world: World) -> None:
    supplier = world.utp_emulator.seed_info["supplier"]  # only a supplier in UTP: no buyer, no buyer contract
    order_id = world.place_order(
        **new_customer_order(world, phone="0445556677", email="", fName="Укрпостач", lName="", mName="")
    )
    [outcome] = world.apply_all()
    assert outcome.action == "applied"
    [order] = world.orders_with_marker(order_id)
    assert order["Posted"] is True and order["Контрагент_Key"] == supplier["ref"]
    [counterparty] = world.utp_rows("Catalog_Контрагенты", f"Ref_Key eq guid'{supplier['ref']}'")
    assert counterparty["Покупатель"] is True and counterparty["Поставщик"] is True  # both sides kept
    contract = world.utp_rows(
        "Catalog_ДоговорыКонтрагентов", f"Ref_Key eq guid'{order['ДоговорКонтрагента_Key']}'"
    )[0]
    assert contract["ВидДоговора"] == "СПокупателем" and contract["Owner_Key"] == supplier["ref"]
    assert world.utp_rows("Catalog_Контрагенты", "Description eq 'Укрпостач'") == []


def test_a_new_customer_ordering_twice_is_created_once(world: World) -> None:
    first = world.place_order(**new_customer_order(world))
    second = world.place_order(**new_customer_order(world, phone="0975554433"))
    world.apply_all()
    a, b = world.orders_with_marker(first)[0], world.orders_with_marker(second)[0]
    assert a["Контрагент_Key"] == b["Контрагент_Key"]
    assert len(world.utp_rows("Catalog_Контрагенты", "Description eq 'Коваленко Олена'")) == 1


def test_completed_creates_one_posted_invoice_and_cancelled_after_shipment_a_return_note(
    world: World,
) -> None:
    order_id = world.place_order(**new_customer_order(world))
    world.apply_all()
    world.set_status(order_id, 5)  # Продаж (type 2)
    world.apply_all()
    order_ref = world.orders_with_marker(order_id)[0]["Ref_Key"]
    [invoice] = world.documents_of("Document_РеализацияТоваровУслуг", order_ref)
    assert invoice["Posted"] is True
    world.set_status(order_id, 6)  # Відмова (type 3) after shipment
    world.apply_all()
    returns = world.documents_of("Document_ВозвратТоваровОтПокупателя", order_ref)
    assert [r["Posted"] for r in returns] == [True]
    assert world.documents_of("Document_ЗакрытиеЗаказовПокупателей", order_ref) == []
    assert len(world.documents_of("Document_РеализацияТоваровУслуг", order_ref)) == 1


def test_cancelled_before_shipment_closes_the_order_once(world: World) -> None:
    order_id = world.place_order(**new_customer_order(world))
    world.apply_all()
    world.set_status(order_id, 6)
    bodies = world.deliver()
    for body in bodies + bodies:  # delivered twice
        apply_deal_event(body, world.ctx)
    order_ref = world.orders_with_marker(order_id)[0]["Ref_Key"]
    closures = world.documents_of("Document_ЗакрытиеЗаказовПокупателей", order_ref)
    assert [c["Posted"] for c in closures] == [True]
    assert world.documents_of("Document_РеализацияТоваровУслуг", order_ref) == []


def test_an_older_event_arriving_late_is_ignored(world: World) -> None:
    order_id = world.place_order(**new_customer_order(world))
    world.set_status(order_id, 5)
    created, completed = world.deliver()
    assert apply_deal_event(completed, world.ctx).action == "applied"
    assert apply_deal_event(created, world.ctx).action == "stale"
    order_ref = world.orders_with_marker(order_id)[0]["Ref_Key"]
    assert len(world.documents_of("Document_РеализацияТоваровУслуг", order_ref)) == 1


def test_an_unknown_sku_parks_the_order_with_its_reason(world: World) -> None:
    body = new_customer_order(world)
    body["products"].append(
        {"id": "NO-SUCH'SKU", "sku": "NO-SUCH'SKU", "name": "?", "costPerItem": 1, "amount": 1}
    )
    order_id = world.place_order(**body)
    [outcome] = world.apply_all()
    assert outcome.action == "parked"
    assert "NO-SUCH'SKU" in (outcome.reason or "")
    parked = world.ctx.store.parked_order(order_id)
    assert parked is not None and parked.skus == ["NO-SUCH'SKU"]
    assert [p.order_id for p in world.ctx.store.parked_orders() if "NO-SUCH'SKU" in p.skus] == [order_id]
    assert world.orders_with_marker(order_id) == []
    # Once the SKU exists in UTP, replaying the parked event creates the order and unparks it.
    unit = world.utp_rows("Catalog_Номенклатура", f"Артикул eq {lit(world.skus[0])}")[0][
        "ЕдиницаХраненияОстатков_Key"
    ]
    created = world.odata.post(
        "Catalog_Номенклатура?$format=json",
        json={"Description": "Новий товар", "Артикул": "NO-SUCH'SKU", "ЕдиницаХраненияОстатков_Key": unit},
    )
    assert created.status_code == 201
    assert apply_deal_event(parked.payload or "", world.ctx).action == "applied"
    assert len(world.orders_with_marker(order_id)) == 1
    assert world.ctx.store.parked_order(order_id) is None


def test_a_crash_between_the_utp_write_and_its_record_creates_no_duplicate(world: World) -> None:
    order_id = world.place_order(**new_customer_order(world))
    [body] = world.deliver()
    # 1C saves the order but the connection drops before the answer: the bridge cannot know.
    world.utp_emulator.inject_fault("drop", match=ORDER, method="POST", phase="after")
    with pytest.raises(UtpOutcomeUnknownError):
        apply_deal_event(body, world.ctx)
    assert len(world.orders_with_marker(order_id)) == 1  # it does exist, unposted
    outcome = apply_deal_event(body, world.ctx)  # the queue redelivers the same message
    assert outcome.action == "applied"
    [order] = world.orders_with_marker(order_id)
    assert order["Posted"] is True


def test_an_internal_1c_error_after_the_write_parks_then_replays_without_duplicate(world: World) -> None:
    order_id = world.place_order(**new_customer_order(world))
    [body] = world.deliver()
    # 1C answers 500 / code -1 ("internal error") although it saved the order (docs/utp-odata.md, Errors).
    world.utp_emulator.inject_fault("500", match=ORDER, method="POST", phase="after")
    parked = apply_deal_event(body, world.ctx)
    assert parked.action == "parked"
    assert "внутренняя ошибка" in (parked.reason or "")
    entry = world.ctx.store.parked_order(order_id)
    assert entry is not None
    assert apply_deal_event(entry.payload or "", world.ctx).action == "applied"
    [order] = world.orders_with_marker(order_id)
    assert order["Posted"] is True
    assert world.ctx.store.parked_order(order_id) is None


def test_a_changed_deal_updates_the_order_lines_before_shipment(world: World) -> None:
    order_id = world.place_order(**new_customer_order(world))
    [created] = world.deliver()
    apply_deal_event(created, world.ctx)
    changed = json.loads(json.dumps(created))
    changed["data"]["version"] = int(changed["data"]["version"]) + 1
    changed["data"]["products"] = changed["data"]["products"][:1]
    assert apply_deal_event(changed, world.ctx).documents == ["sales_order_updated"]
    [order] = world.orders_with_marker(order_id)
    assert len(order["Товары"]) == 1
    assert order["Posted"] is True


class MemoryQueue:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send(self, *, order_id: int, deduplication_id: str, body: str, source: str) -> str:
        self.messages.append(
            {"order_id": order_id, "dedup": deduplication_id, "body": body, "source": source}
        )
        return str(len(self.messages))


def test_parked_orders_are_replayed_when_their_sku_appears_or_after_a_pause(world: World) -> None:
    body = new_customer_order(world)
    body["products"].append({"id": "LATE-SKU", "sku": "LATE-SKU", "name": "?", "costPerItem": 1, "amount": 1})
    waiting = world.place_order(**body)
    world.apply_all()
    refused = world.place_order(**new_customer_order(world, phone="0501112200"))
    [refused_event] = world.deliver()
    world.utp_emulator.inject_fault("500", match=f"{ORDER}/Post", method="POST")
    assert apply_deal_event(refused_event, world.ctx).action == "parked"

    queue = MemoryQueue()
    now = datetime.now(UTC)
    report = replay_parked_orders(store=world.ctx.store, utp=world.utp, queue=queue, now=now)
    assert report.waiting_for_sku == [waiting]
    assert report.backing_off == [refused]
    assert queue.messages == []

    unit = world.utp_rows("Catalog_Номенклатура", f"Артикул eq {lit(world.skus[0])}")[0][
        "ЕдиницаХраненияОстатков_Key"
    ]
    world.odata.post(
        "Catalog_Номенклатура?$format=json",
        json={"Description": "Запізнілий товар", "Артикул": "LATE-SKU", "ЕдиницаХраненияОстатков_Key": unit},
    )
    report = replay_parked_orders(
        store=world.ctx.store, utp=world.utp, queue=queue, now=now + timedelta(minutes=6)
    )
    assert sorted(report.replayed) == sorted([waiting, refused])
    assert {m["source"] for m in queue.messages} == {"replay"}
    for message in queue.messages:  # the deal processor takes them from the queue
        assert apply_deal_event(message["body"], world.ctx).action == "applied"
    assert world.ctx.store.parked_orders() == []
    assert [o["Posted"] for o in world.orders_with_marker(refused)] == [True]
    assert [o["Posted"] for o in world.orders_with_marker(waiting)] == [True]


def test_the_first_pause_of_a_refused_order_is_a_setting(world: World) -> None:
    order_id = world.place_order(**new_customer_order(world))
    [event] = world.deliver()
    world.utp_emulator.inject_fault("500", match=ORDER, method="POST")
    assert apply_deal_event(event, world.ctx).action == "parked"
    parked_at = datetime.now(UTC)
    queue = MemoryQueue()

    def replay(after: timedelta, minutes: int) -> list[int]:
        return replay_parked_orders(
            store=world.ctx.store,
            utp=world.utp,
            queue=queue,
            now=parked_at + after,
            settings=world.ctx.settings.model_copy(update={"parked_retry_minutes": minutes}),
        ).replayed

    assert replay(timedelta(seconds=70), 5) == []  # the default: five minutes
    assert replay(timedelta(seconds=70), 1) == [order_id]
    assert world.ctx.settings.parked_retry_minutes == 5


def test_a_rivals_live_claim_is_retried_later_and_never_doubled(world: World) -> None:
    order_id = world.place_order(**new_customer_order(world))
    [body] = world.deliver()
    rival, won = world.ctx.store.record_intent(DocumentKind.SALES_ORDER, str(order_id))
    assert won  # another worker is creating this order right now
    with pytest.raises(DocumentInProgress):
        apply_deal_event(body, world.ctx)
    assert world.orders_with_marker(order_id) == []
    world.ctx.store.release_intent(rival)  # that worker failed and gave its claim up
    assert apply_deal_event(body, world.ctx).action == "applied"
    assert [o["Posted"] for o in world.orders_with_marker(order_id)] == [True]


def test_a_hard_crash_after_the_utp_write_is_taken_over_by_the_next_delivery_at_once(world: World) -> None:
    """The worker is killed (no ``finally`` runs) after 1C saved the order: its claim stays, fresh. The
    queue's next delivery of the same message takes it over without waiting for the lease and adopts
    the order 1C holds; another message (another worker) still waits."""
    order_id = world.place_order(**new_customer_order(world))
    [body] = world.deliver()

    class Killed(BaseException):  # what a Lambda timeout or an out-of-memory kill amounts to
        pass

    real_record = world.ctx.store.record_document

    def killed_at_the_orders_record(kind: DocumentKind, *args: Any, **kwargs: Any) -> Any:
        if kind is DocumentKind.SALES_ORDER:
            raise Killed
        return real_record(kind, *args, **kwargs)

    world.ctx.store.record_document = killed_at_the_orders_record  # type: ignore[method-assign]
    world.ctx.store.release_intent = lambda entry: None  # type: ignore[method-assign]  # killed: no clean-up
    with working_on(Delivery("m-1", 1)), pytest.raises(Killed):
        apply_deal_event(body, world.ctx)
    world.ctx.store.record_document = real_record  # type: ignore[method-assign]
    assert len(world.orders_with_marker(order_id)) == 1  # 1C saved it, unposted; the ledger says INTENT
    with working_on(Delivery("m-2", 1)), pytest.raises(DocumentInProgress):
        apply_deal_event(body, world.ctx)  # another message: the claim may belong to a live worker
    with working_on(Delivery("m-1", 2)):
        outcome = apply_deal_event(body, world.ctx)  # the same message again: its first delivery is dead
    assert outcome.action == "applied"
    [order] = world.orders_with_marker(order_id)
    assert order["Posted"] is True


def test_two_orders_of_one_new_customer_at_the_same_time_create_her_once(
    world: World, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DynamoDB applies a conditional put atomically; moto does not across threads, so serialise puts
    # (reads, decisions and UTP calls stay concurrent).
    put_lock, put_item = threading.Lock(), dynamodb.put_item

    def atomic_put(**request: Any) -> Any:
        with put_lock:
            return put_item(**request)

    monkeypatch.setattr(dynamodb, "put_item", atomic_put)
    first = world.place_order(
        **new_customer_order(world, phone="0671230001", email="same.person@example.com")
    )
    second = world.place_order(
        **new_customer_order(world, phone="0671230002", email="same.person@example.com")
    )
    bodies = world.deliver()
    # Two SalesDrive contacts of one person: different phones, the same e-mail.
    for body, phone, contact_id in zip(bodies, ("380671230001", "380671230002"), (901, 902), strict=True):
        body["data"]["contacts"] = [
            {
                "id": contact_id,
                "fName": "Олена",
                "lName": "Коваленко",
                "phone": [phone],
                "email": ["same.person@example.com"],
            }
        ]
    # Both workers look her up in UTP before either creates her: the race the claims must win.
    looked_up = threading.Barrier(len(bodies), timeout=10)
    lookup = world.utp.find_counterparties_by_contacts

    def lookup_together(*args: Any, **kwargs: Any) -> Any:
        found = lookup(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            looked_up.wait()
        return found

    monkeypatch.setattr(world.utp, "find_counterparties_by_contacts", lookup_together)
    failures: list[BaseException] = []
    outcomes: list[str] = []

    def work(body: dict[str, Any]) -> None:
        try:
            outcomes.append(apply_deal_event(body, world.ctx).action)
        except DocumentInProgress as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(body,)) for body in bodies]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # One of them waited in process for the other's claim on her, instead of failing its message
    # (which the queue would hand out again only after its visibility timeout, minutes later).
    assert failures == []
    assert outcomes == ["applied", "applied"]
    assert time.monotonic() - started < counterparties.CLAIM_WAIT_S
    waited = [
        e["event"]
        for order_id in (first, second)
        for e in world.ctx.store.audit_trail(order_id)
        if e["event"] == "counterparty_claim_waited"
    ]
    assert waited  # the race did happen: one deal found the other's claim
    a, b = world.orders_with_marker(first), world.orders_with_marker(second)
    assert len(a) == len(b) == 1
    assert a[0]["Контрагент_Key"] == b[0]["Контрагент_Key"]
    assert a[0]["Posted"] is b[0]["Posted"] is True
    assert len(world.utp_rows("Catalog_Контрагенты", "Description eq 'Коваленко Олена'")) == 1


def test_a_claim_on_the_customer_that_outlives_the_wait_fails_the_message_as_before(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker holds the claim on this customer and never finishes within the bounded wait: the
    event fails (the queue redelivers it later) and nothing is created meanwhile."""
    monkeypatch.setattr(counterparties, "CLAIM_WAIT_S", 0.3)
    order_id = world.place_order(**new_customer_order(world, phone="0671239999", email="slow@example.com"))
    [body] = world.deliver()
    rival, won = world.ctx.store.record_intent(DocumentKind.COUNTERPARTY, "email:slow@example.com")
    assert won
    started = time.monotonic()
    with pytest.raises(DocumentInProgress):
        apply_deal_event(body, world.ctx)
    assert 0.2 <= time.monotonic() - started < 3
    assert world.orders_with_marker(order_id) == []
    world.ctx.store.release_intent(rival)  # that worker failed and gave its claim up
    assert apply_deal_event(body, world.ctx).action == "applied"  # the redelivery
    assert [o["Posted"] for o in world.orders_with_marker(order_id)] == [True]


def test_no_wait_for_a_claim_when_the_invocation_has_no_time_left(world: World) -> None:
    """Near the end of the Lambda invocation a claim on the customer fails the event at once (the queue
    redelivers it) instead of waiting into the function's timeout."""
    world.place_order(**new_customer_order(world, phone="0671238888", email="late@example.com"))
    [body] = world.deliver()
    world.ctx.store.record_intent(DocumentKind.COUNTERPARTY, "email:late@example.com")
    started = time.monotonic()
    with counterparties.invocation_ends_in(20.0), pytest.raises(DocumentInProgress):  # < 30 s to keep
        apply_deal_event(body, world.ctx)
    assert time.monotonic() - started < 1.0


def test_a_crash_after_creating_the_counterparty_before_its_contacts_creates_no_second_one(
    world: World,
) -> None:
    order_id = world.place_order(
        **new_customer_order(world, phone="0509998877", email="crash.test@example.com")
    )
    [body] = world.deliver()
    # 1C saves the counterparty, the connection drops: no contract, no phone, no e-mail yet.
    world.utp_emulator.inject_fault("drop", match="Catalog_Контрагенты", method="POST", phase="after")
    with pytest.raises(UtpOutcomeUnknownError):
        apply_deal_event(body, world.ctx)
    assert len(world.utp_rows("Catalog_Контрагенты", "Description eq 'Коваленко Олена'")) == 1
    assert apply_deal_event(body, world.ctx).action == "applied"  # the queue redelivers
    [counterparty] = world.utp_rows("Catalog_Контрагенты", "Description eq 'Коваленко Олена'")
    [order] = world.orders_with_marker(order_id)
    assert order["Контрагент_Key"] == counterparty["Ref_Key"]
    contacts = world.utp_rows(
        "InformationRegister_КонтактнаяИнформация",
        f"Объект eq cast(guid'{counterparty['Ref_Key']}','Catalog_Контрагенты')",
    )
    assert sorted(c["Представление"] for c in contacts) == ["+380509998877", "crash.test@example.com"]


def test_an_event_that_keeps_waiting_for_a_claim_is_parked_not_dead_lettered(world: World) -> None:
    order_id = world.place_order(**new_customer_order(world))
    [body] = world.deliver()
    rival, _ = world.ctx.store.record_intent(DocumentKind.SALES_ORDER, str(order_id))
    with pytest.raises(DocumentInProgress):
        apply_deal_message(json.dumps(body), world.ctx, delivery=1)  # the queue will redeliver
    parked = apply_deal_message(json.dumps(body), world.ctx, delivery=PARK_AFTER_DELIVERIES)
    assert parked.action == "parked"
    assert "another worker" in (parked.reason or "")
    world.ctx.store.release_intent(rival)
    entry = world.ctx.store.parked_order(order_id)
    assert entry is not None
    assert apply_deal_event(entry.payload or "", world.ctx).action == "applied"  # the replayer's turn
    assert [o["Posted"] for o in world.orders_with_marker(order_id)] == [True]


def test_a_delivery_service_line_goes_to_the_services_section_and_into_the_invoice(world: World) -> None:
    """UTP's posting refuses a service (``Услуга``) in ``Товары``: delivery fees travel in ``Услуги``."""
    [service] = [p for p in world.utp_emulator.seed_info["sample_products"] if p.get("service")][:1]
    body = new_customer_order(world)
    body["products"].append(
        {
            "id": service["sku"],
            "sku": service["sku"],
            "name": "Доставка Новою поштою",
            "costPerItem": 80,
            "amount": 1,
        }
    )
    order_id = world.place_order(**body)
    [outcome] = world.apply_all()
    assert outcome.action == "applied", outcome.reason
    [order] = world.orders_with_marker(order_id)
    assert order["Posted"] is True
    assert [row["Номенклатура_Key"] for row in order["Услуги"]] == [service["ref"]]
    assert order["Услуги"][0]["Содержание"] == "Доставка Новою поштою"
    assert Decimal(str(order["Услуги"][0]["Сумма"])) == 80
    assert service["ref"] not in [row["Номенклатура_Key"] for row in order["Товары"]]
    assert len(order["Товары"]) == 2
    # Completed: the invoice carries the service too, and the whole amount.
    world.set_status(order_id, 5)
    [done] = world.apply_all()
    assert done.documents == ["sales_invoice"]
    [invoice] = world.utp_rows(
        "Document_РеализацияТоваровУслуг", f"Сделка eq cast(guid'{order['Ref_Key']}','{ORDER}')"
    )
    assert invoice["Posted"] is True
    assert [row["Номенклатура_Key"] for row in invoice["Услуги"]] == [service["ref"]]
    assert Decimal(str(invoice["СуммаДокумента"])) == Decimal(str(order["СуммаДокумента"]))


STATUS_PROPERTY = "SalesDrive: статус"


def test_an_older_delivery_writing_its_status_during_the_newer_one_leaves_the_newer_status(
    world: World,
) -> None:
    """Two deliveries of one order overlap (the queue handed a slow worker's message out again): while
    the cancellation creates its closure, a late delivery of the order's first event writes "Новий" and
    saves its state. The cancellation, saved last, must leave UTP showing "Відмова" (the chaos run once
    ended with the order closed, the bridge's state cancelled and UTP's status property still "Новий")."""
    order_id = world.place_order(**new_customer_order(world))
    world.set_status(order_id, 6)  # Відмова, before the bridge saw the order
    created, cancelled = world.deliver()
    real_closure = world.utp.create_order_closure

    def closure_while_the_late_delivery_runs(*args: Any, **kwargs: Any) -> Any:
        world.utp.create_order_closure = real_closure  # type: ignore[method-assign]
        assert apply_deal_event(created, world.ctx).action == "applied"  # it saw no state yet
        return real_closure(*args, **kwargs)

    world.utp.create_order_closure = closure_while_the_late_delivery_runs  # type: ignore[method-assign]
    assert apply_deal_event(cancelled, world.ctx).action == "applied"
    [order] = world.orders_with_marker(order_id)
    assert [
        c["Posted"] for c in world.documents_of("Document_ЗакрытиеЗаказовПокупателей", order["Ref_Key"])
    ] == [True]
    assert str(world.utp.get_property(order["Ref_Key"], ORDER, STATUS_PROPERTY)).startswith("[6] ")
    state = world.ctx.store.order_state(order_id)
    assert state is not None and state.status_id == 6
    assert any(e["event"] == "status_restored" for e in world.ctx.store.audit_trail(order_id))


def test_an_older_delivery_saving_after_the_newer_one_neither_rolls_the_state_back_nor_the_status(
    world: World,
) -> None:
    """The other overlap: the late delivery of the first event writes its status after the cancellation
    was applied and saved. Its state is not saved over the newer one, and UTP gets the newer status back."""
    order_id = world.place_order(**new_customer_order(world))
    world.set_status(order_id, 6)
    created, cancelled = world.deliver()
    real_set_property = world.utp.set_property

    def status_written_after_the_cancellation(obj: str, entity: str, name: str, value: Any) -> None:
        if name == STATUS_PROPERTY and str(value).startswith("[1] "):
            world.utp.set_property = real_set_property  # type: ignore[method-assign]
            assert apply_deal_event(cancelled, world.ctx).action == "applied"
        real_set_property(obj, entity, name, value)

    world.utp.set_property = status_written_after_the_cancellation  # type: ignore[method-assign]
    assert apply_deal_event(created, world.ctx).action == "applied"
    [order] = world.orders_with_marker(order_id)
    assert str(world.utp.get_property(order["Ref_Key"], ORDER, STATUS_PROPERTY)).startswith("[6] ")
    state = world.ctx.store.order_state(order_id)
    assert state is not None and state.status_id == 6
    assert len(world.documents_of("Document_ЗакрытиеЗаказовПокупателей", order["Ref_Key"])) == 1
