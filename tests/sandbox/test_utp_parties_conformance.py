"""Counterparties, contracts, cash receipts, property values and contact lookups as UTP 1.2 runs them.

Each test names the configuration's file and procedure it reproduces (sandbox/utp/README.md, table
"Parties").
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sandbox.utp.app import UtpEmulator

from .conftest import utp_get, utp_lit, utp_order_body

CP = "Catalog_Контрагенты"
CONTRACT = "Catalog_ДоговорыКонтрагентов"
RECEIPT = "Document_ПриходныйКассовыйОрдер"
ORDER_T = "StandardODATA.Document_ЗаказПокупателя"
CONTACTS = "/InformationRegister_КонтактнаяИнформация"
EMPTY = "00000000-0000-0000-0000-000000000000"


def _write(c: httpx.Client, set_name: str, body: dict[str, Any], **headers: str) -> httpx.Response:
    return c.post(f"/{set_name}?$format=json", json=body, headers=headers)


def _created(c: httpx.Client, set_name: str, body: dict[str, Any]) -> dict[str, Any]:
    r = _write(c, set_name, body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _message(r: httpx.Response) -> str:
    return str(r.json()["odata.error"]["message"]["value"])


def _contract_body(seed: dict[str, Any], owner: str, **over: Any) -> dict[str, Any]:
    return {
        "Description": "Договір",
        "Owner_Key": owner,
        "Организация_Key": seed["organization"]["ref"],
        "ВидДоговора": "СПокупателем",
        "ВалютаВзаиморасчетов_Key": seed["currency_uah"],
        "ВедениеВзаиморасчетов": "ПоДоговоруВЦелом",
        **over,
    }


# ----- Catalogs/ДоговорыКонтрагентов/Ext/ObjectModule.bsl, ПередЗаписью -----


def test_buyer_contract_of_a_counterparty_that_is_not_a_buyer_is_refused(
    utp_client: httpx.Client, utp_app: UtpEmulator
) -> None:
    seed = utp_app.seed_info
    supplier = seed["supplier"]["ref"]
    before = len(utp_get(utp_client, f"/{CONTRACT}").json()["value"])
    r = _write(utp_client, CONTRACT, _contract_body(seed, supplier))
    assert r.status_code == 500 and r.json()["odata.error"]["code"] == "-1"
    assert 'Вид договора "С покупателем" может устанавливаться только' in _message(r)
    assert len(utp_get(utp_client, f"/{CONTRACT}").json()["value"]) == before  # nothing written
    # marked a buyer, the same counterparty gets its buyer contract
    assert (
        utp_client.patch(f"/{CP}(guid'{supplier}')?$format=json", json={"Покупатель": True}).status_code
        == 200
    )
    assert _created(utp_client, CONTRACT, _contract_body(seed, supplier))["Owner_Key"] == supplier
    # and a supplier contract needs a supplier
    buyer = seed["counterparties"][0]["ref"]
    r = _write(utp_client, CONTRACT, _contract_body(seed, buyer, ВидДоговора="СПоставщиком"))
    assert r.status_code == 500 and 'Вид договора "С поставщиком"' in _message(r)


@pytest.mark.parametrize(
    ("missing", "needle"),
    [
        ("ВалютаВзаиморасчетов_Key", "Не указана валюта договора."),
        ("Организация_Key", "Не указана организация, от которой заключен договор."),
        ("ВедениеВзаиморасчетов", "Не указан способ ведения взаиморасчетов по договору."),
        ("ВидДоговора", "Не указан вид договора."),
    ],
)
def test_contract_needs_currency_organisation_settlement_and_kind(
    utp_client: httpx.Client, utp_app: UtpEmulator, missing: str, needle: str
) -> None:
    seed = utp_app.seed_info
    body = _contract_body(seed, seed["counterparties"][0]["ref"])
    del body[missing]
    r = _write(utp_client, CONTRACT, body)
    assert r.status_code == 500 and needle in _message(r)


def test_other_contract_cannot_keep_settlement_documents_and_limits_are_zeroed(
    utp_client: httpx.Client, utp_app: UtpEmulator
) -> None:
    seed = utp_app.seed_info
    owner = seed["counterparties"][0]["ref"]
    r = _write(
        utp_client,
        CONTRACT,
        _contract_body(seed, owner, ВидДоговора="Прочее", ВестиПоДокументамРасчетовСКонтрагентом=True),
    )
    assert r.status_code == 500 and "Прочее" in _message(r)
    made = _created(utp_client, CONTRACT, _contract_body(seed, owner, ДопустимаяСуммаЗадолженности=5000))
    assert made["ДопустимаяСуммаЗадолженности"] == 0  # not controlled → zeroed


def test_a_contract_with_movements_keeps_its_terms_and_data_load_mode_skips_the_checks(
    utp_client: httpx.Client, utp_app: UtpEmulator
) -> None:
    seed = utp_app.seed_info
    cp = seed["counterparties"][0]
    order = _created(utp_client, "Document_ЗаказПокупателя", utp_order_body(seed))["Ref_Key"]
    posted = utp_client.post(f"/Document_ЗаказПокупателя(guid'{order}')/Post?$format=json")
    assert posted.status_code == 200, posted.text
    url = f"/{CONTRACT}(guid'{cp['contract']}')?$format=json"
    r = utp_client.patch(url, json={"ВедениеВзаиморасчетов": "ПоЗаказам"})
    assert r.status_code == 500 and "не могут быть изменены" in _message(r)
    r = utp_client.patch(url, json={"Owner_Key": seed["counterparties"][1]["ref"]})
    assert r.status_code == 500 and "Контрагент договора не может быть изменен" in _message(r)
    assert utp_client.patch(url, json={"Description": "Основний договір 2024"}).status_code == 200
    # 1C_OData-DataLoadMode is ОбменДанными.Загрузка: no check runs
    loaded = _write(
        utp_client,
        CONTRACT,
        _contract_body(seed, seed["supplier"]["ref"]),
        **{"1C_OData-DataLoadMode": "true"},
    )
    assert loaded.status_code == 201


# ----- Catalogs/Контрагенты/Ext/ObjectModule.bsl, ПередЗаписью / ПриЗаписи -----


def test_counterparty_is_its_own_head_and_a_branch_cannot_head_another(
    utp_client: httpx.Client, utp_app: UtpEmulator
) -> None:
    head = _created(utp_client, CP, {"Description": "ТОВ Головна", "Покупатель": True})
    assert head["ГоловнойКонтрагент_Key"] == head["Ref_Key"]
    branch = _created(utp_client, CP, {"Description": "Філія", "ГоловнойКонтрагент_Key": head["Ref_Key"]})
    assert branch["ГоловнойКонтрагент_Key"] == head["Ref_Key"]
    r = _write(utp_client, CP, {"Description": "Філія філії", "ГоловнойКонтрагент_Key": branch["Ref_Key"]})
    assert r.status_code == 500 and "не может быть выбран головным" in _message(r)
    other = _created(utp_client, CP, {"Description": "Інша"})
    r = utp_client.patch(
        f"/{CP}(guid'{head['Ref_Key']}')?$format=json", json={"ГоловнойКонтрагент_Key": other["Ref_Key"]}
    )
    assert r.status_code == 500 and "не может иметь головного контрагента" in _message(r)
    activity = "0b3c1d2e-0000-4000-8000-000000000001"
    cleared = _created(utp_client, CP, {"Description": "Без видів", "ОсновнойВидДеятельности_Key": activity})
    assert cleared["ОсновнойВидДеятельности_Key"] == EMPTY


# ----- Documents/ПриходныйКассовыйОрдер/Ext/ObjectModule.bsl -----


def _receipt(seed: dict[str, Any], cp: dict[str, Any], order: str, amount: float = 500, **over: Any) -> dict:
    row = {
        "LineNumber": "1",
        "ДоговорКонтрагента_Key": cp["contract"],
        "Сделка": order,
        "Сделка_Type": ORDER_T,
        "СуммаПлатежа": amount,
        "СуммаВзаиморасчетов": amount,
    }
    return {
        "Date": "2024-05-21T09:00:00",
        "ВидОперации": "ОплатаПокупателя",
        "Организация_Key": seed["organization"]["ref"],
        "Касса_Key": seed["cash_desk"],
        "Контрагент": cp["ref"],
        "Контрагент_Type": "StandardODATA.Catalog_Контрагенты",
        "ВалютаДокумента_Key": seed["currency_uah"],
        "СуммаДокумента": amount,
        "Ответственный_Key": seed["users"]["Інтеграція SalesDrive"],
        "Оплачено": True,
        "ОтражатьВУправленческомУчете": True,
        "РасшифровкаПлатежа": [row],
        **over,
    }


def _order(c: httpx.Client, seed: dict[str, Any], cp: dict[str, Any]) -> str:
    ref = _created(
        c,
        "Document_ЗаказПокупателя",
        utp_order_body(seed, Контрагент_Key=cp["ref"], ДоговорКонтрагента_Key=cp["contract"]),
    )["Ref_Key"]
    assert c.post(f"/Document_ЗаказПокупателя(guid'{ref}')/Post?$format=json").status_code == 200
    return str(ref)


Ordered = tuple[dict[str, Any], dict[str, Any], str]


@pytest.fixture
def ordered(utp_client: httpx.Client, utp_app: UtpEmulator) -> Ordered:
    """The seed, its first customer and a posted order of theirs."""
    seed = utp_app.seed_info
    cp = seed["counterparties"][0]
    return seed, cp, _order(utp_client, seed, cp)


def _post_receipt(c: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    ref = _created(c, RECEIPT, body)["Ref_Key"]
    return c.post(f"/{RECEIPT}(guid'{ref}')/Post?$format=json")


def _settled(c: httpx.Client, cp: str) -> list[dict[str, Any]]:
    r = utp_get(
        c,
        "/AccumulationRegister_ВзаиморасчетыСКонтрагентами/Balance",
        Condition=f"Контрагент_Key eq guid'{cp}'",
    )
    return list(r.json()["value"])


def test_customer_payment_needs_a_responsible_user(utp_client: httpx.Client, ordered: Ordered) -> None:
    seed, cp, order = ordered
    r = _post_receipt(utp_client, _receipt(seed, cp, order, Ответственный_Key=EMPTY))
    assert r.status_code == 500 and 'Не заполнено значение реквизита "Ответственный"!' in _message(r)
    assert _post_receipt(utp_client, _receipt(seed, cp, order)).status_code == 200


def test_receipt_belongs_to_some_accounting_and_its_breakdown_sums_to_the_document(
    utp_client: httpx.Client, ordered: Ordered
) -> None:
    seed, cp, order = ordered
    r = _post_receipt(utp_client, _receipt(seed, cp, order, ОтражатьВУправленческомУчете=False))
    assert r.status_code == 500 and "хотя бы одному из видов учета" in _message(r)
    r = _post_receipt(utp_client, _receipt(seed, cp, order, СуммаДокумента=600))
    assert r.status_code == 500 and "не совпадают сумма документа и ее расшифровка" in _message(r).lower()
    body = _receipt(seed, cp, order)
    body["РасшифровкаПлатежа"][0]["ДоговорКонтрагента_Key"] = EMPTY
    r = _post_receipt(utp_client, body)
    assert r.status_code == 500 and 'Не заполнено значение реквизита "Договор контрагента"!' in _message(r)


def test_receipt_without_rows_gets_one_empty_row_and_the_header_contract_follows_the_rows(
    utp_client: httpx.Client, ordered: Ordered
) -> None:
    seed, cp, order = ordered
    made = _created(utp_client, RECEIPT, _receipt(seed, cp, order))
    assert made["ДоговорКонтрагента_Key"] == cp["contract"]  # ПередЗаписью: the rows' only contract
    empty = _created(utp_client, RECEIPT, {**_receipt(seed, cp, order), "РасшифровкаПлатежа": []})
    assert len(empty["РасшифровкаПлатежа"]) == 1
    r = utp_client.post(f"/{RECEIPT}(guid'{empty['Ref_Key']}')/Post?$format=json")
    assert r.status_code == 500 and "Сумма взаиморасчетов" in _message(r)


def test_by_order_and_by_invoice_contracts_need_the_deal(
    utp_client: httpx.Client, utp_app: UtpEmulator
) -> None:
    seed = utp_app.seed_info
    by_orders = next(c for c in seed["counterparties"] if c["settlement"] == "ПоЗаказам")
    by_invoices = next(c for c in seed["counterparties"] if c["settlement"] == "ПоСчетам")
    for cp, what in ((by_orders, "Заказ покупателя"), (by_invoices, "Счет покупателя")):
        body = _receipt(seed, cp, "")
        body["РасшифровкаПлатежа"][0].update({"Сделка": "", "Сделка_Type": "StandardODATA.Undefined"})
        r = _post_receipt(utp_client, body)
        assert r.status_code == 500 and f'Заполните поле "{what}"' in _message(r)


def test_accounting_reflection_needs_the_cash_and_settlement_accounts(
    utp_client: httpx.Client, utp_app: UtpEmulator, ordered: Ordered
) -> None:
    seed, cp, order = ordered
    r = _post_receipt(utp_client, _receipt(seed, cp, order, ОтражатьВБухгалтерскомУчете=True))
    text = _message(r)
    assert r.status_code == 500 and "Не указан счет учета денежных средств." in text
    assert 'Не заполнено значение реквизита "Счет расчетов"!' in text
    assert "не указан Счет учета НДС" in text  # a VAT payer (emulator option vat_payer)
    account = "0b3c1d2e-0000-4000-8000-0000000000aa"
    body = _receipt(seed, cp, order, ОтражатьВБухгалтерскомУчете=True, СчетКасса_Key=account)
    body["РасшифровкаПлатежа"][0].update(
        {
            "СчетУчетаРасчетовСКонтрагентом_Key": account,
            "СчетУчетаНДС_Key": account,
            "СчетУчетаНДСПодтвержденный_Key": account,
            "СтатьяДвиженияДенежныхСредств_Key": account,
        }
    )
    assert _post_receipt(utp_client, body).status_code == 200
    utp_app.configure(vat_payer=False)  # an organisation that pays no VAT needs no VAT accounts
    body["РасшифровкаПлатежа"][0]["СчетУчетаНДС_Key"] = EMPTY
    body["РасшифровкаПлатежа"][0]["СчетУчетаНДСПодтвержденный_Key"] = EMPTY
    assert _post_receipt(utp_client, body).status_code == 200


def test_settlements_move_only_when_paid_and_managed_and_keep_the_order_only_by_orders(
    utp_client: httpx.Client, utp_app: UtpEmulator
) -> None:
    seed = utp_app.seed_info
    whole = seed["counterparties"][0]  # ПоДоговоруВЦелом
    by_orders = next(c for c in seed["counterparties"] if c["settlement"] == "ПоЗаказам")
    order = _order(utp_client, seed, whole)
    before = sum(r["СуммаВзаиморасчетовBalance"] for r in _settled(utp_client, whole["ref"]))
    assert _post_receipt(utp_client, _receipt(seed, whole, order, Оплачено=False)).status_code == 200
    assert sum(r["СуммаВзаиморасчетовBalance"] for r in _settled(utp_client, whole["ref"])) == before
    assert _post_receipt(utp_client, _receipt(seed, whole, order)).status_code == 200
    rows = _settled(utp_client, whole["ref"])
    assert sum(r["СуммаВзаиморасчетовBalance"] for r in rows) == before - 500
    assert all(r["Сделка_Type"] == "StandardODATA.Undefined" for r in rows)  # by contract: no deal
    deal_order = _order(utp_client, seed, by_orders)
    assert _post_receipt(utp_client, _receipt(seed, by_orders, deal_order)).status_code == 200
    by_deal = [r for r in _settled(utp_client, by_orders["ref"]) if r["Сделка"] == deal_order]
    assert [r["СуммаВзаиморасчетовBalance"] for r in by_deal] == [-500]


# ----- ChartsOfCharacteristicTypes/СвойстваОбъектов.xml: string values of 50 -----


def test_property_string_values_are_cut_at_50(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    order = _created(utp_client, "Document_ЗаказПокупателя", utp_order_body(seed))["Ref_Key"]
    long_text = "Очікує підтвердження оплати від покупця через банк [12]"
    assert len(long_text) > 50
    r = utp_client.post(
        "/InformationRegister_ЗначенияСвойствОбъектов?$format=json",
        json={
            "Объект": order,
            "Объект_Type": ORDER_T,
            "Свойство_Key": seed["properties"]["SalesDrive: статус"],
            "Значение": long_text,
            "Значение_Type": "Edm.String",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["Значение"] == long_text[:50]  # cut silently: the trailing "[12]" is gone


# ----- query language: strings of unlimited length -----


def test_comparing_an_unlimited_string_is_refused_and_substringof_works(
    utp_client: httpx.Client, utp_app: UtpEmulator
) -> None:
    phone = utp_app.seed_info["counterparties"][0]["phones"][0]
    for op in ("eq", "ne", "gt", "ge", "lt", "le"):
        r = utp_get(utp_client, CONTACTS, **{"$filter": f"Представление {op} {utp_lit(phone)}"})
        assert r.status_code == 500 and "неограниченной длины" in _message(r), op
    r = utp_get(utp_client, f"/{CP}", **{"$filter": "Комментарий eq 'x'"})  # unlimited too
    assert r.status_code == 500
    found = utp_get(utp_client, CONTACTS, **{"$filter": f"substringof({utp_lit(phone)}, Представление)"})
    assert [row["Представление"] for row in found.json()["value"]] == [phone]
    liked = utp_get(utp_client, CONTACTS, **{"$filter": f"like(Представление, {utp_lit(phone[:5] + '%')})"})
    assert phone in [row["Представление"] for row in liked.json()["value"]]
    bounded = utp_get(utp_client, CONTACTS, **{"$filter": f"Поле1 eq {utp_lit(phone)}"})  # string of 100
    assert bounded.status_code == 200 and len(bounded.json()["value"]) == 1


def test_the_refusal_is_an_emulator_option(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    phone = utp_app.seed_info["counterparties"][0]["phones"][0]
    utp_app.configure(refuse_unlimited_string_comparison=False)
    r = utp_get(utp_client, CONTACTS, **{"$filter": f"Представление eq {utp_lit(phone)}"})
    assert r.status_code == 200 and [row["Представление"] for row in r.json()["value"]] == [phone]


# ----- the seed follows the configuration -----


def test_seed_has_every_settlement_mode_and_a_supplier_only_counterparty_with_contacts(
    utp_client: httpx.Client, utp_app: UtpEmulator
) -> None:
    seed = utp_app.seed_info
    modes = {
        c["ВедениеВзаиморасчетов"]
        for c in utp_get(utp_client, f"/{CONTRACT}", **{"$filter": "ВидДоговора eq 'СПокупателем'"}).json()[
            "value"
        ]
    }
    assert modes == {"ПоДоговоруВЦелом", "ПоЗаказам", "ПоСчетам"}
    supplier = utp_get(utp_client, f"/{CP}(guid'{seed['supplier']['ref']}')").json()
    assert (supplier["Покупатель"], supplier["Поставщик"]) == (False, True)
    contacts = utp_get(
        utp_client,
        CONTACTS,
        **{"$filter": f"Объект eq cast(guid'{supplier['Ref_Key']}','Catalog_Контрагенты')"},
    ).json()["value"]
    assert {c["Тип"] for c in contacts} == {"Телефон", "АдресЭлектроннойПочты"}
    users = utp_get(utp_client, "/Catalog_Пользователи").json()["value"]
    assert "Інтеграція SalesDrive" in [u["Description"] for u in users]
