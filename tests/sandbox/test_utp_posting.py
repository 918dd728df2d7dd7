"""Posting checks, register movements and virtual tables."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sandbox.utp.app import UtpEmulator
from sandbox.utp.catalog_bodies import price_row, receipt_body, sale_parties
from sandbox.utp.engine import NO_REALTIME

from .conftest import utp_get, utp_goods_row, utp_order_body, utp_sale_parts

EMPTY = "00000000-0000-0000-0000-000000000000"

ORDER_T = "StandardODATA.Document_ЗаказПокупателя"


def _create(c: httpx.Client, set_name: str, body: dict[str, Any]) -> str:
    r = c.post(f"/{set_name}?$format=json", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["Ref_Key"])


def _post(c: httpx.Client, set_name: str, ref: str, operational: bool = False) -> httpx.Response:
    return c.post(
        f"/{set_name}(guid'{ref}')/Post?PostingModeOperational={'true' if operational else 'false'}&$format=json"  # noqa: E501
    )


def _balance(c: httpx.Client, reg: str, cond: str) -> list[dict[str, Any]]:
    r = utp_get(c, f"/AccumulationRegister_{reg}/Balance", Condition=cond)
    assert r.status_code == 200, r.text
    return list(r.json()["value"])


def _assert_order_cleared(c: httpx.Client, order: str) -> None:
    """Nothing left of ``order`` in the orders' balance nor in the reserves."""
    assert _balance(c, "ЗаказыПокупателей", f"ЗаказПокупателя_Key eq guid'{order}'") == []
    reserve = f"ДокументРезерва eq cast(guid'{order}','Document_ЗаказПокупателя')"
    assert _balance(c, "ТоварыВРезервеНаСкладах", reserve) == []


def _create_and_post(c: httpx.Client, set_name: str, body: dict[str, Any]) -> httpx.Response:
    return _post(c, set_name, _create(c, set_name, body))


RECEIPT = "Document_ПоступлениеТоваровУслуг"


def _stock(c: httpx.Client, wh: str, prod: str) -> float:
    rows = _balance(c, "ТоварыНаСкладах", f"Склад_Key eq guid'{wh}' and Номенклатура_Key eq guid'{prod}'")
    return float(sum(r["КоличествоBalance"] for r in rows))


def test_order_post_moves_orders_and_reserves_unpost_removes(
    utp_client: httpx.Client, utp_app: UtpEmulator
) -> None:
    seed = utp_app.seed_info
    ref = _create(utp_client, "Document_ЗаказПокупателя", utp_order_body(seed, qty=2))
    assert _post(utp_client, "Document_ЗаказПокупателя", ref).status_code == 200
    doc = utp_get(utp_client, f"/Document_ЗаказПокупателя(guid'{ref}')").json()
    assert doc["Posted"] is True
    orders = _balance(utp_client, "ЗаказыПокупателей", f"ЗаказПокупателя_Key eq guid'{ref}'")
    assert [r["КоличествоBalance"] for r in orders] == [2] and orders[0]["СуммаВзаиморасчетовBalance"] == 1200
    # a composite dimension needs cast(); the plain guid form matches nothing
    res = _balance(
        utp_client,
        "ТоварыВРезервеНаСкладах",
        f"ДокументРезерва eq cast(guid'{ref}','Document_ЗаказПокупателя')",
    )
    assert [(r["КоличествоBalance"], r["ДокументРезерва_Type"]) for r in res] == [(2, ORDER_T)]
    assert _balance(utp_client, "ТоварыВРезервеНаСкладах", f"ДокументРезерва eq guid'{ref}'") == []
    paren = utp_get(
        utp_client,
        f"/AccumulationRegister_ТоварыВРезервеНаСкладах/Balance(Condition='ДокументРезерва eq cast(guid''{ref}'',''Document_ЗаказПокупателя'')')",  # noqa: E501
    ).json()["value"]
    assert len(paren) == 1
    assert utp_client.post(f"/Document_ЗаказПокупателя(guid'{ref}')/Unpost").status_code == 200
    assert _balance(utp_client, "ЗаказыПокупателей", f"ЗаказПокупателя_Key eq guid'{ref}'") == []
    assert utp_client.post(f"/Document_ЗаказПокупателя(guid'{ref}')/Post()").status_code == 200  # TRADE form
    assert len(_balance(utp_client, "ЗаказыПокупателей", f"ЗаказПокупателя_Key eq guid'{ref}'")) == 1


def test_order_posting_checks(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    other_cp = seed["counterparties"][1]
    cases = [
        ({"Контрагент_Key": "00000000-0000-0000-0000-000000000000"}, "Контрагент"),
        ({"ДоговорКонтрагента_Key": other_cp["contract"]}, "не принадлежит контрагенту"),
        ({"ДоговорКонтрагента_Key": seed["supplier"]["contract"]}, "С покупателем"),
    ]
    for over, needle in cases:
        ref = _create(utp_client, "Document_ЗаказПокупателя", utp_order_body(seed, **over))
        r = _post(utp_client, "Document_ЗаказПокупателя", ref)
        assert r.status_code == 500 and r.json()["odata.error"]["code"] == "-1"
        assert needle in r.json()["odata.error"]["message"]["value"]
        assert utp_get(utp_client, f"/Document_ЗаказПокупателя(guid'{ref}')").json()["Posted"] is False
    body = utp_order_body(seed)
    body["Товары"][0]["Количество"] = 0
    r = _create_and_post(utp_client, "Document_ЗаказПокупателя", body)
    assert "Количество" in r.json()["odata.error"]["message"]["value"]
    # a contract of another organisation and a contract "по счетам"
    org2 = _create(utp_client, "Catalog_Организации", {"Description": "Інша", "Префикс": "ІН"})
    cp = seed["counterparties"][0]["ref"]
    for over in ({"Организация_Key": org2}, {"ВедениеВзаиморасчетов": "ПоСчетам"}):
        contract = _create(
            utp_client,
            "Catalog_ДоговорыКонтрагентов",
            {
                "Owner_Key": cp,
                "Организация_Key": seed["organization"]["ref"],
                "ВидДоговора": "СПокупателем",
                "ВалютаВзаиморасчетов_Key": seed["currency_uah"],
                "ВедениеВзаиморасчетов": "ПоДоговоруВЦелом",
                **over,
            },
        )
        r = _create_and_post(
            utp_client, "Document_ЗаказПокупателя", utp_order_body(seed, ДоговорКонтрагента_Key=contract)
        )
        assert r.status_code == 500
    ntt = _create(utp_client, "Catalog_Склады", {"Description": "Кіоск", "ВидСклада": "НТТ"})
    r = _create_and_post(utp_client, "Document_ЗаказПокупателя", utp_order_body(seed, СкладГруппа=ntt))
    assert r.status_code == 500 and "НТТ" in r.json()["odata.error"]["message"]["value"]
    ref = _create(utp_client, "Document_ЗаказПокупателя", utp_order_body(seed))
    r = _post(utp_client, "Document_ЗаказПокупателя", ref, operational=True)  # RealTimePosting = Allow
    assert r.status_code == 200, r.text


def test_posted_flag_trap_and_deletion_mark_rules(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    ref = _create(utp_client, "Document_ЗаказПокупателя", {**utp_order_body(seed), "Posted": True})
    doc = utp_get(utp_client, f"/Document_ЗаказПокупателя(guid'{ref}')").json()
    assert doc["Posted"] is True
    assert (
        _balance(utp_client, "ЗаказыПокупателей", f"ЗаказПокупателя_Key eq guid'{ref}'") == []
    )  # no movements
    r = utp_client.patch(f"/Document_ЗаказПокупателя(guid'{ref}')?$format=json", json={"DeletionMark": True})
    assert r.status_code == 500 and r.json()["odata.error"]["code"] == "-1"
    assert utp_client.post(f"/Document_ЗаказПокупателя(guid'{ref}')/Unpost").status_code == 200
    assert (
        utp_client.patch(
            f"/Document_ЗаказПокупателя(guid'{ref}')?$format=json", json={"DeletionMark": True}
        ).status_code
        == 200
    )
    r = _post(utp_client, "Document_ЗаказПокупателя", ref)
    assert r.status_code == 500 and "помечен на удаление" in r.json()["odata.error"]["message"]["value"]


def _invoice_body(seed: dict[str, Any], order: str, qty: float, **over: Any) -> dict[str, Any]:
    cp, prod, wh = utp_sale_parts(seed)
    body = {
        "Date": "2024-05-21T10:00:00",
        **sale_parties(seed, cp),
        "Склад_Key": wh,
        "Сделка": order,
        "Сделка_Type": ORDER_T,
        "ВидОперации": "ПродажаКомиссия",
        "ВидПередачи": "СоСклада",
        "ОтражатьВУправленческомУчете": True,
        "Товары": [
            utp_goods_row(
                prod,
                qty,
                600,
                Склад_Key=wh,
                ЗаказПокупателя_Key=order,
                СпособСписанияОстаткаТоваров="ИзРезерва",
                Качество_Key=seed["quality_new"],
            )
        ],
    }
    body.update(over)
    return body


def test_invoice_ships_order_and_releases_reserve(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    # Long because: one scenario (stock, order, refused and accepted invoices, the registers after).
    seed = utp_app.seed_info
    goods = next(p for p in seed["sample_products"] if not p["service"])
    prod = goods["ref"]
    wh = seed["warehouses"][0]["ref"]
    # Goods on the shelf whatever the seed drew for this product.
    receipt = _create(utp_client, RECEIPT, receipt_body(seed, wh, [(prod, goods["unit"], 3, 30)]))
    assert _post(utp_client, RECEIPT, receipt).status_code == 200
    before = _stock(utp_client, wh, prod)
    order = _create(utp_client, "Document_ЗаказПокупателя", utp_order_body(seed, qty=1))
    assert _post(utp_client, "Document_ЗаказПокупателя", order).status_code == 200
    too_much = _create(utp_client, "Document_РеализацияТоваровУслуг", _invoice_body(seed, order, before + 5))
    r = _post(
        utp_client, "Document_РеализацияТоваровУслуг", too_much, operational=True
    )  # RealTimePosting = Deny
    assert r.status_code == 500 and "Оперативное проведение" in r.json()["odata.error"]["message"]["value"]
    no_row = _invoice_body(
        seed, order, 1, Склад_Key=EMPTY
    )  # an empty row warehouse is filled from the header
    del no_row["Товары"][0]["Склад_Key"]
    r = _create_and_post(utp_client, "Document_РеализацияТоваровУслуг", no_row)
    assert r.status_code == 500 and "Склад" in r.json()["odata.error"]["message"]["value"]
    inv = _create(utp_client, "Document_РеализацияТоваровУслуг", _invoice_body(seed, order, 1))
    assert _post(utp_client, "Document_РеализацияТоваровУслуг", inv).status_code == 200
    assert _stock(utp_client, wh, prod) == before - 1
    _assert_order_cleared(utp_client, order)
    found = utp_get(
        utp_client,
        "/Document_РеализацияТоваровУслуг",
        **{
            "$filter": f"Сделка eq cast(guid'{order}','Document_ЗаказПокупателя') and Posted eq true",
            "$select": "**",
        },
    ).json()["value"]
    assert [d["Ref_Key"] for d in found] == [inv]
    any_rows = utp_get(
        utp_client,
        "/Document_РеализацияТоваровУслуг",
        **{"$filter": f"Товары/any(t: t/ЗаказПокупателя_Key eq guid'{order}')"},
    ).json()["value"]
    assert len(any_rows) == 3
    turn = utp_get(utp_client, "/AccumulationRegister_Продажи/Balance")
    assert turn.status_code == 400 and turn.json()["odata.error"]["code"] == "6"  # turnover register
    # return note brings the goods back
    ret = _create(
        utp_client,
        "Document_ВозвратТоваровОтПокупателя",
        {
            **_invoice_body(seed, order, 1),
            "Сделка": inv,
            "Сделка_Type": "StandardODATA.Document_РеализацияТоваровУслуг",
        },
    )
    assert _post(utp_client, "Document_ВозвратТоваровОтПокупателя", ret).status_code == 200
    assert _stock(utp_client, wh, prod) == before


def test_invoice_by_orders_contract_needs_deal(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    cp = next(c for c in seed["counterparties"] if c["settlement"] == "ПоЗаказам")
    body = _invoice_body(seed, "", 1, Контрагент_Key=cp["ref"], ДоговорКонтрагента_Key=cp["contract"])
    body.pop("Сделка"), body.pop("Сделка_Type")
    del body["Товары"][0]["ЗаказПокупателя_Key"]
    r = _create_and_post(utp_client, "Document_РеализацияТоваровУслуг", body)
    assert r.status_code == 500 and "ЗаказПокупателя" in r.json()["odata.error"]["message"]["value"]


def test_closure_removes_order_balance_and_reserves(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    order = _create(utp_client, "Document_ЗаказПокупателя", utp_order_body(seed, qty=3))
    _post(utp_client, "Document_ЗаказПокупателя", order)
    closure = _create(
        utp_client,
        "Document_ЗакрытиеЗаказовПокупателей",
        {
            "Date": "2024-06-01T09:00:00",
            "ВидОперации": "ЗакрытиеЗаказов",
            "Заказы": [
                {
                    "LineNumber": "1",
                    "ЗаказПокупателя": order,
                    "ЗаказПокупателя_Type": ORDER_T,
                    "ПричинаЗакрытияЗаказа_Key": seed["closure_reason"],
                }
            ],
        },
    )
    assert _post(utp_client, "Document_ЗакрытиеЗаказовПокупателей", closure).status_code == 200
    _assert_order_cleared(utp_client, order)
    found = utp_get(
        utp_client,
        "/Document_ЗакрытиеЗаказовПокупателей",
        **{
            "$filter": f"Заказы/any(z: z/ЗаказПокупателя eq cast(guid'{order}','Document_ЗаказПокупателя')) and Posted eq true"  # noqa: E501
        },
    ).json()["value"]
    assert [d["Ref_Key"] for d in found] == [closure]


def test_cash_receipt_checks_and_settlement(
    utp_client: httpx.Client, utp_app: UtpEmulator
) -> None:  # cash receipt
    seed = utp_app.seed_info
    cp = next(c for c in seed["counterparties"] if c["settlement"] == "ПоЗаказам")
    order = _create(
        utp_client,
        "Document_ЗаказПокупателя",
        utp_order_body(seed, Контрагент_Key=cp["ref"], ДоговорКонтрагента_Key=cp["contract"]),
    )
    row = {
        "LineNumber": "1",
        "ДоговорКонтрагента_Key": cp["contract"],
        "СуммаПлатежа": 1200,
        "СуммаВзаиморасчетов": 1200,
    }
    body = {
        "Date": "2024-05-20T12:00:00",
        "ВидОперации": "ОплатаПокупателя",
        "Организация_Key": seed["organization"]["ref"],
        "Касса_Key": seed["cash_desk"],
        "Контрагент": cp["ref"],
        "Контрагент_Type": "StandardODATA.Catalog_Контрагенты",
        "ДоговорКонтрагента_Key": cp["contract"],
        "ВалютаДокумента_Key": seed["currency_uah"],
        "СуммаДокумента": 1200,
        "ДокументОснование": order,
        "ДокументОснование_Type": ORDER_T,
        "Ответственный_Key": seed["users"]["Інтеграція SalesDrive"],
        "Оплачено": True,
        "ОтражатьВУправленческомУчете": True,
        "РасшифровкаПлатежа": [row],
    }
    r = _create_and_post(utp_client, "Document_ПриходныйКассовыйОрдер", body)
    assert r.status_code == 500 and "Заказ покупателя" in r.json()["odata.error"]["message"]["value"]
    body["РасшифровкаПлатежа"] = [{**row, "Сделка": order, "Сделка_Type": ORDER_T}]
    pko = _create(utp_client, "Document_ПриходныйКассовыйОрдер", body)
    assert _post(utp_client, "Document_ПриходныйКассовыйОрдер", pko).status_code == 200
    settle = _balance(
        utp_client, "ВзаиморасчетыСКонтрагентами", f"Сделка eq cast(guid'{order}','Document_ЗаказПокупателя')"
    )
    assert [r["СуммаВзаиморасчетовBalance"] for r in settle] == [-1200]


def test_price_setting_and_slice_last(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    prod, unit = seed["sample_products"][3]["ref"], seed["sample_products"][3]["unit"]
    pt = seed["price_type"]
    cond = f"ТипЦен_Key eq guid'{pt}' and Номенклатура_Key eq guid'{prod}'"
    url = "/InformationRegister_ЦеныНоменклатуры_RecordType/SliceLast"
    old = utp_get(utp_client, url, Condition=cond).json()["value"]
    assert len(old) == 1 and old[0]["Period"] == "2024-01-01T00:00:00"
    doc = _create(
        utp_client,
        "Document_УстановкаЦенНоменклатуры",
        {
            "Date": "2024-05-01T00:00:00",
            "Товары": [price_row(seed, prod, unit, 777.5)],
        },
    )
    assert _post(utp_client, "Document_УстановкаЦенНоменклатуры", doc).status_code == 200
    assert [r["Цена"] for r in utp_get(utp_client, url, Condition=cond).json()["value"]] == [777.5]
    paren = f"{url}(Period=datetime'2024-04-01T00:00:00',Condition='{cond.replace(chr(39), chr(39) * 2)}')"
    assert [r["Цена"] for r in utp_get(utp_client, paren).json()["value"]] == [old[0]["Цена"]]
    whole = utp_get(utp_client, url, Condition=f"ТипЦен_Key eq guid'{pt}'").json()["value"]
    assert len(whole) == 38 and all(r["ТипЦен_Key"] == pt for r in whole)  # 40 SKUs minus 2 services
    assert utp_get(utp_client, "/InformationRegister_ЦеныНоменклатуры/SliceLast").status_code == 400


def test_goods_receipt_adds_stock(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    prod = seed["sample_products"][4]
    wh = seed["warehouses"][2]["ref"]
    before = _stock(utp_client, wh, prod["ref"])
    doc = _create(
        utp_client,
        "Document_ПоступлениеТоваровУслуг",
        receipt_body(seed, wh, [(prod["ref"], prod["unit"], 7, 70)]),
    )
    assert _post(utp_client, "Document_ПоступлениеТоваровУслуг", doc).status_code == 200
    assert _stock(utp_client, wh, prod["ref"]) == before + 7


def test_independent_register_properties(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    prop = seed["properties"]["SalesDrive ID"]
    prod = seed["sample_products"][5]["ref"]
    rec = {
        "Объект": prod,
        "Объект_Type": "StandardODATA.Catalog_Номенклатура",
        "Свойство_Key": prop,
        "Значение": "SD-1",
        "Значение_Type": "Edm.String",
    }
    url = "/InformationRegister_ЗначенияСвойствОбъектов?$format=json"
    assert utp_client.post(url, json=rec).status_code == 201
    dup = utp_client.post(url, json=rec)
    assert dup.status_code == 400 and dup.json()["odata.error"]["code"] == "15"
    found = utp_get(
        utp_client,
        "/InformationRegister_ЗначенияСвойствОбъектов",
        **{"$filter": f"Свойство_Key eq guid'{prop}' and cast(Значение,'Edm.String') eq 'SD-1'"},
    ).json()["value"]
    assert [r["Объект"] for r in found] == [prod]
    key = f"(Объект=cast(guid'{prod}','Catalog_Номенклатура'),Свойство_Key=guid'{prop}')"
    p = utp_client.patch(
        f"/InformationRegister_ЗначенияСвойствОбъектов{key}?$format=json", json={"Значение": "SD-2"}
    )
    assert p.status_code == 200 and p.json()["Значение"] == "SD-2"
    assert utp_client.delete(f"/InformationRegister_ЗначенияСвойствОбъектов{key}").status_code == 204
    assert utp_get(utp_client, f"/InformationRegister_ЗначенияСвойствОбъектов{key}").status_code == 404
    new_prop = utp_client.post(
        "/ChartOfCharacteristicTypes_СвойстваОбъектов?$format=json", json={"Description": "SalesDrive: UTM"}
    )
    assert new_prop.status_code == 201 and new_prop.json()["ValueType"]["Types"] == ["Edm.String"]
    phones = utp_get(
        utp_client,
        "/InformationRegister_КонтактнаяИнформация",
        **{
            "$filter": f"Объект eq cast(guid'{seed['counterparties'][0]['ref']}','Catalog_Контрагенты') and Тип eq 'Телефон'"  # noqa: E501
        },
    ).json()["value"]
    assert [r["Представление"] for r in phones] == ["067 111-22-33"]


# <RealTimePosting> of Documents/<name>.xml in the customer's configuration dump (github.com/malakhovua/utp).
REALTIME_POSTING = {
    "Document_ЗаказПокупателя": "Allow",
    "Document_РеализацияТоваровУслуг": "Deny",
    "Document_ВозвратТоваровОтПокупателя": "Allow",
    "Document_ЗакрытиеЗаказовПокупателей": "Deny",
    "Document_ПриходныйКассовыйОрдер": "Allow",
    "Document_УстановкаЦенНоменклатуры": "Deny",
    "Document_ПоступлениеТоваровУслуг": "Allow",
}


@pytest.mark.parametrize(("set_name", "mode"), sorted(REALTIME_POSTING.items()))
def test_operational_posting_follows_the_dump_metadata(
    utp_client: httpx.Client, set_name: str, mode: str
) -> None:
    assert {name for name, m in REALTIME_POSTING.items() if m == "Deny"} == NO_REALTIME
    r = _post(utp_client, set_name, _create(utp_client, set_name, {}), operational=True)
    error = "" if r.status_code == 200 else r.json()["odata.error"]["message"]["value"]
    assert ("Оперативное проведение" in error) == (mode == "Deny"), error
