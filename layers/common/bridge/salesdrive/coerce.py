"""Scalar coercions for SalesDrive's loosely typed JSON (pure stdlib; ``lenient`` builds field types on them).

SalesDrive sends numbers as numbers or as strings (``"payment_method": "6"``, ``"cost": "85"``), phones as
a string or a list, empty strings and ``"0000-00-00 00:00:00"`` for "no value", and dates as
``"YYYY-MM-DD HH:MM:SS"`` in the account's local time (no offset). Pure stdlib: the webhook receiver's hot
path uses these without importing pydantic.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

_ZERO_DATE = "0000-00-00"  # MySQL's "no date"
_MAX_INT_DIGITS = 18  # a Decimal's adjusted exponent above this is beyond Int64
# Spaces people and spreadsheets put inside numbers: "1 234,50".
_NUMBER_NOISE = str.maketrans("", "", " \u00a0\u202f\u2009_")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def to_int(value: Any) -> int | None:
    """``12``, ``"12"``, ``12.0``, ``"12.0"`` → 12; None or ``""`` → None; anything else → ValueError."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(f"not an integer: {value!r}")
    if isinstance(value, Decimal):
        # "1e1000000" is 9 bytes of JSON but a million-digit int (~40 s of CPU): refuse beyond Int64 range.
        if value.is_finite() and value.adjusted() > _MAX_INT_DIGITS:
            raise ValueError(f"integer out of range: {value!r}")
        if value == value.to_integral_value():
            return int(value)
        raise ValueError(f"not an integer: {value!r}")
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            number = to_decimal(text)  # "12.0" from a PHP float
            return to_int(number)
    raise ValueError(f"not an integer: {value!r}")


def to_decimal(value: Any) -> Decimal | None:
    """Money and quantities as exact decimals; a float goes through its shortest repr (``0.1`` → 0.1)."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return Decimal(repr(value))
    elif isinstance(value, str):
        text = _decimal_text(value)
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"not a number: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


_GROUPED = {
    ",": re.compile(r"[+-]?\d{1,3}(,\d{3})+"),
    ".": re.compile(r"[+-]?\d{1,3}(\.\d{3})+"),
}
_LEADING_GROUP = re.compile(r"[+-]?[1-9]\d{0,2}")


def _decimal_text(value: str) -> str:
    """A number as people and spreadsheets write it, in Python's spelling; ambiguous forms are refused.

    The rule (never a guess):
    - spaces, no-break spaces and ``_`` inside a number are grouping: ``"1 250,50"`` → 1250.50;
    - one separator kind, one occurrence: a dot is decimal (``"1.250"`` → 1.25, SalesDrive's own form);
      a comma is decimal (``"1,25"`` → 1.25, ``"0,250"`` → 0.25, ``"12345,6"``), except a comma after
      1–3 digits (not a lone 0) followed by exactly three: ``"1,250"`` is 1250 to some and 1.25 to others,
      so it is refused with a reason;
    - one separator kind, several occurrences: thousands grouping in threes: ``"1,250,000"`` → 1250000;
    - both kinds: the last one is the decimal point, the other must group in threes:
      ``"1,250.50"`` and ``"1.250,50"`` → 1250.50.
    Anything else (``"1,25.5"``, ``"1.2.3"``) is not a number.
    """
    text = value.strip().translate(_NUMBER_NOISE)
    commas, dots = text.count(","), text.count(".")
    if not commas and dots <= 1:
        return text
    if commas and dots:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        grouping = "." if decimal_mark == "," else ","
        whole, _, fraction = text.rpartition(decimal_mark)
        if decimal_mark in whole or not _GROUPED[grouping].fullmatch(whole):
            raise ValueError(f"not a number: {value!r}")
        return whole.replace(grouping, "") + "." + fraction
    mark = "," if commas else "."
    if (commas or dots) > 1:
        if not _GROUPED[mark].fullmatch(text):
            raise ValueError(f"not a number: {value!r}")
        return text.replace(mark, "")
    whole, _, fraction = text.partition(",")
    if len(fraction) == 3 and fraction.isdigit() and _LEADING_GROUP.fullmatch(whole):
        raise ValueError(
            f"ambiguous number {value!r}: a thousands separator or a decimal comma? "
            "write it without the comma, or with a dot for decimals"
        )
    return whole + "." + fraction


def to_bool(value: Any) -> bool | None:
    """SalesDrive flags are 0/1, "0"/"1" or booleans."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
    raise ValueError(f"not a flag: {value!r}")


def to_str(value: Any) -> str | None:
    """Identifiers such as ``parameter``/``sku`` may arrive as numbers; they are text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    raise ValueError(f"not a text value: {type(value).__name__}")


def to_str_list(value: Any) -> list[str]:
    """Phones and e-mails: a list in real payloads, a plain string in the Swagger example. Always a list."""
    if _blank(value):
        return []
    items = value if isinstance(value, list | tuple) else [value]
    result: list[str] = []
    for item in items:
        if _blank(item):
            continue
        text = to_str(item)
        if text is not None and text.strip():
            result.append(text.strip())
    return result


def to_datetime(value: Any) -> datetime | None:
    """``"YYYY-MM-DD HH:MM:SS"`` (account-local, naive) and a few neighbours; zero dates are None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if not isinstance(value, str):
        raise ValueError(f"not a date-time: {value!r}")
    text = value.strip()
    if not text or text.startswith(_ZERO_DATE):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"not a date-time: {value!r}")


def to_date(value: Any) -> date | None:
    """``paymentDate`` is ``"YYYY-MM-DD"`` in orders (``DD.MM.YYYY`` when written)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    moment = to_datetime(value)
    return moment.date() if moment is not None else None


def format_datetime(moment: datetime) -> str:
    """The form SalesDrive's filters take."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


# --- lenient forms of fields the order does not need ---------------------------------------------


def soft(convert: Any) -> Any:
    """A converter that reads what it can and gives None for the rest (for fields no rule depends on)."""

    def lenient(value: Any) -> Any:
        try:
            return convert(value)
        except (ValueError, TypeError):
            return None

    return lenient


def as_list(value: Any) -> list[Any]:
    """A list where PHP sends a list, one object, an object keyed "0", "1"…, null or ``""``."""
    if value is None or value == "" or value == {}:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, dict):
        keys = list(value)
        if keys and all(isinstance(k, str) and k.isdigit() for k in keys):  # PHP's array as an object
            return [value[k] for k in sorted(keys, key=int)]
        return [value]
    return [value]


def objects_only(value: Any) -> list[Any]:
    """``as_list`` without the items that are not objects (a stray string among contacts, say)."""
    return [item for item in as_list(value) if isinstance(item, dict)]


def one_object(value: Any) -> Any:
    """One object where SalesDrive may send an object, a one-element list, ``[]`` or ``""``."""
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, dict)), None)
    return value if isinstance(value, dict) else None


def choice(value: Any) -> Any:
    """A select field's value kept as sent, minus what cannot be one: an id (``4``, ``"4"``, ``"id_4"``),
    an option object (``{"id": 4, "name": …}``, ``{"value": 4, "text": …}``) or a list of those."""
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | dict):
        return value
    if isinstance(value, str):
        number = choice_id(value)  # "6" and "id_6" are the option 6; other text stays text
        return int(number) if number is not None else value.strip() or None
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.is_finite() else None
    if isinstance(value, list | tuple):
        items = [choice(item) for item in value]
        return [item for item in items if item is not None and not isinstance(item, list)] or None
    return None


def choice_id(item: Any) -> str | None:
    """The option id of one choice: ``4``, ``"4"``, ``"id_4"``, ``{"id": 4}``, ``{"value": 4}`` → "4"."""
    if isinstance(item, dict):
        item = item.get("id", item.get("value"))
    if isinstance(item, bool) or item is None:
        return None
    text = str(item).strip()
    if text.startswith("id_"):
        text = text[3:]
    try:
        number = to_int(text)
    except ValueError:
        return None
    return str(number) if number is not None else None


def choice_name(item: Any) -> str | None:
    """The name an option object carries with it (``name``, ``text`` or ``title``), if any."""
    if not isinstance(item, dict):
        return None
    for key in ("name", "text", "title"):
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None
