"""Lenient pydantic field types and the base model of SalesDrive payloads, built on ``coerce``.

Strict types (``Money``, ``RequiredInt`` …) raise on what they cannot read; ``Soft*`` types read what they
can and give None for the rest, for fields no rule depends on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

from bridge.phones import split_phones
from bridge.salesdrive import coerce

LenientInt = Annotated[int | None, BeforeValidator(coerce.to_int)]
Money = Annotated[Decimal | None, BeforeValidator(coerce.to_decimal)]
Text = Annotated[str | None, BeforeValidator(coerce.to_str)]
RequiredInt = Annotated[int, BeforeValidator(coerce.to_int)]
Moment = Annotated[datetime | None, BeforeValidator(coerce.to_datetime)]
Day = Annotated[date | None, BeforeValidator(coerce.to_date)]

# Order fields: read what can be read, None for the rest. What a rule needs is also checked by
# ``_note_unreadable`` so that the rule can park the order with the reason instead of guessing.
SoftInt = Annotated[int | None, BeforeValidator(coerce.soft(coerce.to_int))]
SoftMoney = Annotated[Decimal | None, BeforeValidator(coerce.soft(coerce.to_decimal))]
SoftFlag = Annotated[bool | None, BeforeValidator(coerce.soft(coerce.to_bool))]
SoftText = Annotated[str | None, BeforeValidator(coerce.soft(coerce.to_str))]
SoftTextList = Annotated[list[str], BeforeValidator(coerce.soft(coerce.to_str_list)), Field()]
SoftMoment = Annotated[datetime | None, BeforeValidator(coerce.soft(coerce.to_datetime))]
SoftDay = Annotated[date | None, BeforeValidator(coerce.soft(coerce.to_date))]
# A select field as sent: an id, "id_<n>", an option object {id,name}/{value,text}, or a list of those.
Choice = Annotated[Any, BeforeValidator(coerce.choice)]
UNREADABLE = "__unreadable__"


def _phones(value: Any) -> list[str]:
    """Phones: a list, or one string holding one or several numbers ("067…, 050…", "067… або 050…")."""
    return [phone for text in coerce.soft(coerce.to_str_list)(value) or [] for phone in split_phones(text)]


PhoneList = Annotated[list[str], BeforeValidator(_phones)]


def note_unreadable(data: Any, fields: Mapping[str, Any]) -> Any:
    """Record, under ``UNREADABLE``, each field a rule needs that is present but cannot be read."""
    if not isinstance(data, Mapping):
        return data
    problems: dict[str, str] = {}
    for key, convert in fields.items():
        if key in data:
            try:
                convert(data[key])
            except (ValueError, TypeError) as exc:
                problems[key] = str(exc)
    return {**data, UNREADABLE: problems} if problems else data


def list_or_empty(value: Any) -> Any:
    """``null`` (or ``""``, PHP's empty value) where a list is due means an empty list."""
    if value is None or value == "" or value == {}:
        return []
    return value


def object_or_none(value: Any) -> Any:
    """PHP serialises an empty object as ``[]``."""
    if value == [] or value == "":
        return None
    return value


class LenientModel(BaseModel):
    """Base of every SalesDrive model: unknown keys kept, the wire spelling (camelCase) and the Python name
    both accepted; a field whose wire name is not the camelCase of its name says so with ``alias``."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=False, alias_generator=to_camel)

    @property
    def extra(self) -> dict[str, Any]:
        """Keys SalesDrive sent that this model does not name."""
        return {k: v for k, v in (self.model_extra or {}).items() if k != UNREADABLE}
