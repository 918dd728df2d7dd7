"""Lenient scalar coercions for SalesDrive's loosely typed JSON.

SalesDrive sends numbers as numbers or as strings (``"payment_method": "6"``, ``"cost": "85"``), phones as
a string or a list, empty strings and ``"0000-00-00 00:00:00"`` for "no value", and dates as
``"YYYY-MM-DD HH:MM:SS"`` in the account's local time (no offset). Pure stdlib: the webhook receiver's hot
path uses these without importing pydantic.
"""

from __future__ import annotations

import math
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
        text = value.strip().translate(_NUMBER_NOISE)
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"not a number: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


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
