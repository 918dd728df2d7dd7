"""How many UTP HTTP calls each UtpClient operation costs, against the in-process UTP emulator.

Run from the repository root:  .venv/bin/python bench/bench_utp_calls.py
Counts come from an httpx event hook on the client's side and are cross-checked with the
emulator's own request counters; the script exits non-zero if they disagree or a budget is missed.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import harness  # noqa: F401 - puts the repository on sys.path

NOW = datetime(2024, 5, 20, 10, 15)
BUDGETS = {
    "deal of a known customer (find by marker + create + post)": 4,
    "deal of a new customer (link_main_contract=False)": 7,
}


class _Session:
    """The client on the emulator; ``measure`` records each operation's requests seen by both sides."""

    def __init__(self) -> None:
        import httpx

        from bridge.utp.client import UtpClient
        from sandbox.utp.app import UtpEmulatorConfig, create_app

        self.emulator = create_app(UtpEmulatorConfig(products=500))
        self.ours = 0

        def hook(_request: httpx.Request) -> None:
            self.ours += 1

        http = httpx.Client(
            transport=httpx.WSGITransport(app=self.emulator),
            base_url="http://utp.local/utp/odata/standard.odata/",
            auth=("bridge", "bridge"),
            event_hooks={"request": [hook]},
        )
        self.utp = UtpClient.from_http(http, create_missing_properties=True)
        self.rows: list[tuple[str, int, int]] = []

    def measure(self, name: str, op: Callable[[], Any]) -> Any:
        self.ours = 0
        before = sum(self.emulator.counters.values())
        result = op()
        self.rows.append((name, self.ours, sum(self.emulator.counters.values()) - before))
        return result

    def reference_data(self) -> None:
        """Reference data (cached by the client after the first call; the rules keep it per container),
        prices, stock, reserves and products; picks a product in stock with a price."""
        from bridge.utp.names import PRICE_TYPES

        utp, measure = self.utp, self.measure
        self.org = measure("organisation (first call, then cached)", utp.organisation)
        self.uah = measure("currency 980 (first call, then cached)", lambda: utp.currency("980"))
        warehouses = measure("warehouses (first call, then cached)", utp.warehouses)
        price_types = utp.odata.get_collection(PRICE_TYPES, select=["Ref_Key", "Description"])
        self.price_type = measure("price type by name", lambda: utp.price_type(price_types[0]["Description"]))
        self.desks = measure("cash desks of the organisation", lambda: utp.cash_desks(self.org.ref))
        self.reasons = measure("order-closure reasons", utp.closure_reasons)
        self.wh = wh = warehouses[0].ref
        self.prices = measure(
            "prices for one price type (SliceLast)", lambda: utp.prices(self.price_type.ref)
        )
        stock = measure("stock for one warehouse (Balance)", lambda: utp.stock_balance(wh))
        measure("reserves for one warehouse (Balance)", lambda: utp.reserves_balance(wh))
        first_page = measure("products: one page of 500", lambda: list(utp.iter_products(page_size=500)))
        skus = [p.sku for p in first_page[:100] if p.sku]
        measure(
            f"products by SKU ({len(skus)} SKUs, chunks of {utp.chunk_size})",
            lambda: utp.products_by_sku(skus),
        )
        self.key = next(k for k, q in stock.items() if q >= 10 and k in self.prices)
        self.product = utp.products_by_key([self.key])[self.key]
        assert self.product.unit_key

    def order_for(self, cp: str, contract: str, marker: str) -> Any:
        from bridge.utp.models import OrderLineInput, SalesOrderInput

        return SalesOrderInput(
            date=NOW,
            organisation_key=self.org.ref,
            counterparty_key=cp,
            contract_key=contract,
            currency_key=self.uah.ref,
            price_type_key=self.price_type.ref,
            warehouse_key=self.wh,
            marker=marker,
            lines=[
                OrderLineInput(
                    product_key=self.product.ref,
                    unit_key=self.product.unit_key or "",
                    quantity=Decimal(2),
                    price=self.prices[self.key],
                )
            ],
        )

    def customer(self) -> tuple[str, str]:
        """Find, create and look up a customer; returns its counterparty and contract."""
        utp, measure = self.utp, self.measure
        phone = "+38067" + str(uuid.uuid4().int)[:7]
        email = f"b{phone[-7:]}@example.ua"
        measure(
            "find customer by phone and e-mail", lambda: utp.find_counterparties_by_contacts([phone], [email])
        )
        made = measure(
            "create counterparty + contract + phone + e-mail",
            lambda: utp.create_counterparty(
                "Бенч",
                organisation_key=self.org.ref,
                currency_key=self.uah.ref,
                phones=[phone],
                emails=[email],
            ),
        )
        cp, contract = made.counterparty.ref, made.contract.ref
        measure("customer contract of a counterparty", lambda: utp.customer_contract(cp, self.org.ref))
        return cp, contract

    def deals(self, cp: str, contract: str) -> Any:
        """A known customer's deal, two new customers' deals, an update; returns the known one's order."""
        utp, measure = self.utp, self.measure
        marker = "SD-" + uuid.uuid4().hex[:10]

        def known_deal() -> Any:
            assert utp.find_sales_order_by_marker(marker) is None
            return utp.create_sales_order(self.order_for(cp, contract, marker))

        order = measure("deal of a known customer (find by marker + create + post)", known_deal)

        def new_deal(link: bool) -> Any:
            p2 = "+38050" + str(uuid.uuid4().int)[:7]
            e2 = f"n{p2[-7:]}@example.ua"
            assert utp.find_counterparties_by_contacts([p2], [e2]) == []
            new = utp.create_counterparty(
                "Новий",
                organisation_key=self.org.ref,
                currency_key=self.uah.ref,
                phones=[p2],
                emails=[e2],
                link_main_contract=link,
            )
            marker2 = "SD-" + uuid.uuid4().hex[:10]
            return utp.create_sales_order(self.order_for(new.counterparty.ref, new.contract.ref, marker2))

        # Linking the main contract is free where 1C honours a client-chosen Ref_Key, else one PATCH.
        measure("deal of a new customer (main contract linked)", lambda: new_deal(True))
        measure("deal of a new customer (link_main_contract=False)", lambda: new_deal(False))
        measure(
            "update order lines + repost",
            lambda: utp.update_sales_order(order.ref, self.order_for(cp, contract, marker)),
        )
        return order

    def documents(self, order: Any, cp: str, contract: str) -> Any:
        """An order's documents: invoice, return, cash receipt, closure; returns the closed order."""
        from bridge.utp.models import CashReceiptInput
        from bridge.utp.reference import user_key

        utp, measure = self.utp, self.measure
        measure("documents of an order (4 lookups)", lambda: utp.order_documents(order.ref))
        full = utp.get_sales_order(order.ref)
        invoice = measure(
            "create + post invoice from an order (order in hand)",
            lambda: utp.create_invoice_from_order(full, date=NOW + timedelta(hours=1)),
        )
        measure(
            "create + post return note from an invoice (by ref)",
            lambda: utp.create_return_from_invoice(invoice.ref, date=NOW + timedelta(hours=2)),
        )
        receipt = CashReceiptInput(
            date=NOW + timedelta(hours=3),
            organisation_key=self.org.ref,
            cash_desk_key=self.desks[0].ref,
            counterparty_key=cp,
            contract_key=contract,
            currency_key=self.uah.ref,
            order_key=order.ref,
            amount=Decimal(100),
            marker="sd-pay-" + uuid.uuid4().hex[:8],
            # A receipt of ОплатаПокупателя is not posted without its responsible user (the emulator
            # checks it).
            responsible_key=user_key(utp, "Інтеграція SalesDrive"),
        )
        measure("create + post cash receipt", lambda: utp.create_cash_receipt(receipt))
        other = utp.create_sales_order(self.order_for(cp, contract, "SD-" + uuid.uuid4().hex[:10]))
        reason = self.reasons[0].ref if self.reasons else None
        measure(
            "create + post order closure",
            lambda: utp.create_order_closure(other.ref, reason, date=NOW + timedelta(days=1)),
        )
        return other

    def properties(self, order: Any, other: Any) -> None:
        from bridge.utp.names import ORDER

        utp, measure = self.utp, self.measure
        measure(
            "set property (first use: resolve/create the property)",
            lambda: utp.set_property(order.ref, ORDER, "SalesDrive status", "new"),
        )
        measure(
            "set property (new value record)",
            lambda: utp.set_property(other.ref, ORDER, "SalesDrive status", "new"),
        )
        measure(
            "set property (existing record: POST refused, PATCH)",
            lambda: utp.set_property(order.ref, ORDER, "SalesDrive status", "done"),
        )
        measure("get property", lambda: utp.get_property(order.ref, ORDER, "SalesDrive status"))
        measure(
            "find objects by property value",
            lambda: utp.find_by_property("SalesDrive status", "done", ORDER),
        )

    def print_rows(self) -> int:
        """The table; returns how many rows disagree between the sides or miss their budget."""
        width = max(len(r[0]) for r in self.rows)
        print(f"{'operation':<{width}}  client  emulator")
        failures = 0
        for name, client_calls, emulator_calls in self.rows:
            flag = ""
            if client_calls != emulator_calls:
                flag, failures = "  MISMATCH", failures + 1
            if name in BUDGETS and client_calls > BUDGETS[name]:
                flag, failures = f"{flag}  OVER BUDGET (≤ {BUDGETS[name]})", failures + 1
            print(f"{name:<{width}}  {client_calls:>6}  {emulator_calls:>8}{flag}")
        return failures


def main() -> int:
    session = _Session()
    session.reference_data()
    cp, contract = session.customer()
    order = session.deals(cp, contract)
    other = session.documents(order, cp, contract)
    session.properties(order, other)
    failures = session.print_rows()
    session.utp.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
