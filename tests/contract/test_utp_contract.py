"""The production UTP client against the UTP emulator, in process (WSGI transport, no sockets).

The emulator is written independently from the same description of 1C's OData; a failure here is either
a client that misread it (fix the client) or an emulator deviation (report it, never bend either).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bridge.utp.client import UtpClient
from bridge.utp.errors import UtpBusinessRefusal, UtpNotFoundError
from bridge.utp.models import CashReceiptInput, OrderLineInput, Product, SalesOrderInput
from bridge.utp.odata_query import eq
from bridge.utp.reference import user_key

ROOT = "http://utp.local/utp/odata/standard.odata/"
NOW = datetime(2024, 5, 20, 10, 15)


def _emulator() -> Any:
    from sandbox.utp.app import UtpEmulatorConfig, create_app

    return create_app(UtpEmulatorConfig(products=300))


class Counted:
    """Counts the HTTP calls our side sends (an httpx event hook)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def hook(self, request: httpx.Request) -> None:
        self.calls[request.method] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())


@pytest.fixture(scope="module")
def emulator() -> Any:
    return _emulator()


@pytest.fixture(scope="module")
def counted() -> Counted:
    return Counted()


@pytest.fixture(scope="module")
def utp(emulator: Any, counted: Counted) -> Iterator[UtpClient]:
    http = httpx.Client(
        transport=httpx.WSGITransport(app=emulator),
        base_url=ROOT,
        auth=("bridge", "bridge"),
        event_hooks={"request": [counted.hook]},
    )
    client = UtpClient.from_http(http, sleep=lambda _s: None, create_missing_properties=True)
    yield client
    client.close()


@pytest.fixture(scope="module")
def shop(utp: UtpClient) -> dict[str, Any]:
    """The seeded reference objects, found through the client itself."""
    org = utp.organisation()
    uah = utp.currency("980")
    warehouses = utp.warehouses()
    price_types = utp.odata.get_collection("Catalog_ТипыЦенНоменклатуры", select=["Ref_Key", "Description"])
    price_type = utp.price_type(price_types[0]["Description"])
    stocked = {wh.ref: utp.stock_balance(wh.ref) for wh in warehouses}
    wh_key, stock = max(stocked.items(), key=lambda kv: sum(kv[1].values()))
    prices = utp.prices(price_type.ref)
    candidates = [k for k, q in stock.items() if q >= 5 and k in prices]
    products = utp.products_by_key(candidates[:3])
    return {
        "org": org,
        "uah": uah,
        "warehouse": wh_key,
        "price_type": price_type,
        "prices": prices,
        "stock": stock,
        "products": [products[k] for k in candidates[:3]],
    }


def _line(product: Product, qty: int, price: Decimal) -> OrderLineInput:
    assert product.unit_key, "a seeded product must have a storage unit"
    return OrderLineInput(
        product_key=product.ref, unit_key=product.unit_key, quantity=Decimal(qty), price=price
    )


def _customer(utp: UtpClient, shop: dict[str, Any], phone: str) -> tuple[str, str]:
    made = utp.create_counterparty(
        f"Покупець {phone}",
        organisation_key=shop["org"].ref,
        currency_key=shop["uah"].ref,
        phones=[phone],
        emails=[f"c{phone[-7:]}@example.ua"],
    )
    return made.counterparty.ref, made.contract.ref


def _order(shop: dict[str, Any], cp: str, contract: str, marker: str, qty: int = 2) -> SalesOrderInput:
    product = shop["products"][0]
    return SalesOrderInput(
        date=NOW,
        organisation_key=shop["org"].ref,
        counterparty_key=cp,
        contract_key=contract,
        currency_key=shop["uah"].ref,
        price_type_key=shop["price_type"].ref,
        warehouse_key=shop["warehouse"],
        marker=marker,
        lines=[_line(product, qty, shop["prices"][product.ref])],
    )


def _marker() -> str:
    return "SD-" + uuid.uuid4().hex[:12]


class TestReferenceAndCatalog:
    def test_reference_data(self, utp: UtpClient, shop: dict[str, Any]) -> None:
        assert shop["uah"].code.strip() == "980"
        assert shop["org"].ref and utp.warehouses()
        assert isinstance(utp.cash_desks(shop["org"].ref), list)
        assert utp.cash_desks(shop["org"].ref), "the seeded shop has a cash desk"
        assert isinstance(utp.closure_reasons(), list)

    def test_products_paging_and_sku_lookup(self, utp: UtpClient) -> None:
        page = []
        for product in utp.iter_products(page_size=50):
            page.append(product)
            if len(page) == 120:
                break
        assert len({p.ref for p in page}) == len(page) == 120  # three pages, no overlap
        skus = [p.sku for p in page[:45] if p.sku]
        found = utp.products_by_sku([*skus, "AB'12", "x' or 1 eq 1", "кабель%&+#"])
        assert set(skus) <= set(found)
        assert "x' or 1 eq 1" not in found
        units = utp.units([p.unit_key for p in page[:5] if p.unit_key])
        assert units and all(u.coefficient > 0 for u in units.values())
        owned = utp.product_units(page[0].ref)
        assert any(u.ref == page[0].unit_key for u in owned)

    def test_prices_and_stock(self, utp: UtpClient, shop: dict[str, Any]) -> None:
        assert shop["prices"] and all(isinstance(v, Decimal) for v in shop["prices"].values())
        assert shop["stock"] and shop["products"]
        some = list(shop["prices"])[:3]
        assert set(utp.prices(shop["price_type"].ref, some)) == set(some)
        assert isinstance(utp.reserves_balance(shop["warehouse"]), dict)


class TestCounterparties:
    def test_create_then_find_by_contact(self, utp: UtpClient, shop: dict[str, Any]) -> None:
        phone = "+38067" + str(uuid.uuid4().int)[:7]
        cp, contract = _customer(utp, shop, phone)
        found = utp.find_counterparties_by_contacts(phones=[phone, phone[1:]])
        assert [m.counterparty_key for m in found] == [cp]
        by_mail = utp.find_counterparties_by_contact("email", [f"c{phone[-7:]}@example.ua"])
        assert [m.counterparty_key for m in by_mail] == [cp]
        counterparty = utp.counterparty(cp)
        assert counterparty.main_contract_key == contract
        chosen = utp.customer_contract(cp, shop["org"].ref, main_contract_key=counterparty.main_contract_key)
        assert chosen is not None and chosen.ref == contract and chosen.kind == "СПокупателем"
        assert utp.find_counterparties_by_contacts(phones=["+380000000000"]) == []


class TestOrderLifecycle:
    def test_order_invoice_return_receipt(self, utp: UtpClient, shop: dict[str, Any]) -> None:
        cp, contract = _customer(utp, shop, "+38050" + str(uuid.uuid4().int)[:7])
        marker = _marker()
        reserved_before = utp.reserves_balance(shop["warehouse"]).get(shop["products"][0].ref, Decimal(0))
        order = utp.create_sales_order(_order(shop, cp, contract, marker))
        assert order.posted and order.number

        found = utp.find_sales_order_by_marker(marker)
        assert found is not None and found.ref == order.ref and found.posted and found.marker == marker
        full = utp.get_sales_order(order.ref)
        assert [ln.line_number for ln in full.lines] == [1]
        assert full.lines[0].placement is not None and full.lines[0].placement.key == shop["warehouse"]
        reserved = utp.reserves_balance(shop["warehouse"]).get(shop["products"][0].ref, Decimal(0))
        assert reserved == reserved_before + 2

        updated = utp.update_sales_order(order.ref, _order(shop, cp, contract, marker, qty=3))
        assert updated.posted
        assert utp.get_sales_order(order.ref).lines[0].quantity == 3

        assert utp.order_documents(order.ref).invoices == []
        invoice = utp.create_invoice_from_order(utp.get_sales_order(order.ref), date=NOW + timedelta(hours=1))
        docs = utp.order_documents(order.ref)
        assert [d.ref for d in docs.posted_invoices] == [invoice.ref]

        note = utp.create_return_from_invoice(invoice.ref, date=NOW + timedelta(hours=2))
        returns = utp.returns_for_order(order.ref, [invoice.ref])
        assert [r.ref for r in returns] == [note.ref] and returns[0].posted

        desk = utp.cash_desks(shop["org"].ref)[0]
        pay_marker = "sd-pay-" + uuid.uuid4().hex[:10]
        receipt = utp.create_cash_receipt(
            CashReceiptInput(
                date=NOW + timedelta(hours=3),
                organisation_key=shop["org"].ref,
                cash_desk_key=desk.ref,
                counterparty_key=cp,
                contract_key=contract,
                currency_key=shop["uah"].ref,
                order_key=order.ref,
                amount=Decimal("100.50"),
                marker=pay_marker,
                responsible_key=user_key(utp, "Інтеграція SalesDrive"),
            )
        )
        assert receipt.posted
        receipts = utp.cash_receipts_for_order(order.ref)
        assert [r.ref for r in receipts] == [receipt.ref] and receipts[0].total == Decimal("100.50")
        again = utp.find_cash_receipt_by_marker(pay_marker)
        assert again is not None and again.ref == receipt.ref and again.posted

    def test_closure_releases_reserve(self, utp: UtpClient, shop: dict[str, Any]) -> None:
        cp, contract = _customer(utp, shop, "+38063" + str(uuid.uuid4().int)[:7])
        product = shop["products"][0].ref
        before = utp.reserves_balance(shop["warehouse"]).get(product, Decimal(0))
        order = utp.create_sales_order(_order(shop, cp, contract, _marker()))
        reasons = utp.closure_reasons()
        closure = utp.create_order_closure(
            order.ref, reasons[0].ref if reasons else None, date=NOW + timedelta(days=1)
        )
        assert closure.posted
        assert [c.ref for c in utp.closures_for_order(order.ref)] == [closure.ref]
        assert utp.reserves_balance(shop["warehouse"]).get(product, Decimal(0)) == before

    def test_unpost_and_mark_deleted(self, utp: UtpClient, shop: dict[str, Any]) -> None:
        cp, contract = _customer(utp, shop, "+38066" + str(uuid.uuid4().int)[:7])
        marker = _marker()
        order = utp.create_sales_order(_order(shop, cp, contract, marker))
        utp.unpost_sales_order(order.ref)
        utp.mark_deleted("Document_ЗаказПокупателя", order.ref)
        again = utp.find_sales_order_by_marker(marker)
        assert again is not None and again.deletion_mark and not again.posted


class TestRefusalsAndErrors:
    def test_missing_order_is_not_found(self, utp: UtpClient) -> None:
        with pytest.raises(UtpNotFoundError):
            utp.get_sales_order(str(uuid.uuid4()))

    def test_contract_of_another_counterparty_is_refused_on_post(
        self, utp: UtpClient, shop: dict[str, Any]
    ) -> None:
        cp1, _ = _customer(utp, shop, "+38067" + str(uuid.uuid4().int)[:7])
        _, contract2 = _customer(utp, shop, "+38067" + str(uuid.uuid4().int)[:7])
        order = utp.create_sales_order(_order(shop, cp1, contract2, _marker()), post=False)
        with pytest.raises(UtpBusinessRefusal):
            utp.post_sales_order(order.ref)
        assert utp.get_sales_order(order.ref).posted is False


class TestProperties:
    def test_set_get_find_and_list(self, utp: UtpClient, shop: dict[str, Any]) -> None:
        cp, contract = _customer(utp, shop, "+38068" + str(uuid.uuid4().int)[:7])
        order = utp.create_sales_order(_order(shop, cp, contract, _marker()), post=False)
        name = "SalesDrive status"
        utp.set_property(order.ref, "Document_ЗаказПокупателя", name, "new")
        assert utp.get_property(order.ref, "Document_ЗаказПокупателя", name) == "new"
        utp.set_property(order.ref, "Document_ЗаказПокупателя", name, "done")  # exists: PATCH
        assert utp.get_property(order.ref, "Document_ЗаказПокупателя", name) == "done"
        assert utp.find_by_property(name, "done", "Document_ЗаказПокупателя") == [order.ref]
        assert utp.find_by_property(name, "x' or 1 eq 1", "Document_ЗаказПокупателя") == []
        assert utp.property_values(name, "Document_ЗаказПокупателя")[order.ref] == "done"
        product = shop["products"][1]
        utp.set_property(product.ref, "Catalog_Номенклатура", "SalesDrive ID", "777")
        assert utp.find_by_property("SalesDrive ID", "777", "Catalog_Номенклатура") == [product.ref]

    def test_values_of_named_objects_only_in_chunks(
        self, utp: UtpClient, shop: dict[str, Any], counted: Counted
    ) -> None:
        cp, contract = _customer(utp, shop, "+38063" + str(uuid.uuid4().int)[:7])
        orders = [utp.create_sales_order(_order(shop, cp, contract, _marker()), post=False) for _ in range(5)]
        name = "SalesDrive: статус"
        for n, order in enumerate(orders):
            utp.set_property(order.ref, "Document_ЗаказПокупателя", name, f"Нове [{n}]")
        utp.property_key(name)  # cached: the count below is the reads of values only
        wanted = [orders[0].ref.upper(), orders[1].ref, orders[2].ref, orders[4].ref]
        seen: list[httpx.Request] = []
        utp.odata.http.event_hooks["request"].append(seen.append)
        try:
            values = utp.property_values_of(name, "Document_ЗаказПокупателя", wanted, chunk_size=3)
        finally:
            utp.odata.http.event_hooks["request"].remove(seen.append)
        assert values == {orders[i].ref: f"Нове [{i}]" for i in (0, 1, 2, 4)}  # not orders[3]
        assert len(seen) == 2  # ⌈4 / 3⌉
        assert all(orders[3].ref not in str(r.url.params.get("$filter")) for r in seen)
        assert all(b"%20" in r.url.query and b"+" not in r.url.query for r in seen)
        # an object that has no value, another type's object, and no objects at all
        assert utp.property_values_of(name, "Document_ЗаказПокупателя", [str(uuid.uuid4())]) == {}
        assert utp.property_values_of(name, "Catalog_Номенклатура", [orders[0].ref]) == {}
        before = counted.total
        assert utp.property_values_of(name, "Document_ЗаказПокупателя", []) == {}
        assert counted.total == before
        # injection-proof: a key is a GUID or nothing, a type is a name or nothing
        with pytest.raises(ValueError):
            utp.property_values_of(name, "Document_ЗаказПокупателя", ["x') or (1 eq 1"])
        with pytest.raises(ValueError):
            utp.property_values_of(name, "Document_X') or (true", [orders[0].ref])


class TestCallBudget:
    def test_known_customer_deal_costs_three_calls(
        self, utp: UtpClient, shop: dict[str, Any], counted: Counted
    ) -> None:
        cp, contract = _customer(utp, shop, "+38099" + str(uuid.uuid4().int)[:7])
        marker = _marker()
        start = counted.total
        assert utp.find_sales_order_by_marker(marker) is None
        utp.create_sales_order(_order(shop, cp, contract, marker))
        assert counted.total - start == 3

    @pytest.mark.parametrize(("link", "budget"), [(False, 7), (True, 8)])
    def test_new_customer_deal_budget(
        self, utp: UtpClient, shop: dict[str, Any], counted: Counted, link: bool, budget: int
    ) -> None:
        # 7 = lookup + counterparty + contract + phone + e-mail + order + post; linking the main
        # contract costs a PATCH only where 1C ignores a client-chosen Ref_Key (the emulator does).
        phone = "+38097" + str(uuid.uuid4().int)[:7]
        email = f"n{phone[-7:]}@example.ua"
        start = counted.total
        assert utp.find_counterparties_by_contacts(phones=[phone], emails=[email]) == []
        made = utp.create_counterparty(
            "Новий",
            organisation_key=shop["org"].ref,
            currency_key=shop["uah"].ref,
            phones=[phone],
            emails=[email],
            link_main_contract=link,
        )
        utp.create_sales_order(_order(shop, made.counterparty.ref, made.contract.ref, _marker()))
        assert counted.total - start <= budget
        linked = utp.counterparty(made.counterparty.ref).main_contract_key
        assert linked == (made.contract.ref if link else None)

    def test_a_second_phone_gets_its_own_contact_kind(self, utp: UtpClient, shop: dict[str, Any]) -> None:
        # The register's key is (Объект, Тип, Вид): two phones of one kind would be a duplicate key.
        first, second = "+38067" + str(uuid.uuid4().int)[:7], "+38050" + str(uuid.uuid4().int)[:7]
        made = utp.create_counterparty(
            "Два телефони",
            organisation_key=shop["org"].ref,
            currency_key=shop["uah"].ref,
            phones=[first, second],
        )
        assert made.contact_count == 2
        for phone in (first, second):
            [match] = utp.find_counterparties_by_contacts(phones=[phone])
            assert match.owner is not None and match.owner.key == made.counterparty.ref

    def test_emulator_counters_match_ours(self, emulator: Any, utp: UtpClient, counted: Counted) -> None:
        start, before = counted.total, sum(emulator.counters.values())
        utp.odata.get_collection("Catalog_Склады", select=["Ref_Key"], filter=eq("DeletionMark", False))
        assert counted.total - start == 1
        assert sum(emulator.counters.values()) - before == 1
