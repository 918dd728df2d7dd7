"""Protocol-level behaviour of the UTP emulator, each case a behaviour of 1C's OData (docs/utp-odata.md)."""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx

from sandbox.utp.app import UtpEmulator

from .conftest import utp_get, utp_lit, utp_order_body, utp_q

FIXTURES = Path(__file__).parents[1] / "fixtures" / "utp"
EDM = "{http://schemas.microsoft.com/ado/2009/11/edm}"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _kind(v: Any) -> str:
    return type(v).__name__


def test_service_document_lists_sets(utp_client: httpx.Client) -> None:  # {"name","url"}
    r = utp_client.get("/?$format=json")
    assert r.status_code == 200
    names = {e["name"] for e in r.json()["value"]}
    assert {
        "Catalog_Номенклатура",
        "Document_ЗаказПокупателя_Товары",
        "AccumulationRegister_ТоварыНаСкладах",
    } <= names
    assert all(set(e) == {"name", "url"} for e in r.json()["value"])


def test_metadata_has_shape_of_recording(
    utp_client: httpx.Client,
) -> None:  # tests/fixtures/utp/README.md
    ours = ET.fromstring(utp_client.get("/$metadata").content)  # noqa: S314 (our own answer)
    rec = ET.fromstring((FIXTURES / "recorded-metadata.xml").read_bytes())  # noqa: S314
    assert ours.tag == rec.tag and ours.attrib == rec.attrib
    schema = ours.find(f".//{EDM}Schema")
    assert schema is not None and schema.get("Namespace") == "StandardODATA"
    assert ours.find(f".//{EDM}EntityContainer[@Name='EnterpriseV8']") is not None
    for name in ("Catalog_Номенклатура", "Catalog_Контрагенты", "Catalog_Валюты", "Catalog_Организации"):
        mine = ours.find(f".//{EDM}EntityType[@Name='{name}']")
        theirs = rec.find(f".//{EDM}EntityType[@Name='{name}']")
        assert mine is not None and theirs is not None
        assert [k.get("Name") for k in mine.iter(f"{EDM}PropertyRef")] == ["Ref_Key"]
        mp = {p.get("Name"): (p.get("Type"), p.get("Nullable")) for p in mine.findall(f"{EDM}Property")}
        tp = {p.get("Name"): (p.get("Type"), p.get("Nullable")) for p in theirs.findall(f"{EDM}Property")}
        common = set(mp) & set(tp)
        # the standard fields and the standard attributes we model are typed exactly as recorded
        assert {"Ref_Key", "DataVersion", "Description", "Code", "DeletionMark", "Predefined"} <= common
        assert {n: mp[n] for n in common} == {n: tp[n] for n in common}
        assert mine.get("OpenType") == theirs.get("OpenType")
    posts = ours.findall(f".//{EDM}FunctionImport[@Name='Post']")
    assert posts and all(p.get("IsBindable") == "true" for p in posts)
    assert ours.find(f".//{EDM}ComplexType[@Name='Document_ЗаказПокупателя_Товары_RowType']") is not None
    assert ours.findall(f".//{EDM}FunctionImport[@Name='SliceLast']")
    assert ours.findall(f".//{EDM}FunctionImport[@Name='Balance']")


def test_order_json_has_shape_of_recording(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    ref = utp_client.post("/Document_ЗаказПокупателя?$format=json", json=utp_order_body(seed)).json()[
        "Ref_Key"
    ]
    assert (
        utp_client.post(
            f"/Document_ЗаказПокупателя(guid'{ref}')/Post?PostingModeOperational=false"
        ).status_code
        == 200
    )
    ours = utp_get(utp_client, "/Document_ЗаказПокупателя").json()
    rec = json.loads((FIXTURES / "recorded-orders.json").read_text(encoding="utf-8"))
    assert ours["odata.metadata"].endswith("/odata/standard.odata/$metadata#Document_ЗаказПокупателя")
    assert list(ours) == list(rec)
    mine, theirs = ours["value"][0], rec["value"][0]
    common = (set(mine) & set(theirs)) - {k for k in theirs if "@" in k}
    assert len(common) > 35
    for k in common:
        if isinstance(theirs[k], list):
            row_common = set(mine[k][0] if mine[k] else {}) & set(theirs[k][0] if theirs[k] else {})
            for rk in row_common:
                assert _kind(mine[k][0][rk]) == _kind(theirs[k][0][rk]) or {
                    _kind(mine[k][0][rk]),
                    _kind(theirs[k][0][rk]),
                } == {"int", "float"}, rk
            continue
        assert _kind(mine[k]) == _kind(theirs[k]) or {_kind(mine[k]), _kind(theirs[k])} == {"int", "float"}, k
    assert (
        list(mine)[:6]
        == list(theirs)[:6]
        == ["Ref_Key", "DataVersion", "DeletionMark", "Number", "Date", "Posted"]
    )
    assert (
        mine["КратностьВзаиморасчетов"] == "1" and mine["Товары"][0]["LineNumber"] == "1"
    )  # Int64 as string
    assert (
        mine["ДатаОтгрузки"] == "0001-01-01T00:00:00"
        and mine["ДисконтнаяКарта_Key"] == "0" * 8 + "-0000-0000-0000-" + "0" * 12
    )
    assert mine["ДокументОснование"] == "" and mine["ДокументОснование_Type"] == "StandardODATA.Undefined"
    assert mine["СтруктурнаяЕдиница_Type"] == "StandardODATA.Catalog_БанковскиеСчета"
    assert mine["Контрагент@navigationLinkUrl"] == f"Document_ЗаказПокупателя(guid'{ref}')/Контрагент"
    assert "Ответственный@navigationLinkUrl" not in mine  # only non-empty references get links (recording)
    assert len(mine["Number"]) == 11 and mine["Number"].startswith("ЗП")
    base64.b64decode(mine["DataVersion"])


def test_basic_auth_utf8_and_401(utp_app: UtpEmulator) -> None:
    utp_app.configure(user="Адміністратор", password="пароль")
    transport = httpx.WSGITransport(app=utp_app)
    token = base64.b64encode("Адміністратор:пароль".encode()).decode()
    with httpx.Client(transport=transport, base_url="http://utp.test/utp/odata/standard.odata") as c:
        assert c.get("/Catalog_Валюты?$format=json").status_code == 401
        assert (
            c.get("/Catalog_Валюты?$format=json", headers={"Authorization": "Basic " + token}).status_code
            == 200
        )
        bad = base64.b64encode("Адміністратор:пароль".encode("cp1251")).decode()
        assert (
            c.get("/Catalog_Валюты?$format=json", headers={"Authorization": "Basic " + bad}).status_code
            == 401
        )


def test_plus_in_query_is_not_a_space(utp_client: httpx.Client) -> None:
    r = utp_client.get("/Catalog_Валюты?$format=json&$filter=Code+eq+'980'")
    assert r.status_code == 500
    assert r.json()["odata.error"]["code"] == "-1"
    assert len(utp_get(utp_client, "/Catalog_Валюты", **{"$filter": "Code eq '980'"}).json()["value"]) == 1


def test_json_content_type_and_atom_default(utp_client: httpx.Client) -> None:
    r = utp_client.get("/Catalog_Валюты?$format=json")
    assert r.headers["content-type"] == "application/json;charset=utf-8"
    atom = utp_client.get("/Catalog_Валюты")
    assert atom.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(atom.content)  # noqa: S314
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed" and feed.findall(
        "{http://www.w3.org/2005/Atom}entry"
    )
    assert utp_client.get("/Catalog_Валюты", headers={"Accept": "application/json"}).json()["value"]


def test_select_variants_and_unknown_field(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    utp_client.post("/Document_ЗаказПокупателя?$format=json", json=utp_order_body(seed))
    v = utp_get(utp_client, "/Document_ЗаказПокупателя", **{"$select": "**"}).json()["value"][0]
    assert "Товары" not in v and "Number" in v
    v = utp_get(
        utp_client, "/Document_ЗаказПокупателя", **{"$select": "Number,Товары/Номенклатура_Key"}
    ).json()["value"][0]
    assert set(v) == {"Ref_Key", "Number", "Товары"} and set(v["Товары"][0]) == {
        "Ref_Key",
        "LineNumber",
        "Номенклатура_Key",
    }
    v = utp_get(
        utp_client, "/Document_ЗаказПокупателя", **{"$select": "Number,Контрагент____Presentation"}
    ).json()["value"][0]
    assert v["Контрагент____Presentation"] == seed["counterparties"][0]["description"]
    r = utp_get(utp_client, "/Document_ЗаказПокупателя", **{"$select": "Number,НетТакогоПоля"})
    assert r.status_code == 400 and r.json()["odata.error"]["code"] == "6"


def test_orderby_top_skip_count_inlinecount(utp_client: httpx.Client) -> None:
    all_codes = [
        p["Code"]
        for p in utp_get(utp_client, "/Catalog_Номенклатура", **{"$orderby": "Code desc"}).json()["value"]
    ]
    assert all_codes == sorted(all_codes, reverse=True)
    page = utp_get(
        utp_client, "/Catalog_Номенклатура", **{"$orderby": "Code desc", "$top": "5", "$skip": "3"}
    ).json()
    assert [p["Code"] for p in page["value"]] == all_codes[3:8]
    count = utp_client.get("/Catalog_Номенклатура/$count?" + utp_q(**{"$filter": "IsFolder eq false"}))
    assert count.text == "40"  # a bare number
    inl = utp_get(utp_client, "/Catalog_Номенклатура", **{"$inlinecount": "allpages", "$top": "2"}).json()
    assert inl["odata.count"] == str(len(all_codes)) and len(inl["value"]) == len(all_codes)  # $top ignored
    by_two = utp_get(
        utp_client, "/Catalog_Номенклатура", **{"$orderby": "IsFolder desc, Description"}
    ).json()["value"]
    assert by_two[0]["IsFolder"] is True and by_two[-1]["IsFolder"] is False


def test_get_by_key_and_404(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    ref = utp_app.seed_info["organization"]["ref"]
    r = utp_get(utp_client, f"/Catalog_Организации(guid'{ref}')")
    assert (
        r.json()["odata.metadata"].endswith("$metadata#Catalog_Организации/@Element")
        and r.json()["Ref_Key"] == ref
    )
    missing = utp_get(utp_client, "/Catalog_Организации(guid'11111111-2222-3333-4444-555555555555')")
    assert missing.status_code == 404 and missing.json()["odata.error"]["code"] == "9"
    assert utp_get(utp_client, "/Catalog_НетТакого").json()["odata.error"]["code"] == "6"
    nav = utp_get(utp_client, f"/Catalog_Кассы(guid'{utp_app.seed_info['cash_desk']}')/Owner/Description")
    assert nav.json()["value"] == 'ТОВ "Запчастини Плюс"'


def test_post_patch_delete_semantics(utp_client: httpx.Client) -> None:
    r = utp_client.post(
        "/Catalog_Контрагенты?$format=json",
        json={
            "Description": "Тест",
            "КодПоЕДРПОУ": "123456789012345",
            "НетТакогоПоля": 1,
            "Ref_Key": "11111111-2222-3333-4444-555555555555",
        },
    )
    assert r.status_code == 201
    obj = r.json()
    assert obj["КодПоЕДРПОУ"] == "123456789012"  # truncated to the attribute length (12 in UTP 1.2)
    assert "НетТакогоПоля" not in obj and obj["Ref_Key"] != "11111111-2222-3333-4444-555555555555"
    assert obj["Code"] and GUID.match(obj["Ref_Key"])
    assert r.headers["location"].endswith(f"(guid'{obj['Ref_Key']}')")
    p = utp_client.patch(
        f"/Catalog_Контрагенты(guid'{obj['Ref_Key']}')?$format=json",
        json={"Комментарий": "x", "Ref_Key": "11111111-2222-3333-4444-555555555555"},
        headers={"If-Match": "stale"},  # ignored like on real 1C
    )
    assert p.status_code == 200 and p.json()["Комментарий"] == "x" and p.json()["Description"] == "Тест"
    assert p.json()["DataVersion"] != obj["DataVersion"]
    again = utp_client.patch(f"/Catalog_Контрагенты(guid'{obj['Ref_Key']}')?$format=json", json={})
    assert again.json()["DataVersion"] != p.json()["DataVersion"]  # changes even when nothing changed
    assert utp_client.delete(f"/Catalog_Контрагенты(guid'{obj['Ref_Key']}')").status_code == 204
    assert utp_get(utp_client, f"/Catalog_Контрагенты(guid'{obj['Ref_Key']}')").status_code == 404


def test_tabular_section_replaced_and_line_numbers(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    body = utp_order_body(seed)
    ref = utp_client.post("/Document_ЗаказПокупателя?$format=json", json=body).json()["Ref_Key"]
    url = f"/Document_ЗаказПокупателя(guid'{ref}')?$format=json"
    row = body["Товары"][0]
    two = [{**row, "LineNumber": "1"}, {**row, "LineNumber": "2", "Количество": 1, "Сумма": 600}]
    assert len(utp_client.patch(url, json={"Товары": two}).json()["Товары"]) == 2
    one = utp_client.patch(url, json={"Товары": [{**row, "LineNumber": "1", "Количество": 5}]}).json()
    assert [r["Количество"] for r in one["Товары"]] == [5]
    bad = utp_client.patch(url, json={"Товары": [{**row, "LineNumber": "2"}]})
    assert bad.status_code == 400
    missing = utp_client.patch(url, json={"Товары": [{k: v for k, v in row.items() if k != "LineNumber"}]})
    assert missing.status_code == 500
    assert (
        utp_client.post("/Document_ЗаказПокупателя_Товары?$format=json", json=row).json()["odata.error"][
            "code"
        ]
        == "13"
    )
    rows = utp_get(
        utp_client, "/Document_ЗаказПокупателя_Товары", **{"$filter": f"Ref_Key eq guid'{ref}'"}
    ).json()
    assert [r["LineNumber"] for r in rows["value"]] == ["1"]


def test_document_number_and_sum_recalculated(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    o = utp_client.post(
        "/Document_ЗаказПокупателя?$format=json", json=utp_order_body(seed, qty=3, price=100)
    ).json()
    assert o["СуммаДокумента"] == 300  # ПередЗаписью recomputes it
    o2 = utp_client.post(
        "/Document_ЗаказПокупателя?$format=json",
        json=utp_order_body(seed, qty=3, price=100),
        headers={"1C_OData-DataLoadMode": "true"},
    ).json()
    assert o2["СуммаДокумента"] == 0 and o2["Number"] != o["Number"]


def test_int64_string_quirk_and_bad_values(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    seed = utp_app.seed_info
    o = utp_client.post(
        "/Document_ЗаказПокупателя?$format=json", json=utp_order_body(seed, КратностьВзаиморасчетов="abc")
    ).json()
    assert o["КратностьВзаиморасчетов"] == "0"
    r = utp_client.post(
        "/Document_ЗаказПокупателя?$format=json", json=utp_order_body(seed, Контрагент_Key="nope")
    )
    assert r.status_code == 400


def test_filter_on_cyrillic_sku_with_apostrophe(utp_client: httpx.Client) -> None:
    for sku in ("WPRO-AB'12", "ТЕН-1800Вт"):
        got = utp_get(
            utp_client, "/Catalog_Номенклатура", **{"$filter": f"Артикул eq {utp_lit(sku)}"}
        ).json()["value"]
        assert [p["Артикул"] for p in got] == [sku]
    evil = utp_lit("x' or 1 eq 1")
    inj = utp_get(utp_client, "/Catalog_Номенклатура", **{"$filter": f"Артикул eq {evil}"})
    assert inj.status_code == 200 and inj.json()["value"] == []
