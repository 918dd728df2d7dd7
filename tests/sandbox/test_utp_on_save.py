"""The emulated 1C administrator's "on save" event subscription (sandbox/utp/README.md, "On save")."""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from sandbox.utp.app import UtpEmulator, UtpEmulatorConfig
from sandbox.utp.catalog_bodies import price_row, receipt_body

from .conftest import utp_order_body

PRODUCTS = "Catalog_Номенклатура"
RECEIPT = "Document_ПоступлениеТоваровУслуг"
PRICES = "Document_УстановкаЦенНоменклатуры"
ORDER = "Document_ЗаказПокупателя"
CONTROL = "http://utp.test/__emulator__"


class _SinkServer(ThreadingHTTPServer):
    received: queue.Queue[tuple[str, str | None, bytes]]


class _SinkHandler(BaseHTTPRequestHandler):
    server: _SinkServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.put((self.path, self.headers.get("Content-Type"), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def sink() -> Iterator[_SinkServer]:
    """A tiny bridge trigger endpoint: records every POST it gets."""
    server = _SinkServer(("127.0.0.1", 0), _SinkHandler)
    server.received = queue.Queue()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _sink_url(server: _SinkServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/catalog/trigger"


@pytest.fixture
def events(utp_app: UtpEmulator) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    utp_app.on_save_listeners.append(got.append)
    return got


def _create(c: httpx.Client, set_name: str, body: dict[str, Any]) -> str:
    r = c.post(f"/{set_name}?$format=json", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["Ref_Key"])


def _post(c: httpx.Client, set_name: str, ref: str, operational: bool = False) -> httpx.Response:
    flag = "true" if operational else "false"
    return c.post(f"/{set_name}(guid'{ref}')/Post?PostingModeOperational={flag}&$format=json")


def _goods(seed: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in seed["sample_products"] if not p["service"]]


def _unit(seed: dict[str, Any], product: str) -> str:
    return next(p["unit"] for p in seed["sample_products"] if p["ref"] == product)


def _receipt_body(seed: dict[str, Any], products: list[str]) -> dict[str, Any]:
    rows = [(prod, _unit(seed, prod), n, 10 * n) for n, prod in enumerate(products, start=1)]
    return receipt_body(seed, seed["warehouses"][0]["ref"], rows)


def _price_body(seed: dict[str, Any], products: list[str]) -> dict[str, Any]:
    return {
        "Date": "2024-05-01T00:00:00",
        "Товары": [
            price_row(seed, prod, _unit(seed, prod), 100 + n, line=n)
            for n, prod in enumerate(products, start=1)
        ],
    }


# ---------------------------------------------------------------------- catalog writes


def test_off_by_default(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    assert UtpEmulatorConfig().on_save_url is None and utp_app.config.on_save_url is None
    _create(utp_client, PRODUCTS, {"Description": "Без підписки"})
    stats = utp_app.on_save_stats
    assert stats["emitted"] == 1 and stats["queued"] == 0 and stats["sent"] == stats["failed"] == 0


def test_product_post_and_patch_emit_one_event_each(
    utp_client: httpx.Client, events: list[dict[str, Any]]
) -> None:
    assert utp_client.get(f"/{PRODUCTS}?$format=json&$top=5").status_code == 200
    assert events == []  # reads never emit
    ref = _create(utp_client, PRODUCTS, {"Description": "Ущільнювач дверцят", "Артикул": "ON-SAVE-1"})
    assert events == [{"type": PRODUCTS, "ref": ref, "products": [ref]}]
    url = f"/{PRODUCTS}(guid'{ref}')?$format=json"
    assert utp_client.patch(url, json={"Description": "Ущільнювач (новий)"}).status_code == 200
    assert utp_client.patch(url, json={"DeletionMark": True}).status_code == 200
    assert events[1:] == [{"type": PRODUCTS, "ref": ref, "products": [ref]}] * 2
    # refused writes emit nothing: a bad value, a missing object, a non-JSON body
    assert utp_client.patch(url, json={"DeletionMark": "може"}).status_code == 400
    missing = "00000000-0000-0000-0000-0000000000aa"
    assert utp_client.patch(f"/{PRODUCTS}(guid'{missing}')", json={"Description": "x"}).status_code == 404
    assert utp_client.post(f"/{PRODUCTS}", content=b"not json").status_code == 400
    # other catalogs are not the catalog the bridge mirrors
    _create(utp_client, "Catalog_Склады", {"Description": "Кіоск"})
    assert len(events) == 3


def test_fault_before_emits_nothing_fault_after_emits(
    utp_client: httpx.Client, utp_app: UtpEmulator, events: list[dict[str, Any]]
) -> None:
    utp_app.inject_fault("500", match=PRODUCTS, method="POST")
    assert utp_client.post(f"/{PRODUCTS}?$format=json", json={"Description": "A"}).status_code == 500
    assert events == []
    utp_app.inject_fault("503", match=PRODUCTS, method="POST", phase="after")
    assert utp_client.post(f"/{PRODUCTS}?$format=json", json={"Description": "B"}).status_code == 503
    assert len(events) == 1  # the write was committed, only the answer was lost
    ref = events[0]["ref"]
    assert events[0] == {"type": PRODUCTS, "ref": ref, "products": [ref]}
    got = utp_client.get(f"/{PRODUCTS}(guid'{ref}')?$format=json")
    assert got.status_code == 200 and got.json()["Description"] == "B"


# ---------------------------------------------------------------------- documents


def test_goods_receipt_post_emits_its_distinct_products(
    utp_client: httpx.Client, utp_app: UtpEmulator, events: list[dict[str, Any]]
) -> None:
    a, b = (p["ref"] for p in _goods(utp_app.seed_info)[:2])
    doc = _create(utp_client, RECEIPT, _receipt_body(utp_app.seed_info, [a, b, a]))
    assert events == []  # saving an unposted document does not move registers
    assert _post(utp_client, RECEIPT, doc).status_code == 200
    assert events == [{"type": RECEIPT, "ref": doc, "products": [a, b]}]


def test_price_set_post_and_unpost_emit(
    utp_client: httpx.Client, utp_app: UtpEmulator, events: list[dict[str, Any]]
) -> None:
    a, b, c = (p["ref"] for p in _goods(utp_app.seed_info)[2:5])
    doc = _create(utp_client, PRICES, _price_body(utp_app.seed_info, [c, a, b]))
    assert _post(utp_client, PRICES, doc).status_code == 200
    assert events == [{"type": PRICES, "ref": doc, "products": [c, a, b]}]
    assert utp_client.post(f"/{PRICES}(guid'{doc}')/Unpost").status_code == 200
    assert events[1:] == [{"type": PRICES, "ref": doc, "products": [c, a, b]}]


def test_refused_post_emits_nothing(
    utp_client: httpx.Client, utp_app: UtpEmulator, events: list[dict[str, Any]]
) -> None:
    seed = utp_app.seed_info
    a = _goods(seed)[0]["ref"]
    dup = _create(utp_client, PRICES, _price_body(seed, [a, a]))  # the same price twice: posting check fails
    r = _post(utp_client, PRICES, dup)
    assert r.status_code == 500 and "уже существует" in r.json()["odata.error"]["message"]["value"]
    wrong = _create(
        utp_client, ORDER, utp_order_body(seed, ДоговорКонтрагента_Key=seed["supplier"]["contract"])
    )
    assert _post(utp_client, ORDER, wrong).status_code == 500
    good_prices = _create(utp_client, PRICES, _price_body(seed, [a]))
    assert (
        _post(utp_client, PRICES, good_prices, operational=True).status_code == 500
    )  # RealTimePosting = Deny
    ok = _create(utp_client, ORDER, utp_order_body(seed))
    assert events == []
    # the same order posted properly reserves goods: its product is announced
    assert _post(utp_client, ORDER, ok).status_code == 200
    prod = next(p for p in seed["sample_products"] if not p["service"])["ref"]
    assert events == [{"type": ORDER, "ref": ok, "products": [prod]}]


def test_documents_without_goods_emit_nothing(
    utp_client: httpx.Client, utp_app: UtpEmulator, events: list[dict[str, Any]]
) -> None:
    closing = _create(utp_client, "Document_ЗакрытиеЗаказовПокупателей", {"Date": "2024-05-01T00:00:00"})
    assert utp_client.post(f"/Document_ЗакрытиеЗаказовПокупателей(guid'{closing}')/Unpost").status_code == 200
    assert events == []
    assert utp_app.on_save_stats["emitted"] == 0


def test_listener_errors_are_swallowed(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    def broken(event: dict[str, Any]) -> None:
        raise RuntimeError("listener bug")

    got: list[dict[str, Any]] = []
    utp_app.on_save_listeners[:] = [broken, got.append]
    ref = _create(utp_client, PRODUCTS, {"Description": "Стійкий"})
    assert [e["ref"] for e in got] == [ref]
    assert utp_app.on_save_stats["listener_errors"] == 1


# ---------------------------------------------------------------------- HTTP delivery


def test_http_delivery_posts_json(utp_client: httpx.Client, utp_app: UtpEmulator, sink: _SinkServer) -> None:
    url = _sink_url(sink)
    r = utp_client.post(f"{CONTROL}/config", json={"on_save_url": url})
    assert r.status_code == 200 and r.json()["on_save_url"] == url
    ref = _create(utp_client, PRODUCTS, {"Description": "Фільтр"})
    path, ctype, body = sink.received.get(timeout=5)
    assert path == "/catalog/trigger" and ctype == "application/json"
    assert json.loads(body) == {"type": PRODUCTS, "ref": ref, "products": [ref]}
    a = _goods(utp_app.seed_info)[0]["ref"]
    doc = _create(utp_client, PRICES, _price_body(utp_app.seed_info, [a]))
    assert _post(utp_client, PRICES, doc).status_code == 200
    assert json.loads(sink.received.get(timeout=5)[2]) == {"type": PRICES, "ref": doc, "products": [a]}
    assert utp_app.wait_on_save(5)
    on_save = utp_client.get(f"{CONTROL}/counters").json()["on_save"]
    assert on_save["sent"] == 2 and on_save["failed"] == 0 and on_save["pending"] == 0
    assert sink.received.empty()
    utp_client.post(f"{CONTROL}/counters/reset")
    assert utp_app.on_save_stats["sent"] == 0
    utp_app.configure(on_save_url=None)  # off again at runtime
    _create(utp_client, PRODUCTS, {"Description": "Тихий"})
    assert utp_app.wait_on_save(5) and utp_app.on_save_stats["queued"] == 0
    assert sink.received.empty()


def test_unreachable_url_neither_breaks_nor_slows_the_write(
    utp_client: httpx.Client, utp_app: UtpEmulator
) -> None:
    # a "bridge" that accepts the connection and never answers: the POST would hang for the 5 s timeout
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(8)
    utp_app.configure(on_save_url=f"http://127.0.0.1:{hole.getsockname()[1]}/trigger")
    try:
        started = time.monotonic()
        ref = _create(utp_client, PRODUCTS, {"Description": "Без мосту"})
        patched = utp_client.patch(f"/{PRODUCTS}(guid'{ref}')?$format=json", json={"Артикул": "NB-1"})
        elapsed = time.monotonic() - started
        assert patched.status_code == 200 and elapsed < 1.0, elapsed
        assert utp_app.on_save_stats["pending"] >= 1  # still waiting for the silent peer
    finally:
        hole.close()  # resets the waiting connection; later ones are refused
    assert utp_app.wait_on_save(15)
    stats = utp_app.on_save_stats
    assert stats["failed"] == 2 and stats["sent"] == 0 and stats["queued"] == 2


def test_on_save_url_must_be_http(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    with pytest.raises(ValueError, match="on_save_url"):
        UtpEmulatorConfig(on_save_url="file:///etc/passwd")
    with pytest.raises(ValueError, match="on_save_url"):
        utp_app.configure(on_save_url="ftp://bridge/trigger")
    r = utp_client.post(f"{CONTROL}/config", json={"on_save_url": "gopher://x"})
    assert r.status_code == 400 and utp_app.config.on_save_url is None
    assert utp_app.configure(on_save_url="").on_save_url is None


def test_cli_serve_on_save_url(utp_cli: Any, sink: _SinkServer) -> None:
    info = utp_cli("--on-save-url", _sink_url(sink))
    r = httpx.post(
        info["url"] + f"/{PRODUCTS}?$format=json",
        json={"Description": "З CLI"},
        auth=(info["user"], info["password"]),
    )
    assert r.status_code == 201
    ref = r.json()["Ref_Key"]
    assert json.loads(sink.received.get(timeout=5)[2]) == {"type": PRODUCTS, "ref": ref, "products": [ref]}
