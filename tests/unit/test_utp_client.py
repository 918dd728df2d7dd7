"""UtpClient request shapes and call counts against scripted answers (respx, no sockets)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import respx

from bridge.utp.client import UtpClient
from bridge.utp.errors import UtpNotFoundError
from bridge.utp.models import CashReceiptInput, OrderLineInput, SalesOrderInput
from bridge.utp.odata_query import EMPTY_REF

BASE = "http://utp.test/utp/odata/standard.odata/"
JSON_CT = "application/json;odata=minimalmetadata;charset=utf-8"
G = [f"00000000-0000-0000-0000-{i:012d}" for i in range(1, 40)]
ORG, CP, CONTRACT, UAH, WH, PT, P1, P2, U1, U2, ORDER, INV, PROP, DESK, REASON = G[:15]

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


def ok(payload: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=payload, headers={"content-type": JSON_CT})


class Fake:
    """Scripted 1C: (method, decoded-path substring) → answers, consumed in order (last one sticks)."""

    def __init__(self, mock: respx.MockRouter) -> None:
        self.routes: list[tuple[str, str, list[Answer]]] = []
        self.requests: list[httpx.Request] = []
        mock.route(url__startswith=BASE).mock(side_effect=self._handle)

    def on(self, method: str, fragment: str, *answers: Answer) -> None:
        self.routes.append((method, fragment, list(answers)))

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = unquote(request.url.raw_path.decode())
        for method, fragment, answers in self.routes:
            if method == request.method and fragment in url:
                answer = answers.pop(0) if len(answers) > 1 else answers[0]
                return answer(request) if callable(answer) else answer
        raise AssertionError(f"unexpected {request.method} {url}")

    def url(self, i: int) -> str:
        return unquote(self.requests[i].url.raw_path.decode())

    def body(self, i: int) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.requests[i].content)
        return result


@pytest.fixture
def fake() -> Iterator[Fake]:
    with respx.mock(assert_all_called=False) as mock:
        yield Fake(mock)


@pytest.fixture
def utp() -> UtpClient:
    return UtpClient.from_http(httpx.Client(base_url=BASE), sleep=lambda _s: None)


def echo(extra: dict[str, Any] | None = None, ref: str = ORDER) -> Callable[[httpx.Request], httpx.Response]:
    """A POST answer: the body back with Ref_Key/Number, as 1C's 201 does."""

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return ok({"Number": "УТ0000001", "Posted": False, **body, "Ref_Key": ref, **(extra or {})}, 201)

    return answer


def order_input(**kw: Any) -> SalesOrderInput:
    base: dict[str, Any] = {
        "date": datetime(2024, 5, 20, 10, 15),
        "organisation_key": ORG,
        "counterparty_key": CP,
        "contract_key": CONTRACT,
        "currency_key": UAH,
        "price_type_key": PT,
        "warehouse_key": WH,
        "marker": "SD-123456",
        "lines": [
            OrderLineInput(product_key=P1, unit_key=U1, quantity=Decimal(2), price=Decimal(600)),
            OrderLineInput(
                product_key=P2,
                unit_key=U2,
                quantity=Decimal(1),
                price=Decimal(100),
                discount_percent=Decimal(5),
            ),
        ],
    }
    base.update(kw)
    return SalesOrderInput(**base)


class TestProducts:
    def test_products_by_sku_batches_and_escapes(self, fake: Fake, utp: UtpClient) -> None:
        product = {
            "Ref_Key": P1,
            "Code": "2",
            "Артикул": "AB'12",
            "IsFolder": False,
            "DeletionMark": False,
            "ЕдиницаХраненияОстатков_Key": U1,
        }
        deleted = {**product, "Ref_Key": P2, "Code": "1", "DeletionMark": True}
        fake.on("GET", "Catalog_Номенклатура?", ok({"value": [deleted, product]}), ok({"value": []}))
        skus = ["AB'12", "x' or 1 eq 1"] + [f"S{i}" for i in range(50)]
        utp.chunk_size = 40
        found = utp.products_by_sku(skus)
        assert len(fake.requests) == 2  # ⌈52/40⌉
        assert found["AB'12"].ref == P1 and found["AB'12"].unit_key == U1  # live one beats the deleted one
        first = fake.url(0)
        assert "Артикул eq 'AB''12'" in first and "Артикул eq 'x'' or 1 eq 1'" in first
        assert "IsFolder eq false" in first and "$select=" in first
        assert "ЕдиницаХраненияОстатков_Key" in first and "DataVersion" in first
        assert utp.products_by_sku_all(["AB'12"]) == {}  # an unknown SKU is simply absent

    def test_prices_slicelast_prefers_plain_rows(self, fake: Fake, utp: UtpClient) -> None:
        rows = [
            {"Номенклатура_Key": P1, "ХарактеристикаНоменклатуры_Key": G[30], "Цена": 11},
            {"Номенклатура_Key": P1, "ХарактеристикаНоменклатуры_Key": EMPTY_REF, "Цена": 10.5},
            {"Номенклатура_Key": P2, "ХарактеристикаНоменклатуры_Key": G[31], "Цена": 7},
        ]
        fake.on("GET", "InformationRegister_ЦеныНоменклатуры_RecordType/SliceLast", ok({"value": rows}))
        prices = utp.prices(PT)
        assert prices == {P1: Decimal("10.5"), P2: Decimal(7)}
        assert f"?Condition=ТипЦен_Key eq guid'{PT}'" in fake.url(0)

    def test_stock_sums_over_characteristics(self, fake: Fake, utp: UtpClient) -> None:
        rows = [
            {"Номенклатура_Key": P1, "КоличествоBalance": 3},
            {"Номенклатура_Key": P1, "КоличествоBalance": 2.5},
            {"Номенклатура_Key": P2, "КоличествоBalance": 1},
        ]
        fake.on("GET", "AccumulationRegister_ТоварыНаСкладах/Balance", ok({"value": rows}))
        fake.on("GET", "AccumulationRegister_ТоварыВРезервеНаСкладах/Balance", ok({"value": rows[:1]}))
        assert utp.stock_balance(WH) == {P1: Decimal("5.5"), P2: Decimal(1)}
        assert utp.reserves_balance(WH) == {P1: Decimal(3)}
        assert f"Condition=Склад_Key eq guid'{WH}'" in fake.url(0)


class TestReferenceData:
    def test_cached_lookups(self, fake: Fake, utp: UtpClient) -> None:
        fake.on("GET", "Catalog_Валюты", ok({"value": [{"Ref_Key": UAH, "Code": "980"}]}))
        fake.on("GET", "Catalog_Организации", ok({"value": []}))
        assert utp.currency("980").ref == UAH
        assert utp.currency("980").ref == UAH
        assert len(fake.requests) == 1
        with pytest.raises(UtpNotFoundError):
            utp.organisation("Нема")


class TestCounterparties:
    def test_find_by_contacts_one_call(self, fake: Fake, utp: UtpClient) -> None:
        row = {
            "Объект": CP,
            "Объект_Type": "StandardODATA.Catalog_Контрагенты",
            "Тип": "Телефон",
            "Представление": "0671112233",
        }
        fake.on("GET", "InformationRegister_КонтактнаяИнформация", ok({"value": [row, row]}))
        found = utp.find_counterparties_by_contacts(phones=["+380671112233", "0671112233"], emails=["A@b.ua"])
        assert [m.counterparty_key for m in found] == [CP]
        url = fake.url(0)
        assert "isof(Объект,'Catalog_Контрагенты')" in url
        assert "Тип eq 'Телефон'" in url and "Тип eq 'АдресЭлектроннойПочты'" in url
        # Представление is an unlimited string: never compared with eq, only substringof
        assert "Представление eq" not in url
        assert (
            "substringof('+380671112233', Представление)" in url
            and "substringof('A@b.ua', Представление)" in url
        )

    def test_find_by_contacts_verifies_candidates(self, fake: Fake, utp: UtpClient) -> None:
        def contact(text: str, kind: str = "Телефон") -> dict[str, str]:
            return {
                "Объект": CP,
                "Объект_Type": "StandardODATA.Catalog_Контрагенты",
                "Тип": kind,
                "Представление": text,
            }

        rows = [
            contact("+380671112233, дом. 044 222-33-44"),  # the spelling stands alone: kept
            contact("80671112233999"),  # inside a longer number: dropped
            contact("xa@b.ua", "АдресЭлектроннойПочты"),  # inside another address: dropped
        ]
        fake.on("GET", "InformationRegister_КонтактнаяИнформация", ok({"value": rows}))
        found = utp.find_counterparties_by_contacts(phones=["0671112233", "+380671112233"], emails=["a@b.ua"])
        assert [m.presentation for m in found] == ["+380671112233, дом. 044 222-33-44"]
        assert len(fake.requests) == 1
        assert utp.find_counterparties_by_contacts() == [] and len(fake.requests) == 1

    def test_create_counterparty_with_client_chosen_contract_key(self, fake: Fake, utp: UtpClient) -> None:
        fake.on("POST", "Catalog_Контрагенты", echo(ref=CP))
        fake.on(
            "POST", "Catalog_ДоговорыКонтрагентов", lambda r: echo(ref=json.loads(r.content)["Ref_Key"])(r)
        )
        fake.on("POST", "InformationRegister_КонтактнаяИнформация", echo(ref=EMPTY_REF))
        made = utp.create_counterparty(
            "Іван", organisation_key=ORG, currency_key=UAH, phones=["+380671112233"], emails=["i@x.ua"]
        )
        assert len(fake.requests) == 4  # item, contract, phone, e-mail: no PATCH needed
        cp_body, contract_body = fake.body(0), fake.body(1)
        assert cp_body["ОсновнойДоговорКонтрагента_Key"] == contract_body["Ref_Key"] == made.contract.ref
        assert contract_body["Owner_Key"] == CP and contract_body["ВидДоговора"] == "СПокупателем"
        assert (
            contract_body["Организация_Key"] == ORG
            and contract_body["ВедениеВзаиморасчетов"] == "ПоДоговоруВЦелом"
        )
        phone = fake.body(2)
        assert phone["Объект"] == CP and phone["Объект_Type"] == "StandardODATA.Catalog_Контрагенты"
        assert phone["Тип"] == "Телефон" and phone["Представление"] == "+380671112233"
        assert fake.body(3)["Тип"] == "АдресЭлектроннойПочты"
        assert made.counterparty.main_contract_key == made.contract.ref and made.contact_count == 2

    def test_create_counterparty_patches_when_1c_ignores_the_key(self, fake: Fake, utp: UtpClient) -> None:
        fake.on("POST", "Catalog_Контрагенты", echo(ref=CP))
        fake.on("POST", "Catalog_ДоговорыКонтрагентов", echo(ref=CONTRACT))  # ignores Ref_Key
        fake.on(
            "PATCH", "Catalog_Контрагенты", ok({"Ref_Key": CP, "ОсновнойДоговорКонтрагента_Key": CONTRACT})
        )
        made = utp.create_counterparty("Іван", organisation_key=ORG, currency_key=UAH)
        assert [r.method for r in fake.requests] == ["POST", "POST", "PATCH"]
        assert fake.body(2) == {"ОсновнойДоговорКонтрагента_Key": CONTRACT}
        assert made.counterparty.main_contract_key == CONTRACT

    def test_customer_contract_prefers_main(self, fake: Fake, utp: UtpClient) -> None:
        rows = [{"Ref_Key": G[20], "Code": "1"}, {"Ref_Key": G[21], "Code": "2"}]
        fake.on("GET", "Catalog_ДоговорыКонтрагентов", ok({"value": rows}), ok({"value": []}))
        assert utp.customer_contract(CP, ORG, main_contract_key=G[21]).ref == G[21]  # type: ignore[union-attr]
        url = fake.url(0)
        assert "ВидДоговора eq 'СПокупателем'" in url and f"Организация_Key eq guid'{ORG}'" in url
        assert "DeletionMark eq false" in url
        assert utp.customer_contract(CP, ORG) is None


class TestOrders:
    def test_create_and_post(self, fake: Fake, utp: UtpClient) -> None:
        fake.on("POST", "Document_ЗаказПокупателя?", echo())
        fake.on("POST", "/Post", httpx.Response(200))
        order = utp.create_sales_order(order_input())
        assert len(fake.requests) == 2
        body = fake.body(0)
        assert "Posted" not in body
        assert body["НомерВходящегоДокументаЭлектронногоОбмена"] == "SD-123456"
        assert body["СкладГруппа"] == WH and body["СкладГруппа_Type"] == "StandardODATA.Catalog_Склады"
        assert body["КратностьВзаиморасчетов"] == "1" and body["Date"] == "2024-05-20T10:15:00"
        rows = body["Товары"]
        assert [r["LineNumber"] for r in rows] == ["1", "2"]
        assert rows[0]["Сумма"] == 1200 and rows[0]["СуммаНДС"] == 200 and rows[0]["Коэффициент"] == 1
        assert rows[1]["Сумма"] == 95 and rows[1]["ПроцентСкидкиНаценки"] == 5
        assert rows[0]["Размещение"] == WH and rows[0]["Размещение_Type"] == "StandardODATA.Catalog_Склады"
        assert body["СуммаДокумента"] == 1295
        assert fake.url(1).endswith(
            f"Document_ЗаказПокупателя(guid'{ORDER}')/Post?PostingModeOperational=false"
        )
        assert order.posted and order.marker == "SD-123456" and len(order.lines) == 2

    def test_no_reserve_writes_undefined_placement(self, fake: Fake, utp: UtpClient) -> None:
        fake.on("POST", "Document_ЗаказПокупателя?", echo())
        utp.create_sales_order(order_input(reserve=False), post=False)
        row = fake.body(0)["Товары"][0]
        assert row["Размещение_Type"] == "StandardODATA.Undefined" and row["Размещение"] == ""
        assert len(fake.requests) == 1

    def test_marker_longer_than_the_attribute_is_refused_before_any_call(
        self, fake: Fake, utp: UtpClient
    ) -> None:
        with pytest.raises(ValueError):
            utp.create_sales_order(order_input(marker="X" * 21))
        assert fake.requests == []

    def test_update_replaces_lines_and_reposts(self, fake: Fake, utp: UtpClient) -> None:
        fake.on(
            "PATCH", "Document_ЗаказПокупателя(", lambda r: ok({"Ref_Key": ORDER, **json.loads(r.content)})
        )
        fake.on("POST", "/Post", httpx.Response(200))
        updated = utp.update_sales_order(ORDER, order_input(lines=order_input().lines[:1]))
        assert [r.method for r in fake.requests] == ["PATCH", "POST"]
        assert [r["LineNumber"] for r in fake.body(0)["Товары"]] == ["1"]
        assert updated.posted and len(updated.lines) == 1

    def test_find_by_marker(self, fake: Fake, utp: UtpClient) -> None:
        live = {
            "Ref_Key": ORDER,
            "Posted": True,
            "DeletionMark": False,
            "НомерВходящегоДокументаЭлектронногоОбмена": "SD-1",
        }
        dead = {**live, "Ref_Key": G[30], "DeletionMark": True}
        fake.on("GET", "Document_ЗаказПокупателя?", ok({"value": [dead, live]}), ok({"value": []}))
        found = utp.find_sales_order_by_marker("SD-1")
        assert found is not None and found.ref == ORDER and found.marker == "SD-1"
        assert "НомерВходящегоДокументаЭлектронногоОбмена eq 'SD-1'" in fake.url(0)
        assert utp.find_sales_order_by_marker("SD-2") is None


def _order_row() -> dict[str, Any]:
    return {
        "Ref_Key": ORDER,
        "Организация_Key": ORG,
        "Контрагент_Key": CP,
        "ДоговорКонтрагента_Key": CONTRACT,
        "ВалютаДокумента_Key": UAH,
        "ТипЦен_Key": PT,
        "СкладГруппа": WH,
        "СкладГруппа_Type": "StandardODATA.Catalog_Склады",
        "КратностьВзаиморасчетов": "1",
        "КурсВзаиморасчетов": 1,
        "СуммаВключаетНДС": True,
        "УчитыватьНДС": True,
        "Товары": [
            {
                "LineNumber": "1",
                "Номенклатура_Key": P1,
                "ЕдиницаИзмерения_Key": U1,
                "Коэффициент": 1,
                "Количество": 2,
                "Цена": 600,
                "Сумма": 1200,
                "СтавкаНДС": "НДС20",
                "СуммаНДС": 200,
                "Размещение": WH,
                "Размещение_Type": "StandardODATA.Catalog_Склады",
            }
        ],
    }


class TestDocuments:
    def test_invoice_from_order(self, fake: Fake, utp: UtpClient) -> None:
        fake.on("GET", "Document_ЗаказПокупателя(", ok(_order_row()))
        fake.on("POST", "Document_РеализацияТоваровУслуг?", echo(ref=INV))
        fake.on("POST", "/Post", httpx.Response(200))
        invoice = utp.create_invoice_from_order(ORDER, date=datetime(2024, 5, 21))
        assert [r.method for r in fake.requests] == ["GET", "POST", "POST"]
        body = fake.body(1)
        assert body["Сделка"] == ORDER and body["Сделка_Type"] == "StandardODATA.Document_ЗаказПокупателя"
        assert body["Склад_Key"] == WH and body["ДоговорКонтрагента_Key"] == CONTRACT
        row = body["Товары"][0]
        assert row["Склад_Key"] == WH and row["ЗаказПокупателя_Key"] == ORDER and row["LineNumber"] == "1"
        assert row["Сумма"] == 1200 and "Posted" not in body
        assert invoice.posted and invoice.deal is not None and invoice.deal.key == ORDER

    def test_return_from_invoice(self, fake: Fake, utp: UtpClient) -> None:
        invoice = {
            **_order_row(),
            "Ref_Key": INV,
            "Склад_Key": WH,
            "Сделка": ORDER,
            "Сделка_Type": "StandardODATA.Document_ЗаказПокупателя",
        }
        invoice["Товары"] = [{**invoice["Товары"][0], "Склад_Key": WH, "ЗаказПокупателя_Key": ORDER}]
        fake.on("GET", "Document_РеализацияТоваровУслуг(", ok(invoice))
        fake.on("POST", "Document_ВозвратТоваровОтПокупателя?", echo(ref=G[33]))
        fake.on("POST", "/Post", httpx.Response(200))
        note = utp.create_return_from_invoice(INV, date=datetime(2024, 5, 22))
        body = fake.body(1)
        assert body["Сделка"] == ORDER and body["Сделка_Type"] == "StandardODATA.Document_ЗаказПокупателя"
        row = body["Товары"][0]
        assert row["ДокументПартии"] == INV
        assert row["ДокументПартии_Type"] == "StandardODATA.Document_РеализацияТоваровУслуг"
        assert row["Склад_Key"] == WH and row["Количество"] == 2
        assert note.posted and len(fake.requests) == 3

    def test_closure(self, fake: Fake, utp: UtpClient) -> None:
        fake.on("POST", "Document_ЗакрытиеЗаказовПокупателей?", echo(ref=G[34]))
        fake.on("POST", "/Post", httpx.Response(200))
        closure = utp.create_order_closure(ORDER, REASON, date=datetime(2024, 6, 1, 9))
        body = fake.body(0)
        assert body["ВидОперации"] == "ЗакрытиеЗаказов"
        assert body["Заказы"] == [
            {
                "LineNumber": "1",
                "ЗаказПокупателя": ORDER,
                "ЗаказПокупателя_Type": "StandardODATA.Document_ЗаказПокупателя",
                "ПричинаЗакрытияЗаказа_Key": REASON,
            }
        ]
        assert closure.posted and len(fake.requests) == 2

    def test_cash_receipt(self, fake: Fake, utp: UtpClient) -> None:
        fake.on("POST", "Document_ПриходныйКассовыйОрдер?", echo(ref=G[35]))
        fake.on("POST", "/Post", httpx.Response(200))
        receipt = utp.create_cash_receipt(
            CashReceiptInput(
                date=datetime(2024, 5, 20, 12),
                organisation_key=ORG,
                cash_desk_key=DESK,
                counterparty_key=CP,
                contract_key=CONTRACT,
                currency_key=UAH,
                order_key=ORDER,
                amount=Decimal(1200),
                marker="sd-pay-7-123",
            )
        )
        body = fake.body(0)
        assert body["ВидОперации"] == "ОплатаПокупателя" and body["Касса_Key"] == DESK
        assert body["Контрагент"] == CP and body["Контрагент_Type"] == "StandardODATA.Catalog_Контрагенты"
        assert body["ДокументОснование"] == ORDER
        row = body["РасшифровкаПлатежа"][0]
        assert row["Сделка"] == ORDER and row["Сделка_Type"] == "StandardODATA.Document_ЗаказПокупателя"
        assert (
            row["СуммаПлатежа"] == row["СуммаВзаиморасчетов"] == 1200
            and row["ДоговорКонтрагента_Key"] == CONTRACT
        )
        assert body["Комментарий"] == "sd-pay-7-123" and receipt.marker == "sd-pay-7-123" and receipt.posted

    def test_find_receipt_by_marker_keeps_whole_tokens(self, fake: Fake, utp: UtpClient) -> None:
        rows = [
            {"Ref_Key": G[36], "Комментарий": "sd-pay-12"},
            {"Ref_Key": G[37], "Комментарий": "paid sd-pay-1"},
        ]
        fake.on("GET", "Document_ПриходныйКассовыйОрдер?", ok({"value": rows}))
        found = utp.find_cash_receipt_by_marker("sd-pay-1")
        assert found is not None and found.ref == G[37]
        assert "substringof('sd-pay-1', Комментарий)" in fake.url(0)

    def test_order_documents_four_calls(self, fake: Fake, utp: UtpClient) -> None:
        inv = {"Ref_Key": INV, "Posted": True}
        fake.on("GET", "Document_РеализацияТоваровУслуг?", ok({"value": [inv]}))
        fake.on("GET", "Document_ВозвратТоваровОтПокупателя?", ok({"value": []}))
        fake.on("GET", "Document_ЗакрытиеЗаказовПокупателей?", ok({"value": []}))
        fake.on("GET", "Document_ПриходныйКассовыйОрдер?", ok({"value": []}))
        docs = utp.order_documents(ORDER)
        assert len(fake.requests) == 4 and [d.ref for d in docs.posted_invoices] == [INV]
        cast = f"cast(guid'{ORDER}','Document_ЗаказПокупателя')"
        assert f"Сделка eq {cast}" in fake.url(
            0
        ) and f"Товары/any(t: t/ЗаказПокупателя_Key eq guid'{ORDER}')" in fake.url(0)
        assert f"t/ДокументПартии eq cast(guid'{INV}','Document_РеализацияТоваровУслуг')" in fake.url(1)
        assert f"Заказы/any(z: z/ЗаказПокупателя eq {cast})" in fake.url(2)
        assert f"РасшифровкаПлатежа/any(r: r/Сделка eq {cast})" in fake.url(3)


class TestProperties:
    def test_set_property_posts_then_patches_on_duplicate(self, fake: Fake, utp: UtpClient) -> None:
        fake.on("GET", "ChartOfCharacteristicTypes_СвойстваОбъектов", ok({"value": [{"Ref_Key": PROP}]}))
        dup = httpx.Response(400, json={"odata.error": {"code": "15", "message": {"value": "exists"}}})
        fake.on("POST", "InformationRegister_ЗначенияСвойствОбъектов", ok({}, 201), dup)
        fake.on("PATCH", "InformationRegister_ЗначенияСвойствОбъектов(", ok({}))
        utp.set_property(ORDER, "Document_ЗаказПокупателя", "SalesDrive status", "new")
        utp.set_property(ORDER, "Document_ЗаказПокупателя", "SalesDrive status", "done")
        assert [r.method for r in fake.requests] == ["GET", "POST", "POST", "PATCH"]  # name resolved once
        assert fake.body(1) == {
            "Объект": ORDER,
            "Объект_Type": "StandardODATA.Document_ЗаказПокупателя",
            "Свойство_Key": PROP,
            "Значение": "new",
            "Значение_Type": "Edm.String",
        }
        assert fake.url(3).endswith(
            f"(Объект='{ORDER}',Объект_Type='StandardODATA.Document_ЗаказПокупателя',Свойство_Key=guid'{PROP}')?$format=json"
        )
        assert fake.body(3) == {"Значение": "done", "Значение_Type": "Edm.String"}

    def test_get_and_find(self, fake: Fake, utp: UtpClient) -> None:
        fake.on("GET", "ChartOfCharacteristicTypes_СвойстваОбъектов", ok({"value": [{"Ref_Key": PROP}]}))
        row = {
            "Объект": ORDER,
            "Объект_Type": "StandardODATA.Document_ЗаказПокупателя",
            "Значение": "SD-1",
            "Значение_Type": "Edm.String",
        }
        fake.on("GET", "InformationRegister_ЗначенияСвойствОбъектов?", ok({"value": [row]}))
        assert utp.get_property(ORDER, "Document_ЗаказПокупателя", "SalesDrive ID") == "SD-1"
        assert f"Объект eq cast(guid'{ORDER}','Document_ЗаказПокупателя')" in fake.url(1)
        assert utp.find_by_property("SalesDrive ID", "SD-1", "Document_ЗаказПокупателя") == [ORDER]
        assert "cast(Значение,'String') eq 'SD-1'" in fake.url(2)
        assert "isof(Объект,'Document_ЗаказПокупателя')" in fake.url(2)

    def test_missing_property_is_created_only_when_allowed(self, fake: Fake, utp: UtpClient) -> None:
        fake.on("GET", "ChartOfCharacteristicTypes_СвойстваОбъектов", ok({"value": []}))
        fake.on("POST", "ChartOfCharacteristicTypes_СвойстваОбъектов", ok({"Ref_Key": PROP}, 201))
        with pytest.raises(UtpNotFoundError):
            utp.property_key("Source")
        assert utp.property_key("Source", create=True) == PROP
        assert fake.body(2) == {"Description": "Source"}
