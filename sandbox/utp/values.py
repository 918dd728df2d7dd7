"""How a JSON value written through OData becomes an attribute's stored value, as 1C stores it
(strings truncated to their length, numbers rounded to their precision, the Int64 quirk, broken
references accepted, composite fields checked against their type list)."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .errors import ODataError
from .filters import FilterError, norm_date
from .model import EMPTY_REF, NS, UNDEFINED, F
from .store import string_type_description

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def new_ref() -> str:
    return str(uuid.uuid1())


def now_naive() -> str:
    return datetime.now().replace(microsecond=0).isoformat()


def bad_value(name: str) -> ODataError:
    return ODataError(400, "4", f"Неверное значение свойства: {name}")


def coerce(f: F, value: Any) -> Any:
    """A JSON value written to an attribute, as 1C stores it (truncation, the Int64 quirk…)."""
    k = f.kind
    if k == "str":
        text = "" if value is None else str(value)
        return text[: f.length] if f.length else text
    if k == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise bad_value(f.name)
    if k == "num":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise bad_value(f.name) from None
        return fit_number(f, number)
    if k == "int":
        # A non-numeric string sent to an Int64 field is accepted and the value stays 0.
        try:
            number = float(value)
        except (TypeError, ValueError):
            return 0
        return int(fit_number(f, number))
    if k == "date":
        if not isinstance(value, str):
            raise bad_value(f.name)
        try:
            return norm_date(value)
        except FilterError:
            raise bad_value(f.name) from None
    if k == "ref":
        if not isinstance(value, str) or not GUID_RE.match(value):
            raise bad_value(f.name)
        return value.lower()  # a GUID of a missing object is accepted: a "broken" reference
    if k == "enum":
        text = "" if value is None else str(value)
        if text and f.values and text not in f.values:
            raise bad_value(f.name)
        return text
    if k == "typedesc":
        return value if isinstance(value, dict) else string_type_description()
    if k == "storage":
        if value in (None, ""):
            return ""
        if not isinstance(value, str):
            raise bad_value(f.name)
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise bad_value(f.name) from None
        return value
    raise bad_value(f.name)


def fit_number(f: F, number: float) -> float:
    """A number as the attribute's type holds it (schema.json: Число(digits, fraction), sign).

    Rounded to the fraction digits (half away from zero, as 1C rounds); a value whose integer part
    needs more digits than the type has, or a negative value for a non-negative type, is refused
    with 400 "Неверное значение свойства" (the emulator's choice: the type's capacity is the
    configuration's fact, the exact answer of a real base to an out-of-range number is not recorded).
    """
    if number != number or number in (float("inf"), float("-inf")):
        raise bad_value(f.name)
    places = f.fraction if f.digits else 6
    try:
        rounded = Decimal(repr(number)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than any 1C number holds
        raise bad_value(f.name) from None
    if f.nonnegative and rounded < 0:
        raise bad_value(f.name)
    if f.digits and abs(rounded) >= Decimal(10) ** (f.digits - f.fraction):
        raise bad_value(f.name)
    return float(rounded)


def type_allowed(f: F, type_name: str) -> bool:
    """Whether a composite field's type list (schema.json) holds ``type_name``."""
    if not f.types or type_name == UNDEFINED:
        return True
    if type_name in ("Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Decimal"):
        type_name = "Edm.Double"
    return any(type_name == t or (t.endswith("*") and type_name.startswith(t[:-1])) for t in f.types)


def coerce_comp(f: F, value: Any, type_name: Any, old_type: str) -> tuple[Any, str]:
    t = str(type_name) if type_name is not None else old_type
    if t == UNDEFINED:
        return "", t
    if not type_allowed(f, t):
        # a value of a type the field does not hold (1C: the attribute's type description refuses it)
        raise bad_value(f.name + "_Type")
    if t.startswith(NS + "."):
        if value in (None, ""):
            return EMPTY_REF, t
        if not isinstance(value, str) or not GUID_RE.match(value):
            raise bad_value(f.name)
        return value.lower(), t
    number = F(f.name, "num", digits=f.digits, fraction=f.fraction, nonnegative=f.nonnegative)
    prim = {
        "Edm.String": F(f.name, "str", f.length),
        "Edm.Double": number,
        "Edm.Boolean": F(f.name, "bool"),
        "Edm.DateTime": F(f.name, "date"),
        "Edm.Int64": number,
    }.get(t)
    if prim is None:
        raise bad_value(f.name + "_Type")
    return coerce(prim, value), t


def apply_fields(fields: list[F], rec: dict[str, Any], body: dict[str, Any]) -> None:
    for f in fields:
        if f.name in ("Ref_Key", "DataVersion", "LineNumber"):
            continue  # Ref_Key in a body is ignored, DataVersion is the server's
        if f.kind == "comp":
            if f.name in body or f.name + "_Type" in body:
                old_type = rec.get(f.name + "_Type", UNDEFINED)
                val, typ = coerce_comp(
                    f, body.get(f.name, rec.get(f.name)), body.get(f.name + "_Type"), old_type
                )
                rec[f.name], rec[f.name + "_Type"] = val, typ
        elif f.name in body:
            rec[f.name] = coerce(f, body[f.name])
