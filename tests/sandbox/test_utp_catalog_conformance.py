"""The UTP emulator's catalog documents and registers against the configuration (malakhovua/utp):
each test names the rule it checks; sandbox/utp/README.md maps rule → source → test."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sandbox.utp.app import UtpEmulator
from sandbox.utp.catalog_bodies import price_row, receipt_body

from .conftest import utp_get

PRICES = "Document_УстановкаЦенНоменклатуры"
RECEIPT = "Document_ПоступлениеТоваровУслуг"


def _post_doc(c: httpx.Client, set_name: str, body: dict[str, Any]) -> httpx.Response:
    r = c.post(f"/{set_name}?$format=json", json=body)
    assert r.status_code == 201, r.text
    return c.post(f"/{set_name}(guid'{r.json()['Ref_Key']}')/Post?$format=json")


def _message(r: httpx.Response) -> str:
    assert r.status_code == 500, r.text
    return str(r.json()["odata.error"]["message"]["value"])


def _balance(c: httpx.Client, register: str, wh: str, prod: str, resource: str = "Количество") -> float:
    cond = f"Склад_Key eq guid'{wh}' and Номенклатура_Key eq guid'{prod}'"
    rows = utp_get(c, f"/AccumulationRegister_{register}/Balance", Condition=cond).json()["value"]
    return float(sum(r[resource + "Balance"] for r in rows))


def _goods(seed: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in seed["sample_products"] if not p["service"]]


def test_price_row_needs_currency_and_unit(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    p = _goods(seed)[0]
    row = price_row(seed, p["ref"], p["unit"], 10)
    for field, text in (("Валюта_Key", "не заполнена Валюта"), ("ЕдиницаИзмерения_Key", "единица измерения")):
        bad = {k: v for k, v in row.items() if k != field}
        assert text in _message(_post_doc(utp_client, PRICES, {"Товары": [bad]}))
    assert _post_doc(utp_client, PRICES, {"Товары": [row]}).status_code == 200


def test_price_row_of_a_service_needs_no_unit(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    service = next(p for p in seed["sample_products"] if p["service"])
    row = {
        k: v
        for k, v in price_row(seed, service["ref"], service["unit"], 300).items()
        if k != "ЕдиницаИзмерения_Key"
    }
    assert _post_doc(utp_client, PRICES, {"Товары": [row]}).status_code == 200


def test_computed_price_type_row_needs_a_method(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    p = _goods(seed)[0]
    row = price_row(seed, p["ref"], p["unit"], 0, price_type=seed["price_types"]["Інтернет"])
    assert "способ расчета цены" in _message(_post_doc(utp_client, PRICES, {"Товары": [row]}))
    row["ПроцентСкидкиНаценки"], row["СпособРасчетаЦены"] = 15, "ПоПроцентнойНаценкеНаБазовыйТип"
    assert _post_doc(utp_client, PRICES, {"Товары": [row]}).status_code == 200


def test_zero_prices_skipped_except_for_computed_types(
    utp_client: httpx.Client, utp_app: UtpEmulator
) -> None:
    seed = utp_app.seed_info
    a, b = _goods(seed)[:2]
    zero = price_row(seed, a["ref"], a["unit"], 0, line=1)
    markup = price_row(seed, b["ref"], b["unit"], 0, line=2, price_type=seed["price_types"]["Інтернет"])
    markup.update({"ПроцентСкидкиНаценки": 5, "СпособРасчетаЦены": "ПоПроцентнойНаценкеНаБазовыйТип"})
    r = _post_doc(
        utp_client,
        PRICES,
        {"Date": "2024-06-01T00:00:00", "НеПроводитьНулевыеЗначения": True, "Товары": [zero, markup]},
    )
    assert r.status_code == 200
    rows = utp_get(
        utp_client, "/InformationRegister_ЦеныНоменклатуры_RecordType/SliceLast", Condition="Цена eq 0"
    ).json()["value"]
    assert [(x["Номенклатура_Key"], x["ПроцентСкидкиНаценки"]) for x in rows] == [(b["ref"], 5)]


@pytest.mark.parametrize(
    ("drop", "text"),
    [
        ("КурсВзаиморасчетов", "КурсВзаиморасчетов"),
        ("ВидПоступления", "ВидПоступления"),
        ("СкладОрдер", "СкладОрдер"),
        ("ОтражатьВУправленческомУчете", "хотя бы одному из видов учета"),
    ],
)
def test_goods_receipt_header_checks(
    utp_client: httpx.Client, utp_app: UtpEmulator, drop: str, text: str
) -> None:
    seed = utp_app.seed_info
    p = _goods(seed)[0]
    body = receipt_body(seed, seed["warehouses"][0]["ref"], [(p["ref"], p["unit"], 1, 10)])
    body.pop(drop)
    assert text in _message(_post_doc(utp_client, RECEIPT, body))


def test_goods_receipt_refuses_services_and_needs_a_sum(
    utp_client: httpx.Client, utp_app: UtpEmulator
) -> None:
    seed = utp_app.seed_info
    service = next(p for p in seed["sample_products"] if p["service"])
    wh = seed["warehouses"][0]["ref"]
    assert "Услуг здесь быть не должно" in _message(
        _post_doc(utp_client, RECEIPT, receipt_body(seed, wh, [(service["ref"], service["unit"], 1, 10)]))
    )
    p = _goods(seed)[0]
    assert '"Сумма"' in _message(
        _post_doc(utp_client, RECEIPT, receipt_body(seed, wh, [(p["ref"], p["unit"], 1, 0)]))
    )


def test_goods_receipt_into_wholesale_moves_stock_in_storage_units(
    utp_client: httpx.Client, utp_app: UtpEmulator
) -> None:
    seed = utp_app.seed_info
    wh = seed["warehouses"][0]["ref"]
    packed = next(iter(seed["pack_priced"]))  # this product also has a unit "уп" of 10
    unit = next(p["unit"] for p in seed["sample_products"] if p["ref"] == packed)
    before = _balance(utp_client, "ТоварыНаСкладах", wh, packed)
    body = receipt_body(seed, wh, [(packed, seed["pack_priced"][packed], 3, 300)])
    body["Товары"][0]["Коэффициент"] = 10  # three packs of ten
    assert _post_doc(utp_client, RECEIPT, body).status_code == 200
    assert _balance(utp_client, "ТоварыНаСкладах", wh, packed) == before + 30
    assert unit != seed["pack_priced"][packed]


def test_goods_receipt_into_the_retail_shop_moves_goods_in_retail(
    utp_client: httpx.Client, utp_app: UtpEmulator
) -> None:
    seed = utp_app.seed_info
    shop = next(w["ref"] for w in seed["warehouses"] if w["kind"] == "Розничный")
    p = _goods(seed)[0]
    stock, retail = (
        _balance(utp_client, "ТоварыНаСкладах", shop, p["ref"]),
        _balance(utp_client, "ТоварыВРознице", shop, p["ref"]),
    )
    sum_before = _balance(utp_client, "ТоварыВРознице", shop, p["ref"], "СуммаПродажная")
    price = utp_get(
        utp_client,
        "/InformationRegister_ЦеныАТТ_RecordType/SliceLast",
        Condition=f"Склад_Key eq guid'{shop}' and Номенклатура_Key eq guid'{p['ref']}'",
    ).json()["value"][0]["Цена"]
    assert (
        _post_doc(utp_client, RECEIPT, receipt_body(seed, shop, [(p["ref"], p["unit"], 4, 40)])).status_code
        == 200
    )
    assert _balance(utp_client, "ТоварыНаСкладах", shop, p["ref"]) == stock == 0
    assert _balance(utp_client, "ТоварыВРознице", shop, p["ref"]) == retail + 4
    assert _balance(utp_client, "ТоварыВРознице", shop, p["ref"], "СуммаПродажная") == pytest.approx(
        sum_before + 4 * price
    )


def test_retail_receipt_without_an_att_price_is_refused(
    utp_client: httpx.Client, utp_app: UtpEmulator
) -> None:
    seed = utp_app.seed_info
    shop = next(w["ref"] for w in seed["warehouses"] if w["kind"] == "Розничный")
    new = utp_client.post("/Catalog_Номенклатура?$format=json", json={"Description": "Новий"}).json()[
        "Ref_Key"
    ]
    p = _goods(seed)[0]
    assert "Не задана цена АТТ" in _message(
        _post_doc(utp_client, RECEIPT, receipt_body(seed, shop, [(new, p["unit"], 1, 5)]))
    )


def test_warehouses_in_rows_option(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    main, lviv = seed["warehouses"][0]["ref"], seed["warehouses"][2]["ref"]
    p = _goods(seed)[1]
    body = receipt_body(seed, main, [(p["ref"], p["unit"], 2, 20)])
    body["Товары"][0]["Склад_Key"] = lviv
    before_main, before_lviv = (
        _balance(utp_client, "ТоварыНаСкладах", main, p["ref"]),
        _balance(utp_client, "ТоварыНаСкладах", lviv, p["ref"]),
    )
    assert _post_doc(utp_client, RECEIPT, body).status_code == 200  # default: the header's warehouse wins
    assert _balance(utp_client, "ТоварыНаСкладах", main, p["ref"]) == before_main + 2
    utp_app.engine.catalog_options.warehouses_in_rows = True
    body.pop("СкладОрдер")
    assert _post_doc(utp_client, RECEIPT, body).status_code == 200  # the row's warehouse, no header needed
    assert _balance(utp_client, "ТоварыНаСкладах", lviv, p["ref"]) == before_lviv + 2


def test_registers_and_rates_are_served(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    for reg in ("ТоварыВРознице", "ТоварыВНТТ", "ТоварыКПередачеСоСкладов"):
        assert utp_get(utp_client, f"/AccumulationRegister_{reg}/Balance").status_code == 200
    usd = seed["currency_usd"]
    last = utp_get(
        utp_client, "/InformationRegister_КурсыВалют/SliceLast", Condition=f"Валюта_Key eq guid'{usd}'"
    )
    # Кратность is a whole number in the configuration: Int64, a JSON string as 1C sends it.
    assert [(r["Курс"], r["Кратность"]) for r in last.json()["value"]] == [(seed["usd_rate"], "1")]
    older = utp_get(
        utp_client, "/InformationRegister_КурсыВалют/SliceLast(Period=datetime'2023-12-15T00:00:00')"
    )
    assert {r["Курс"] for r in older.json()["value"]} == {1, 37}
    assert "InformationRegister_КурсыВалют" in utp_client.get("/$metadata").text


def test_seed_follows_the_configuration(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    shop = next(w["ref"] for w in seed["warehouses"] if w["kind"] == "Розничный")
    cond = f"Склад_Key eq guid'{shop}'"
    assert (
        utp_get(utp_client, "/AccumulationRegister_ТоварыНаСкладах/Balance", Condition=cond).json()["value"]
        == []
    )
    assert utp_get(utp_client, "/AccumulationRegister_ТоварыВРознице/Balance", Condition=cond).json()["value"]
    rows = utp_get(
        utp_client,
        "/InformationRegister_ЦеныНоменклатуры_RecordType/SliceLast",
        Condition=f"ТипЦен_Key eq guid'{seed['price_type']}'",
    ).json()["value"]
    by_product = {r["Номенклатура_Key"]: r for r in rows}
    assert all(by_product[p]["ЕдиницаИзмерения_Key"] == u for p, u in seed["pack_priced"].items())
    assert all(by_product[p]["Валюта_Key"] == seed["currency_usd"] for p in seed["usd_priced"])
    online = seed["price_types"]["Інтернет"]
    assert (
        utp_get(
            utp_client,
            "/InformationRegister_ЦеныНоменклатуры_RecordType/SliceLast",
            Condition=f"ТипЦен_Key eq guid'{online}'",
        ).json()["value"]
        == []
    )
