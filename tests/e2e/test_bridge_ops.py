"""The operator's tool (``python -m bridge_ops``) against a real sandbox: moto, both emulators and the
product's handlers, one stack for the module. Everything is checked on the other side too: UTP by OData,
the queues with boto3, the SalesDrive emulator's state."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from typer.testing import CliRunner

from bridge_ops.cli import EXIT_BLOCKED, app
from sandbox.runner.product import BridgeSandboxConfig, build_stack
from sandbox.runner.stack import SandboxStack
from sandbox.salesdrive.render import webhook_body
from sandbox.utp.app import UtpEmulatorConfig

ORDERS = "Document_ЗаказПокупателя"
COUNTERPARTIES = "Catalog_Контрагенты"


@dataclass
class Sandbox:
    stack: SandboxStack
    endpoints_file: Path
    endpoints: dict[str, str]
    skus: list[str]

    @property
    def salesdrive(self) -> Any:
        return self.stack.emulators["salesdrive"].app

    def cli(self, *args: str) -> Any:
        return CliRunner().invoke(app, ["--endpoints", str(self.endpoints_file), *args])

    def odata(self, entity: str, query: str = "") -> list[dict[str, Any]]:
        url = f"{self.endpoints['utp_odata_url']}/{quote(entity)}?$format=json{query}"
        answer = httpx.get(url, auth=(self.endpoints["utp_user"], self.endpoints["utp_password"]))
        answer.raise_for_status()
        rows: list[dict[str, Any]] = answer.json()["value"]
        return rows

    def utp_orders(self, order_id: int) -> list[dict[str, Any]]:
        flt = quote(f"НомерВходящегоДокументаЭлектронногоОбмена eq 'SD-{order_id}'", safe="")
        return self.odata(ORDERS, f"&$filter={flt}")

    def wait_for_posted_order(self, order_id: int) -> dict[str, Any]:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            orders = self.utp_orders(order_id)
            if orders and orders[0]["Posted"]:
                self.stack.wait_until_idle(timeout=20)
                return orders[0]
            time.sleep(0.1)
        raise AssertionError(f"order {order_id} never reached UTP: {self.stack.invocations()[-3:]}")

    def place_order(self, sku: str, *, phone: str, amount: int = 2) -> int:
        placed = httpx.post(
            self.endpoints["salesdrive_url"] + "/handler/",
            headers={"X-Api-Key": self.endpoints["salesdrive_api_key"]},
            json={
                "getResultData": 1,
                "fName": "Оператор",
                "lName": "Тестенко",
                "phone": phone,
                "products": [
                    {"id": sku, "sku": sku, "name": "Запчастина", "costPerItem": 150, "amount": amount}
                ],
            },
        )
        assert placed.status_code == 200, placed.text
        return int(placed.json()["data"]["orderId"])

    def place_unseen_order(self, sku: str, *, phone: str) -> int:
        """An order the bridge never heard of (its webhook lost): placed with no subscription."""
        subscriptions = self.salesdrive.subscriptions
        for sub in subscriptions:
            self.salesdrive.unsubscribe(sub["id"])
        try:
            return self.place_order(sku, phone=phone)
        finally:
            for sub in subscriptions:
                self.salesdrive.subscribe(sub["url"], sub["events"])


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    state_dir = tmp_path_factory.mktemp("ops-sandbox")
    config = BridgeSandboxConfig(
        state_dir=state_dir,
        utp_config=UtpEmulatorConfig(products=20),
        deal_visibility_timeout_s=2,
        # No schedule fires by itself: the catch-up sweep must not recover the "lost" orders on its own.
        extra_stack_options={"schedules": False},
    )
    with build_stack(config) as stack:
        endpoints_file = state_dir / "endpoints.json"
        endpoints = json.loads(endpoints_file.read_text(encoding="utf-8"))
        box = Sandbox(stack, endpoints_file, endpoints, [])
        products = box.odata(
            "Catalog_Номенклатура",
            "&$filter=" + quote("Услуга eq false and IsFolder eq false and DeletionMark eq false", safe=""),
        )
        box.skus = [p["Артикул"] for p in products if p["Артикул"]]
        yield box


def test_audit_shows_the_utp_documents_of_a_processed_order(sandbox: Sandbox) -> None:
    order_id = sandbox.place_order(sandbox.skus[0], phone="+380501110001")
    utp_order = sandbox.wait_for_posted_order(order_id)

    shown = sandbox.cli("audit", str(order_id))
    assert shown.exit_code == 0, shown.output
    assert f"Audit trail of SalesDrive order {order_id}" in shown.output
    assert "event_received" in shown.output
    assert "utp_order_created" in shown.output
    assert "sales_order" in shown.output and "posted" in shown.output
    assert utp_order["Ref_Key"] in shown.output

    as_json = json.loads(sandbox.cli("audit", str(order_id), "--json").output)
    assert as_json["ledger"]["sales_order"]["ref"] == utp_order["Ref_Key"]
    assert as_json["ledger"]["sales_order"]["state"] == "posted"
    assert as_json["state"]["utp_order_ref"] == utp_order["Ref_Key"]
    kinds = {entry["event"]: entry["kind"] for entry in as_json["trail"]}
    assert kinds["event_received"] == "received"
    assert kinds["utp_order_created"] == "UTP document"

    unknown = sandbox.cli("audit", "987654")
    assert unknown.exit_code == 1
    assert "knows nothing about SalesDrive order 987654" in unknown.output


def test_parked_lists_an_order_with_an_unknown_sku(sandbox: Sandbox) -> None:
    order_id = sandbox.place_order("NO-SUCH-SKU-77", phone="+380501110002")
    deadline = time.monotonic() + 60  # a bound for a loaded machine, not a timing assertion
    rows: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not any(r["order_id"] == order_id for r in rows):
        sandbox.stack.wait_until_idle(timeout=20)
        listed = sandbox.cli("parked", "--json")
        assert listed.exit_code == 0, listed.output
        rows = json.loads(listed.output)
    parked = next(r for r in rows if r["order_id"] == order_id)
    assert parked["skus"] == ["NO-SUCH-SKU-77"]
    assert "unknown SKU" in parked["reason"]
    assert parked["attempts"] >= 1

    table = sandbox.cli("parked")
    assert table.exit_code == 0, table.output
    assert str(order_id) in table.output and "NO-SUCH-SKU-77" in table.output
    assert "waiting for SKUs" in table.output
    assert sandbox.utp_orders(order_id) == []


def test_replay_dry_run_changes_nothing_and_apply_makes_the_order_appear(sandbox: Sandbox) -> None:
    order_id = sandbox.place_unseen_order(sandbox.skus[1], phone="+380501110003")
    sandbox.stack.wait_until_idle(timeout=20)
    assert sandbox.utp_orders(order_id) == []
    orders_before = sandbox.odata(ORDERS, "&$select=Ref_Key")
    counterparties_before = sandbox.odata(COUNTERPARTIES, "&$select=Ref_Key")

    dry = sandbox.cli("replay", str(order_id))  # --dry-run is the default
    assert dry.exit_code == 0, dry.output
    assert f"order {order_id} version 1: the deal rules would apply it" in dry.output
    assert "create_sales_order" in dry.output
    assert f"marker SD-{order_id}" in dry.output
    assert "create_counterparty" in dry.output  # a new customer
    assert "post_sales_order" in dry.output
    assert "nothing was written" in dry.output

    # UTP and the bridge's records are untouched.
    assert sandbox.utp_orders(order_id) == []
    assert sandbox.odata(ORDERS, "&$select=Ref_Key") == orders_before
    assert sandbox.odata(COUNTERPARTIES, "&$select=Ref_Key") == counterparties_before
    assert sandbox.cli("audit", str(order_id)).exit_code == 1  # nothing recorded about it either

    applied = sandbox.cli("replay", str(order_id), "--apply")
    assert applied.exit_code == 0, applied.output
    assert "sent to the deal queue" in applied.output
    utp_order = sandbox.wait_for_posted_order(order_id)
    assert len(sandbox.utp_orders(order_id)) == 1
    assert utp_order["Posted"] is True
    trail = json.loads(sandbox.cli("audit", str(order_id), "--json").output)["trail"]
    assert [e["event"] for e in trail][:2] == ["replayed_by_operator", "event_received"]


def test_replay_window_dry_run_shows_every_order_and_writes_nothing(sandbox: Sandbox) -> None:
    # SalesDrive's local time (the account's time zone): take the window from the orders themselves.
    stamps = [datetime.fromisoformat(o["updateAt"]) for o in sandbox.salesdrive.state.orders.values()]
    start = (min(stamps) - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    end = (max(stamps) + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    orders_before = sandbox.odata(ORDERS, "&$select=Ref_Key")
    window = sandbox.cli("replay-window", "--from", start, "--to", end)
    assert window.exit_code == 0, window.output
    assert "Nothing was written" in window.output
    # The processed orders are up to date (stale), the parked one would park again.
    assert "stale" in window.output and "parked" in window.output
    assert sandbox.odata(ORDERS, "&$select=Ref_Key") == orders_before

    bad = sandbox.cli("replay-window", "--from", "yesterday", "--to", end)
    assert bad.exit_code == 2
    assert "YYYY-MM-DD HH:MM:SS" in bad.output


def test_dlq_redrive_moves_a_message_back_to_the_deal_queue(sandbox: Sandbox) -> None:
    order_id = sandbox.place_unseen_order(sandbox.skus[2], phone="+380501110004")
    stack = sandbox.stack
    sqs = stack.client("sqs")
    dlq_url = stack.queue_url("DealDeadLetterQueue")
    app_ = sandbox.salesdrive
    with app_.lock:
        body = webhook_body("new_order", app_.state.orders[order_id], app_.state, app_.config)
    sqs.send_message(
        QueueUrl=dlq_url,
        MessageBody=json.dumps(body, ensure_ascii=False),
        MessageGroupId=str(order_id),
        MessageDeduplicationId=hashlib.sha256(f"dead:{order_id}".encode()).hexdigest(),
    )

    listed = sandbox.cli("dlq", "list", "--json")
    assert listed.exit_code == 0, listed.output
    [letter] = json.loads(listed.output)
    assert letter["order_id"] == order_id and letter["group_id"] == str(order_id)
    dry = sandbox.cli("dlq", "redrive", "--dry-run")
    assert dry.exit_code == 0 and str(order_id) in dry.output
    assert len(json.loads(sandbox.cli("dlq", "list", "--json").output)) == 1  # listing moved nothing
    assert sandbox.utp_orders(order_id) == []

    moved = sandbox.cli("dlq", "redrive")
    assert moved.exit_code == 0, moved.output
    assert "1 message(s)" in moved.output
    utp_order = sandbox.wait_for_posted_order(order_id)
    assert utp_order["Posted"] is True
    assert json.loads(sandbox.cli("dlq", "list", "--json").output) == []
    processed = [
        c
        for c in stack.invocations("DealProcessorFunction")
        if any(r.get("attributes", {}).get("MessageGroupId") == str(order_id) for r in c.event["Records"])
    ]
    assert processed and all(c.ok for c in processed)


def test_match_skus_dry_run_reports_and_writes_nothing(sandbox: Sandbox) -> None:
    products_before = dict(sandbox.salesdrive.state.products)
    shown = sandbox.cli("match-skus", "--dry-run")
    assert shown.exit_code == 0, shown.output
    assert "Dry run: nothing was written." in shown.output
    # Every UTP product is either already in SalesDrive (pushed when an order's reservation saved it:
    # the on-save trigger) or would be exported.
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (matched|exported)", shown.output)}
    assert counts["exported"] > 0 and counts.get("matched", 0) + counts["exported"] == 20, shown.output
    assert dict(sandbox.salesdrive.state.products) == products_before


def test_catalog_push_full_sends_the_utp_catalog_to_salesdrive(sandbox: Sandbox) -> None:
    pushed = sandbox.cli("catalog-push", "--full")
    assert pushed.exit_code == 0, pushed.output
    assert "catalog push complete" in pushed.output
    products = sandbox.salesdrive.state.products
    assert set(sandbox.skus) <= set(products), sorted(products)[:5]


def test_doctor_finds_no_blocker_on_the_sandbox(sandbox: Sandbox) -> None:
    shown = sandbox.cli("doctor")
    assert shown.exit_code == 0, shown.output
    assert "0 blocker(s)" in shown.output and "ready" in shown.output
    as_json = sandbox.cli("doctor", "--json")
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.output)
    assert report["ok"] is True and report["blockers"] == 0
    checks = {f["check"]: f for f in report["findings"]}
    for check in ("utp $metadata", "setting price_type", "setting cash_desk", "salesdrive api key"):
        assert checks[check]["severity"] == "ok", checks[check]
    assert checks["odata Document_РеализацияТоваровУслуг"]["severity"] == "ok"
    assert any("ВидПередачи" in note for note in report["unchecked"])


def test_doctor_checks_a_local_settings_file_before_deploying(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = {
        "salesdrive_account": sandbox.endpoints.get("salesdrive_account") or "sparesshop",
        "organisation": 'ТОВ "Запчастини Плюс"',
        "price_type": "Роздрібна",
        "default_warehouse": "Склад Одеса",
        "cash_desk": "Основна каса",
        "closure_reason": "Відмова покупця",
    }
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("UTP_PASSWORD", sandbox.endpoints["utp_password"])
    monkeypatch.setenv("SALESDRIVE_API_KEY", sandbox.endpoints["salesdrive_api_key"])
    args = ["--settings", str(path), "--utp-url", sandbox.endpoints["utp_odata_url"]]
    args += [
        "--utp-user",
        sandbox.endpoints["utp_user"],
        "--salesdrive-url",
        sandbox.endpoints["salesdrive_url"],
    ]
    result = CliRunner().invoke(app, ["doctor", "--json", *args])
    assert result.exit_code == EXIT_BLOCKED, result.output
    checks = {f["check"]: f for f in json.loads(result.output)["findings"]}
    assert checks["setting default_warehouse"]["severity"] == "blocker"
    assert "Склад Одеса" in checks["setting default_warehouse"]["detail"]
    assert checks["setting price_type"]["severity"] == "ok"
    assert checks["salesdrive api key"]["severity"] == "ok"
