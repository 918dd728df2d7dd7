from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from sandbox.salesdrive import ManualClock, SalesDriveEmulator, SalesDriveEmulatorConfig
from sandbox.salesdrive import create_app as create_salesdrive
from sandbox.salesdrive.testing import RecordingTransport, api_client
from sandbox.utp.app import UtpEmulator, UtpEmulatorConfig, create_app
from sandbox.utp.catalog_bodies import sale_parties

UTP_ROOT = "http://utp.test/utp/odata/standard.odata"


@pytest.fixture
def utp_app() -> UtpEmulator:
    return create_app(UtpEmulatorConfig(products=40, warehouses=3))


@pytest.fixture
def utp_client(utp_app: UtpEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=httpx.WSGITransport(app=utp_app), base_url=UTP_ROOT, auth=("bridge", "bridge")
    ) as client:
        yield client


# SalesDrive emulator ---------------------------------------------------------------------------------
SD_HOOK = "https://bridge.example/webhook/secret-token"


@pytest.fixture
def sd_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sd_hooks() -> RecordingTransport:
    """Records every webhook the SalesDrive emulator sends (answers 200)."""
    return RecordingTransport()


@pytest.fixture
def sd_emu(sd_clock: ManualClock, sd_hooks: RecordingTransport) -> SalesDriveEmulator:
    """The seeded SalesDrive account on `sd_clock`, read limits lifted, webhooks to `sd_hooks` (no
    subscription: request `sd_subscribed` for one)."""
    config = SalesDriveEmulatorConfig(limits=(10_000, 10_000, 10_000))
    return create_salesdrive(config, clock=sd_clock, webhook_transport=sd_hooks)


@pytest.fixture
def sd_subscribed(sd_emu: SalesDriveEmulator) -> SalesDriveEmulator:
    """`sd_emu` with `SD_HOOK` subscribed to every event."""
    sd_emu.subscribe(SD_HOOK)
    return sd_emu


@pytest.fixture
def sd_api(sd_emu: SalesDriveEmulator) -> httpx.Client:
    """An httpx client for `sd_emu`, in process, with the account's X-Api-Key."""
    return api_client(sd_emu)


def sd_create(api: httpx.Client, **body: Any) -> int:
    """Create an order through `POST /handler/` (with `getResultData`) and return its id."""
    r = api.post("/handler/", json={"getResultData": 1, **body})
    assert r.status_code == 200, r.text
    return int(r.json()["data"]["orderId"])


def utp_q(**params: str) -> str:
    """Query string as a careful client builds it: %20 for spaces, `$` kept (docs/utp-odata.md)."""
    return "&".join(f"{quote(k, safe='$')}={quote(v, safe='')}" for k, v in params.items())


def utp_get(client: httpx.Client, path: str, **params: str) -> httpx.Response:
    params.setdefault("$format", "json")
    return client.get(f"{path}?{utp_q(**params)}")


def utp_lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def utp_sale_parts(seed: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The seed's first customer, first goods product and first warehouse (its ref)."""
    cp = seed["counterparties"][0]
    prod = next(p for p in seed["sample_products"] if not p["service"])
    return cp, prod, seed["warehouses"][0]["ref"]


def utp_goods_row(prod: dict[str, Any], qty: float, price: float, **more: Any) -> dict[str, Any]:
    """Row 1 of a sales document's ``Товары``: ``qty`` of ``prod`` at ``price``, then ``more``."""
    return {
        "LineNumber": "1",
        "Номенклатура_Key": prod["ref"],
        "ЕдиницаИзмерения_Key": prod["unit"],
        "Коэффициент": 1,
        "Количество": qty,
        "Цена": price,
        "Сумма": qty * price,
        **more,
    }


def utp_order_body(seed: dict[str, Any], qty: float = 2, price: float = 600, **over: Any) -> dict[str, Any]:
    cp, prod, wh = utp_sale_parts(seed)
    body = {
        "Date": "2024-05-20T10:15:00",
        "ВидОперации": "ПродажаКомиссия",
        **sale_parties(seed, cp),
        "ТипЦен_Key": seed["price_type"],
        "УчитыватьНДС": True,
        "СуммаВключаетНДС": True,
        "СкладГруппа": wh,
        "СкладГруппа_Type": "StandardODATA.Catalog_Склады",
        "Товары": [
            utp_goods_row(
                prod,
                qty,
                price,
                СтавкаНДС="НДС20",
                СуммаНДС=round(qty * price / 6, 2),
                Размещение=wh,
                Размещение_Type="StandardODATA.Catalog_Склады",
            )
        ],
    }
    body.update(over)
    return body


@pytest.fixture
def utp_cli(tmp_path: Any) -> Iterator[Any]:
    """Starts ``python -m sandbox.utp serve --port 0 --products 20 [extra…]`` in ``tmp_path`` and
    returns the ``.sandbox/utp.json`` it writes (url, user, password); stopped after the test."""
    import json
    import subprocess
    import sys
    import time
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    procs: list[subprocess.Popen[bytes]] = []

    def start(*extra: str) -> dict[str, Any]:
        cmd = [sys.executable, "-m", "sandbox.utp", "serve", "--port", "0", "--products", "20", *extra]
        env = {"PYTHONPATH": str(repo), "PATH": "/usr/bin:/bin"}
        procs.append(
            subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        )
        target = tmp_path / ".sandbox" / "utp.json"
        for _ in range(200):
            if target.exists() and target.read_text():
                break
            time.sleep(0.05)
        info: dict[str, Any] = json.loads(target.read_text())
        return info

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)
