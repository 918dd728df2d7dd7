"""Deal characteristics (capability 12 in docs/mission.md): source, UTM tags, site, payment and
delivery method, custom fields, imported into additional properties of the UTP sales order, as the
settings map them.

Select fields are written by name, never by id. The name comes from the order itself (an option object
``{id, name}``), else from ``meta`` (``{value, text}`` or ``{id, name}``; a webhook's holds the selected
option, a list's the dictionary), else from SalesDrive's dictionaries (``bridge.sync.option_names``).
When none has it, nothing is written for the field and the field is reported as unresolved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bridge.salesdrive.coerce import as_list, choice_id, choice_name
from bridge.salesdrive.meta import OrderMeta
from bridge.salesdrive.models import Order
from bridge.settings import BridgeSettings

_UTM_FIELDS = {
    "utmSource": "utm_source",
    "utmMedium": "utm_medium",
    "utmCampaign": "utm_campaign",
    "utmContent": "utm_content",
    "utmTerm": "utm_term",
    "utmPage": "utm_page",
    "utmSourceFull": "utm_source_full",
}
PROPERTY_TEXT_LENGTH = 50
# Fields that are always selects (their value is an option id).
_SELECT_FIELDS = {
    "sajt": "sajt",
    "payment_method": "payment_method",
    "shipping_method": "shipping_method",
    "rejectionReason": "rejection_reason",
    "userId": "user_id",
}
_SELECT_TYPES = frozenset({"select", "multiselect", "radio", "checkbox_list"})

# field name → option id → name, or None when no dictionary knows the field.
Dictionaries = Callable[[str], Mapping[str, str] | None]


class Unresolved(Exception):
    """A select field whose option has no name anywhere: write nothing rather than a bare id."""

    def __init__(self, field: str, ids: list[str]) -> None:
        super().__init__(f"{field}: no name for option {', '.join(ids)}")
        self.field, self.ids = field, ids


def _text(value: Any) -> str | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if v not in (None, "")) or None
    return str(value)


def _is_select(field: str, meta: OrderMeta, dictionaries: Dictionaries | None) -> bool:
    if field in _SELECT_FIELDS:
        return True
    descriptor = meta.fields.get(field)
    if descriptor is not None and (descriptor.options or (descriptor.type or "") in _SELECT_TYPES):
        return True
    return dictionaries is not None and dictionaries(field) is not None


def field_text(
    order: Order, meta: OrderMeta, field: str, dictionaries: Dictionaries | None = None
) -> str | None:
    """The human text of one SalesDrive order field; ``Unresolved`` for a select without a name."""
    if field in _UTM_FIELDS:
        return _text(getattr(order, _UTM_FIELDS[field]))
    raw = getattr(order, _SELECT_FIELDS[field]) if field in _SELECT_FIELDS else order.custom_fields.get(field)
    if not _is_select(field, meta, dictionaries):
        return _text(raw)
    values = as_list(raw)
    if not values:
        return None
    names: list[str | None] = []
    for value in values:
        option = choice_id(value)
        if option is None:  # free text in a select (a name already, or a custom value)
            names.append(choice_name(value) or (value.strip() if isinstance(value, str) else None))
            continue
        names.append(choice_name(value) or meta.option_text(field, option))
    if not all(names):  # a webhook's meta lists only the selected option(s): one text per value
        selected = meta.selected_texts(field)
        if len(selected) == len(values):
            names = list(selected)
    if not all(names) and dictionaries is not None:
        known = dictionaries(field) or {}
        names = [name or known.get(choice_id(value) or "") for name, value in zip(names, values, strict=True)]
    missing = [choice_id(v) or str(v) for name, v in zip(names, values, strict=True) if not name]
    if missing:
        raise Unresolved(field, missing)
    return ", ".join(name for name in names if name)


def characteristic_values(
    order: Order,
    meta: OrderMeta,
    settings: BridgeSettings,
    dictionaries: Dictionaries | None = None,
    unresolved: list[str] | None = None,
) -> dict[str, str]:
    """Target (property name, or ``@attribute``) → text, for every mapped field the order has a value
    for. A select with no name anywhere is left out and described in ``unresolved``."""
    values: dict[str, str] = {}
    for mapping in settings.characteristics:
        try:
            text = field_text(order, meta, mapping.field, dictionaries)
        except Unresolved as exc:
            if unresolved is not None:
                unresolved.append(str(exc))
            continue
        if text:
            target = mapping.target()
            # An additional property keeps 50 characters (UTP 1.2: ChartsOfCharacteristicTypes/
            # СвойстваОбъектов.xml) and cuts the rest silently: cut it here, so what the bridge
            # remembers having written is what UTP holds. Attributes keep their own length.
            limit = 1024 if target.startswith("@") else PROPERTY_TEXT_LENGTH
            values[target] = text.strip()[:limit]
    return values
