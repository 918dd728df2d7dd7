"""Generate the emulator's schema (``schema.json``) from a UTP configuration dump (XML export; public
example: GitHub malakhovua/utp, UTP 1.2); the format and the objects it covers: sandbox/utp/README.md,
section "Schema".

    python -m sandbox.utp.schema_from_dump /path/to/utp-checkout [--out sandbox/utp/schema.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

# Every object the bridge reads or writes, plus what the emulator needs around them. Extend freely.
OBJECTS: tuple[str, ...] = (
    # catalogs
    "Catalog_Валюты",
    "Catalog_ДоговорыКонтрагентов",
    "Catalog_ЕдиницыИзмерения",
    "Catalog_Кассы",
    "Catalog_Качество",
    "Catalog_КлассификаторЕдиницИзмерения",
    "Catalog_Контрагенты",
    "Catalog_Номенклатура",
    "Catalog_Организации",
    "Catalog_Пользователи",
    "Catalog_ПричиныЗакрытияЗаказов",
    "Catalog_Склады",
    "Catalog_ТипыЦенНоменклатуры",
    # characteristic charts
    "ChartOfCharacteristicTypes_НазначенияСвойствКатегорийОбъектов",
    "ChartOfCharacteristicTypes_СвойстваОбъектов",
    # documents
    "Document_ВозвратТоваровОтПокупателя",
    "Document_ЗаказПокупателя",
    "Document_ЗакрытиеЗаказовПокупателей",
    "Document_ПоступлениеТоваровУслуг",
    "Document_ПриходныйКассовыйОрдер",
    "Document_РеализацияТоваровУслуг",
    "Document_УстановкаЦенНоменклатуры",
    # information registers
    "InformationRegister_ЗначенияСвойствОбъектов",
    "InformationRegister_КонтактнаяИнформация",
    "InformationRegister_КурсыВалют",
    "InformationRegister_СчетаУчетаНоменклатуры",
    "InformationRegister_СчетаУчетаРасчетовСКонтрагентами",
    "InformationRegister_ЦеныАТТ",
    "InformationRegister_ЦеныНоменклатуры",
    # accumulation registers
    "AccumulationRegister_ВзаиморасчетыСКонтрагентами",
    "AccumulationRegister_ЗаказыПокупателей",
    "AccumulationRegister_Продажи",
    "AccumulationRegister_ТоварыВНТТ",
    "AccumulationRegister_ТоварыВРезервеНаСкладах",
    "AccumulationRegister_ТоварыВРознице",
    "AccumulationRegister_ТоварыКПередачеСоСкладов",
    "AccumulationRegister_ТоварыНаСкладах",
)

MD = "{http://v8.1c.ru/8.3/MDClasses}"
V8 = "{http://v8.1c.ru/8.1/data/core}"
XR = "{http://v8.1c.ru/8.3/xcf/readable}"

# OData prefix -> (dump folder, XML element of the object, reference type prefix in `cfg:` types)
KINDS: dict[str, tuple[str, str, str]] = {
    "Catalog": ("Catalogs", "Catalog", "CatalogRef"),
    "Document": ("Documents", "Document", "DocumentRef"),
    "ChartOfCharacteristicTypes": (
        "ChartsOfCharacteristicTypes",
        "ChartOfCharacteristicTypes",
        "ChartOfCharacteristicTypesRef",
    ),
    "InformationRegister": ("InformationRegisters", "InformationRegister", ""),
    "AccumulationRegister": ("AccumulationRegisters", "AccumulationRegister", ""),
    "Enum": ("Enums", "Enum", "EnumRef"),
}
# `cfg:XRef.Name` -> OData entity-set prefix
REF_PREFIX = {
    "CatalogRef": "Catalog",
    "DocumentRef": "Document",
    "EnumRef": "Enum",
    "ChartOfCharacteristicTypesRef": "ChartOfCharacteristicTypes",
    "ChartOfAccountsRef": "ChartOfAccounts",
    "ChartOfCalculationTypesRef": "ChartOfCalculationTypes",
    "ExchangePlanRef": "ExchangePlan",
    "BusinessProcessRef": "BusinessProcess",
    "TaskRef": "Task",
    "BusinessProcessRoutePointRef": "BusinessProcessRoutePoint",
}
PRIMITIVE = {
    "xs:string": "String",
    "xs:decimal": "Number",
    "xs:boolean": "Boolean",
    "xs:dateTime": "Date",
    "xs:base64Binary": "Binary",
    "v8:ValueStorage": "ValueStorage",
    "v8:UUID": "UUID",
}
KIND_NAMES = {
    "Catalog": "catalog",
    "Document": "document",
    "ChartOfCharacteristicTypes": "chart",
    "InformationRegister": "information_register",
    "AccumulationRegister": "accumulation_register",
    "Enum": "enum",
}


class DumpError(Exception):
    pass


def _text(el: ET.Element | None, path: str, default: str = "") -> str:
    if el is None:
        return default
    found = el.find(path)
    return (found.text or "").strip() if found is not None and found.text else default


def _load(root: Path, odata_name: str) -> ET.Element:
    prefix, name = odata_name.split("_", 1)
    if prefix not in KINDS:
        raise DumpError(f"unknown object kind in {odata_name!r}")
    folder, tag, _ = KINDS[prefix]
    path = root / folder / f"{name}.xml"
    if not path.is_file():
        raise DumpError(f"{odata_name}: {path.relative_to(root)} is not in the dump")
    obj = ET.parse(path).getroot().find(MD + tag)  # noqa: S314 (a local checkout the developer chose)
    if obj is None:
        raise DumpError(f"{path}: no <{tag}> element")
    return obj


def _synonym(props: ET.Element | None) -> str:
    """The Russian synonym (1C presents a document as "<synonym> <number> от <date>")."""
    for item in props.findall(f"{MD}Synonym/{V8}item") if props is not None else []:
        if _text(item, V8 + "lang") == "ru":
            return _text(item, V8 + "content")
    return ""


class _Reader:
    def __init__(self, root: Path):
        self.root = root
        self.enums: set[str] = set()
        self._chart_types: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------------ types
    def type_of(self, type_el: ET.Element | None) -> dict[str, Any]:
        """A ``<Type>`` element (v8:TypeDescription) as ``{"types": [...], qualifiers…}``."""
        out: dict[str, Any] = {"types": []}
        if type_el is None:
            return out
        types: list[str] = []
        inherited: dict[str, Any] = {}
        for t in type_el.findall(V8 + "Type"):
            types.append(self._one_type((t.text or "").strip()))
        for ts in type_el.findall(V8 + "TypeSet"):
            raw = (ts.text or "").strip().split(":", 1)[-1]
            if raw.startswith("Characteristic."):
                chart = self.chart_value_type(raw.split(".", 1)[1])
                types += chart["types"]
                inherited.update({k: v for k, v in chart.items() if k != "types"})
            else:
                types.append(raw.replace(".", "_"))  # AnyRef, CatalogRef, DocumentRef…
        out["types"] = sorted(set(types))
        sq, nq, dq = (
            type_el.find(V8 + q) for q in ("StringQualifiers", "NumberQualifiers", "DateQualifiers")
        )
        if "String" in types:
            if sq is None and "length" in inherited:
                out["length"] = inherited["length"]
                if inherited.get("fixed_length"):
                    out["fixed_length"] = True
            else:
                out["length"] = int(_text(sq, V8 + "Length", "0"))
                if _text(sq, V8 + "AllowedLength") == "Fixed":
                    out["fixed_length"] = True
        if "Number" in types:
            if nq is None and "digits" in inherited:
                out.update({k: inherited[k] for k in ("digits", "fraction", "nonnegative")})
            else:
                out["digits"] = int(_text(nq, V8 + "Digits", "0"))
                out["fraction"] = int(_text(nq, V8 + "FractionDigits", "0"))
                out["nonnegative"] = _text(nq, V8 + "AllowedSign") == "Nonnegative"
        if "Date" in types:
            out["date_fractions"] = (
                inherited.get("date_fractions", "DateTime")
                if dq is None
                else _text(dq, V8 + "DateFractions", "DateTime")
            )
        return dict(sorted(out.items()))

    def _one_type(self, raw: str) -> str:
        if raw in PRIMITIVE:
            return PRIMITIVE[raw]
        local = raw.split(":", 1)[-1]
        if "." in local:
            ref, name = local.split(".", 1)
            if ref in REF_PREFIX:
                if ref == "EnumRef":
                    self.enums.add("Enum_" + name)
                return f"{REF_PREFIX[ref]}_{name}"
        return local  # a platform type the emulator does not know; kept visible in the schema

    def chart_value_type(self, chart: str) -> dict[str, Any]:
        if chart not in self._chart_types:
            obj = _load(self.root, "ChartOfCharacteristicTypes_" + chart)
            self._chart_types[chart] = self.type_of(obj.find(f"{MD}Properties/{MD}Type"))
        return self._chart_types[chart]

    # ------------------------------------------------------------------ objects
    def fields(self, parent: ET.Element | None, tag: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if parent is None:
            return out
        for el in parent.findall(MD + tag):
            props = el.find(MD + "Properties")
            out.append(
                {
                    "name": _text(props, MD + "Name"),
                    **self.type_of(props.find(MD + "Type") if props else None),
                }
            )
        return out

    def tables(self, children: ET.Element | None) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        if children is None:
            return out
        for ts in children.findall(MD + "TabularSection"):
            out[_text(ts.find(MD + "Properties"), MD + "Name")] = self.fields(
                ts.find(MD + "ChildObjects"), "Attribute"
            )
        return out

    def read(self, odata_name: str) -> dict[str, Any]:
        prefix = odata_name.split("_", 1)[0]
        obj = _load(self.root, odata_name)
        props = obj.find(MD + "Properties")
        children = obj.find(MD + "ChildObjects")
        out: dict[str, Any] = {"kind": KIND_NAMES[prefix]}
        if prefix == "Enum":
            out["values"] = [
                _text(v.find(MD + "Properties"), MD + "Name")
                for v in (children.findall(MD + "EnumValue") if children is not None else [])
            ]
            return out
        if prefix in ("Catalog", "ChartOfCharacteristicTypes"):
            out["code_length"] = int(_text(props, MD + "CodeLength", "0"))
            out["code_type"] = _text(props, MD + "CodeType", "String")
            out["description_length"] = int(_text(props, MD + "DescriptionLength", "0"))
            out["hierarchical"] = _text(props, MD + "Hierarchical") == "true"
            if prefix == "Catalog":
                out["hierarchy_type"] = _text(props, MD + "HierarchyType", "HierarchyFoldersAndItems")
                owners = props.find(MD + "Owners") if props is not None else None
                out["owners"] = sorted(
                    "Catalog_" + (i.text or "").split(".", 1)[1]
                    for i in (owners.findall(XR + "Item") if owners is not None else [])
                )
            else:
                out["value_type"] = self.type_of(props.find(MD + "Type") if props is not None else None)
            out["attributes"] = self.fields(children, "Attribute")
            out["tabular_sections"] = self.tables(children)
        elif prefix == "Document":
            out["title"] = _synonym(props)
            out["number_length"] = int(_text(props, MD + "NumberLength", "0"))
            out["number_type"] = _text(props, MD + "NumberType", "String")
            out["attributes"] = self.fields(children, "Attribute")
            out["tabular_sections"] = self.tables(children)
        else:
            if prefix == "InformationRegister":
                out["periodicity"] = _text(props, MD + "InformationRegisterPeriodicity", "Nonperiodical")
                out["write_mode"] = _text(props, MD + "WriteMode", "Independent")
            else:
                out["register_kind"] = _text(props, MD + "RegisterType", "Balance")
            out["dimensions"] = self.fields(children, "Dimension")
            out["resources"] = self.fields(children, "Resource")
            out["attributes"] = self.fields(children, "Attribute")
        return out


def build_schema(root: Path, objects: tuple[str, ...] = OBJECTS) -> dict[str, Any]:
    reader = _Reader(root)
    entities = {name: reader.read(name) for name in objects}
    for enum in sorted(reader.enums):
        entities[enum] = reader.read(enum)
    return {
        "comment": "Generated by python -m sandbox.utp.schema_from_dump from a UTP configuration dump; "
        "do not edit by hand.",
        "entities": dict(sorted(entities.items())),
    }


def dump_json(schema: dict[str, Any]) -> str:
    """Pretty enough to diff: one object key a line, one field (or list of names) a line."""

    def render(value: Any, indent: int) -> str:
        pad = " " * indent
        flat = isinstance(value, dict) and "types" in value
        flat = flat or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        if flat or not isinstance(value, dict | list) or not value:
            return json.dumps(value, ensure_ascii=False)
        inner = " " * (indent + 1)
        if isinstance(value, dict):
            items = [
                f"{inner}{json.dumps(k, ensure_ascii=False)}: {render(v, indent + 1)}"
                for k, v in value.items()
            ]
            return "{\n" + ",\n".join(items) + f"\n{pad}}}"
        return "[\n" + ",\n".join(inner + render(v, indent + 1) for v in value) + f"\n{pad}]"

    return render(schema, 0) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.utp.schema_from_dump", description=__doc__.split("\n")[0]
    )
    parser.add_argument("dump", type=Path, help="checkout of the UTP configuration dump")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("schema.json"))
    args = parser.parse_args(argv)
    try:
        schema = build_schema(args.dump)
    except (DumpError, ET.ParseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    args.out.write_text(dump_json(schema), encoding="utf-8")
    count = len(schema["entities"])
    print(f"wrote {args.out} ({count} objects)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
