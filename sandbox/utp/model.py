"""Object model of the emulated UTP base, built from ``schema.json`` (generated from the configuration's
own dump by ``schema_from_dump.py``); adds only the emulator's own choices (indexes, the typed empty
value of a few composite fields) and the demo base's customisations."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EMPTY_REF = "00000000-0000-0000-0000-000000000000"
EMPTY_DATE = "0001-01-01T00:00:00"
UNDEFINED = "StandardODATA.Undefined"
NS = "StandardODATA"
# What a document settled with a counterparty requires in its header (a goods receipt, a sales invoice):
# organisation, currency, counterparty, contract, the settlement rate and its multiplicity.
SETTLEMENT_HEADER = (
    "Организация_Key",
    "ВалютаДокумента_Key",
    "Контрагент_Key",
    "ДоговорКонтрагента_Key",
    "КурсВзаиморасчетов",
    "КратностьВзаиморасчетов",
)


@dataclass(frozen=True)
class F:
    """A field. Kinds and how they appear in JSON:

    - ``str`` Edm.String (``length`` > 0 = truncate on write, as 1C silently does)
    - ``bool`` Edm.Boolean, ``num`` Edm.Double (JSON number; ``digits``/``fraction``/``nonnegative``)
    - ``int`` a number without fraction: Edm.Int16/Int32 (JSON number) or Edm.Int64 (JSON *string*), by
      its digits (``edm``)
    - ``date`` Edm.DateTime naive, empty = ``0001-01-01T00:00:00``
    - ``ref`` Edm.Guid in ``<Имя>_Key`` (name stored with the suffix), empty = zero GUID
    - ``enum`` Edm.String with the value name, empty = ``""``
    - ``comp`` composite: ``<Имя>`` (value) + ``<Имя>_Type``
    - ``typedesc`` a TypeDescription complex value (ValueType of characteristic types)
    - ``storage`` a ValueStorage, published as ``<Имя>_Base64Data`` (Edm.Binary, base64 text)
    """

    name: str
    kind: str
    length: int = 0
    target: str = ""  # ref: target entity set; comp: type of the empty value ("" = Undefined)
    values: tuple[str, ...] = ()  # enum values (validated on write)
    digits: int = 0  # num/int: total digits (0 = unlimited)
    fraction: int = 0  # num: digits after the point
    nonnegative: bool = False
    types: tuple[
        str, ...
    ] = ()  # comp: allowed `_Type` values (StandardODATA.X, Edm.X, "StandardODATA.Catalog_*")
    edm: str = ""  # int: Edm.Int16 | Edm.Int32 | Edm.Int64 ("" = Int64)

    @property
    def nav(self) -> str:
        return self.name[:-4] if self.kind == "ref" and self.name.endswith("_Key") else ""


def s(name: str, length: int = 0) -> F:
    return F(name, "str", length)


def b(name: str) -> F:
    return F(name, "bool")


def n(name: str) -> F:
    return F(name, "num")


def i(name: str) -> F:
    return F(name, "int")


def d(name: str) -> F:
    return F(name, "date")


def r(name: str, target: str = "") -> F:
    return F(name + "_Key", "ref", target=target)


def e(name: str, *values: str) -> F:
    return F(name, "enum", values=values)


def c(name: str, empty_type: str = "") -> F:
    return F(name, "comp", target=empty_type)


def default_of(f: F) -> Any:
    return {
        "str": "",
        "bool": False,
        "num": 0.0,
        "int": 0,
        "date": EMPTY_DATE,
        "ref": EMPTY_REF,
        "enum": "",
        "comp": EMPTY_REF if f.target else "",
        "typedesc": None,
        "storage": "",
    }[f.kind]


def empty_type(f: F) -> str:
    return f"{NS}.{f.target}" if f.target else UNDEFINED


@dataclass
class Entity:
    name: str  # entity set name, e.g. Catalog_Номенклатура
    kind: str  # catalog | document | chart | ireg | ireg_rec | areg
    attrs: list[F] = field(default_factory=list)
    tables: dict[str, list[F]] = field(default_factory=dict)
    code_len: int = 0
    desc_len: int = 100
    hierarchical: bool = False
    folders: bool = True  # hierarchy of folders and items (IsFolder); False = of items
    owner: str = ""  # subordinate catalog: owner set ("" = none); "comp" = composite Owner
    indexed: tuple[str, ...] = ()  # JSON paths with SQLite expression indexes (always stored)
    dims: list[F] = field(default_factory=list)  # registers
    resources: list[F] = field(default_factory=list)
    turnover: bool = False  # accumulation register of the turnover kind
    title: str = ""  # presentation of a document type ("Заказ покупателя")
    number_len: int = 11
    periodic: bool = False  # information register with Period

    # ----- derived -----
    @property
    def is_object(self) -> bool:
        return self.kind in ("catalog", "document", "chart")

    def std_fields(self) -> list[F]:
        if self.kind == "document":
            return [
                F("Ref_Key", "ref"),
                F("DataVersion", "str"),
                b("DeletionMark"),
                s("Number", self.number_len),
                d("Date"),
                b("Posted"),
            ]
        if self.kind in ("catalog", "chart"):
            out = [F("Ref_Key", "ref"), F("DataVersion", "str"), b("DeletionMark")]
            if self.owner == "comp":
                out.append(c("Owner"))
            elif self.owner:
                out.append(r("Owner", self.owner))
            if self.hierarchical:
                out.append(r("Parent", self.name))
                if self.folders:
                    out.append(b("IsFolder"))
            if self.code_len:
                out.append(s("Code", self.code_len))
            out.append(s("Description", self.desc_len))
            if self.kind == "chart":
                out.append(F("ValueType", "typedesc"))
            return out
        return []

    def tail_fields(self) -> list[F]:
        if self.kind in ("catalog", "chart"):
            return [b("Predefined"), s("PredefinedDataName")]
        return []

    def fields(self) -> list[F]:
        if self.is_object:
            return self.std_fields() + self.attrs + self.tail_fields()
        return self.dims + self.resources + self.attrs

    def field_map(self) -> dict[str, F]:
        return {f.name: f for f in self.fields()}


def row_fields(cols: list[F]) -> list[F]:
    return [F("Ref_Key", "ref"), i("LineNumber"), *cols]


# ---------------------------------------------------------------------------------------------------
# From the configuration's schema (schema.json, generated by schema_from_dump.py)

SCHEMA_PATH = Path(__file__).with_name("schema.json")

# The demo base's customisations: real UTP bases carry attributes of their own (two known bases:
# LTEX's СтатусЗамовлення and MOBI's СтатусОпрацюванняВмс). Not in the configuration's dump, so kept
# here, on top of the generated schema.
CUSTOMISATIONS: dict[str, list[F]] = {
    "Document_ЗаказПокупателя": [s("СтатусЗамовленняCRM", 50), s("ДжерелоЗамовлення", 100)],
}

# Emulator choices, not configuration facts: JSON paths with SQLite expression indexes…
INDEXED: dict[str, tuple[str, ...]] = {
    "Catalog_Номенклатура": ("Code", "Артикул", "Parent_Key", "Description"),
    "Catalog_ЕдиницыИзмерения": ("Owner",),
    "Catalog_Контрагенты": ("Code", "КодПоЕДРПОУ", "ИНН"),
    "Catalog_ДоговорыКонтрагентов": ("Owner_Key",),
    "ChartOfCharacteristicTypes_СвойстваОбъектов": ("Description",),
    "Document_ЗаказПокупателя": ("Date", "Number"),
    "Document_РеализацияТоваровУслуг": ("Date", "Number"),
    "Document_ВозвратТоваровОтПокупателя": ("Date", "Number"),
    "Document_ЗакрытиеЗаказовПокупателей": ("Date", "Number"),
    "Document_ПриходныйКассовыйОрдер": ("Date", "Number"),
    "Document_УстановкаЦенНоменклатуры": ("Date", "Number"),
    "Document_ПоступлениеТоваровУслуг": ("Date", "Number"),
}
# …and the typed empty value a new object gets in a few composite fields (as the recording shows them:
# an empty reference of the first type instead of Undefined). Key: (set, field) or (set.table, field).
EMPTY_COMPOSITE: dict[tuple[str, str], str] = {
    ("Document_ЗаказПокупателя", "СкладГруппа"): "Catalog_Склады",
    ("Document_ЗаказПокупателя", "СтруктурнаяЕдиница"): "Catalog_БанковскиеСчета",
    ("Document_ВозвратТоваровОтПокупателя", "СкладОрдер"): "Catalog_Склады",
    ("Document_ЗакрытиеЗаказовПокупателей.Заказы", "ЗаказПокупателя"): "Document_ЗаказПокупателя",
}

# Fields NOT in the configuration that the emulator still serves because its posting code and the
# seed use them (removing them breaks the suite). Real UTP 1.2: the goods receipt has no header
# `Склад` (its header has the composite `СкладОрдер`, rows their own `Склад`) and no `Качество` in its
# goods rows; `ЗаказыПокупателей.ЗаказПокупателя` is composite (ЗаказПокупателя/ЗаказПоставщику), the
# emulator keeps it a reference to the customer order. Each entry is (set or set.table, field, added
# field, name of the configuration's field it replaces or ""); registers' groups are `set:dimensions`.
EMULATOR_ONLY: list[tuple[str, F, str]] = [
    ("Document_ПоступлениеТоваровУслуг", r("Склад", "Catalog_Склады"), ""),
    ("Document_ПоступлениеТоваровУслуг.Товары", r("Качество", "Catalog_Качество"), ""),
    (
        "AccumulationRegister_ЗаказыПокупателей:dimensions",
        r("ЗаказПокупателя", "Document_ЗаказПокупателя"),
        "ЗаказПокупателя",
    ),
]


def _overlay(owner: str, fields: list[F]) -> list[F]:
    out = list(fields)
    for where, extra, replaces in EMULATOR_ONLY:
        if where != owner:
            continue
        names = [f.name for f in out]
        if replaces and replaces in names:
            out[names.index(replaces)] = extra
        elif extra.name not in names:
            out.append(extra)
    return out


_PRIMITIVE_EDM = {
    "String": "Edm.String",
    "Number": "Edm.Double",
    "Boolean": "Edm.Boolean",
    "Date": "Edm.DateTime",
}
_TYPE_SETS = {
    "AnyRef": "",
    "CatalogRef": "Catalog_",
    "DocumentRef": "Document_",
    "EnumRef": "Enum_",
    "ChartOfCharacteristicTypesRef": "ChartOfCharacteristicTypes_",
    "ChartOfAccountsRef": "ChartOfAccounts_",
}


def int_edm(digits: int) -> str:
    """1C publishes a number without fraction digits as Int16 (≤ 4 digits), Int32 (≤ 9) or Int64."""
    return "Edm.Int16" if digits <= 4 else "Edm.Int32" if digits <= 9 else "Edm.Int64"


def field_from_schema(spec: dict[str, Any], enums: dict[str, tuple[str, ...]], empty: str = "") -> F:
    name: str = spec["name"]
    types: list[str] = spec["types"]
    digits, fraction = int(spec.get("digits", 0)), int(spec.get("fraction", 0))
    nonnegative = bool(spec.get("nonnegative", False))
    length = int(spec.get("length", 0))
    if len(types) > 1 or (types and types[0] in _TYPE_SETS):
        allowed = []
        for t in types:
            if t in _PRIMITIVE_EDM:
                allowed.append(_PRIMITIVE_EDM[t])
            elif t in _TYPE_SETS:
                allowed.append(f"{NS}.{_TYPE_SETS[t]}*")
            else:
                allowed.append(f"{NS}.{t}")
        return F(
            name,
            "comp",
            length,
            target=empty,
            types=tuple(allowed),
            digits=digits,
            fraction=fraction,
            nonnegative=nonnegative,
        )
    t = types[0] if types else "String"
    if t in ("String", "UUID"):
        return F(name, "str", length)
    if t == "Boolean":
        return F(name, "bool")
    if t == "Date":
        return F(name, "date")
    if t == "Number":
        if fraction == 0 and digits > 0:
            return F(name, "int", digits=digits, nonnegative=nonnegative, edm=int_edm(digits))
        return F(name, "num", digits=digits, fraction=fraction, nonnegative=nonnegative)
    if t in ("ValueStorage", "Binary"):
        return F(name + "_Base64Data", "storage")
    if t.startswith("Enum_"):
        return F(name, "enum", values=enums.get(t, ()))
    if "_" in t:
        return F(name + "_Key", "ref", target=t)
    return F(name, "str", length)  # a platform type the emulator does not model


def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["entities"]
    return data


def _entities(schema: dict[str, Any]) -> tuple[list[Entity], dict[str, tuple[str, ...]]]:
    enums = {k: tuple(v["values"]) for k, v in schema.items() if v["kind"] == "enum"}
    out: list[Entity] = []
    for name, spec in schema.items():
        if spec["kind"] == "enum":
            continue
        ent = _entity(name, spec, enums)
        ent.indexed = INDEXED.get(name, ())
        out.append(ent)
    return out, enums


def _entity(name: str, spec: dict[str, Any], enums: dict[str, tuple[str, ...]]) -> Entity:
    """One entity set of schema.json: a catalog or chart, a document, or a register."""

    def fields(specs: list[dict[str, Any]], owner: str = name) -> list[F]:
        made = [field_from_schema(x, enums, EMPTY_COMPOSITE.get((owner, x["name"]), "")) for x in specs]
        return _overlay(owner, made)

    kind = spec["kind"]
    tables = {t: fields(cols, f"{name}.{t}") for t, cols in spec.get("tabular_sections", {}).items()}
    attrs = fields(spec.get("attributes", []))
    if kind in ("catalog", "chart"):
        return _catalog(name, kind, spec, attrs, tables)
    if kind == "document":
        return Entity(
            name,
            kind,
            attrs=attrs + CUSTOMISATIONS.get(name, []),
            tables=tables,
            title=spec.get("title", ""),
            number_len=spec["number_length"],
        )
    dims = fields(spec["dimensions"], f"{name}:dimensions")
    resources = fields(spec["resources"], f"{name}:resources") + attrs
    if kind == "information_register":
        # An independent periodic register's key starts with Period: store, app and metadata add it.
        recorder = spec["write_mode"] == "RecorderSubordinate"
        return Entity(
            name,
            "ireg_rec" if recorder else "ireg",
            dims=dims,
            resources=resources,
            periodic=spec["periodicity"] != "Nonperiodical",
        )
    return Entity(name, "areg", dims=dims, resources=resources, turnover=spec["register_kind"] == "Turnovers")


def _catalog(
    name: str, kind: str, spec: dict[str, Any], attrs: list[F], tables: dict[str, list[F]]
) -> Entity:
    owners = spec.get("owners", [])
    return Entity(
        name,
        kind,
        attrs=attrs,
        tables=tables,
        code_len=spec["code_length"],
        desc_len=spec["description_length"],
        hierarchical=spec["hierarchical"],
        folders=spec.get("hierarchy_type", "HierarchyFoldersAndItems") == "HierarchyFoldersAndItems",
        owner="comp" if len(owners) > 1 else owners[0] if owners else "",
    )


_ENTITY_LIST, ENUMS = _entities(load_schema())
ENTITIES: dict[str, Entity] = {ent.name: ent for ent in _ENTITY_LIST}
DOC_TYPES = tuple(name for name, ent in ENTITIES.items() if ent.kind == "document")


def table_sets() -> dict[str, tuple[Entity, str]]:
    """Tabular sections exposed as their own read-only sets: ``Document_X_Товары``."""
    return {f"{ent.name}_{t}": (ent, t) for ent in ENTITIES.values() for t in ent.tables}
