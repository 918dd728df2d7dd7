"""The emulator's schema comes from the configuration's dump: the generator on a tiny synthetic dump,
facts of the committed schema.json checked against UTP 1.2's known values, and the emulator's writes
following the schema (truncation, rounding, enum and composite-type refusals, `$metadata`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.utp import schema_from_dump
from sandbox.utp.app import UtpEmulator
from sandbox.utp.model import ENTITIES, SCHEMA_PATH
from tests.sandbox.conftest import utp_get, utp_order_body

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<MetaDataObject xmlns="http://v8.1c.ru/8.3/MDClasses" '
    'xmlns:cfg="http://v8.1c.ru/8.1/data/enterprise/current-config" '
    'xmlns:v8="http://v8.1c.ru/8.1/data/core" xmlns:xr="http://v8.1c.ru/8.3/xcf/readable" '
    'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="2.11">'
)


def _string(n: int) -> str:
    return (
        "<v8:Type>xs:string</v8:Type><v8:StringQualifiers><v8:Length>"
        f"{n}</v8:Length><v8:AllowedLength>Variable</v8:AllowedLength></v8:StringQualifiers>"
    )


def _number(digits: int, fraction: int, sign: str = "Any") -> str:
    return (
        "<v8:Type>xs:decimal</v8:Type><v8:NumberQualifiers>"
        f"<v8:Digits>{digits}</v8:Digits><v8:FractionDigits>{fraction}</v8:FractionDigits>"
        f"<v8:AllowedSign>{sign}</v8:AllowedSign></v8:NumberQualifiers>"
    )


def _field(tag: str, name: str, type_xml: str) -> str:
    return f"<{tag}><Properties><Name>{name}</Name><Type>{type_xml}</Type></Properties></{tag}>"


def _write(root: Path, folder: str, name: str, tag: str, props: str, children: str) -> None:
    (root / folder).mkdir(parents=True, exist_ok=True)
    (root / folder / f"{name}.xml").write_text(
        f"{HEAD}<{tag}><Properties><Name>{name}</Name>{props}</Properties>"
        f"<ChildObjects>{children}</ChildObjects></{tag}></MetaDataObject>",
        encoding="utf-8",
    )


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    # Long because: a miniature configuration dump, one object per call.
    _write(
        tmp_path,
        "Catalogs",
        "Склады",
        "Catalog",
        "<Hierarchical>true</Hierarchical><HierarchyType>HierarchyFoldersAndItems</HierarchyType>"
        '<Owners><xr:Item xsi:type="xr:MDObjectRef">Catalog.Организации</xr:Item></Owners>'
        "<CodeLength>9</CodeLength><DescriptionLength>50</DescriptionLength><CodeType>String</CodeType>",
        _field("Attribute", "Комментарий", _string(0))
        + _field("Attribute", "ВидСклада", "<v8:Type>cfg:EnumRef.ВидыСкладов</v8:Type>")
        + _field("Attribute", "Подразделение", "<v8:Type>cfg:CatalogRef.Подразделения</v8:Type>")
        + _field("Attribute", "Настройки", "<v8:Type>v8:ValueStorage</v8:Type>"),
    )
    _write(
        tmp_path,
        "Enums",
        "ВидыСкладов",
        "Enum",
        "",
        "".join(
            f"<EnumValue><Properties><Name>{v}</Name></Properties></EnumValue>" for v in ("Оптовый", "НТТ")
        ),
    )
    _write(
        tmp_path,
        "Documents",
        "Заказ",
        "Document",
        "<Synonym><v8:item><v8:lang>ru</v8:lang><v8:content>Заказ клиента</v8:content></v8:item></Synonym>"
        "<NumberType>String</NumberType><NumberLength>11</NumberLength>",
        _field(
            "Attribute",
            "Сделка",
            "<v8:Type>cfg:DocumentRef.Заказ</v8:Type><v8:Type>cfg:CatalogRef.Склады</v8:Type>",
        )
        + "<TabularSection><Properties><Name>Товары</Name></Properties><ChildObjects>"
        + _field("Attribute", "Цена", _number(15, 2, "Nonnegative"))
        + _field("Attribute", "КлючСтроки", _number(5, 0))
        + "</ChildObjects></TabularSection>",
    )
    _write(
        tmp_path,
        "ChartsOfCharacteristicTypes",
        "Свойства",
        "ChartOfCharacteristicTypes",
        "<Type><v8:Type>xs:boolean</v8:Type>"
        + _string(50)
        + "</Type><Hierarchical>false</Hierarchical><CodeLength>9</CodeLength>"
        "<DescriptionLength>50</DescriptionLength>",
        "",
    )
    _write(
        tmp_path,
        "InformationRegisters",
        "Значения",
        "InformationRegister",
        "<InformationRegisterPeriodicity>Day</InformationRegisterPeriodicity><WriteMode>Independent</WriteMode>",
        _field("Dimension", "Объект", "<v8:TypeSet>cfg:CatalogRef</v8:TypeSet>")
        + _field("Resource", "Значение", "<v8:TypeSet>cfg:Characteristic.Свойства</v8:TypeSet>"),
    )
    _write(
        tmp_path,
        "AccumulationRegisters",
        "Продажи",
        "AccumulationRegister",
        "<RegisterType>Turnovers</RegisterType>",
        _field("Dimension", "Склад", "<v8:Type>cfg:CatalogRef.Склады</v8:Type>")
        + _field("Resource", "Сумма", _number(15, 2)),
    )
    return tmp_path


OBJECTS = (
    "Catalog_Склады",
    "Document_Заказ",
    "ChartOfCharacteristicTypes_Свойства",
    "InformationRegister_Значения",
    "AccumulationRegister_Продажи",
)


def test_generator_on_a_synthetic_dump(dump: Path) -> None:
    ents = schema_from_dump.build_schema(dump, OBJECTS)["entities"]
    assert list(ents) == sorted(ents)  # deterministic, sorted
    assert ents["Enum_ВидыСкладов"] == {"kind": "enum", "values": ["Оптовый", "НТТ"]}  # found through a field
    wh = ents["Catalog_Склады"]
    assert (wh["kind"], wh["code_length"], wh["description_length"], wh["hierarchical"]) == (
        "catalog",
        9,
        50,
        True,
    )
    assert wh["owners"] == ["Catalog_Организации"] and wh["hierarchy_type"] == "HierarchyFoldersAndItems"
    assert wh["attributes"] == [
        {"length": 0, "name": "Комментарий", "types": ["String"]},
        {"name": "ВидСклада", "types": ["Enum_ВидыСкладов"]},
        {"name": "Подразделение", "types": ["Catalog_Подразделения"]},
        {"name": "Настройки", "types": ["ValueStorage"]},
    ]
    doc = ents["Document_Заказ"]
    assert (doc["title"], doc["number_length"], doc["number_type"]) == ("Заказ клиента", 11, "String")
    assert doc["attributes"] == [{"name": "Сделка", "types": ["Catalog_Склады", "Document_Заказ"]}]
    assert doc["tabular_sections"]["Товары"] == [
        {"digits": 15, "fraction": 2, "name": "Цена", "nonnegative": True, "types": ["Number"]},
        {"digits": 5, "fraction": 0, "name": "КлючСтроки", "nonnegative": False, "types": ["Number"]},
    ]
    chart = ents["ChartOfCharacteristicTypes_Свойства"]
    assert chart["value_type"] == {"length": 50, "types": ["Boolean", "String"]}
    reg = ents["InformationRegister_Значения"]
    assert (reg["periodicity"], reg["write_mode"]) == ("Day", "Independent")
    assert reg["dimensions"] == [{"name": "Объект", "types": ["CatalogRef"]}]
    # a characteristic type set takes the chart's value type, with its string length
    assert reg["resources"] == [{"length": 50, "name": "Значение", "types": ["Boolean", "String"]}]
    sales = ents["AccumulationRegister_Продажи"]
    assert sales["register_kind"] == "Turnovers"
    assert sales["dimensions"] == [{"name": "Склад", "types": ["Catalog_Склады"]}]


def test_generator_command_writes_the_file_and_refuses_a_missing_object(dump: Path, tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    assert schema_from_dump.main([str(dump), "--out", str(out)]) == 1  # the default list is not in this dump
    assert not out.exists()
    (dump / "Catalogs" / "Склады.xml").unlink()
    with pytest.raises(schema_from_dump.DumpError, match="Catalog_Склады"):
        schema_from_dump.build_schema(dump, OBJECTS)


def test_generator_output_is_byte_stable(dump: Path) -> None:
    first = schema_from_dump.dump_json(schema_from_dump.build_schema(dump, OBJECTS))
    second = schema_from_dump.dump_json(schema_from_dump.build_schema(dump, tuple(reversed(OBJECTS))))
    assert first == second and first.endswith("}\n")
    assert '\n  "Catalog_Склады": {' in first  # one key a line, one field a line: diffs stay readable
    assert '\n    {"name": "ВидСклада", "types": ["Enum_ВидыСкладов"]},\n' in first
    assert json.loads(first) == schema_from_dump.build_schema(dump, OBJECTS)


# --------------------------------------------------------------------------- the committed schema
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["entities"]


def _f(entity: str, name: str, group: str = "attributes") -> dict[str, Any]:
    return next(f for f in SCHEMA[entity][group] if f["name"] == name)


def test_committed_schema_has_the_configurations_values() -> None:
    # UTP 1.2: ChartsOfCharacteristicTypes/СвойстваОбъектов.xml, Type/StringQualifiers
    props = SCHEMA["ChartOfCharacteristicTypes_СвойстваОбъектов"]
    assert props["value_type"]["length"] == 50 and "String" in props["value_type"]["types"]
    assert props["hierarchical"] is False and props["description_length"] == 50
    assert _f("InformationRegister_ЗначенияСвойствОбъектов", "Значение", "resources")["length"] == 50
    # UTP 1.2: InformationRegisters/КонтактнаяИнформация.xml, resource Представление (unlimited)
    assert _f("InformationRegister_КонтактнаяИнформация", "Представление", "resources")["length"] == 0
    # UTP 1.2: Documents/РеализацияТоваровУслуг.xml, ВидПередачи → Enums/ВидыПередачиТоваров.xml
    assert _f("Document_РеализацияТоваровУслуг", "ВидПередачи")["types"] == ["Enum_ВидыПередачиТоваров"]
    assert SCHEMA["Enum_ВидыПередачиТоваров"]["values"] == ["СоСклада", "ПоОрдеру"]
    assert SCHEMA["Enum_ВидыСкладов"]["values"] == ["Оптовый", "Розничный", "НТТ"]
    # a composite type: the list of allowed types
    assert _f("Document_ЗаказПокупателя", "СкладГруппа")["types"] == [
        "Catalog_ГруппыДоступностиСкладов",
        "Catalog_Склады",
    ]
    assert _f("InformationRegister_ЗначенияСвойствОбъектов", "Объект", "dimensions")["types"] == [
        "CatalogRef",
        "DocumentRef",
    ]
    # a number's precision
    price = next(
        f for f in SCHEMA["Document_ЗаказПокупателя"]["tabular_sections"]["Товары"] if f["name"] == "Цена"
    )
    assert (price["digits"], price["fraction"], price["nonnegative"]) == (15, 2, True)
    key = next(
        f
        for f in SCHEMA["Document_ЗаказПокупателя"]["tabular_sections"]["Товары"]
        if f["name"] == "КлючСтроки"
    )
    assert (key["digits"], key["fraction"]) == (5, 0)
    # standard attributes
    goods = SCHEMA["Catalog_Номенклатура"]
    assert (goods["code_length"], goods["hierarchical"], _f("Catalog_Номенклатура", "Артикул")["length"]) == (
        9,
        True,
        35,
    )
    assert SCHEMA["Catalog_ЕдиницыИзмерения"]["owners"] == [
        "Catalog_Номенклатура",
        "Catalog_НоменклатурныеГруппы",
    ]
    assert SCHEMA["Catalog_ДоговорыКонтрагентов"]["owners"] == ["Catalog_Контрагенты"]
    assert SCHEMA["InformationRegister_КурсыВалют"]["periodicity"] == "Day"
    assert SCHEMA["InformationRegister_ЦеныНоменклатуры"]["write_mode"] == "RecorderSubordinate"
    assert SCHEMA["AccumulationRegister_Продажи"]["register_kind"] == "Turnovers"
    assert SCHEMA["AccumulationRegister_ТоварыВРознице"]["register_kind"] == "Balance"
    assert SCHEMA["Document_РеализацияТоваровУслуг"]["number_length"] == 15


def test_every_object_of_the_list_and_its_enums_are_in_the_committed_file() -> None:
    assert set(schema_from_dump.OBJECTS) <= set(SCHEMA)
    used = {
        t
        for e in SCHEMA.values()
        for group in ("attributes", "dimensions", "resources")
        for f in e.get(group, [])
        for t in f["types"]
        if t.startswith("Enum_")
    }
    assert used and used <= set(SCHEMA)


def test_model_is_built_from_the_schema() -> None:
    goods = ENTITIES["Catalog_Номенклатура"]
    assert goods.code_len == 9 and goods.field_map()["Артикул"].length == 35
    transfer = ENTITIES["Document_РеализацияТоваровУслуг"].field_map()["ВидПередачи"]
    assert transfer.kind == "enum" and transfer.values == ("СоСклада", "ПоОрдеру")
    order = ENTITIES["Document_ЗаказПокупателя"].field_map()
    assert order["СтатусЗамовленняCRM"].length == 50 and order["ДжерелоЗамовлення"].length == 100  # overlay
    assert "Document_ЗаказПокупателя" in SCHEMA and not any(
        f["name"] == "СтатусЗамовленняCRM" for f in SCHEMA["Document_ЗаказПокупателя"]["attributes"]
    )
    assert ENTITIES["InformationRegister_КурсыВалют"].kind == "ireg"
    rates = ENTITIES["InformationRegister_КурсыВалют"]
    assert rates.periodic and [f.name for f in rates.dims] == ["Валюта_Key"]  # Period: the key's first part
    assert ENTITIES["AccumulationRegister_Продажи"].turnover


# --------------------------------------------------------------------------- the emulator follows it
def test_metadata_serves_the_new_objects_with_their_types(utp_client: httpx.Client) -> None:
    xml = utp_client.get("/$metadata").text
    for name in (
        "AccumulationRegister_ТоварыВРознице",
        "AccumulationRegister_ТоварыВНТТ",
        "AccumulationRegister_ТоварыКПередачеСоСкладов",
        "InformationRegister_КурсыВалют",
        "InformationRegister_СчетаУчетаНоменклатуры",
        "InformationRegister_СчетаУчетаРасчетовСКонтрагентами",
        "Catalog_Пользователи",
        "Catalog_Качество",
    ):
        assert f'<EntitySet Name="{name}"' in xml, name
    assert '<Property Name="КлючСтроки" Type="Edm.Int32" Nullable="true"/>' in xml  # Число(5, 0)
    assert (
        '<Property Name="КратностьВзаиморасчетов" Type="Edm.Int64" Nullable="true"/>' in xml
    )  # Число(10, 0)
    assert '<Property Name="СуммаПродажнаяBalance" Type="Edm.Double" Nullable="true"/>' in xml
    assert '<Property Name="СпособЗаполнения_Base64Data" Type="Edm.Binary" Nullable="true"/>' in xml
    assert 'Name="ОтражатьВНалоговомУчете"' not in xml  # not in UTP 1.2's documents


def test_the_new_registers_answer_reads(utp_client: httpx.Client) -> None:
    retail = utp_get(utp_client, "/AccumulationRegister_ТоварыВРознице").json()["value"]
    rows = [row for record_set in retail for row in record_set["RecordSet"]]  # the retail shop's seed stock
    assert rows and all(isinstance(row["LineNumber"], str) and "СуммаПродажная" in row for row in rows)
    rates = utp_get(utp_client, "/InformationRegister_КурсыВалют").json()["value"]
    assert rates and all({"Period", "Валюта_Key", "Курс", "Кратность"} <= set(row) for row in rates)
    bal = utp_get(utp_client, "/AccumulationRegister_ТоварыКПередачеСоСкладов/Balance")
    assert bal.status_code == 200 and bal.json()["value"] == []


def test_strings_are_cut_to_their_length_on_write(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    prod = next(p for p in utp_app.seed_info["sample_products"] if not p["service"])["ref"]
    prop = next(iter(utp_app.seed_info["properties"].values()))
    rec = {
        "Объект": prod,
        "Объект_Type": "StandardODATA.Catalog_Номенклатура",
        "Свойство_Key": prop,
        "Значение": "Я" * 70,
        "Значение_Type": "Edm.String",
    }
    r = utp_client.post("/InformationRegister_ЗначенияСвойствОбъектов?$format=json", json=rec)
    assert r.status_code == 201 and r.json()["Значение"] == "Я" * 50  # the property value type: string 50
    wh = utp_client.post("/Catalog_Склады?$format=json", json={"Description": "С" * 80})
    assert wh.status_code == 201 and wh.json()["Description"] == "С" * 50  # DescriptionLength 50


def _order(utp_client: httpx.Client, utp_app: UtpEmulator, **over: Any) -> httpx.Response:
    return utp_client.post(
        "/Document_ЗаказПокупателя?$format=json", json=utp_order_body(utp_app.seed_info, **over)
    )


def test_unknown_enum_value_is_refused(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    body = utp_order_body(utp_app.seed_info)
    body["Товары"][0]["СтавкаНДС"] = "НДС21"
    r = utp_client.post("/Document_ЗаказПокупателя?$format=json", json=body)
    assert r.status_code == 400
    assert (
        r.json()["odata.error"]["code"] == "4" and "СтавкаНДС" in r.json()["odata.error"]["message"]["value"]
    )
    ok = utp_client.post(
        "/Catalog_Склады?$format=json", json={"Description": "Розниця", "ВидСклада": "Розничный"}
    )
    assert ok.status_code == 201 and ok.json()["ВидСклада"] == "Розничный"
    bad = utp_client.post(
        "/Catalog_Склады?$format=json", json={"Description": "X", "ВидСклада": "Транзитный"}
    )
    assert bad.status_code == 400 and "odata.error" in bad.json()
    assert utp_get(utp_client, "/Catalog_Склады", **{"$filter": "Description eq 'X'"}).json()["value"] == []


def test_numbers_are_rounded_and_out_of_range_refused(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    body = utp_order_body(utp_app.seed_info)
    body["Товары"][0]["Цена"] = 600.456  # Число(15, 2)
    body["Товары"][0]["Количество"] = 2.00049  # Число(15, 3)
    body["Товары"][0]["Сумма"] = 1200.91
    r = utp_client.post("/Document_ЗаказПокупателя?$format=json", json=body)
    assert r.status_code == 201, r.text
    row = r.json()["Товары"][0]
    assert (row["Цена"], row["Количество"]) == (600.46, 2)
    for field, value in (("Цена", -1), ("Цена", 1e13), ("ПроцентСкидкиНаценки", 1000)):  # ≥ 0 / 15,2 / 5,2
        body = utp_order_body(utp_app.seed_info)
        body["Товары"][0][field] = value
        bad = utp_client.post("/Document_ЗаказПокупателя?$format=json", json=body)
        assert bad.status_code == 400 and field in bad.json()["odata.error"]["message"]["value"], (
            field,
            value,
        )
    body = utp_order_body(utp_app.seed_info)
    body["Товары"][0]["ПроцентСкидкиНаценки"] = -5  # a signed type
    assert utp_client.post("/Document_ЗаказПокупателя?$format=json", json=body).status_code == 201


def test_composite_value_must_have_an_allowed_type(utp_client: httpx.Client, utp_app: UtpEmulator) -> None:
    wh = utp_app.seed_info["warehouses"][0]["ref"]
    bad = _order(utp_client, utp_app, СкладГруппа=wh, СкладГруппа_Type="StandardODATA.Catalog_Номенклатура")
    assert bad.status_code == 400 and "СкладГруппа_Type" in bad.json()["odata.error"]["message"]["value"]
    text = _order(utp_client, utp_app, СкладГруппа="Склад", СкладГруппа_Type="Edm.String")
    assert text.status_code == 400  # the field holds references only
    ok = _order(utp_client, utp_app, СкладГруппа=wh, СкладГруппа_Type="StandardODATA.Catalog_Склады")
    assert ok.status_code == 201 and ok.json()["СкладГруппа"] == wh
