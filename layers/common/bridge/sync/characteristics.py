"""Deal characteristics (mission item 12): source, UTM tags, site, payment and delivery method, custom
fields, imported into additional properties of the UTP sales order, as the settings map them.
"""

from __future__ import annotations

from typing import Any

from bridge.salesdrive.models import Order, OrderMeta
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
_SELECT_FIELDS = {"sajt": "sajt", "payment_method": "payment_method", "shipping_method": "shipping_method"}


def _text(value: Any) -> str | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if v not in (None, "")) or None
    return str(value)


def field_text(order: Order, meta: OrderMeta, field: str) -> str | None:
    """The human text of one SalesDrive order field: a select's option text, else the raw value.

    A webhook's ``meta`` holds only the selected option, a list's ``meta`` the whole dictionary:
    look the value up first, then fall back to the selected text, then to the raw value.
    """
    if field in _UTM_FIELDS:
        return _text(getattr(order, _UTM_FIELDS[field]))
    raw = getattr(order, _SELECT_FIELDS[field]) if field in _SELECT_FIELDS else order.custom_fields.get(field)
    values = raw if isinstance(raw, list) else [raw]
    texts = [meta.option_text(field, v) for v in values if v is not None]
    if texts and all(texts):
        return ", ".join(t for t in texts if t)
    selected = meta.selected_texts(field)
    if selected and (raw is None or len(selected) == len(values)):
        return ", ".join(selected)
    return _text(raw)


def characteristic_values(order: Order, meta: OrderMeta, settings: BridgeSettings) -> dict[str, str]:
    """Target (property name, or ``@attribute``) → text, for every mapped field the order has a value for."""
    values: dict[str, str] = {}
    for mapping in settings.characteristics:
        text = field_text(order, meta, mapping.field)
        if text:
            target = mapping.target()
            # An additional property keeps 50 characters (UTP 1.2: ChartsOfCharacteristicTypes/
            # СвойстваОбъектов.xml) and cuts the rest silently: cut it here, so what the bridge
            # remembers having written is what UTP holds. Attributes keep their own length.
            limit = 1024 if target.startswith("@") else PROPERTY_TEXT_LENGTH
            values[target] = text.strip()[:limit]
    return values
