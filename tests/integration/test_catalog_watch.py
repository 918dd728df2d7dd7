"""The catalog change watcher against the UTP emulator, with the on-save subscription off: every kind of
change a shop makes in UTP is found from OData alone and reaches SalesDrive through the targeted push."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from bridge.store.bucket import MemoryObjectStore
from bridge.store.leases import Lease
from bridge.sync.catalog_refresh import refresh_products
from bridge.sync.catalog_watch import WatchState, poll, watch
from sandbox.utp.catalog_bodies import receipt_body
from tests.integration.test_catalog_push import Shop, refresh, set_price
from tests.integration.test_catalog_push import shop as shop  # the fixture

NOW = datetime(2030, 1, 2, 10, 0, tzinfo=UTC)
SINCE = datetime(2029, 12, 31)  # UTP local time: the window covers the documents dated 2030-01-01


class Queue:
    def __init__(self) -> None:
        self.sent: list[list[str]] = []

    def send(self, product_keys: Sequence[str], *, requested_at: datetime, source: str) -> int:
        self.sent.append(list(product_keys))
        return 1


def _receipt(shop: Shop, product: dict[str, Any], qty: int, *, post: bool = True) -> str:
    body = receipt_body(shop.seed, shop.warehouse("Основний склад"), [])
    body.update(Date="2030-01-01T09:00:00", Товары=[_line(product, qty)])
    return shop.create("Document_ПоступлениеТоваровУслуг", body, post=post)


def _line(product: dict[str, Any], qty: int, n: int = 1) -> dict[str, Any]:
    return {
        "LineNumber": str(n),
        "Номенклатура_Key": product["ref"],
        "ЕдиницаИзмерения_Key": product["unit"],
        "Коэффициент": 1,
        "Количество": qty,
        "Сумма": qty * 10,
    }


def _action(shop: Shop, entity: str, ref: str, action: str) -> None:
    answer = shop.odata.post(f"{quote(entity)}(guid'{ref}')/{action}?$format=json")
    assert answer.status_code == 200, answer.text


def _look(shop: Shop, state: WatchState) -> list[str]:
    return sorted(poll(shop.utp, state, since=SINCE, now=NOW).products)


RECEIPT = "Document_ПоступлениеТоваровУслуг"


def test_every_kind_of_change_is_found_and_nothing_else(shop: Shop) -> None:
    a, b, c = shop.goods()[:3]
    state = WatchState()
    first = poll(shop.utp, state, since=SINCE, now=NOW)
    assert first.products == [] and "Document_ПоступлениеТоваровУслуг" in first.baseline
    # Types this base does not publish (404) are remembered and not asked for again within the hour.
    assert "Document_ПеремещениеТоваров" in state.unpublished
    assert _look(shop, state) == []  # nothing changed: nothing found

    set_price(shop, a["ref"], 123.0)  # a price set
    assert _look(shop, state) == [a["ref"]]
    receipt = _receipt(shop, b, 5)  # a goods receipt
    assert _look(shop, state) == [b["ref"]]
    _action(shop, RECEIPT, receipt, "Unpost")  # unposting
    assert _look(shop, state) == [b["ref"]]
    shop.patch(RECEIPT, receipt, {"Товары": [_line(c, 7)]})  # an unposted draft edited: moves nothing
    assert _look(shop, state) == []
    _action(shop, RECEIPT, receipt, "Post")
    assert _look(shop, state) == [c["ref"]]
    # Re-posted with other lines: the product it moved before and the one it moves now.
    shop.patch(RECEIPT, receipt, {"Товары": [_line(a, 2)]})
    _action(shop, RECEIPT, receipt, "Post")
    assert _look(shop, state) == sorted([a["ref"], c["ref"]])
    # Unposted and marked for deletion (1C unposts a document it marks): what it moved goes back.
    _action(shop, RECEIPT, receipt, "Unpost")
    shop.patch(RECEIPT, receipt, {"DeletionMark": True})
    assert _look(shop, state) == [a["ref"]]
    assert _look(shop, state) == []
    # A posted document deleted outright.
    other = _receipt(shop, c, 1)
    assert _look(shop, state) == [c["ref"]]
    assert shop.odata.delete(f"{quote(RECEIPT)}(guid'{other}')").status_code in (200, 204)
    assert _look(shop, state) == [c["ref"]]


def test_a_new_product_with_its_first_price_reaches_salesdrive(shop: Shop) -> None:
    shop.push()
    state = WatchState()
    poll(shop.utp, state, since=SINCE, now=NOW)
    ref = shop.create(
        "Catalog_Номенклатура",
        {"Description": "Ремінь W-1", "Артикул": "W-0001", "IsFolder": False},
        post=False,
    )
    set_price(shop, ref, 640.0)
    found = poll(shop.utp, state, since=SINCE, now=NOW).products
    assert found == [ref.lower()]
    report = refresh(shop, *found)
    assert report.complete and float(shop.sd("W-0001")["costPerItem"]) == 640
    # Exported by the bridge: its UTP card shows its SalesDrive ID (the SKU), read back through OData.
    assert report.ids_written == 1
    assert shop.utp.get_property(ref, "Catalog_Номенклатура", "SalesDrive ID") == "W-0001"
    # The first full push wrote the ID on every card it exported too.
    a = shop.goods()[0]
    assert shop.utp.get_property(a["ref"], "Catalog_Номенклатура", "SalesDrive ID") == a["sku"].strip()


def test_first_look_sends_what_is_dated_after_the_last_full_push(shop: Shop) -> None:
    a = shop.goods()[0]
    set_price(shop, a["ref"], 55.0)  # dated 2030-01-01, after a full push of 2029-12-31
    state = WatchState()
    found = poll(shop.utp, state, since=SINCE, now=NOW, fresh_after="2029-12-31T12:00:00").products
    assert found == [a["ref"]]


def test_hot_polls_keep_what_they_do_not_look_at(shop: Shop) -> None:
    a = shop.goods()[0]
    receipt = _receipt(shop, a, 3)
    state = WatchState()
    poll(shop.utp, state, since=SINCE, now=NOW)
    # A poll of a narrower window (after the receipt's date) neither forgets the receipt nor reports it.
    hot = poll(shop.utp, state, since=datetime(2030, 1, 1, 10), now=NOW, window_start=SINCE)
    assert hot.products == [] and receipt.lower() in state.documents[RECEIPT]
    _action(shop, RECEIPT, receipt, "Unpost")
    assert _look(shop, state) == [a["ref"]]


def test_the_watcher_polls_through_its_minute_and_queues_changes(shop: Shop) -> None:
    a = shop.goods()[0]
    now = datetime(2030, 1, 1, 6, 0, tzinfo=UTC)
    clock = {"t": 0.0}  # the price set is dated 2030-01-01 00:00: in a hot window of a day from NOW
    queue, store = Queue(), MemoryObjectStore()
    saves: list[int] = []

    def sleep(seconds: float) -> None:
        clock["t"] += seconds
        if not saves:  # during the first wait a price is set
            set_price(shop, a["ref"], 77.0)
            saves.append(1)

    settings = shop.settings.model_copy(
        update={
            "catalog_watch_poll_seconds": 10,
            "catalog_watch_run_seconds": 50,
            "catalog_watch_hot_minutes": 1440,
        }
    )
    report = watch(
        utp=shop.utp,
        queue=queue,
        store=store,
        settings=settings,
        now=lambda: now + timedelta(seconds=clock["t"]),
        sleep=sleep,
        monotonic=lambda: clock["t"],
    )
    assert report.polls == 5 and queue.sent == [[a["ref"]]] and report.products_queued == 1
    # The state survives: the next run finds nothing new.
    again = watch(
        utp=shop.utp,
        queue=queue,
        store=store,
        settings=settings.model_copy(update={"catalog_watch_run_seconds": 5}),
        now=lambda: NOW,
        sleep=lambda s: None,
        monotonic=lambda: clock["t"],
    )
    assert again.polls == 1 and again.products_queued == 0 and len(queue.sent) == 1
    off = watch(
        utp=shop.utp,
        queue=queue,
        store=store,
        settings=settings.model_copy(update={"catalog_watch": False}),
        now=lambda: NOW,
    )
    assert off.polls == 0 and off.stopped == "catalog_watch is off"


def test_two_sources_of_one_save_send_it_once(shop: Shop, dynamodb: Any) -> None:
    """The on-save subscription and the watcher both queue a product; the two batches, taken by two
    pollers at once, run one after the other under the lease: SalesDrive gets one call."""
    import threading

    shop.push()
    a = shop.goods()[0]
    set_price(shop, a["ref"], 99.0)
    before = shop.product_calls()
    body = json.dumps({"products": [a["ref"]], "requested_at": "2030-01-02T10:00:00+00:00"})
    results: list[dict[str, Any]] = []

    def batch() -> None:
        results.append(
            refresh_products(
                [body],
                push=lambda keys: refresh(shop, *keys),
                cursors=shop.cursors,
                now=lambda: NOW,
                exclusive=Lease("bridge-test", "catalog-refresh", dynamodb=dynamodb),
            )
        )

    threads = [threading.Thread(target=batch) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert shop.product_calls() - before == 1
    assert sorted(r.get("changed", 0) for r in results) == [0, 1]


def test_a_lease_is_taken_over_once_it_expires(dynamodb: Any) -> None:
    clock = {"t": 1000.0}
    first = Lease("bridge-test", "x", ttl_s=10, dynamodb=dynamodb, clock=lambda: clock["t"])
    second = Lease(
        "bridge-test", "x", ttl_s=10, dynamodb=dynamodb, clock=lambda: clock["t"], sleep=lambda s: None
    )
    assert first.acquire()
    assert not second.acquire(wait_s=0)
    clock["t"] += 11  # the holder died
    assert second.acquire(wait_s=0)
    first.release()  # no longer its lease: nothing happens
    assert not first.acquire(wait_s=0)
    second.release()
    assert first.acquire(wait_s=0)
