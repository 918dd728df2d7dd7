"""The doctor's ``$metadata`` check: the base publishes every entity set, field, tabular section and virtual
table the bridge uses (``bridge.utp.names.USED``) with the expected OData type.

String lengths and enumeration values are not in 1C's ``$metadata``: ``unchecked`` lists them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bridge.sync.preflight_findings import Finding, Severity
from bridge.utp import names as n

EDM = "{http://schemas.microsoft.com/ado/2009/11/edm}"
# Registers publish their records in a second entity set (<name>_RecordType) whose fields count too.
REGISTER_PREFIXES = ("AccumulationRegister_", "InformationRegister_")


class MetadataError(ValueError):
    """The text is not a CSDL document the doctor can read."""


@dataclass(frozen=True)
class Schema:
    """What a ``$metadata`` publishes: entity sets, the properties of every entity and complex type, and
    the bound functions (virtual tables) with the type they are bound to."""

    sets: dict[str, str]  # entity set → its entity type (local name)
    types: dict[str, dict[str, str]]  # entity or complex type → property → OData type
    functions: frozenset[tuple[str, str]]  # (function name, binding type local name)

    def properties(self, entity_set: str) -> dict[str, str]:
        return self.types.get(self.sets.get(entity_set, ""), {})


def _local(type_name: str) -> str:
    return type_name.rsplit(".", 1)[-1]


def parse_metadata(text: str) -> Schema:
    """Parse 1C's ``$metadata`` (CSDL v3, namespace ``StandardODATA``) with the standard library's parser.

    The base's own answer is trusted only so far: a document type declaration (the door to entity
    expansion) is refused before parsing."""
    head = text[:4096].upper()
    if "<!DOCTYPE" in head or "<!ENTITY" in head:
        raise MetadataError("the $metadata answer declares a DOCTYPE/ENTITY: refused")
    try:
        root = ET.fromstring(text)  # noqa: S314 - no DTD (refused above); expat resolves no external entity
    except ET.ParseError as exc:
        raise MetadataError(f"the $metadata answer is not XML: {exc}") from exc
    sets: dict[str, str] = {}
    types: dict[str, dict[str, str]] = {}
    functions: set[tuple[str, str]] = set()
    for schema in root.iter(f"{EDM}Schema"):
        for kind in ("EntityType", "ComplexType"):
            for node in schema.iter(f"{EDM}{kind}"):
                props = {p.get("Name", ""): p.get("Type", "") for p in node.findall(f"{EDM}Property")}
                types.setdefault(node.get("Name", ""), {}).update(props)
        for node in schema.iter(f"{EDM}EntitySet"):
            sets[node.get("Name", "")] = _local(node.get("EntityType", ""))
        for node in schema.iter(f"{EDM}FunctionImport"):
            for param in node.findall(f"{EDM}Parameter"):
                if param.get("Name") == "bindingParameter":
                    functions.add((node.get("Name", ""), _local(param.get("Type", ""))))
    if not sets:
        raise MetadataError("the $metadata answer publishes no entity set")
    return Schema(sets=sets, types=types, functions=frozenset(functions))


_METADATA_ROOTS = {
    "Catalog": "Справочники",
    "Document": "Документы",
    "InformationRegister": "РегистрыСведений",
    "AccumulationRegister": "РегистрыНакопления",
    "ChartOfCharacteristicTypes": "ПланыВидовХарактеристик",
}


def publish_fix(entity_set: str) -> str:
    """How to get an object into the base's OData content."""
    kind, _, name = entity_set.removesuffix(n.RECORD_TYPE).partition("_")
    root = _METADATA_ROOTS.get(kind, kind)
    return (
        "UTP 1.2 runs in compatibility mode 8.2.13, where the platform publishes every object by itself: "
        "if it is missing, the base's configuration differs (object renamed or removed) or its "
        "compatibility mode was raised. In the latter case add it to the OData content (UTP has no form "
        "for it): as an administrator in 1C:Enterprise, run an external data processor that takes "
        f"ПолучитьСоставСтандартногоИнтерфейсаOData(), adds Метаданные.{root}.{name} and passes the whole "
        "list to УстановитьСоставСтандартногоИнтерфейсаOData() (SetStandardODataInterfaceContent: it "
        "replaces the content, so keep what is there); then reload $metadata."
    )


def _type_ok(expected: str, published: str) -> bool:
    if expected == n.NUMBER:
        return published in n.NUMERIC_TYPES
    if expected == "typedesc":
        return published.endswith(".TypeDescription")
    return published == expected


def _expected_label(expected: str) -> str:
    return {n.NUMBER: "a number (Edm.Double/Int*)", "typedesc": "TypeDescription"}.get(expected, expected)


def _field_problems(props: Mapping[str, str], fields: Iterable[n.Field], prefix: str = "") -> list[str]:
    problems: list[str] = []
    for f in fields:
        composite = f.type == n.COMPOSITE
        wanted = {f.name: n.STRING, f"{f.name}_Type": n.STRING} if composite else {f.name: f.type}
        for name, expected in wanted.items():
            published = props.get(name)
            if published is None:
                hint = ""
                if f.type == n.GUID and f.name.endswith("_Key") and f.name[:-4] in props:
                    hint = " (published as a composite: the configuration changed its type)"
                problems.append(f"{prefix}{name} missing{hint}")
            elif not _type_ok(expected, published):
                problems.append(f"{prefix}{name} is {published}, expected {_expected_label(expected)}")
    return problems


def check_schema(
    schema: Schema,
    *,
    needed: Iterable[str] = (),
    extra_order_fields: Mapping[str, str] | None = None,
    uses: Sequence[n.EntityUse] = n.USED,
) -> list[Finding]:
    """One finding per entity set the bridge uses. ``needed`` are the conditions (``names.WHEN_…``) that
    hold for these settings: what they guard is a blocker when missing, a warning otherwise.
    ``extra_order_fields`` are the settings' own attributes of the sales order (name → purpose)."""
    applies = set(needed)
    return [_check_use(schema, use, applies, extra_order_fields) for use in uses]


def _check_use(
    schema: Schema, use: n.EntityUse, applies: set[str], extra_order_fields: Mapping[str, str] | None
) -> Finding:
    check = f"odata {use.name}"
    condition = n.CONDITIONS.get(use.when or "", "")
    if use.name not in schema.sets:
        severity = Severity.BLOCKER if use.when is None or use.when in applies else Severity.WARNING
        return Finding(
            check,
            severity,
            f"not published ({use.purpose}" + (f"; needed {condition})" if condition else ")"),
            publish_fix(use.name),
        )
    props = dict(schema.properties(use.name))
    if use.name.startswith(REGISTER_PREFIXES):
        props.update(schema.types.get(schema.sets.get(use.name + n.RECORD_TYPE, ""), {}))
    always = [f for f in use.fields if f.when is None or f.when in applies]
    optional = [f for f in use.fields if f.when is not None and f.when not in applies]
    problems = _field_problems(props, always) + _use_problems(schema, use, props, extra_order_fields)
    optional_missing = _field_problems(props, optional)
    if problems:
        # An object needed only under a condition that does not hold: worth a look, not a stop.
        conditional = use.when is not None and use.when not in applies
        return Finding(
            check,
            Severity.WARNING if conditional else Severity.BLOCKER,
            "; ".join(problems) + (f" (needed {condition})" if conditional else ""),
            "The base's configuration differs from UTP 1.2 here: the bridge reads or writes these "
            "fields (bridge/utp/names.py). Compare the object with the vendor's configuration; a "
            "field is published together with its object, so it cannot be added to OData alone.",
        )
    if optional_missing:
        conditions = sorted({n.CONDITIONS[f.when] for f in optional if f.when})
        return Finding(
            check,
            Severity.WARNING,
            "; ".join(optional_missing) + f" (needed {', '.join(conditions)})",
            "Leave the setting unset, or use a base whose configuration has these fields.",
        )
    count = len(always) + sum(len(f) for f in use.sections.values())
    return Finding(check, Severity.OK, f"{count} field(s) as expected ({use.purpose})")


def _use_problems(
    schema: Schema, use: n.EntityUse, props: Mapping[str, str], extra_order_fields: Mapping[str, str] | None
) -> list[str]:
    """What is missing of the tabular sections, the settings' order attributes and the virtual tables."""
    problems: list[str] = []
    for section, fields in use.sections.items():
        row_type = props.get(section, "")
        if not row_type.startswith("Collection("):
            problems.append(f"tabular section {section} missing")
            continue
        row_props = schema.types.get(_local(row_type.removeprefix("Collection(").rstrip(")")), {})
        problems += _field_problems(row_props, fields, prefix=f"{section}.")
    if use.name == n.ORDER and extra_order_fields:
        extra = [n.Field(name, n.STRING) for name in extra_order_fields]
        problems += [
            f"{p} (setting {extra_order_fields[p.split()[0]]})" for p in _field_problems(props, extra)
        ]
    # A virtual table is a function bound to the register's set (or to its _RecordType set).
    bindings = {schema.sets.get(use.name, ""), schema.sets.get(use.name + n.RECORD_TYPE, "")} - {""}
    for fn in use.functions:
        if not any((fn, binding) in schema.functions for binding in bindings):
            problems.append(f"virtual table {fn} missing")
    return problems


def unchecked(uses: Sequence[n.EntityUse] = n.USED) -> list[str]:
    """What $metadata cannot tell: the enumeration values the bridge writes, the string lengths it relies
    on. Listed so that an operator verifies them once on a new or customised base."""
    out = []
    for use in uses:
        for prefix, fields in [("", use.fields), *((f"{s}.", fs) for s, fs in use.sections.items())]:
            for f in fields:
                if f.values and f.writes:
                    out.append(
                        f"{use.name}.{prefix}{f.name}: the bridge writes {', '.join(f.values)} "
                        f"(enum {f.enum}); $metadata publishes enumerations as plain strings"
                    )
    out.append(
        f"{n.ORDER}: the order marker attribute must hold {n.ORDER_MARKER_LENGTH} characters "
        "(НомерВходящегоДокументаЭлектронногоОбмена in UTP 1.2); $metadata carries no string length"
    )
    return list(dict.fromkeys(out))
