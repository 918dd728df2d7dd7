"""The settings' UTP names resolved to Ref_Keys, once per cold start.

Accountants name things ("ТОВ Запчастини Плюс", "Основний склад"); 1C wants keys. A name that does
not exist in UTP is a bad setting: it fails here, at start-up, never halfway through an order.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from bridge.settings import BridgeSettings, SettingsError
from bridge.utp.client import UtpClient
from bridge.utp.errors import UtpNotFoundError
from bridge.utp.reference import user_key


class UtpReference(BaseModel):
    organisation_key: str
    currency_key: str
    price_type_key: str
    default_warehouse_key: str
    warehouse_keys: dict[int, str]  # SalesDrive stockId → UTP warehouse key
    warehouse_names: dict[str, str]  # UTP warehouse name → key
    cash_desk_key: str
    closure_reason_key: str
    responsible_key: str | None = None  # Ответственный of the bridge's documents (setting responsible_user)


def resolve_reference(settings: BridgeSettings, utp: UtpClient) -> UtpReference:
    """Six small UTP reads; raises ``SettingsError`` naming the setting whose value UTP does not know."""
    try:
        organisation = utp.organisation(settings.organisation)
    except UtpNotFoundError as exc:
        raise SettingsError(f"organisation: UTP has no organisation {settings.organisation!r}") from exc
    try:
        currency = utp.currency(settings.currency_code)
    except UtpNotFoundError as exc:
        raise SettingsError(f"currency_code: UTP has no currency {settings.currency_code!r}") from exc
    try:
        price_type = utp.price_type(settings.price_type)
    except UtpNotFoundError as exc:
        raise SettingsError(f"price_type: UTP has no price type {settings.price_type!r}") from exc
    check_price_type_setting(utp, price_type.ref)
    warehouses = {w.description: w.ref for w in utp.warehouses() if not w.is_folder and not w.deletion_mark}

    def warehouse(setting: str, name: str) -> str:
        if name not in warehouses:
            raise SettingsError(f"{setting}: UTP has no warehouse {name!r} (known: {sorted(warehouses)})")
        return warehouses[name]

    cash_desks = {c.description: c.ref for c in utp.cash_desks(organisation.ref)}
    if settings.cash_desk not in cash_desks:
        raise SettingsError(f"cash_desk: organisation has no cash desk {settings.cash_desk!r}")
    reasons = {r.description: r.ref for r in utp.closure_reasons()}
    if settings.closure_reason not in reasons:
        raise SettingsError(f"closure_reason: UTP has no order-closure reason {settings.closure_reason!r}")
    responsible_key = None
    if settings.responsible_user:
        responsible_key = user_key(utp, settings.responsible_user)
        if responsible_key is None:
            raise SettingsError(f"responsible_user: UTP has no user {settings.responsible_user!r}")
    return UtpReference(
        organisation_key=organisation.ref,
        currency_key=currency.ref,
        price_type_key=price_type.ref,
        default_warehouse_key=warehouse("default_warehouse", settings.default_warehouse),
        warehouse_keys={
            stock_id: warehouse(f"warehouses.{stock_id}", name)
            for stock_id, name in settings.warehouses.items()
        },
        warehouse_names=warehouses,
        cash_desk_key=cash_desks[settings.cash_desk],
        closure_reason_key=reasons[settings.closure_reason],
        responsible_key=responsible_key,
    )


def check_price_type_setting(utp: UtpClient, price_type_key: str) -> None:
    """A computed price type (``Рассчитывается``) is computed as UTP does, unless it cannot be: by price
    ranges, or from no (or a computed) base type — then the bridge refuses to start, naming the setting.
    [1–2, cached per client]"""
    from bridge.sync.prices import check_price_type
    from bridge.utp.catalog import price_type_settings

    kind = price_type_settings(utp, price_type_key)
    base = price_type_settings(utp, kind.base_key) if kind.computed and kind.base_key else None
    check_price_type(kind, base)


def utp_now(settings: BridgeSettings) -> datetime:
    """1C dates are naive wall-clock time of the base's time zone."""
    return datetime.now(ZoneInfo(settings.timezone)).replace(tzinfo=None, microsecond=0)
