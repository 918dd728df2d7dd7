"""The four sales documents refused and accepted as UTP 1.2 does (rules in sandbox/utp/posting_order.py,
posting_invoice.py, posting_return.py, posting_closure.py, shared checks in posting_sales.py; the
table in sandbox/utp/README.md maps each rule to the configuration's procedure and to a test here)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.utp.app import UtpEmulator, UtpEmulatorConfig, create_app
from sandbox.utp.catalog_bodies import sale_parties

from .conftest import utp_get, utp_goods_row, utp_order_body, utp_sale_parts

ORDER = "Document_ЗаказПокупателя"
INVOICE = "Document_РеализацияТоваровУслуг"
RETURN = "Document_ВозвратТоваровОтПокупателя"
CLOSURE = "Document_ЗакрытиеЗаказовПокупателей"
ORDER_T = f"StandardODATA.{ORDER}"
EMPTY = "00000000-0000-0000-0000-000000000000"
ACCOUNT = "11111111-2222-3333-4444-555555555555"  # any key: the chart of accounts is not modelled


def _client(**config: Any) -> tuple[UtpEmulator, httpx.Client]:
    app = create_app(UtpEmulatorConfig(products=30, **config))
    client = httpx.Client(
        transport=httpx.WSGITransport(app=app),
        base_url="http://utp/utp/odata/standard.odata",
        auth=("bridge", "bridge"),
    )
    return app, client


@pytest.fixture
def base() -> Iterator[tuple[UtpEmulator, httpx.Client]]:
    app, client = _client()
    yield app, client
    client.close()


def _create(c: httpx.Client, set_name: str, body: dict[str, Any]) -> str:
    r = c.post(f"/{set_name}?$format=json", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["Ref_Key"])


def _post(c: httpx.Client, set_name: str, body: dict[str, Any], operational: bool = False) -> tuple[str, str]:
    ref = _create(c, set_name, body)
    flag = "true" if operational else "false"
    r = c.post(f"/{set_name}(guid'{ref}')/Post?PostingModeOperational={flag}&$format=json")
    return ref, ("" if r.status_code == 200 else r.json()["odata.error"]["message"]["value"])


def _order(app: UtpEmulator, c: httpx.Client, qty: float = 2, **over: Any) -> str:
    ref, err = _post(c, ORDER, utp_order_body(app.seed_info, qty=qty, **over))
    assert err == ""
    return ref


def _invoice(seed: dict[str, Any], order: str, **over: Any) -> dict[str, Any]:
    cp, prod, wh = utp_sale_parts(seed)
    body: dict[str, Any] = {
        "Date": "2024-05-21T10:00:00",
        "ВидОперации": "ПродажаКомиссия",
        "ВидПередачи": "СоСклада",
        **sale_parties(seed, cp),
        "УчитыватьНДС": True,
        "СуммаВключаетНДС": True,
        "Склад_Key": wh,
        "Сделка": order,
        "Сделка_Type": ORDER_T,
        "ОтражатьВУправленческомУчете": True,
        "Товары": [
            utp_goods_row(
                prod,
                2,
                600,
                СтавкаНДС="НДС20",
                СуммаНДС=200,
                Склад_Key=wh,
                ЗаказПокупателя_Key=order,
                СпособСписанияОстаткаТоваров="ИзРезерва",
            )
        ],
    }
    body.update(over)
    return body


def _return(seed: dict[str, Any], order: str, **over: Any) -> dict[str, Any]:
    body = _invoice(seed, order)
    for key in ("ВидПередачи", "Склад_Key"):
        body.pop(key)
    body["ВидПоступления"] = "НаСклад"
    body["СкладОрдер"] = seed["warehouses"][0]["ref"]
    body["СкладОрдер_Type"] = "StandardODATA.Catalog_Склады"
    body["Товары"][0]["Качество_Key"] = seed["quality_new"]
    body.update(over)
    return body


def _balance(c: httpx.Client, reg: str, cond: str) -> list[dict[str, Any]]:
    r = utp_get(c, f"/AccumulationRegister_{reg}/Balance", Condition=cond)
    assert r.status_code == 200, r.text
    return list(r.json()["value"])


def _order_left(c: httpx.Client, order: str) -> float:
    return float(
        sum(
            r["КоличествоBalance"]
            for r in _balance(c, "ЗаказыПокупателей", f"ЗаказПокупателя_Key eq guid'{order}'")
        )
    )


# ----------------------------------------------------------------------------- sales invoice
def test_invoice_without_vid_peredachi_is_refused(base: tuple[UtpEmulator, httpx.Client]) -> None:
    app, c = base
    order = _order(app, c)
    _, err = _post(c, INVOICE, _invoice(app.seed_info, order, ВидПередачи=""))
    assert err.startswith("Не удалось провести") and '"ВидПередачи"' in err
    _, err = _post(c, INVOICE, _invoice(app.seed_info, order))
    assert err == ""


def test_invoice_without_any_reflection_is_refused(base: tuple[UtpEmulator, httpx.Client]) -> None:
    app, c = base
    order = _order(app, c)
    _, err = _post(c, INVOICE, _invoice(app.seed_info, order, ОтражатьВУправленческомУчете=False))
    assert "хотя бы одному из видов учета" in err


def test_invoice_in_accounting_needs_the_accounts(base: tuple[UtpEmulator, httpx.Client]) -> None:
    app, c = base
    order = _order(app, c)
    _, err = _post(c, INVOICE, _invoice(app.seed_info, order, ОтражатьВБухгалтерскомУчете=True))
    for name in (
        "СчетУчетаРасчетовСКонтрагентом",
        "СчетУчетаНДС",
        "СчетУчетаБУ",
        "СхемаРеализации",
        "НалоговоеНазначение",
    ):
        assert f'"{name}"' in err
    body = _invoice(
        app.seed_info,
        order,
        ОтражатьВБухгалтерскомУчете=True,
        СчетУчетаРасчетовСКонтрагентом_Key=ACCOUNT,
        СчетУчетаНДС_Key=ACCOUNT,
        СчетУчетаНДСПодтвержденный_Key=ACCOUNT,
    )
    body["Товары"][0].update(
        СчетУчетаБУ_Key=ACCOUNT, СхемаРеализации_Key=ACCOUNT, НалоговоеНазначение_Key=ACCOUNT
    )
    _, err = _post(c, INVOICE, body)
    assert err == ""


def test_invoice_of_a_non_vat_payer_needs_no_vat_accounts() -> None:
    app, c = _client(vat_payer=False)
    order = _order(app, c)
    body = _invoice(
        app.seed_info, order, ОтражатьВБухгалтерскомУчете=True, СчетУчетаРасчетовСКонтрагентом_Key=ACCOUNT
    )
    body["Товары"][0].update(СчетУчетаБУ_Key=ACCOUNT, СхемаРеализации_Key=ACCOUNT)
    _, err = _post(c, INVOICE, body)
    assert err == ""


def test_invoice_dated_before_its_order_is_refused(base: tuple[UtpEmulator, httpx.Client]) -> None:
    app, c = base
    order = _order(app, c)  # 2024-05-20T10:15:00
    _, err = _post(c, INVOICE, _invoice(app.seed_info, order, Date="2024-05-20T10:00:00"))
    assert "дата и время Заказа больше даты и времени документа" in err


def test_invoice_order_of_another_counterparty_is_refused(base: tuple[UtpEmulator, httpx.Client]) -> None:
    app, c = base
    other = app.seed_info["counterparties"][1]
    order = _order(app, c, Контрагент_Key=other["ref"], ДоговорКонтрагента_Key=other["contract"])
    _, err = _post(c, INVOICE, _invoice(app.seed_info, order))
    assert 'неверным реквизитом "Контрагент"' in err


def test_invoice_write_fills_quality_warehouse_and_shipping_mode(
    base: tuple[UtpEmulator, httpx.Client],
) -> None:
    app, c = base
    order = _order(app, c)
    body = _invoice(app.seed_info, order)
    body["Товары"][0].update(Склад_Key=EMPTY, ЗаказПокупателя_Key=EMPTY)
    ref = _create(c, INVOICE, body)
    row = c.get(f"/{INVOICE}(guid'{ref}')?$format=json").json()["Товары"][0]
    assert row["Качество_Key"] == app.seed_info["quality_new"]
    assert row["Склад_Key"] == app.seed_info["warehouses"][0]["ref"]
    assert row["ЗаказПокупателя_Key"] == EMPTY  # orders in rows: not copied from the header
    assert row["СпособСписанияОстаткаТоваров"] == "СоСклада"  # "from reserve" without an order


def test_invoice_orders_in_header_are_copied_to_rows() -> None:
    app, c = _client(orders_in_rows=False)
    order = _order(app, c)
    body = _invoice(app.seed_info, order)
    body["Товары"][0]["ЗаказПокупателя_Key"] = EMPTY
    ref, err = _post(c, INVOICE, body)
    assert err == ""
    assert c.get(f"/{INVOICE}(guid'{ref}')?$format=json").json()["Товары"][0]["ЗаказПокупателя_Key"] == order


def test_invoice_from_retail_warehouse_moves_retail_register(base: tuple[UtpEmulator, httpx.Client]) -> None:
    app, c = base
    shop = next(w for w in app.seed_info["warehouses"] if w["kind"] == "Розничный")["ref"]
    order = _order(app, c)
    body = _invoice(app.seed_info, order, Склад_Key=shop)
    body["Товары"][0].update(Склад_Key=shop, СпособСписанияОстаткаТоваров="СоСклада")
    prod = body["Товары"][0]["Номенклатура_Key"]
    cond = f"Склад_Key eq guid'{shop}' and Номенклатура_Key eq guid'{prod}'"
    before = sum(
        r["КоличествоBalance"] for r in _balance(c, "ТоварыВРознице", cond)
    )  # the seed's retail stock
    _, err = _post(c, INVOICE, body)
    assert err == ""
    retail = _balance(c, "ТоварыВРознице", cond)
    assert sum(r["КоличествоBalance"] for r in retail) == before - 2
    assert _balance(
        c, "ТоварыНаСкладах", f"Склад_Key eq guid'{shop}' and Номенклатура_Key eq guid'{prod}'"
    ) in (
        [],
        _balance(c, "ТоварыНаСкладах", f"Склад_Key eq guid'{shop}' and Номенклатура_Key eq guid'{prod}'"),
    )


def test_invoice_by_order_goes_to_goods_to_ship(base: tuple[UtpEmulator, httpx.Client]) -> None:
    app, c = base
    order = _order(app, c)
    wh = app.seed_info["warehouses"][0]["ref"]
    ref, err = _post(c, INVOICE, _invoice(app.seed_info, order, ВидПередачи="ПоОрдеру"))
    assert err == ""
    rows = _balance(c, "ТоварыКПередачеСоСкладов", f"Склад_Key eq guid'{wh}'")
    assert [(r["ДокументПередачи"], r["КоличествоBalance"]) for r in rows] == [(ref, 2)]


def test_invoice_closes_order_only_when_the_order_has_its_operation(
    base: tuple[UtpEmulator, httpx.Client],
) -> None:
    app, c = base
    order = _order(app, c)
    assert _post(c, INVOICE, _invoice(app.seed_info, order))[1] == ""
    assert _order_left(c, order) == 0
    blank = _order(app, c, ВидОперации="")  # empty batch status: the invoice's Купленный never meets it
    assert _post(c, INVOICE, _invoice(app.seed_info, blank))[1] == ""
    statuses = {
        r["СтатусПартии"]: r["КоличествоBalance"]
        for r in _balance(c, "ЗаказыПокупателей", f"ЗаказПокупателя_Key eq guid'{blank}'")
    }
    assert statuses == {"": 2, "Купленный": -2}


def test_invoice_is_never_posted_operationally(base: tuple[UtpEmulator, httpx.Client]) -> None:
    # Documents/РеализацияТоваровУслуг.xml of the dump: <RealTimePosting>Deny</RealTimePosting>.
    app, c = base
    order = _order(app, c, qty=1)
    body = _invoice(app.seed_info, order)
    _, err = _post(c, INVOICE, body, operational=True)
    assert "Оперативное проведение" in err


# ----------------------------------------------------------------------------- return
def test_return_rows_need_quality(base: tuple[UtpEmulator, httpx.Client]) -> None:
    app, c = base
    order = _order(app, c)
    body = _return(app.seed_info, order)
    body["Товары"][0]["Качество_Key"] = EMPTY
    _, err = _post(c, RETURN, body)
    assert '"Качество"' in err
    _, err = _post(c, RETURN, _return(app.seed_info, order))
    assert err == ""


def test_return_gives_the_order_its_quantity_back(base: tuple[UtpEmulator, httpx.Client]) -> None:
    app, c = base
    order = _order(app, c)
    assert _post(c, INVOICE, _invoice(app.seed_info, order))[1] == ""
    assert _order_left(c, order) == 0
    assert _post(c, RETURN, _return(app.seed_info, order))[1] == ""
    assert _order_left(c, order) == 2


def test_return_in_accounting_needs_the_accounts_and_not_before_order(
    base: tuple[UtpEmulator, httpx.Client],
) -> None:
    app, c = base
    order = _order(app, c)
    _, err = _post(c, RETURN, _return(app.seed_info, order, ОтражатьВБухгалтерскомУчете=True))
    assert '"СчетУчетаРасчетовСКонтрагентом"' in err and '"СхемаРеализации"' in err
    _, err = _post(c, RETURN, _return(app.seed_info, order, Date="2024-05-01T00:00:00"))
    assert "дата и время Заказа больше" in err


def test_return_with_warehouses_in_header_needs_sklad_order() -> None:
    app, c = _client(warehouses_in_rows=False)
    order = _order(app, c)
    body = _return(app.seed_info, order, СкладОрдер=EMPTY)
    _, err = _post(c, RETURN, body)
    assert '"СкладОрдер"' in err


# ----------------------------------------------------------------------------- order
def test_order_services_need_content_and_contract_by_invoices_refused(
    base: tuple[UtpEmulator, httpx.Client],
) -> None:
    app, c = base
    svc = next(p for p in app.seed_info["sample_products"] if p["service"])
    body = utp_order_body(app.seed_info)
    body["Услуги"] = [
        {
            "LineNumber": "1",
            "Номенклатура_Key": svc["ref"],
            "Количество": 1,
            "Сумма": 100,
            "СтавкаНДС": "НДС20",
        }
    ]
    _, err = _post(c, ORDER, body)
    assert '"Содержание"' in err
    body["Услуги"][0]["Содержание"] = "Доставка"
    assert _post(c, ORDER, body)[1] == ""


# ----------------------------------------------------------------------------- closure
def test_closure_needs_operation_and_a_date_not_before_the_order(
    base: tuple[UtpEmulator, httpx.Client],
) -> None:
    app, c = base
    order = _order(app, c)
    row = {"LineNumber": "1", "ЗаказПокупателя": order, "ЗаказПокупателя_Type": ORDER_T}
    _, err = _post(c, CLOSURE, {"Date": "2024-05-22T00:00:00", "Заказы": [row]})
    assert '"ВидОперации"' in err
    _, err = _post(
        c, CLOSURE, {"Date": "2024-05-19T00:00:00", "ВидОперации": "ЗакрытиеЗаказов", "Заказы": [row]}
    )
    assert "больше даты и времени документа" in err
    _, err = _post(
        c, CLOSURE, {"Date": "2024-05-22T00:00:00", "ВидОперации": "ЗакрытиеЗаказов", "Заказы": [row]}
    )
    assert err == "" and _order_left(c, order) == 0


def test_closure_of_reserves_only_keeps_the_order_open(base: tuple[UtpEmulator, httpx.Client]) -> None:
    app, c = base
    order = _order(app, c)
    row = {"LineNumber": "1", "ЗаказПокупателя": order, "ЗаказПокупателя_Type": ORDER_T}
    _, err = _post(
        c, CLOSURE, {"Date": "2024-05-22T00:00:00", "ВидОперации": "СнятиеРезервов", "Заказы": [row]}
    )
    assert err == "" and _order_left(c, order) == 2
    assert _balance(c, "ТоварыВРезервеНаСкладах", f"ДокументРезерва eq cast(guid'{order}','{ORDER}')") == []
