"""The whole product in the sandbox: SalesDrive emulator → webhook → API gateway → receiver → FIFO queue
(moto) → deal processor → UTP emulator. The same handler code that runs in AWS."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import quote

import httpx

from sandbox.runner.product import BridgeSandboxConfig, build_stack
from sandbox.utp.app import UtpEmulatorConfig


def test_a_salesdrive_order_becomes_a_posted_utp_sales_order(tmp_path: Path) -> None:
    config = BridgeSandboxConfig(
        state_dir=tmp_path, utp_config=UtpEmulatorConfig(products=20), deal_visibility_timeout_s=2
    )
    with build_stack(config) as stack:
        endpoints = json.loads((tmp_path / "endpoints.json").read_text(encoding="utf-8"))
        auth = (endpoints["utp_user"], endpoints["utp_password"])
        root = endpoints["utp_odata_url"]
        products = httpx.get(
            f"{root}/{quote('Catalog_Номенклатура')}?$format=json&$top=10&$filter=Услуга%20eq%20false%20and%20IsFolder%20eq%20false",
            auth=auth,
        ).json()["value"]
        sku = next(p["Артикул"] for p in products if p["Артикул"])
        placed = httpx.post(
            endpoints["salesdrive_url"] + "/handler/",
            headers={"X-Api-Key": endpoints["salesdrive_api_key"]},
            json={
                "getResultData": 1,
                "fName": "Іван",
                "lName": "Сандбоксенко",
                "phone": "+380631234567",
                "products": [{"id": sku, "sku": sku, "name": "Запчастина", "costPerItem": 100, "amount": 3}],
            },
        )
        assert placed.status_code == 200, placed.text
        order_id = placed.json()["data"]["orderId"]
        marker_filter = quote(f"НомерВходящегоДокументаЭлектронногоОбмена eq 'SD-{order_id}'", safe="")
        url = f"{root}/{quote('Document_ЗаказПокупателя')}?$format=json&$filter={marker_filter}"
        deadline = time.monotonic() + 30
        orders: list[dict[str, object]] = []
        while time.monotonic() < deadline:
            orders = httpx.get(url, auth=auth).json()["value"]
            if orders and orders[0]["Posted"]:
                break
            time.sleep(0.2)
        stack.wait_until_idle(timeout=30)
        assert len(orders) == 1, [c.result for c in stack.invocations()]
        assert orders[0]["Posted"] is True
        failures = [c for c in stack.invocations() if not c.ok]
        assert failures == []
