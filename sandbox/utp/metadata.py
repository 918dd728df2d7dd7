"""Service document, `$metadata` (CSDL v3 shaped like fixtures/utp/recorded-metadata.xml) and a
minimal Atom rendering for clients that do not ask for JSON (docs/utp-odata.md)."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

from .model import ENTITIES, NS, Entity, F, row_fields

EDM = {
    "str": "Edm.String",
    "enum": "Edm.String",
    "bool": "Edm.Boolean",
    "num": "Edm.Double",
    "int": "Edm.Int64",
    "date": "Edm.DateTime",
    "ref": "Edm.Guid",
    "comp": "Edm.String",
    "typedesc": f"{NS}.TypeDescription",
    "storage": "Edm.Binary",
}


def edm_of(f: F) -> str:
    """The property type: integers by their digits (Int16/Int32/Int64), the rest by kind."""
    return (f.edm or "Edm.Int64") if f.kind == "int" else EDM[f.kind]


def entity_sets() -> list[str]:
    out: list[str] = []
    for ent in ENTITIES.values():
        if ent.is_object:
            out.append(ent.name)
            out += [f"{ent.name}_{t}" for t in ent.tables]
        elif ent.kind == "ireg":
            out.append(ent.name)
        else:
            out += [ent.name, ent.name + "_RecordType"]
    return out


def service_document(root_url: str) -> dict[str, Any]:
    return {
        "odata.metadata": f"{root_url}/$metadata",
        "value": [{"name": n, "url": n} for n in entity_sets()],
    }


def _prop(name: str, typ: str, nullable: bool = True) -> str:
    return f'\t\t\t\t<Property Name="{name}" Type="{typ}" Nullable="{"true" if nullable else "false"}"/>'


def _props(fields: list[F], keys: tuple[str, ...] = ("Ref_Key",)) -> list[str]:
    out = []
    for f in fields:
        out.append(_prop(f.name, edm_of(f), f.name not in keys))
        if f.kind == "comp":
            out.append(_prop(f.name + "_Type", "Edm.String", f.name + "_Type" not in keys))
    return out


def _catalog_order(ent: Entity) -> list[F]:
    """Standard fields in the order of the recorded `$metadata` (Predefined first)."""
    std = {f.name: f for f in ent.std_fields() + ent.tail_fields()}
    order = ["Ref_Key", "Predefined", "PredefinedDataName", "DataVersion", "Description", "Code"]
    order += ["Owner", "Owner_Key", "Parent_Key", "IsFolder", "DeletionMark", "ValueType"]
    return [std[n] for n in order if n in std] + ent.attrs


STD_COMPLEX_TYPES = """\t\t\t<ComplexType Name="TypeDescription">
\t\t\t\t<Property Name="Types" Type="Collection(Edm.String)" Nullable="false"/>
\t\t\t\t<Property Name="NumberQualifiers" Type="StandardODATA.NumberQualifiers" Nullable="false"/>
\t\t\t\t<Property Name="StringQualifiers" Type="StandardODATA.StringQualifiers" Nullable="false"/>
\t\t\t\t<Property Name="DateQualifiers" Type="StandardODATA.DateQualifiers" Nullable="false"/>
\t\t\t\t<Property Name="BinaryDataQualifiers" Type="StandardODATA.BinaryDataQualifiers" Nullable="false"/>
\t\t\t</ComplexType>
\t\t\t<ComplexType Name="NumberQualifiers">
\t\t\t\t<Property Name="AllowedSign" Type="Edm.String" Nullable="false"/>
\t\t\t\t<Property Name="Digits" Type="Edm.Int16" Nullable="false"/>
\t\t\t\t<Property Name="FractionDigits" Type="Edm.Int16" Nullable="false"/>
\t\t\t</ComplexType>
\t\t\t<ComplexType Name="StringQualifiers">
\t\t\t\t<Property Name="AllowedLength" Type="Edm.String" Nullable="false"/>
\t\t\t\t<Property Name="Length" Type="Edm.Int64" Nullable="false"/>
\t\t\t</ComplexType>
\t\t\t<ComplexType Name="DateQualifiers">
\t\t\t\t<Property Name="DateFractions" Type="Edm.String" Nullable="false"/>
\t\t\t</ComplexType>
\t\t\t<ComplexType Name="BinaryDataQualifiers">
\t\t\t\t<Property Name="AllowedLength" Type="Edm.String" Nullable="false"/>
\t\t\t\t<Property Name="Length" Type="Edm.Int64" Nullable="false"/>
\t\t\t</ComplexType>"""

STD_ENUMS = """\t\t\t<EnumType Name="AccumulationRecordType" UnderlyingType="Edm.Int32">
\t\t\t\t<Member Name="Expense"/>
\t\t\t\t<Member Name="Receipt"/>
\t\t\t</EnumType>
\t\t\t<EnumType Name="AllowedSign" UnderlyingType="Edm.Int32">
\t\t\t\t<Member Name="Any"/>
\t\t\t\t<Member Name="Nonnegative"/>
\t\t\t</EnumType>
\t\t\t<EnumType Name="AllowedLength" UnderlyingType="Edm.Int32">
\t\t\t\t<Member Name="Fixed"/>
\t\t\t\t<Member Name="Variable"/>
\t\t\t</EnumType>
\t\t\t<EnumType Name="DateFractions" UnderlyingType="Edm.Int32">
\t\t\t\t<Member Name="Date"/>
\t\t\t\t<Member Name="DateTime"/>
\t\t\t\t<Member Name="Time"/>
\t\t\t</EnumType>"""


class _Csdl:
    """The `$metadata` document built up entity by entity, in the order the recording has."""

    def __init__(self) -> None:
        self.types: list[str] = []
        self.complex_types: list[str] = []
        self.assocs: list[str] = []
        self.sets: list[str] = []
        self.funcs: list[str] = []

    def entity_type(
        self, name: str, keys: list[str], body: list[str], navs: list[F], open_type: bool = False
    ) -> None:
        head = f'\t\t\t<EntityType Name="{name}"' + (' OpenType="true"' if open_type else "") + ">"
        key = (
            "\t\t\t\t<Key>\n"
            + "\n".join(f'\t\t\t\t\t<PropertyRef Name="{k}"/>' for k in keys)
            + "\n\t\t\t\t</Key>"
        )
        nav_lines = []
        for f in navs:
            if f.target not in ENTITIES:
                continue
            rel = f"{name}_{f.nav}"
            nav_lines.append(
                f'\t\t\t\t<NavigationProperty Name="{f.nav}" Relationship="{NS}.{rel}" FromRole="Begin" ToRole="End"/>'  # noqa: E501
            )
            self.assocs.append(
                f'\t\t\t<Association Name="{rel}">\n'
                f'\t\t\t\t<End Role="Begin" Type="{NS}.{name}" Multiplicity="*"/>\n'
                f'\t\t\t\t<End Role="End" Type="{NS}.{f.target}" Multiplicity="0..1"/>\n'
                "\t\t\t</Association>"
            )
        self.types.append("\n".join([head, key, *body, *nav_lines, "\t\t\t</EntityType>"]))
        self.sets.append(f'\t\t\t\t<EntitySet Name="{name}" EntityType="{NS}.{name}"/>')

    def complex_type(self, name: str, body: list[str]) -> None:
        self.complex_types.append(
            "\n".join([f'\t\t\t<ComplexType Name="{name}">', *body, "\t\t\t</ComplexType>"])
        )

    def function(self, name: str, binding: str, params: list[tuple[str, str]], returns: str | None) -> None:
        effect = ' IsSideEffecting="true"' if returns is None else ' IsSideEffecting="false"'
        ret = f' ReturnType="Collection({NS}.{returns})"' if returns else ""
        lines = [f'\t\t\t\t<FunctionImport Name="{name}" IsBindable="true"{effect}{ret}>']
        lines.append(f'\t\t\t\t\t<Parameter Name="bindingParameter" Type="{NS}.{binding}"/>')
        lines += [f'\t\t\t\t\t<Parameter Name="{pn}" Type="{pt}"/>' for pn, pt in params]
        self.funcs.append("\n".join([*lines, "\t\t\t\t</FunctionImport>"]))

    def add(self, ent: Entity) -> None:
        if ent.is_object:
            self._object(ent)
        elif ent.kind == "ireg":
            self._independent(ent)
        else:
            self._recorded_register(ent)
            if ent.kind == "areg":
                self._virtual_tables(ent)

    def _object(self, ent: Entity) -> None:
        """A catalog or document, its tabular sections as row types and sets, Post/Unpost."""
        fields = _catalog_order(ent) if ent.kind != "document" else ent.std_fields() + ent.attrs
        body = _props(fields)
        for t, cols in ent.tables.items():
            row_type = f"{ent.name}_{t}_RowType"
            body.append(_prop(t, f"Collection({NS}.{row_type})"))
            rf = row_fields(cols)
            self.complex_type(row_type, _props(rf, ("Ref_Key", "LineNumber")))
            self.entity_type(
                f"{ent.name}_{t}", ["Ref_Key", "LineNumber"], _props(rf, ("Ref_Key", "LineNumber")), []
            )
        self.entity_type(ent.name, ["Ref_Key"], body, [f for f in fields if f.nav])
        if ent.kind == "document":
            self.function("Post", ent.name, [("PostingModeOperational", "Edm.Boolean")], None)
            self.function("Unpost", ent.name, [], None)

    def _independent(self, ent: Entity) -> None:
        """Key Period (when periodic) + dimensions; SliceLast/SliceFirst bound to the set itself."""
        dim_keys = _dim_keys(ent)
        regf = ent.dims + ent.resources
        if ent.periodic:
            dim_keys.insert(0, "Period")
            regf = [F("Period", "date"), *regf]
        self.entity_type(ent.name, dim_keys, _props(regf, tuple(dim_keys)), [f for f in regf if f.nav], True)
        if ent.periodic:
            for fn in ("SliceLast", "SliceFirst"):
                self.complex_type(f"{ent.name}_{fn}", _props(regf, ()))
                self.function(fn, ent.name, _SLICE_PARAMS, f"{ent.name}_{fn}")

    def _recorded_register(self, ent: Entity) -> None:
        """A recorder-subordinate register: its records (``_RecordType``) and record sets."""
        regf = ent.dims + ent.resources
        sys_fields = [
            F("Recorder", "str"),
            F("Recorder_Type", "str"),
            F("LineNumber", "int"),
            F("Period", "date"),
        ]
        sys_fields.append(F("Active", "bool"))
        if ent.kind == "areg" and not ent.turnover:
            sys_fields.append(F("RecordType", "str"))
        rec_keys = ("Recorder", "Recorder_Type", "LineNumber")
        rec_type = ent.name + "_RecordType"
        self.complex_type(ent.name + "_RowType", _props(sys_fields + regf, rec_keys))
        self.entity_type(rec_type, list(rec_keys), _props(sys_fields + regf, rec_keys), [], True)
        record_set = [
            _prop("Recorder", "Edm.String", False),
            _prop("Recorder_Type", "Edm.String", False),
            _prop("RecordSet", f"Collection({NS}.{ent.name}_RowType)"),
        ]
        self.entity_type(ent.name, ["Recorder", "Recorder_Type"], record_set, [], True)
        if ent.kind == "ireg_rec":
            for fn in ("SliceLast", "SliceFirst"):
                self.complex_type(f"{ent.name}_{fn}", _props([F("Period", "date"), *regf], ()))
                self.function(fn, rec_type, _SLICE_PARAMS, f"{ent.name}_{fn}")

    def _virtual_tables(self, ent: Entity) -> None:
        """An accumulation register's Balance (not of a turnover register) and Turnovers."""
        vts: list[tuple[str, list[str], list[tuple[str, str]]]] = []
        if not ent.turnover:
            balance = [f.name + "Balance" for f in ent.resources]
            vts.append(("Balance", balance, [("Period", "Edm.DateTime"), *_VT_PARAMS]))
        sfxs = ("Turnover",) if ent.turnover else ("Receipt", "Expense", "Turnover")
        tnames = [f.name + sfx for f in ent.resources for sfx in sfxs]
        vts.append(
            (
                "Turnovers",
                tnames,
                [("StartPeriod", "Edm.DateTime"), ("EndPeriod", "Edm.DateTime"), *_VT_PARAMS],
            )
        )
        for fn, res_names, params in vts:
            ctype = f"{ent.name}_{fn[:-1] if fn == 'Turnovers' else fn}"
            self.complex_type(ctype, _props(ent.dims, ()) + [_prop(rn, "Edm.Double") for rn in res_names])
            self.function(fn, ent.name, params, ctype)

    def document(self) -> str:
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<edmx:Edmx xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" Version="1.0">',
            '\t<edmx:DataServices xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" '
            'm:DataServiceVersion="3.0" m:MaxDataServiceVersion="3.0">',
            f'\t\t<Schema xmlns="http://schemas.microsoft.com/ado/2009/11/edm" Namespace="{NS}">',
            *self.types,
            STD_COMPLEX_TYPES,
            *self.complex_types,
            *self.assocs,
            STD_ENUMS,
            '\t\t\t<EntityContainer Name="EnterpriseV8" m:IsDefaultEntityContainer="true">',
            *self.sets,
            *self.funcs,
            "\t\t\t</EntityContainer>",
            "\t\t</Schema>",
            "\t</edmx:DataServices>",
            "</edmx:Edmx>",
        ]
        return "\n".join(parts)


_SLICE_PARAMS = [("Condition", "Edm.String"), ("Period", "Edm.DateTime")]
_VT_PARAMS = [("Condition", "Edm.String"), ("Dimensions", "Edm.String")]


def _dim_keys(ent: Entity) -> list[str]:
    keys = []
    for f in ent.dims:
        keys.append(f.name)
        if f.kind == "comp":
            keys.append(f.name + "_Type")
    return keys


def build_metadata() -> str:
    csdl = _Csdl()
    for ent in ENTITIES.values():
        csdl.add(ent)
    return csdl.document()


# ---------------------------------------------------------------------------------------------------
# Atom (the default format when JSON is not asked for): a minimal but valid feed.

_ATOM_NS = (
    'xmlns="http://www.w3.org/2005/Atom" '
    'xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" '
    'xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"'
)


def _xml_props(obj: dict[str, Any]) -> str:
    out = []
    for k, v in obj.items():
        if "@" in k:
            continue
        if isinstance(v, list):
            rows = "".join(f"<d:element>{_xml_props(r)}</d:element>" for r in v if isinstance(r, dict))
            out.append(f"<d:{k}>{rows}</d:{k}>")
        elif isinstance(v, dict):
            out.append(f"<d:{k}>{_xml_props(v)}</d:{k}>")
        elif isinstance(v, bool):
            out.append(f"<d:{k}>{'true' if v else 'false'}</d:{k}>")
        else:
            out.append(f"<d:{k}>{escape(str(v))}</d:{k}>")
    return "".join(out)


def _entry(root_url: str, set_name: str, obj: dict[str, Any]) -> str:
    ref = obj.get("Ref_Key")
    ident = f"{root_url}/{set_name}(guid'{ref}')" if ref else f"{root_url}/{set_name}"
    return (
        f"<entry><id>{escape(ident)}</id>"
        f"<category term={quoteattr(NS + '.' + set_name)} "
        'scheme="http://schemas.microsoft.com/ado/2007/08/dataservices/scheme"/>'
        f'<title type="text"/><updated>2000-01-01T00:00:00Z</updated><author><name/></author>'
        f'<content type="application/xml"><m:properties>{_xml_props(obj)}</m:properties></content></entry>'
    )


def atom(root_url: str, set_name: str, payload: dict[str, Any]) -> str:
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    if "value" in payload and isinstance(payload["value"], list):
        entries = "".join(_entry(root_url, set_name, o) for o in payload["value"])
        count = f"<m:count>{payload['odata.count']}</m:count>" if "odata.count" in payload else ""
        return (
            f"{head}<feed {_ATOM_NS}><id>{escape(root_url + '/' + set_name)}</id>"
            f'<title type="text">{escape(set_name)}</title><updated>2000-01-01T00:00:00Z</updated>'
            f"{count}{entries}</feed>"
        )
    body = {k: v for k, v in payload.items() if k != "odata.metadata"}
    return head + _entry(root_url, set_name, body).replace("<entry>", f"<entry {_ATOM_NS}>", 1)


def xml_error(code: str, message: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<m:error xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">'
        f'<m:code>{escape(code)}</m:code><m:message xml:lang="ru">{escape(message)}</m:message></m:error>'
    )
