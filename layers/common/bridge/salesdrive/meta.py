"""SalesDrive's descriptions of order fields (``meta`` of webhooks and of the order list) and its
dictionaries (statuses, payment and delivery methods)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationError, model_validator

from bridge.salesdrive import coerce
from bridge.salesdrive.lenient import LenientInt, LenientModel, RequiredInt, SoftText, Text, object_or_none

# --- meta: field descriptors -------------------------------------------------------------------------


class FieldOption(LenientModel):
    """One option of a select field: ``{value, text}`` or, in some accounts, ``{id, name}``. List ``meta``
    may add ``parameter``, ``sku``, ``stockBalance``…"""

    value: int | str | None = None
    text: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _either_shape(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return {"value": None, "text": None}
        value = data.get("value", data.get("id"))
        text = coerce.choice_name(data)
        if isinstance(value, bool) or not isinstance(value, int | str | None):
            value = coerce.choice_id(value)
        return {**data, "value": value, "text": text}

    @property
    def value_int(self) -> int | None:
        try:
            return coerce.to_int(self.value)
        except ValueError:
            return None


def _options(value: Any) -> list[Any]:
    """Options as a list of objects; a dictionary ``{"4": "Name"}`` or ``{"4": {…}}`` becomes that list."""
    if isinstance(value, Mapping) and value and not ({"id", "value"} & set(value)):
        return [
            {"value": key, "text": item} if not isinstance(item, Mapping) else {"value": key, **item}
            for key, item in value.items()
        ]
    return coerce.objects_only(value)


def _descriptors(value: Any) -> dict[str, Any]:
    """``fields``: descriptors by name; an entry that is not an object (``"...": null``) is left out."""
    if not isinstance(value, Mapping):
        return {}
    return {str(name): item for name, item in value.items() if isinstance(item, Mapping)}


class FieldMeta(LenientModel):
    label: SoftText = None
    name: SoftText = None
    type: SoftText = None
    options: Annotated[list[FieldOption], BeforeValidator(_options)] = Field(default_factory=list)
    # Contact groups nest their own descriptors.
    fields: Annotated[dict[str, FieldMeta], BeforeValidator(_descriptors)] | None = None


class ContactsMeta(LenientModel):
    fields: Annotated[dict[str, FieldMeta], BeforeValidator(_descriptors)] = Field(default_factory=dict)


class OrderMeta(LenientModel):
    """``meta`` of a webhook (options = the selected value(s)) or of a list (options = a dictionary).
    Whatever shape it comes in, it never makes an order unreadable: what cannot be read is left out."""

    fields: Annotated[dict[str, FieldMeta], BeforeValidator(_descriptors)] = Field(default_factory=dict)
    contacts: Annotated[ContactsMeta | None, BeforeValidator(coerce.one_object)] = None

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        return data if isinstance(data, Mapping) else {}

    def options(self, field: str) -> list[FieldOption]:
        descriptor = self.fields.get(field)
        return list(descriptor.options) if descriptor else []

    def selected_texts(self, field: str) -> list[str]:
        """In a webhook, the texts of the selected option(s) of ``field`` (multiselects give several)."""
        return [option.text for option in self.options(field) if option.text is not None]

    def selected_text(self, field: str) -> str | None:
        """In a webhook, the text of the selected option: ``selected_text("sajt")`` → "shop.example"."""
        texts = self.selected_texts(field)
        return texts[0] if texts else None

    def option_text(self, field: str, value: int | str | None) -> str | None:
        """In a list ``meta`` (a dictionary), the text of the option with this value."""
        wanted = coerce.choice_id(value)
        if wanted is None:
            return None
        for option in self.options(field):
            if option.value is not None and coerce.choice_id(option.value) == wanted:
                return option.text
        return None


def meta_or_empty(value: Any) -> Any:
    return object_or_none(value) or {}


def parse_meta(value: Any) -> OrderMeta:
    """``meta`` of any shape; never raises (a shape nobody foresaw reads as no names at all)."""
    try:
        return OrderMeta.model_validate(meta_or_empty(value))
    except ValidationError:
        return OrderMeta()


# --- dictionaries ------------------------------------------------------------------------------------


class StatusType(IntEnum):
    """Status categories (``type`` of ``/api/statuses/``). The meanings are inferred, not documented."""

    IN_PROGRESS = 1
    SALE = 2
    REFUSAL_OR_RETURN = 3
    DELETED = 4


class Status(LenientModel):
    id: RequiredInt
    name: Text = None
    type: LenientInt = None


class NamedRef(LenientModel):
    """A payment or delivery method: ``{id, name, parameter}``."""

    id: RequiredInt
    name: Text = None
    parameter: Text = None
