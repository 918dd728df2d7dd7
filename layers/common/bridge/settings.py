"""The bridge's settings: one validated model, loaded once per cold start.

A bad setting must fail at start-up with a clear message, never halfway through an order, so every
rule reads its configuration from this model and nothing else. In AWS the JSON lives in SSM Parameter
Store (``{BRIDGE_SECRETS_PREFIX}/settings``); the sandbox writes the same JSON there on its moto.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

VatRate = Literal["БезНДС", "НДС0", "НДС7", "НДС20", "НеНДС"]
ContractSettlement = Literal["ПоДоговоруВЦелом", "ПоЗаказам"]
NonEmpty = Annotated[str, Field(min_length=1)]


class SettingsError(ValueError):
    """The settings cannot run the bridge; the message says which setting and why."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StatusRule(_Frozen):
    """Which SalesDrive statuses call for a rule: explicit status ids, or SalesDrive status types.

    Ids are account-specific and change when statuses are reconfigured; types (1 in progress, 2 sale,
    3 refusal/return, 4 deleted — inferred from SalesDrive's status list) are portable, so types are the
    default.
    """

    status_ids: frozenset[int] = frozenset()
    status_types: frozenset[int] = frozenset()

    def matches(self, status_id: int, status_type: int | None) -> bool:
        return status_id in self.status_ids or (status_type is not None and status_type in self.status_types)


class Characteristic(_Frozen):
    """A SalesDrive deal field imported into a UTP additional property of the sales order (capability 12
    in docs/mission.md).

    ``field`` is ``sajt`` (the site's text from ``meta``), a UTM field (``utmSource`` …),
    ``payment_method``, ``shipping_method`` or the code of a custom field.
    """

    field: NonEmpty
    # Where it goes: an additional property (no configuration change), or an attribute of the order
    # that the customer's base already has (one UTP call fewer per change).
    property: NonEmpty | None = None
    attribute: NonEmpty | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Characteristic:
        if (self.property is None) == (self.attribute is None):
            raise ValueError(f"characteristic {self.field!r}: give exactly one of 'property' and 'attribute'")
        return self

    def target(self) -> str:
        """Key of the value in the order's applied state: the property name, or ``@attribute``.

        (A method: the field ``property`` shadows the builtin inside this class body.)"""
        return f"@{self.attribute}" if self.attribute else str(self.property)


class SkuNormalisation(_Frozen):
    """How SKUs are compared when SalesDrive products are matched with UTP products (capability 7).

    ``separators`` are characters removed before comparing (e.g. ``" -./"`` makes ``481 010-365``
    equal ``481010365``). Defaults are conservative: trim and ignore case only.
    """

    trim: bool = True
    ignore_case: bool = True
    separators: str = ""

    def apply(self, sku: str | None) -> str:
        text = sku or ""
        if self.trim:
            text = text.strip()
        if self.separators:
            text = text.translate({ord(ch): None for ch in self.separators})
        if self.ignore_case:
            text = text.casefold()
        return text


class BridgeSettings(_Frozen):
    salesdrive_account: NonEmpty
    # UTP reference data, by the names the accountants see (resolved to Ref_Keys once per cold start).
    organisation: NonEmpty
    currency_code: NonEmpty = "980"
    price_type: NonEmpty
    default_warehouse: NonEmpty
    warehouses: dict[int, NonEmpty] = Field(
        default_factory=dict, description="SalesDrive stockId → UTP warehouse name"
    )
    cash_desk: NonEmpty
    closure_reason: NonEmpty
    vat_rate: VatRate = "НДС20"
    contract_settlement: ContractSettlement = "ПоДоговоруВЦелом"
    # Name the new contract as the counterparty's main one (one more UTP call when 1C picks keys itself).
    link_main_contract: bool = True
    # SalesDrive's absolute line discount: for the whole line (default) or per unit (unknown, see reference).
    absolute_discount_per_unit: bool = False
    reserve_stock: bool = True
    # The UTP user (Catalog_Пользователи Description) the bridge acts for: Ответственный of its
    # documents ("" = left empty).
    responsible_user: str = ""
    # ОтражатьВБухгалтерскомУчете of invoices and returns: off by default (they
    # post on any base; the accountant reflects them), see docs/utp-accounting-reflection.md.
    reflect_in_accounting: bool = False
    # Status rules (capabilities 8–10).
    completed: StatusRule = StatusRule(status_types=frozenset({2}))
    cancelled: StatusRule = StatusRule(status_types=frozenset({3}))
    # Where the bridge marks what it writes in UTP (no configuration change needed).
    order_marker_field: NonEmpty = "НомерВходящегоДокументаЭлектронногоОбмена"
    order_status_property: NonEmpty = "SalesDrive: статус"
    # A string attribute of the order to hold the status instead of the property.
    order_status_attribute: NonEmpty | None = None
    product_id_property: NonEmpty = "SalesDrive ID"
    characteristics: tuple[Characteristic, ...] = (
        Characteristic(field="sajt", property="SalesDrive: источник"),
    )
    # Catalog (capabilities 4–6).
    transfer_products: bool = True
    transfer_prices: bool = True
    transfer_stock: bool = True
    stock_ids: dict[NonEmpty, int] = Field(
        default_factory=dict, description="UTP warehouse name → SalesDrive stockId for free stock"
    )
    # Catalog push: how often the schedule runs a full diff, what a product marked for
    # deletion in UTP becomes in SalesDrive, the currency of pushed prices.
    # The on-save trigger carries changes within seconds; the full push is the hourly safety net (without
    # the 1C subscription, 10–15 minutes is the usual choice: see the README for what it costs).
    catalog_interval_minutes: int = Field(default=60, ge=1, le=1440)
    deleted_product_policy: Literal["zero_stock", "delete"] = "zero_stock"
    catalog_currency: NonEmpty = "UAH"
    # The change watcher (``bridge.sync.catalog_watch``): finds changed stock and prices from UTP's OData
    # alone, no 1C configuration change. Off: only the on-save subscription and the full push.
    catalog_watch: bool = True
    catalog_watch_poll_seconds: int = Field(default=10, ge=2, le=60)  # polls of the recent documents
    catalog_watch_window_hours: int = Field(default=48, ge=1, le=24 * 31)  # once a minute: this far back
    catalog_watch_hot_minutes: int = Field(
        default=240, ge=5, le=24 * 60
    )  # every poll: this far back (and a zone skew)
    catalog_watch_run_seconds: int = Field(default=50, ge=5, le=840)  # how long one invocation polls
    # The on-save subscription's trigger endpoint; off: it answers 202 and queues nothing.
    catalog_on_save: bool = True
    # Writes of the "SalesDrive ID" property into UTP per minute (the first run at 200,000 products).
    product_id_writes_per_minute: int = Field(default=300, ge=1, le=6000)
    # SKU matching (capability 7): how SKUs are compared between SalesDrive and UTP.
    sku_normalisation: SkuNormalisation = SkuNormalisation()
    # Periodic SalesDrive readers and the status reconciler. The overlap re-reads the end of
    # the previous window (clock skew, changes committed late); it costs no extra list call.
    sweep_overlap_minutes: int = Field(default=10, ge=1, le=720)
    payment_overlap_minutes: int = Field(default=10, ge=1, le=720)
    # UTP sales orders (by document date) whose status property the reconciler watches.
    status_window_days: int = Field(default=14, ge=1, le=366)
    # An order parked because UTP refused it or was down is retried after this pause, then twice as long
    # each time (at most 6 h): time for an accountant to fix the cause in 1C.
    parked_retry_minutes: int = Field(default=5, ge=1, le=360)
    timezone: NonEmpty = "Europe/Kyiv"
    # Where managers see the accounting state of each order in SalesDrive (UTP order number and date,
    # invoice / return note / closure numbers, or why it is parked): the code of a custom text field of
    # the order, or "comment" (a line of the order's comment); None: nothing is written.
    accounting_state_field: NonEmpty | None = None

    @property
    def status_key(self) -> str:
        """Where the SalesDrive status of an order lives: the property name, or ``@attribute``."""
        return (
            f"@{self.order_status_attribute}" if self.order_status_attribute else self.order_status_property
        )

    @property
    def order_attributes(self) -> list[str]:
        """The order attributes the bridge writes (characteristics and status), read with each order."""
        names = [c.attribute for c in self.characteristics if c.attribute]
        return [*names, self.order_status_attribute] if self.order_status_attribute else names

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except Exception as exc:  # ZoneInfoNotFoundError or a malformed key
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _rules_do_not_overlap(self) -> BridgeSettings:
        for status_id in self.completed.status_ids & self.cancelled.status_ids:
            raise ValueError(f"status {status_id} cannot be both completed and cancelled")
        for status_type in self.completed.status_types & self.cancelled.status_types:
            raise ValueError(f"status type {status_type} cannot be both completed and cancelled")
        targets = [c.target() for c in self.characteristics]
        duplicates = {p.lstrip("@") for p in targets if targets.count(p) > 1}
        if duplicates:
            raise ValueError(f"characteristics write the same property twice: {sorted(duplicates)}")
        if self.status_key in targets:
            raise ValueError("the order status property cannot also hold a characteristic")
        stock_ids = list(self.stock_ids.values())
        shared_stocks = sorted({s for s in stock_ids if stock_ids.count(s) > 1})
        if shared_stocks:
            raise ValueError(f"stock_ids: SalesDrive stocks {shared_stocks} fed by several UTP warehouses")
        return self


def load_settings(raw: str | bytes | dict[str, object]) -> BridgeSettings:
    """Parse and validate the settings JSON, or raise ``SettingsError`` naming every bad setting."""
    try:
        data = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except json.JSONDecodeError as exc:
        raise SettingsError(f"the settings are not JSON: {exc}") from exc
    try:
        return BridgeSettings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(settings)'}: {err['msg']}" for err in exc.errors()
        )
        raise SettingsError(f"invalid bridge settings: {problems}") from exc
