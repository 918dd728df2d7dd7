"""UTP calls per deal, counted by the UTP emulator itself (target: known customer ≤ 4, new ≤ 7).

The deal rules run in process against the UTP emulator, SalesDrive webhooks from the SalesDrive
emulator, and moto's DynamoDB. Run: .venv/bin/python bench/bench_deal_calls.py
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers/common"), str(ROOT)]
os.environ.update(AWS_DEFAULT_REGION="eu-central-1", AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")

import boto3  # noqa: E402
import httpx  # noqa: E402
from moto import mock_aws  # noqa: E402

from bridge.read_budget import UnlimitedReadBudget  # noqa: E402
from bridge.salesdrive.client import SalesDriveClient  # noqa: E402
from bridge.settings import BridgeSettings, Characteristic  # noqa: E402
from bridge.store.deals import DealStore  # noqa: E402
from bridge.sync.deals import DealCollaborators, apply_deal_event  # noqa: E402
from bridge.sync.reference import resolve_reference  # noqa: E402
from bridge.utp.client import UtpClient  # noqa: E402
from sandbox.salesdrive.app import SalesDriveEmulatorConfig  # noqa: E402
from sandbox.salesdrive.app import create_app as create_salesdrive  # noqa: E402
from sandbox.salesdrive.clock import ManualClock  # noqa: E402
from sandbox.salesdrive.testing import RecordingTransport, api_client  # noqa: E402
from sandbox.utp.app import UtpEmulatorConfig  # noqa: E402
from sandbox.utp.app import create_app as create_utp  # noqa: E402


def main() -> int:
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        dynamodb.create_table(
            TableName="bench",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in ("pk", "sk")],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
        )
        utp_emulator = create_utp(UtpEmulatorConfig(products=60))
        seed = utp_emulator.seed_info
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
        results: list[tuple[str, int, int, Counter[str]]] = []
        modes = (("properties", True), ("properties", False), ("attributes", False))
        for n, (storage, link_main_contract) in enumerate(modes):
            settings = BridgeSettings(
                salesdrive_account="sparesshop",
                organisation=seed["organization"]["description"],
                price_type="Роздрібна",
                default_warehouse="Основний склад",
                cash_desk="Основна каса",
                closure_reason="Відмова покупця",
                responsible_user="Інтеграція SalesDrive",
                link_main_contract=link_main_contract,
            )
            if storage == "attributes":  # the demo base's own order attributes (a setting)
                settings = settings.model_copy(
                    update={
                        "order_status_attribute": "СтатусЗамовленняCRM",
                        "characteristics": (Characteristic(field="sajt", attribute="ДжерелоЗамовлення"),),
                    }
                )
            client = UtpClient.from_http(http, order_extra_fields=settings.order_attributes)
            ctx = DealCollaborators(
                utp=client,
                store=DealStore("bench", dynamodb=dynamodb),
                settings=settings,
                reference=resolve_reference(settings, client),
                statuses=lambda: statuses,  # type: ignore[arg-type,return-value]
            )
            skus = [p["sku"] for p in seed["sample_products"] if not p.get("service")][:2]
            phone = f"+38050777000{n + 1}"
            lines: list[dict[str, Any]] = [
                {"id": s, "sku": s, "name": s, "costPerItem": 100, "amount": 1} for s in skus
            ]
            for label, extra in (
                ("new customer, phone + e-mail", {"email": f"new{phone[-1]}@example.com"}),
                ("known customer (same phone)", {}),
            ):
                salesdrive.create_order(
                    {"fName": "Бенч", "phone": phone, "products": lines, "sajt": "shop", **extra}
                )
                before = len(webhooks.calls)
                salesdrive.deliver_due_webhooks()
                [body] = webhooks.bodies[before:]
                utp_emulator.counters.clear()
                outcome = apply_deal_event(body, ctx)
                assert outcome.action == "applied", outcome
                calls = Counter({k: v for k, v in utp_emulator.counters.items() if v})
                results.append(
                    (
                        f"{label}; status in {storage}, link_main_contract={link_main_contract}",
                        sum(calls.values()),
                        0,
                        calls,
                    )
                )
        print("UTP calls per deal (counted by the UTP emulator)")
        for label, total, _, calls in results:
            print(f"  {label:<62} {total:>3}")
            for key, count in sorted(calls.items()):
                print(f"      {count} × {key}")
        known = [t for label, t, _, _ in results if label.startswith("known")]
        new = [t for label, t, _, _ in results if label.startswith("new")]
        print(f"known customer: {max(known)} (target ≤ 4); new customer: {min(new)}–{max(new)} (target ≤ 7)")
        print("(the first deal also pays once per Lambda instance for resolving SKUs and property keys)")
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
