"""The doctor's reference-data check: the settings' names resolve in the base (organisation, currency,
warehouses and their kinds, price type, cash desk, closure reason, responsible user, additional properties
and customer attributes of the order)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Protocol

from bridge.settings import BridgeSettings
from bridge.sync.preflight_findings import Finding, Severity
from bridge.utp import names as n
from bridge.utp.errors import UtpAccessError, UtpError, UtpNotFoundError
from bridge.utp.odata_query import and_, eq


class UtpReader(Protocol):
    """What the doctor needs of ``bridge.utp.client.UtpClient`` (reads only)."""

    odata: Any

    def organisation(self, name: str | None = None, *, code: str | None = None) -> Any: ...
    def currency(self, code: str = "980") -> Any: ...
    def warehouses(self) -> list[Any]: ...
    def cash_desks(self, organisation_key: str) -> list[Any]: ...
    def closure_reasons(self) -> list[Any]: ...


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
    organisation = _check_organisation(settings, utp, findings)
    findings += _check_currency(settings, utp)
    findings += _check_warehouses(settings, utp, needed)
    findings += _check_price_type(settings, utp)
    if organisation is not None:
        findings += _check_cash_desk(settings, utp, organisation)
    _check_closure_reason(settings, utp, findings)
    if settings.responsible_user:
        findings += _check_user(settings.responsible_user, utp)
    findings += _check_properties(settings, utp)
    return findings, needed


def _check_organisation(settings: BridgeSettings, utp: UtpReader, findings: list[Finding]) -> Any:
    """The organisation (None when it cannot be read); its finding is appended to ``findings``."""
    try:
        organisation = utp.organisation(settings.organisation)
    except UtpNotFoundError:
        findings.append(
            Finding(
                "setting organisation",
                Severity.BLOCKER,
                f"UTP has no organisation {settings.organisation!r}",
                "Set 'organisation' to the organisation's name exactly as in Справочник Организации.",
            )
        )
        return None
    except UtpError as exc:
        findings.append(Finding("setting organisation", Severity.BLOCKER, f"{type(exc).__name__}: {exc}"))
        return None
    findings.append(Finding("setting organisation", Severity.OK, f"{settings.organisation!r} found"))
    return organisation


def _check_currency(settings: BridgeSettings, utp: UtpReader) -> list[Finding]:
    try:
        utp.currency(settings.currency_code)
    except UtpError as exc:
        return [
            Finding(
                "setting currency_code",
                Severity.BLOCKER,
                f"UTP has no currency with code {settings.currency_code!r} ({type(exc).__name__})",
                "Set 'currency_code' to the ISO numeric code of a currency of Справочник Валюты (980 = UAH).",
            )
        ]
    return [Finding("setting currency_code", Severity.OK, f"currency {settings.currency_code} found")]


def _check_closure_reason(settings: BridgeSettings, utp: UtpReader, findings: list[Finding]) -> None:
    reasons = _guarded("setting closure_reason", findings, utp.closure_reasons)
    if reasons is None:
        return
    names = sorted(r.description for r in reasons)
    if settings.closure_reason in names:
        findings.append(Finding("setting closure_reason", Severity.OK, f"{settings.closure_reason!r} found"))
    else:
        findings.append(
            Finding(
                "setting closure_reason",
                Severity.BLOCKER,
                f"UTP has no order-closure reason {settings.closure_reason!r} (known: {names})",
                "Set 'closure_reason' to an item of Справочник Причины закрытия заказов, or create it.",
            )
        )


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
