"""UTP calls per deal, counted by the UTP emulator itself (target: known customer ≤ 4, new ≤ 7).

The deal rules run in process against the UTP emulator, SalesDrive webhooks from the SalesDrive
emulator, and moto's DynamoDB. Run: .venv/bin/python bench/bench_deal_calls.py
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from harness import create_table, shop_settings

os.environ.update(AWS_DEFAULT_REGION="eu-central-1", AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")

import boto3
import httpx
from moto import mock_aws

from bridge.read_budget import UnlimitedReadBudget
from bridge.salesdrive.client import SalesDriveClient
from bridge.settings import BridgeSettings, Characteristic
from bridge.store.deals import DealStore
from bridge.sync.deals import DealCollaborators, apply_deal_event
from bridge.sync.reference import resolve_reference
from bridge.utp.client import UtpClient
from sandbox.salesdrive.app import SalesDriveEmulatorConfig
from sandbox.salesdrive.app import create_app as create_salesdrive
from sandbox.salesdrive.clock import ManualClock
from sandbox.salesdrive.testing import RecordingTransport, api_client
from sandbox.utp.app import UtpEmulatorConfig
from sandbox.utp.app import create_app as create_utp

Result = tuple[str, int, Counter[str]]  # what was run, UTP calls, calls per request kind
MODES = (("properties", True), ("properties", False), ("attributes", False))


def main() -> int:
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        create_table(dynamodb, "bench")
        utp_emulator = create_utp(UtpEmulatorConfig(products=60))
        http = httpx.Client(
            transport=httpx.WSGITransport(app=utp_emulator),
            base_url="http://utp.test/utp/odata/standard.odata/",
            auth=("bridge", "bridge"),
        )
        webhooks = RecordingTransport()
        salesdrive = create_salesdrive(
            SalesDriveEmulatorConfig(), clock=ManualClock(), webhook_transport=webhooks
        )
        salesdrive.subscribe("https://bridge.test/webhook/token")
        crm = SalesDriveClient(
            api_key=salesdrive.config.api_key, budget=UnlimitedReadBudget(), http=api_client(salesdrive)
        )
        statuses = {s.id: (s.name or "", s.type) for s in crm.statuses()}
        results: list[Result] = []
        for n, (storage, link_main_contract) in enumerate(MODES):
            settings = _mode_settings(utp_emulator.seed_info, storage, link_main_contract)
            client = UtpClient.from_http(http, order_extra_fields=settings.order_attributes)
            ctx = DealCollaborators(
                utp=client,
                store=DealStore("bench", dynamodb=dynamodb),
                settings=settings,
                reference=resolve_reference(settings, client),
                statuses=lambda: statuses,  # type: ignore[arg-type,return-value]
            )
            mode = f"status in {storage}, link_main_contract={link_main_contract}"
            results += _two_deals(n, mode, ctx, salesdrive, webhooks, utp_emulator)
        _print(results)
        return 0


def _mode_settings(seed: dict[str, Any], storage: str, link_main_contract: bool) -> BridgeSettings:
    """The shop's settings, the SalesDrive status kept in properties or in the order's attributes."""
    settings = shop_settings(
        "sparesshop", seed["organization"]["description"], link_main_contract=link_main_contract
    )
    if storage == "attributes":  # the demo base's own order attributes (a setting)
        settings = settings.model_copy(
            update={
                "order_status_attribute": "СтатусЗамовленняCRM",
                "characteristics": (Characteristic(field="sajt", attribute="ДжерелоЗамовлення"),),
            }
        )
    return settings


def _two_deals(
    n: int, mode: str, ctx: DealCollaborators, salesdrive: Any, webhooks: Any, utp_emulator: Any
) -> list[Result]:
    """A new customer's order, then the same customer's second one: UTP calls of each deal."""
    skus = [p["sku"] for p in utp_emulator.seed_info["sample_products"] if not p.get("service")][:2]
    phone = f"+38050777000{n + 1}"
    lines: list[dict[str, Any]] = [
        {"id": s, "sku": s, "name": s, "costPerItem": 100, "amount": 1} for s in skus
    ]
    results: list[Result] = []
    for label, extra in (
        ("new customer, phone + e-mail", {"email": f"new{phone[-1]}@example.com"}),
        ("known customer (same phone)", {}),
    ):
        salesdrive.create_order({"fName": "Бенч", "phone": phone, "products": lines, "sajt": "shop", **extra})
        before = len(webhooks.calls)
        salesdrive.deliver_due_webhooks()
        [body] = webhooks.bodies[before:]
        utp_emulator.counters.clear()
        outcome = apply_deal_event(body, ctx)
        assert outcome.action == "applied", outcome
        calls = Counter({k: v for k, v in utp_emulator.counters.items() if v})
        results.append((f"{label}; {mode}", sum(calls.values()), calls))
    return results


def _print(results: list[Result]) -> None:
    print("UTP calls per deal (counted by the UTP emulator)")
    for label, total, calls in results:
        print(f"  {label:<62} {total:>3}")
        for key, count in sorted(calls.items()):
            print(f"      {count} × {key}")
    known = [t for label, t, _ in results if label.startswith("known")]
    new = [t for label, t, _ in results if label.startswith("new")]
    print(f"known customer: {max(known)} (target ≤ 4); new customer: {min(new)}–{max(new)} (target ≤ 7)")
    print("(the first deal also pays once per Lambda instance for resolving SKUs and property keys)")


if __name__ == "__main__":
    raise SystemExit(main())
