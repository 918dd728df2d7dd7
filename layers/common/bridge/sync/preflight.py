"""The doctor's rule: does this UTP base, with these settings and this SalesDrive key, run the bridge?

Checks, each a ``Finding`` (ok / warning / blocker, what is wrong, how to fix it):

- the base's ``$metadata`` publishes every entity set, field, tabular section and virtual table the bridge
  uses (``bridge.utp.names.USED``) with the expected OData type;
- the settings' reference data resolve: organisation, currency, warehouses (and their kinds), price type
  (and whether it is computed), cash desk (of the organisation), closure reason, responsible user, the
  additional properties (exist, value type string, long enough) and customer attributes of the order;
- SalesDrive answers with the key (one call: the status list, not a list endpoint of the read budget), and
  the settings' status ids exist there.

What it cannot check is listed in ``Report.unchecked``: string lengths and enumeration values are not in
1C's ``$metadata``. Nothing is written anywhere.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any, Protocol

from bridge.settings import BridgeSettings
from bridge.utp import names as n
from bridge.utp.errors import UtpAccessError, UtpError, UtpNotFoundError
from bridge.utp.odata_query import and_, eq

EDM = "{http://schemas.microsoft.com/ado/2009/11/edm}"


class Severity(StrEnum):
    OK = "ok"
    WARNING = "warning"
    BLOCKER = "blocker"


@dataclass(frozen=True)
class Finding:
    check: str  # what was checked: "odata Document_ЗаказПокупателя", "setting price_type", …
    severity: Severity
    detail: str  # what was found, or what is missing
    fix: str = ""  # how to fix it (empty when ok)

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "severity": self.severity.value, "detail": self.detail, "fix": self.fix}


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    @property
    def blockers(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.BLOCKER]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": not self.blockers,
            "blockers": len(self.blockers),
            "warnings": len(self.warnings),
            "findings": [f.as_dict() for f in self.findings],
            "unchecked": list(self.unchecked),
        }


# -- $metadata ------------------------------------------------------------------------------------------


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
    findings: list[Finding] = []
    for use in uses:
        check = f"odata {use.name}"
        condition = n.CONDITIONS.get(use.when or "", "")
        if use.name not in schema.sets:
            severity = Severity.BLOCKER if use.when is None or use.when in applies else Severity.WARNING
            findings.append(
                Finding(
                    check,
                    severity,
                    f"not published ({use.purpose}" + (f"; needed {condition})" if condition else ")"),
                    publish_fix(use.name),
                )
            )
            continue
        props = dict(schema.properties(use.name))
        if use.name.startswith(("AccumulationRegister_", "InformationRegister_")):
            props.update(schema.types.get(schema.sets.get(use.name + n.RECORD_TYPE, ""), {}))
        always = [f for f in use.fields if f.when is None or f.when in applies]
        optional = [f for f in use.fields if f.when is not None and f.when not in applies]
        problems = _field_problems(props, always)
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
        optional_missing = _field_problems(props, optional)
        if problems:
            # An object needed only under a condition that does not hold: worth a look, not a stop.
            conditional = use.when is not None and use.when not in applies
            findings.append(
                Finding(
                    check,
                    Severity.WARNING if conditional else Severity.BLOCKER,
                    "; ".join(problems) + (f" (needed {condition})" if conditional else ""),
                    "The base's configuration differs from UTP 1.2 here: the bridge reads or writes these "
                    "fields (bridge/utp/names.py). Compare the object with the vendor's configuration; a "
                    "field is published together with its object, so it cannot be added to OData alone.",
                )
            )
        elif optional_missing:
            conditions = sorted({n.CONDITIONS[f.when] for f in optional if f.when})
            findings.append(
                Finding(
                    check,
                    Severity.WARNING,
                    "; ".join(optional_missing) + f" (needed {', '.join(conditions)})",
                    "Leave the setting unset, or use a base whose configuration has these fields.",
                )
            )
        else:
            count = len(always) + sum(len(f) for f in use.sections.values())
            findings.append(Finding(check, Severity.OK, f"{count} field(s) as expected ({use.purpose})"))
    return findings


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


# -- reference data and settings ----------------------------------------------------------------------


class UtpReader(Protocol):
    """What the doctor needs of ``bridge.utp.client.UtpClient`` (reads only)."""

    odata: Any

    def organisation(self, name: str | None = None, *, code: str | None = None) -> Any: ...
    def currency(self, code: str = "980") -> Any: ...
    def warehouses(self) -> list[Any]: ...
    def cash_desks(self, organisation_key: str) -> list[Any]: ...
    def closure_reasons(self) -> list[Any]: ...


class StatusReader(Protocol):
    def statuses(self, *, refresh: bool = False) -> list[Any]: ...


WAREHOUSE_KINDS = {"Оптовый": "wholesale", "Розничный": "retail", "НТТ": "non-automated outlet (НТТ)"}
PROPERTY_FIX = (
    'In UTP: Сервис → Свойства объектов (chart of characteristic types "Свойства объектов"), create the '
    "property {name!r} with value type Строка (String, length 50 or unlimited) and the purpose of the "
    "objects it is set on ({purpose})."
)


def _guarded(check: str, findings: list[Finding], read: Callable[[], Any]) -> Any:
    """Run one UTP read; a refusal becomes a blocker of this check instead of stopping the doctor."""
    try:
        return read()
    except UtpAccessError as exc:
        findings.append(
            Finding(
                check,
                Severity.BLOCKER,
                f"UTP refuses the read: {exc}",
                "Give the bridge's UTP user the right to read (and write) this object.",
            )
        )
    except UtpError as exc:
        findings.append(Finding(check, Severity.BLOCKER, f"UTP answered {type(exc).__name__}: {exc}"))
    return None


def check_reference(settings: BridgeSettings, utp: UtpReader) -> tuple[list[Finding], set[str]]:
    """The settings' names against the base's reference data. Returns the findings and the conditions
    (``names.WHEN_…``) these settings and this base make hold."""
    findings: list[Finding] = []
    needed: set[str] = set()
    if settings.responsible_user:
        needed.add(n.WHEN_RESPONSIBLE_USER)

    organisation = None
    try:
        organisation = utp.organisation(settings.organisation)
        findings.append(Finding("setting organisation", Severity.OK, f"{settings.organisation!r} found"))
    except UtpNotFoundError:
        findings.append(
            Finding(
                "setting organisation",
                Severity.BLOCKER,
                f"UTP has no organisation {settings.organisation!r}",
                "Set 'organisation' to the organisation's name exactly as in Справочник Организации.",
            )
        )
    except UtpError as exc:
        findings.append(Finding("setting organisation", Severity.BLOCKER, f"{type(exc).__name__}: {exc}"))

    try:
        utp.currency(settings.currency_code)
        findings.append(
            Finding("setting currency_code", Severity.OK, f"currency {settings.currency_code} found")
        )
    except UtpError as exc:
        findings.append(
            Finding(
                "setting currency_code",
                Severity.BLOCKER,
                f"UTP has no currency with code {settings.currency_code!r} ({type(exc).__name__})",
                "Set 'currency_code' to the ISO numeric code of a currency of Справочник Валюты (980 = UAH).",
            )
        )

    findings += _check_warehouses(settings, utp, needed)
    findings += _check_price_type(settings, utp)
    if organisation is not None:
        findings += _check_cash_desk(settings, utp, organisation)
    reasons = _guarded("setting closure_reason", findings, utp.closure_reasons)
    if reasons is not None:
        names = sorted(r.description for r in reasons)
        if settings.closure_reason in names:
            findings.append(
                Finding("setting closure_reason", Severity.OK, f"{settings.closure_reason!r} found")
            )
        else:
            findings.append(
                Finding(
                    "setting closure_reason",
                    Severity.BLOCKER,
                    f"UTP has no order-closure reason {settings.closure_reason!r} (known: {names})",
                    "Set 'closure_reason' to an item of Справочник Причины закрытия заказов, or create it.",
                )
            )
    if settings.responsible_user:
        findings += _check_user(settings.responsible_user, utp)
    findings += _check_properties(settings, utp)
    return findings, needed


def _check_warehouses(settings: BridgeSettings, utp: UtpReader, needed: set[str]) -> list[Finding]:
    findings: list[Finding] = []
    rows = _guarded("setting warehouses", findings, utp.warehouses)
    if rows is None:
        return findings
    known = {w.description: w for w in rows if not w.is_folder and not w.deletion_mark}
    sales = {"default_warehouse": settings.default_warehouse}
    sales.update({f"warehouses.{stock}": name for stock, name in settings.warehouses.items()})
    stock = {f"stock_ids.{name}": name for name in settings.stock_ids}
    for setting, name in [*sales.items(), *stock.items()]:
        check = f"setting {setting}"
        warehouse = known.get(name)
        if warehouse is None:
            findings.append(
                Finding(
                    check,
                    Severity.BLOCKER,
                    f"UTP has no warehouse {name!r} (known: {sorted(known)})",
                    "Use the warehouse's name exactly as in Справочник Склады (not a folder, not deleted).",
                )
            )
            continue
        kind = warehouse.kind or "?"
        label = WAREHOUSE_KINDS.get(kind, kind)
        if setting in stock:
            if kind == "Розничный":
                needed.add(n.WHEN_RETAIL_STOCK)
            elif kind == "НТТ":
                needed.add(n.WHEN_NTT_STOCK)
            findings.append(Finding(check, Severity.OK, f"{name!r} found, {label}"))
        elif kind == "НТТ":
            # UTP 1.2: Documents/ЗаказПокупателя/Ext/ObjectModule.bsl and
            # Documents/РеализацияТоваровУслуг/Ext/ObjectModule.bsl, ПроверитьЗаполнениеШапкиУпр: a sales
            # order or invoice with a warehouse of kind НТТ is refused.
            findings.append(
                Finding(
                    check,
                    Severity.BLOCKER,
                    f"{name!r} is a non-automated outlet (НТТ): UTP refuses sales orders and invoices "
                    "from it, so every order sent there would be parked",
                    "Map this SalesDrive stock to a wholesale or retail warehouse; an НТТ warehouse may "
                    "still feed free stock (stock_ids).",
                )
            )
        else:
            findings.append(Finding(check, Severity.OK, f"{name!r} found, {label}"))
    return findings


def _check_price_type(settings: BridgeSettings, utp: UtpReader) -> list[Finding]:
    check = "setting price_type"
    findings: list[Finding] = []
    flt = and_(eq("Description", settings.price_type), eq("DeletionMark", False))
    rows = _guarded(
        check,
        findings,
        lambda: utp.odata.get_collection(
            n.PRICE_TYPES,
            select=["Ref_Key", "Description", "Рассчитывается", "БазовыйТипЦен_Key"],
            filter=flt,
        ),
    )
    if rows is None:
        return findings
    if not rows:
        return [
            Finding(
                check,
                Severity.BLOCKER,
                f"UTP has no price type {settings.price_type!r}",
                "Set 'price_type' to an item of Справочник Типы цен номенклатуры.",
            )
        ]
    if rows[0].get("Рассчитывается"):
        # Catalogs/ТипыЦенНоменклатуры.xml; CommonModules/Ценообразование: a computed type's prices come
        # from its base type (БазовыйТипЦен) and markup, not from price rows of its own.
        return [
            Finding(
                check,
                Severity.WARNING,
                f"{settings.price_type!r} is computed (Рассчитывается): UTP keeps no price rows for it, its "
                "prices are derived from its base price type and markup",
                "Check that the bridge computes these prices as UTP does, or choose a price type with price "
                "rows of its own (Установка цен номенклатуры).",
            )
        ]
    return [Finding(check, Severity.OK, f"{settings.price_type!r} found, with price rows of its own")]


def _check_cash_desk(settings: BridgeSettings, utp: UtpReader, organisation: Any) -> list[Finding]:
    check = "setting cash_desk"
    findings: list[Finding] = []
    desks = _guarded(check, findings, lambda: utp.cash_desks(organisation.ref))
    if desks is None:
        return findings
    names = sorted(d.description for d in desks)
    if settings.cash_desk in names:
        return [Finding(check, Severity.OK, f"{settings.cash_desk!r} found, of {settings.organisation!r}")]
    flt = and_(eq("Description", settings.cash_desk), eq("DeletionMark", False))
    elsewhere = _guarded(
        check,
        findings,
        lambda: utp.odata.get_collection(n.CASH_DESKS, select=["Ref_Key", "Owner_Key"], filter=flt),
    )
    detail = (
        f"{settings.cash_desk!r} belongs to another organisation"
        if elsewhere
        else f"UTP has no cash desk {settings.cash_desk!r}"
    )
    findings.append(
        Finding(
            check,
            Severity.BLOCKER,
            f"{detail} (cash desks of {settings.organisation!r}: {names})",
            "Set 'cash_desk' to a cash desk of the settings' organisation (Справочник Кассы is subordinate "
            "to Организации).",
        )
    )
    return findings


def _check_user(name: str, utp: UtpReader) -> list[Finding]:
    check = "setting responsible_user"
    findings: list[Finding] = []
    flt = and_(eq("Description", name), eq("DeletionMark", False))
    rows = _guarded(
        check,
        findings,
        lambda: utp.odata.get_collection(n.USERS, select=["Ref_Key", "Description"], filter=flt, top=1),
    )
    if rows is None:
        return findings
    if rows:
        return [Finding(check, Severity.OK, f"UTP user {name!r} found")]
    return [
        Finding(
            check,
            Severity.BLOCKER,
            f"UTP has no user {name!r}",
            "Set 'responsible_user' to a user's name exactly as in Справочник Пользователи, or leave it "
            "empty.",
        )
    ]


def _properties_used(settings: BridgeSettings) -> dict[str, tuple[str, str]]:
    """Property name → (setting, purpose of the objects it is set on)."""
    out = {settings.product_id_property: ("product_id_property", "Справочник Номенклатура")}
    if not settings.order_status_attribute:
        out[settings.order_status_property] = ("order_status_property", "Документ Заказ покупателя")
    for c in settings.characteristics:
        if c.property:
            out[c.property] = (f"characteristics.{c.field}", "Документ Заказ покупателя")
    return out


def _check_properties(settings: BridgeSettings, utp: UtpReader) -> list[Finding]:
    findings: list[Finding] = []
    for name, (setting, purpose) in _properties_used(settings).items():
        check = f"property {name!r}"
        flt = and_(eq("Description", name), eq("DeletionMark", False))
        rows = _guarded(
            check,
            findings,
            partial(
                utp.odata.get_collection,
                n.PROPERTIES,
                select=["Ref_Key", "Description", "ValueType"],
                filter=flt,
                top=1,
            ),
        )
        if rows is None:
            continue
        fix = PROPERTY_FIX.format(name=name, purpose=purpose)
        if not rows:
            findings.append(Finding(check, Severity.BLOCKER, f"no such property (setting {setting})", fix))
            continue
        value_type = rows[0].get("ValueType") or {}
        types = list(value_type.get("Types") or []) if isinstance(value_type, Mapping) else []
        length = 0
        if isinstance(value_type, Mapping):
            qualifiers = value_type.get("StringQualifiers") or {}
            length = int(qualifiers.get("Length") or 0) if isinstance(qualifiers, Mapping) else 0
        if n.STRING not in types:
            shown = ", ".join(types) or "none"
            findings.append(
                Finding(
                    check,
                    Severity.BLOCKER,
                    f"value type is {shown}: the bridge writes strings (setting {setting})",
                    f"Change the property's value type to Строка in UTP, or create a new one. {fix}",
                )
            )
        elif 0 < length < n.PROPERTY_STRING_LENGTH:
            findings.append(
                Finding(
                    check,
                    Severity.WARNING,
                    f"value type is a string of {length}: longer values are cut by 1C",
                    f"Set the string length to {n.PROPERTY_STRING_LENGTH} or unlimited.",
                )
            )
        else:
            findings.append(
                Finding(check, Severity.OK, f"string{f' of {length}' if length else ' (unlimited)'}")
            )
    return findings


# -- SalesDrive -------------------------------------------------------------------------------------------


def check_salesdrive(settings: BridgeSettings, salesdrive: StatusReader) -> list[Finding]:
    """One call (the status list): the key works and the settings' status ids and types exist."""
    from bridge.salesdrive.errors import SalesDriveAuthError, SalesDriveError

    try:
        statuses = salesdrive.statuses(refresh=True)
    except SalesDriveAuthError as exc:
        return [
            Finding(
                "salesdrive api key",
                Severity.BLOCKER,
                f"SalesDrive refuses the key: {exc}",
                "Store a valid API key of the account (SalesDrive → Settings → API) as salesdrive-api-key.",
            )
        ]
    except SalesDriveError as exc:
        return [Finding("salesdrive api key", Severity.BLOCKER, f"SalesDrive does not answer: {exc}")]
    findings = [Finding("salesdrive api key", Severity.OK, f"the key works ({len(statuses)} statuses)")]
    by_id = {s.id: s for s in statuses}
    types = {int(s.type) for s in statuses if s.type is not None}
    for rule_name in ("completed", "cancelled"):
        rule = getattr(settings, rule_name)
        check = f"setting {rule_name}"
        missing = sorted(i for i in rule.status_ids if i not in by_id)
        if missing:
            findings.append(
                Finding(
                    check,
                    Severity.BLOCKER,
                    f"status id(s) {missing} do not exist in SalesDrive (known: {sorted(by_id)})",
                    f"Correct '{rule_name}.status_ids' (SalesDrive → Settings → Statuses), or use status "
                    "types.",
                )
            )
            continue
        absent_types = sorted(t for t in rule.status_types if t not in types)
        if absent_types:
            findings.append(
                Finding(
                    check,
                    Severity.WARNING,
                    f"no SalesDrive status has type {absent_types}: the rule never fires by type",
                    f"Name the statuses in '{rule_name}.status_ids'.",
                )
            )
            continue
        matched = [by_id[i].name or str(i) for i in sorted(rule.status_ids)]
        matched += [
            s.name or str(s.id) for s in statuses if s.type is not None and int(s.type) in rule.status_types
        ]
        findings.append(Finding(check, Severity.OK, f"statuses: {', '.join(dict.fromkeys(matched))}"))
    return findings


# -- the whole doctor -------------------------------------------------------------------------------------


def run_preflight(
    settings: BridgeSettings,
    utp: UtpReader | None,
    salesdrive: StatusReader | None,
    *,
    metadata: str | None = None,
) -> Report:
    """Every check; ``metadata`` is the ``$metadata`` text (read from ``utp`` when not given). ``None``
    collaborators are skipped with a warning."""
    report = Report()
    if utp is None:
        report.findings.append(Finding("utp", Severity.WARNING, "UTP was not checked (no connection given)"))
    else:
        schema = None
        try:
            text = metadata if metadata is not None else utp.odata.request("GET", "$metadata", expect="text")
            schema = parse_metadata(str(text))
            report.findings.append(
                Finding("utp $metadata", Severity.OK, f"{len(schema.sets)} entity sets published")
            )
        except (UtpError, MetadataError) as exc:
            report.findings.append(
                Finding(
                    "utp $metadata",
                    Severity.BLOCKER,
                    f"cannot read $metadata: {type(exc).__name__}: {exc}",
                    "Check the OData URL (…/odata/standard.odata), the user and password, and that the base "
                    "is published with the standard OData interface.",
                )
            )
        if schema is not None:
            reference, needed = check_reference(settings, utp)
            extra = {settings.order_marker_field: "order_marker_field"}
            if settings.order_status_attribute:
                extra[settings.order_status_attribute] = "order_status_attribute"
            for c in settings.characteristics:
                if c.attribute:
                    extra[c.attribute] = f"characteristics.{c.field}"
            report.findings += check_schema(schema, needed=needed, extra_order_fields=extra)
            report.findings += reference
    if salesdrive is None:
        report.findings.append(
            Finding("salesdrive", Severity.WARNING, "SalesDrive was not checked (no key given)")
        )
    else:
        report.findings += check_salesdrive(settings, salesdrive)
    report.unchecked = unchecked()
    return report
